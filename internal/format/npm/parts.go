package npm

import (
	"io"
	"time"

	"github.com/artifactd/artifactd/internal/format/vindex"
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
func (d doc) reader() io.ReadSeeker { return vindex.NewDoc(d.parts).Reader() }

// verGroup is a run of consecutive versions (SemVer order) rendered
// together. Where runs end depends on the versions alone (vindex.EndsGroup), so
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
