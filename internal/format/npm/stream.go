package npm

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/artifactd/artifactd/internal/hashing"
)

// Limits of a PUT /<name> document read as a stream.
const (
	// maxDocumentMeta bounds everything but the attachments' data
	// (manifests, readme), which is kept in memory.
	maxDocumentMeta = 32 << 20
	// maxAttachments bounds the files of one document (a publish has one).
	maxAttachments = 4
)

// errDocument wraps what makes a document unreadable (a 400).
var errDocument = errors.New("the request body is not a valid npm document")

// tarballFile is an attachment's decoded bytes, spooled to a temp file
// while they were hashed.
type tarballFile struct {
	f    *os.File
	sums hashing.Sums
}

// reader reads the bytes from the start (safe for concurrent ReadAt).
func (t *tarballFile) reader() *io.SectionReader { return io.NewSectionReader(t.f, 0, t.sums.Size) }

func (t *tarballFile) remove() {
	t.f.Close()
	os.Remove(t.f.Name())
}

// readDocument reads a PUT /<name> body as a stream. Every member is
// decoded as encoding/json would, except the attachments' base64 data,
// which is decoded straight into temp files in tempDir (hashed on the
// way), so a publish costs memory for its manifest, not its tarball.
// The caller removes the files (document.close) whatever the outcome.
func readDocument(body io.Reader, tempDir string) (doc document, err error) {
	d := &docReader{br: bufio.NewReaderSize(body, 64<<10), tempDir: tempDir}
	defer func() {
		if err != nil {
			doc.close()
			doc = document{}
		}
	}()
	var meta bytes.Buffer // the document without _attachments, for json.Unmarshal
	meta.WriteByte('{')
	if err := d.object(func(key string, raw []byte) error {
		if key == "_attachments" {
			if doc.Attachments != nil {
				return fmt.Errorf("%w: _attachments appears twice", errDocument)
			}
			var err error
			doc.Attachments, err = d.attachments()
			return err
		}
		v, err := d.raw()
		if err != nil {
			return err
		}
		if meta.Len() > 1 {
			meta.WriteByte(',')
		}
		meta.Write(raw)
		meta.WriteByte(':')
		meta.Write(v)
		return nil
	}); err != nil {
		return doc, err
	}
	if c, err := d.next(); err != io.EOF {
		return doc, fmt.Errorf("%w: unexpected %q after the document", errDocument, c)
	}
	meta.WriteByte('}')
	// encoding/json matches member names case-insensitively: a member
	// spelled "_Attachments" must not decode into the spooled files' map
	// (replacing an attachment would leak its file).
	files := doc.Attachments
	doc.Attachments = nil
	err = json.Unmarshal(meta.Bytes(), &doc)
	doc.Attachments = files
	if err != nil {
		return doc, fmt.Errorf("%w: %v", errDocument, err)
	}
	return doc, nil
}

// close removes the document's spooled attachments.
func (doc document) close() {
	for _, a := range doc.Attachments {
		if a.file != nil {
			a.file.remove()
		}
	}
}

type docReader struct {
	br      *bufio.Reader
	meta    int64 // bytes of members other than attachment data
	tempDir string
}

func (d *docReader) count(n int) error {
	d.meta += int64(n)
	if d.meta > maxDocumentMeta {
		return fmt.Errorf("%w: its manifest and readme are larger than %d bytes", errDocument, maxDocumentMeta)
	}
	return nil
}

// next returns the next byte that is not JSON whitespace.
func (d *docReader) next() (byte, error) {
	for {
		c, err := d.br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

// peek is the next non-whitespace byte, not consumed (0 at the end).
func (d *docReader) peek() byte {
	c, err := d.next()
	if err != nil {
		return 0
	}
	d.br.UnreadByte()
	return c
}

func (d *docReader) expect(want byte) error {
	c, err := d.next()
	if err != nil {
		return fmt.Errorf("%w: %w", errDocument, noEOF(err))
	}
	if c != want {
		return fmt.Errorf("%w: expected %q, found %q", errDocument, want, c)
	}
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// str reads a string (a member name) and returns it decoded and as
// written (quotes included).
func (d *docReader) str() (string, []byte, error) {
	if err := d.expect('"'); err != nil {
		return "", nil, err
	}
	raw := []byte{'"'}
	for esc := false; ; {
		c, err := d.br.ReadByte()
		if err != nil {
			return "", nil, fmt.Errorf("%w: %w", errDocument, noEOF(err))
		}
		if err := d.count(1); err != nil {
			return "", nil, err
		}
		raw = append(raw, c)
		switch {
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", nil, fmt.Errorf("%w: %v", errDocument, err)
			}
			return s, raw, nil
		}
	}
}

// raw reads one JSON value as written (checked later by json.Unmarshal).
func (d *docReader) raw() ([]byte, error) {
	var buf []byte
	depth, inStr, esc := 0, false, false
	c, err := d.next()
	for ; ; c, err = d.br.ReadByte() {
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errDocument, noEOF(err))
		}
		if err := d.count(1); err != nil {
			return nil, err
		}
		if inStr {
			buf = append(buf, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if depth == 0 {
					return buf, nil
				}
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']', ',':
			if depth == 0 {
				d.br.UnreadByte()
				return buf, nil
			}
			if c != ',' {
				depth--
				if depth == 0 {
					return append(buf, c), nil
				}
			}
		}
		buf = append(buf, c)
	}
}

// object reads a JSON object, calling member with each member's name
// (decoded, and as written) with the reader at the member's value, which
// member must consume.
func (d *docReader) object(member func(key string, raw []byte) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.br.ReadByte()
		return nil
	}
	for {
		key, raw, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := member(key, raw); err != nil {
			return err
		}
		sep, err := d.next()
		if err != nil {
			return fmt.Errorf("%w: %w", errDocument, noEOF(err))
		}
		if sep == '}' {
			return nil
		}
		if sep != ',' {
			return fmt.Errorf("%w: expected ',' or '}' after member %q", errDocument, key)
		}
	}
}

