package npm

import (
	"errors"
	"io"
	"time"
)

// doc is a rendered packument as parts written one after the other. The
// parts that render one group of versions (verGroup) are shared by the
// documents of later states that leave the group as it is, so that a
// change renders its head and the groups it touches, and copies nothing
// else.
type doc struct {
	parts [][]byte
	size  int
}

// wholeDoc is a document of one part.
func wholeDoc(b []byte) doc { return doc{parts: [][]byte{b}, size: len(b)} }

func (d *doc) add(p []byte) {
	if len(p) > 0 {
		d.parts = append(d.parts, p)
		d.size += len(p)
	}
}

// bytes returns the document in one slice (its part when it has one).
func (d doc) bytes() []byte {
	if len(d.parts) == 1 {
		return d.parts[0]
	}
	out := make([]byte, 0, d.size)
	for _, p := range d.parts {
		out = append(out, p...)
	}
	return out
}

// writeTo writes the parts to w.
func (d doc) writeTo(w io.Writer) error {
	for _, p := range d.parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// reader reads the document, seeking as http.ServeContent does for
// ranges.
func (d doc) reader() io.ReadSeeker { return &partsReader{parts: d.parts, size: int64(d.size)} }

type partsReader struct {
	parts [][]byte
	size  int64
	off   int64
}

func (r *partsReader) Read(b []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := 0
	var start int64
	for _, p := range r.parts {
		end := start + int64(len(p))
		if r.off < end && n < len(b) {
			c := copy(b[n:], p[r.off-start:])
			n += c
			r.off += int64(c)
		}
		start = end
		if n == len(b) {
			break
		}
	}
	return n, nil
}

func (r *partsReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("npm: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("npm: seek before the start")
	}
	r.off = offset
	return offset, nil
}

// verGroup is a run of consecutive versions (SemVer order) rendered
// together. Where runs end depends on the versions alone (endsGroup), so
// that a change of one version changes its run only (or joins or splits
// it), whatever the package's size.
type verGroup struct {
	heads []groupHead
	items []byte // each version as `,"version":{manifest}`
	times []byte // full document: each as `,"version":"time"` (nil: abbreviated)
}

// groupHead identifies a version's rendering: a row's manifest and
// summary are what its revision names.
type groupHead struct {
	id        int64
	revision  string
	version   string
	published time.Time
}

// groupSpan is the mean number of versions in a group.
const groupSpan = 64

// endsGroup reports whether a group ends after version: about one version
// in groupSpan, chosen by a hash of the version string (FNV-1a).
func endsGroup(version string) bool {
	h := uint32(2166136261)
	for i := 0; i < len(version); i++ {
		h ^= uint32(version[i])
		h *= 16777619
	}
	return h%groupSpan == 0
}

// sameHeads reports whether g renders versions (a run of the document's).
func (g *verGroup) sameHeads(versions []docVersion) bool {
	if len(g.heads) != len(versions) {
		return false
	}
	for i, h := range g.heads {
		v := &versions[i]
		if h.id == 0 || h.id != v.id || h.revision == "" || h.revision != v.revision || h.version != v.version || !h.published.Equal(v.published) {
			return false
		}
	}
	return true
}
