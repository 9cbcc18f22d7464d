package npm

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"sync"
	"unsafe"
)

// A gzip member whose deflate stream is the concatenation of parts each
// compressed on its own (RFC 1951 blocks ending in a sync flush, so each
// ends on a byte boundary and refers to nothing before it), closed by an
// empty final block. One member, as every gzip reader expects; the
// parts lose only the matches that would have crossed their edges.

// gzipHeader: ID1 ID2, deflate, no flags, no time, fastest (XFL 4), OS
// unknown.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255}

var flateWriters = sync.Pool{New: func() any {
	zw, _ := flate.NewWriter(nil, flate.BestSpeed)
	return zw
}}

// appendDeflated appends p compressed into non-final deflate blocks that
// end byte aligned.
func appendDeflated(dst, p []byte) []byte {
	buf := bytes.NewBuffer(dst)
	zw := flateWriters.Get().(*flate.Writer)
	zw.Reset(buf)
	zw.Write(p)
	zw.Flush() // a sync flush: an empty stored block, byte aligned, not final
	flateWriters.Put(zw)
	return buf.Bytes()
}

// gzipParts gzips d part by part, taking the compressed bytes of the
// parts prev compressed too from it. It returns the gzip member (in one
// slice: served in one write) and where each of d's parts is in it; nil
// when compressing does not shrink d. reused counts the parts taken from
// prev.
func gzipParts(d doc, prev *lazyGzip) (gz []byte, index map[partKey][2]int, reused int) {
	out := make([]byte, 0, d.size/8)
	out = append(out, gzipHeader...)
	index = make(map[partKey][2]int, len(d.parts))
	crc := uint32(0)
	for _, p := range d.parts {
		crc = crc32.Update(crc, crc32.IEEETable, p)
		k := partKey{unsafe.SliceData(p), len(p)}
		start := len(out)
		if r, ok := prev.find(k); ok {
			out = append(out, prev.gz[r[0]:r[1]]...)
			reused++
		} else {
			out = appendDeflated(out, p)
		}
		index[k] = [2]int{start, len(out)}
	}
	out = append(out, 1, 0, 0, 0xff, 0xff) // final stored block, empty
	out = binary.LittleEndian.AppendUint32(out, crc)
	out = binary.LittleEndian.AppendUint32(out, uint32(d.size))
	if len(out) >= d.size {
		return nil, nil, reused
	}
	return out, index, reused
}