// attachments reads the _attachments object, spooling each data string.
func (d *docReader) attachments() (map[string]attachment, error) {
	out := map[string]attachment{}
	err := d.object(func(name string, _ []byte) error {
		if len(out) >= maxAttachments {
			return fmt.Errorf("%w: more than %d attachments", errDocument, maxAttachments)
		}
		a, err := d.attachment()
		if old, dup := out[name]; dup && old.file != nil {
			old.file.remove() // the last one wins, as in encoding/json
		}
		out[name] = a
		return err
	})
	return out, err
}

// attachment reads one attachment object.
func (d *docReader) attachment() (attachment, error) {
	var a attachment
	err := d.object(func(key string, _ []byte) error {
		if key == "data" {
			if a.file != nil {
				return fmt.Errorf("%w: an attachment has two data members", errDocument)
			}
			var err error
			a.file, err = d.spoolData()
			return err
		}
		raw, err := d.raw()
		if err != nil {
			return err
		}
		var dst any
		switch key {
		case "content_type":
			dst = &a.ContentType
		case "length":
			dst = &a.Length
		}
		switch {
		case dst != nil:
			if err := json.Unmarshal(raw, dst); err != nil {
				return fmt.Errorf("%w: attachment %s: %v", errDocument, key, err)
			}
		case !json.Valid(raw): // ignored, but JSON all the same
			return fmt.Errorf("%w: attachment member %q is not a JSON value", errDocument, key)
		}
		return nil
	})
	return a, err
}

// spoolData decodes a base64 data string into a temp file, hashing it.
func (d *docReader) spoolData() (*tarballFile, error) {
	if err := d.expect('"'); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(d.tempDir, "npm-publish-*")
	if err != nil {
		return nil, err
	}
	t := &tarballFile{f: f}
	h := hashing.New()
	src := &jsonStringReader{br: d.br}
	if _, err := io.Copy(io.MultiWriter(f, h), base64.NewDecoder(base64.StdEncoding, src)); err != nil {
		t.remove()
		if src.err != nil {
			return nil, src.err
		}
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			return nil, err // the server's disk
		}
		return nil, fmt.Errorf("%w: the tarball attachment is not valid base64: %v", errDocument, err)
	}
	if !src.done {
		t.remove()
		return nil, fmt.Errorf("%w: the attachment's data does not end", errDocument)
	}
	t.sums = h.Sums()
	return t, nil
}

// jsonStringReader yields the contents of a JSON string up to its closing
// quote, for base64 data: "\/" is "/", escaped line breaks are dropped
// (the base64 decoder ignores them anyway); any other escape is refused.
type jsonStringReader struct {
	br   *bufio.Reader
	done bool
	err  error // the client's failure, when reading the body failed
}

func (s *jsonStringReader) Read(p []byte) (int, error) {
	i := 0
	for i < len(p) && !s.done {
		c, err := s.br.ReadByte()
		if err != nil {
			s.err = noEOF(err)
			if errors.Is(err, io.EOF) {
				s.err = fmt.Errorf("%w: %v", errDocument, s.err)
			}
			return i, s.err
		}
		switch {
		case c == '"':
			s.done = true
			continue
		case c < 0x20: // JSON strings hold no raw control characters
			s.err = fmt.Errorf("%w: a control character in the attachment's data", errDocument)
			return i, s.err
		case c == '\\':
			e, err := s.br.ReadByte()
			if err != nil {
				s.err = fmt.Errorf("%w: %w", errDocument, noEOF(err))
				return i, s.err
			}
			switch e {
			case '/':
				c = '/'
			case 'n', 'r':
				continue
			default:
				s.err = fmt.Errorf("%w: unexpected escape \\%s in base64 data", errDocument, strconv.QuoteRuneToASCII(rune(e)))
				return i, s.err
			}
		}
		p[i] = c
		i++
	}
	if i == 0 && s.done {
		return 0, io.EOF
	}
	return i, nil
}
