package vindex

import (
	"errors"
	"io"
	"sort"
)

// Doc is a document kept as the parts it is made of (a head, each
// version's part, separators, a tail), read without joining them: an
// edited index costs a list of slices, not a copy of its bytes.
type Doc struct {
	parts [][]byte
	ends  []int64 // ends[i]: offset just past parts[i]
}

// NewDoc makes a document of parts (which must not change afterwards).
func NewDoc(parts [][]byte) Doc {
	d := Doc{parts: make([][]byte, 0, len(parts)), ends: make([]int64, 0, len(parts))}
	var off int64
	for _, p := range parts {
		if len(p) == 0 {
			continue
		}
		off += int64(len(p))
		d.parts = append(d.parts, p)
		d.ends = append(d.ends, off)
	}
	return d
}

// Size is the document's length in bytes.
func (d Doc) Size() int64 {
	if len(d.ends) == 0 {
		return 0
	}
	return d.ends[len(d.ends)-1]
}

// Bytes returns the document joined (for tests and small documents).
func (d Doc) Bytes() []byte {
	b := make([]byte, 0, d.Size())
	for _, p := range d.parts {
		b = append(b, p...)
	}
	return b
}

// Reader reads the document from its start.
func (d Doc) Reader() io.ReadSeeker { return &docReader{d: d} }

type docReader struct {
	d   Doc
	off int64
}

func (r *docReader) Read(p []byte) (int, error) {
	size := r.d.Size()
	if r.off >= size {
		return 0, io.EOF
	}
	n := 0
	// The part holding off, then the ones after it.
	i := sort.Search(len(r.d.ends), func(i int) bool { return r.d.ends[i] > r.off })
	for n < len(p) && i < len(r.d.parts) {
		part := r.d.parts[i]
		start := r.off - (r.d.ends[i] - int64(len(part)))
		c := copy(p[n:], part[start:])
		n += c
		r.off += int64(c)
		i++
	}
	return n, nil
}

func (r *docReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.d.Size()
	default:
		return 0, errors.New("vindex: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("vindex: negative position")
	}
	r.off = offset
	return offset, nil
}
