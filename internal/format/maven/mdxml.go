package maven

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ArtifactMetadata is the artifact-level maven-metadata.xml ({group}/{artifact}/maven-metadata.xml).
type ArtifactMetadata struct {
	GroupID, ArtifactID string
	Versions            []string // in the order to write them (the caller sorts)
	Latest, Release     string   // "" = omitted
	LastUpdated         time.Time
}

// SnapshotVersion is one file of a SNAPSHOT build in version-level metadata.
type SnapshotVersion struct {
	Classifier, Extension, Value string // Value e.g. "1.0-20261201.101010-1"
	Updated                      time.Time
}

// SnapshotMetadata is the version-level maven-metadata.xml of a SNAPSHOT version.
type SnapshotMetadata struct {
	GroupID, ArtifactID, Version string // Version "1.0-SNAPSHOT"
	Timestamp                    string // "20261201.101010"
	BuildNumber                  int
	LastUpdated                  time.Time
	Files                        []SnapshotVersion
}

// Uploaded is what a client's uploaded maven-metadata.xml says.
type Uploaded struct {
	GroupID, ArtifactID, Version string
	Versions                     []string // <versioning><versions>
	Latest, Release              string
	SnapshotTimestamp            string // <versioning><snapshot><timestamp>
	SnapshotBuildNumber          int
	Plugins                      bool // a group-level document with <plugins> and no <versioning>
}

const (
	// mdxmlMaxDocument bounds the POMs and metadata documents read; real ones
	// are kilobytes, and a metadata file of 8 MiB lists >100k versions.
	mdxmlMaxDocument = 8 << 20

	mdxmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

	// mdxmlModelVersion is the metadata model with <snapshotVersions>, which
	// Maven 3 writes and reads.
	mdxmlModelVersion = "1.1.0"

	// mdxmlUpdatedLayout is Maven's <lastUpdated> and <updated>, in UTC.
	mdxmlUpdatedLayout = "20060102150405"
)

type mdxmlArtifact struct {
	XMLName      xml.Name `xml:"metadata"`
	ModelVersion string   `xml:"modelVersion,attr"`
	GroupID      string   `xml:"groupId,omitempty"`
	ArtifactID   string   `xml:"artifactId,omitempty"`
	Versioning   struct {
		Latest      string         `xml:"latest,omitempty"`
		Release     string         `xml:"release,omitempty"`
		Versions    *mdxmlVersions `xml:"versions"`
		LastUpdated string         `xml:"lastUpdated,omitempty"`
	} `xml:"versioning"`
}

// Lists are pointers to a wrapper, because encoding/xml writes an empty
// parent for an empty "a>b" field; Maven leaves empty lists out.
type mdxmlVersions struct {
	Version []string `xml:"version"`
}

type mdxmlSnapshotVersions struct {
	SnapshotVersion []mdxmlSnapshotVersion `xml:"snapshotVersion"`
}

type mdxmlSnapshot struct {
	Timestamp   string `xml:"timestamp,omitempty"`
	BuildNumber int    `xml:"buildNumber,omitempty"`
}

type mdxmlSnapshotVersion struct {
	Classifier string `xml:"classifier,omitempty"`
	Extension  string `xml:"extension"`
	Value      string `xml:"value"`
	Updated    string `xml:"updated,omitempty"`
}

type mdxmlSnapshotMetadata struct {
	XMLName      xml.Name `xml:"metadata"`
	ModelVersion string   `xml:"modelVersion,attr"`
	GroupID      string   `xml:"groupId,omitempty"`
	ArtifactID   string   `xml:"artifactId,omitempty"`
	Version      string   `xml:"version,omitempty"`
	Versioning   struct {
		Snapshot         *mdxmlSnapshot         `xml:"snapshot"`
		LastUpdated      string                 `xml:"lastUpdated,omitempty"`
		SnapshotVersions *mdxmlSnapshotVersions `xml:"snapshotVersions"`
	} `xml:"versioning"`
}

func mdxmlUpdated(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(mdxmlUpdatedLayout)
}

