package npm

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// A gzip member whose deflate stream is the concatenation of parts each
// compressed on its own (RFC 1951 blocks ending in a sync flush, so each
// ends on a byte boundary and refers to nothing before it), closed by an
// empty final block. One member, as every gzip reader expects; the
// parts lose only the matches that would have crossed their edges.

// deflatePart compresses p into non-final deflate blocks that end byte
// aligned.
func deflatePart(p []byte) []byte {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	zw.Write(p)
	zw.Flush() // a sync flush: an empty stored block, byte aligned, not final
	return buf.Bytes()
}

// gzipParts returns body gzipped, given its three parts, the middle one
// already deflated (deflatePart); nil when that does not shrink it.
func gzipParts(body, head, middle, tail []byte) []byte {
	h, t := deflatePart(head), deflatePart(tail)
	size := 10 + len(h) + len(middle) + len(t) + 5 + 8
	if size >= len(body) {
		return nil
	}
	out := make([]byte, 0, size)
	// ID1 ID2, deflate, no flags, no time, fastest (XFL 4), OS unknown.
	out = append(out, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255)
	out = append(out, h...)
	out = append(out, middle...)
	out = append(out, t...)
	out = append(out, 1, 0, 0, 0xff, 0xff) // final stored block, empty
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
	return binary.LittleEndian.AppendUint32(out, uint32(len(body)))
}