// mdxmlRender writes a document the way Maven does: UTF-8 declaration, two
// spaces of indentation, a final newline. Marshal escapes every value and
// replaces characters XML cannot hold, so the output always parses.
func mdxmlRender(v any) []byte {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		// Only strings and ints go in; nothing here can fail to marshal.
		panic("maven: rendering metadata: " + err.Error())
	}
	out := make([]byte, 0, len(mdxmlHeader)+len(body)+1)
	out = append(out, mdxmlHeader...)
	out = append(out, body...)
	return append(out, '\n')
}

// RenderArtifactMetadata writes the artifact-level maven-metadata.xml:
// groupId, artifactId, then versioning with latest, release, versions
// and lastUpdated. Empty values, an empty version list and a zero time
// are left out, as Maven leaves out unset fields.
func RenderArtifactMetadata(m ArtifactMetadata) []byte {
	var x mdxmlArtifact
	x.ModelVersion = mdxmlModelVersion
	x.GroupID, x.ArtifactID = m.GroupID, m.ArtifactID
	x.Versioning.Latest, x.Versioning.Release = m.Latest, m.Release
	if len(m.Versions) > 0 {
		x.Versioning.Versions = &mdxmlVersions{m.Versions}
	}
	x.Versioning.LastUpdated = mdxmlUpdated(m.LastUpdated)
	return mdxmlRender(x)
}

// RenderSnapshotMetadata writes the version-level maven-metadata.xml of
// a SNAPSHOT: groupId, artifactId, version, then versioning with snapshot
// (timestamp, buildNumber), lastUpdated and one snapshotVersion per file
// (classifier only when there is one), in the order given.
func RenderSnapshotMetadata(m SnapshotMetadata) []byte {
	var x mdxmlSnapshotMetadata
	x.ModelVersion = mdxmlModelVersion
	x.GroupID, x.ArtifactID, x.Version = m.GroupID, m.ArtifactID, m.Version
	if m.Timestamp != "" || m.BuildNumber != 0 {
		x.Versioning.Snapshot = &mdxmlSnapshot{Timestamp: m.Timestamp, BuildNumber: m.BuildNumber}
	}
	x.Versioning.LastUpdated = mdxmlUpdated(m.LastUpdated)
	if len(m.Files) > 0 {
		list := make([]mdxmlSnapshotVersion, len(m.Files))
		for i, f := range m.Files {
			list[i] = mdxmlSnapshotVersion{Classifier: f.Classifier, Extension: f.Extension, Value: f.Value, Updated: mdxmlUpdated(f.Updated)}
		}
		x.Versioning.SnapshotVersions = &mdxmlSnapshotVersions{list}
	}
	return mdxmlRender(x)
}

type mdxmlUploaded struct {
	XMLName    xml.Name
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Versioning *struct {
		Latest   string   `xml:"latest"`
		Release  string   `xml:"release"`
		Versions []string `xml:"versions>version"`
		Snapshot *struct {
			Timestamp   string `xml:"timestamp"`
			BuildNumber string `xml:"buildNumber"`
		} `xml:"snapshot"`
	} `xml:"versioning"`
	Plugins *struct{} `xml:"plugins"`
}

// ParseMetadata reads an uploaded maven-metadata.xml (refuse DOCTYPE; error messages fit for a 400).
// Values are trimmed as Maven trims them; empty <version> entries are
// dropped. A <snapshot><timestamp> must be yyyyMMdd.HHmmss and a
// <buildNumber> a non-negative number.
func ParseMetadata(data []byte) (Uploaded, error) {
	fail := func(format string, args ...any) (Uploaded, error) {
		return Uploaded{}, fmt.Errorf("invalid maven-metadata.xml: %s", fmt.Sprintf(format, args...))
	}
	var x mdxmlUploaded
	if err := mdxmlDecode(data, "metadata", &x); err != nil {
		return fail("%v", err)
	}
	u := Uploaded{
		GroupID:    strings.TrimSpace(x.GroupID),
		ArtifactID: strings.TrimSpace(x.ArtifactID),
		Version:    strings.TrimSpace(x.Version),
		Plugins:    x.Plugins != nil && x.Versioning == nil,
	}
	v := x.Versioning
	if v == nil {
		return u, nil
	}
	u.Latest, u.Release = strings.TrimSpace(v.Latest), strings.TrimSpace(v.Release)
	for _, s := range v.Versions {
		if s = strings.TrimSpace(s); s != "" {
			u.Versions = append(u.Versions, s)
		}
	}
	if s := v.Snapshot; s != nil {
		u.SnapshotTimestamp = strings.TrimSpace(s.Timestamp)
		if u.SnapshotTimestamp != "" {
			if !pathValidTimestamp(u.SnapshotTimestamp) {
				return fail("<timestamp> %s is not yyyyMMdd.HHmmss", pathQuote(u.SnapshotTimestamp))
			}
		}
		if b := strings.TrimSpace(s.BuildNumber); b != "" {
			n, err := strconv.Atoi(b)
			if err != nil || n < 0 || strings.HasPrefix(b, "+") {
				return fail("<buildNumber> %s is not a non-negative number", pathQuote(b))
			}
			u.SnapshotBuildNumber = n
		}
	}
	return u, nil
}

// mdxmlNoDirectives hands the raw tokens of d on, refusing any <!DOCTYPE>:
// entity declarations are never needed in a POM or metadata and invite
// expansion attacks. The Decoder reading from it still checks nesting and
// resolves name spaces.
type mdxmlNoDirectives struct{ d *xml.Decoder }

func (n mdxmlNoDirectives) Token() (xml.Token, error) {
	t, err := n.d.RawToken()
	if _, ok := t.(xml.Directive); ok {
		return nil, errors.New("DOCTYPE and other <!...> declarations are not allowed")
	}
	return t, err
}

// mdxmlDecode unmarshals data, whose root element must be named root
// (in any name space), into v.
func mdxmlDecode(data []byte, root string, v any) error {
	if len(data) > mdxmlMaxDocument {
		return fmt.Errorf("the document is larger than %d MiB", mdxmlMaxDocument>>20)
	}
	raw := xml.NewDecoder(bytes.NewReader(data))
	raw.CharsetReader = mdxmlCharsetReader
	d := xml.NewTokenDecoder(mdxmlNoDirectives{raw})
	for {
		t, err := d.Token()
		if err == io.EOF {
			return errors.New("no root element")
		}
		if err != nil {
			return err
		}
		if start, ok := t.(xml.StartElement); ok {
			if start.Name.Local != root {
				return fmt.Errorf("the root element is <%s>, not <%s>", start.Name.Local, root)
			}
			return d.DecodeElement(v, &start)
		}
	}
}

// mdxmlCharsetReader decodes the single-byte encodings old POMs declare
// (ISO-8859-1 mostly); encoding/xml itself reads only UTF-8.
func mdxmlCharsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii":
		return &mdxmlByteCharset{src: in}, nil
	case "windows-1252", "cp1252":
		// The WHATWG mapping: bytes it leaves undefined stay C1 controls.
		return &mdxmlByteCharset{src: in, high: []rune("€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ")}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

// mdxmlByteCharset decodes a single-byte charset to UTF-8: bytes map to the
// code points of the same value (ISO-8859-1), except 0x80-0x9F when high
// gives them other characters.
type mdxmlByteCharset struct {
	src  io.Reader
	high []rune
	buf  []byte // decoded bytes
	out  []byte // the part of buf not yet read
	err  error
}

func (c *mdxmlByteCharset) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		var in [1024]byte
		n, err := c.src.Read(in[:])
		c.err = err
		out := c.buf[:0] // reuse the buffer once it is all read
		for _, b := range in[:n] {
			r := rune(b)
			if c.high != nil && b >= 0x80 && b <= 0x9f {
				r = c.high[b-0x80]
			}
			out = utf8.AppendRune(out, r)
		}
		c.buf, c.out = out, out
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}
