package pypi

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The zip records read before archive/zip is trusted with an archive
// (PKWARE's APPNOTE.TXT, sections 4.3.12 to 4.3.16).
const (
	zipDirHeaderSig = 0x02014b50 // central directory file header
	zipDirEndSig    = 0x06054b50 // end of central directory record
	zipDir64LocSig  = 0x07064b50 // ZIP64 end of central directory locator
	zipDir64EndSig  = 0x06064b50 // ZIP64 end of central directory record
	zipDirHeaderLen = 46
	zipDirEndLen    = 22
	zipDir64LocLen  = 20
	zipDir64EndLen  = 56
	// zipEndSearch is how far from the end the end record is looked for:
	// the record and the longest comment, as archive/zip searches.
	zipEndSearch = 65 * 1024
)

// maxDirectoryBytes caps a zip's central directory: about 160 bytes for
// each of maxEntries entries (a path of 100 and the usual extra fields).
// Within both caps, archive/zip's reading of a directory costs at most
// about 100 MB. A variable for tests.
var maxDirectoryBytes int64 = 32 << 20

// openZip opens a wheel or .zip sdist once its central directory is known
// to be within the limits. zip.NewReader builds a File (and copies the
// name) for every header it finds, however many the end record announces,
// so a file that is nothing but a directory would cost hundreds of MB
// before len(File) could be checked: the end records, then the headers
// themselves, are checked first, reading a bounded part of the file into
// a fixed amount of memory.
func openZip(ra io.ReaderAt, size int64) (*zip.Reader, error) {
	if err := checkZipDirectory(ra, size); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: not a zip archive: %v", ErrDist, err)
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%w: more than %d files", ErrDist, maxEntries)
	}
	return zr, nil
}

// zipDirectory is what an archive's end records say of its central
// directory.
type zipDirectory struct {
	records    uint64 // entries (only the low 16 bits are reliable without ZIP64)
	size       uint64 // bytes
	offset     uint64 // from the start of the archive
	endOffset  int64  // where the end record (the ZIP64 one if any) starts
	notZipText string // why the file is not a zip archive, "" if it is one
}

// checkZipDirectory refuses an archive whose end records announce more
// entries than maxEntries or a directory larger than maxDirectoryBytes or
// than the file, or whose directory holds more headers than that. It
// reads the end records as archive/zip does, then walks the headers from
// where archive/zip will start reading them, the way it reads them (one
// after the other until one is not a header: it compares the announced
// count only modulo 65536 and never uses the announced size), stopping at
// the first limit crossed.
func checkZipDirectory(ra io.ReaderAt, size int64) error {
	d, err := readZipEnd(ra, size)
	if err != nil {
		return fmt.Errorf("%w: not a zip archive: %v", ErrDist, err)
	}
	if d.notZipText != "" {
		return fmt.Errorf("%w: not a zip archive: %s", ErrDist, d.notZipText)
	}
	switch {
	case d.records > maxEntries:
		return fmt.Errorf("%w: more than %d files (the archive's end record announces %d)", ErrDist, maxEntries, d.records)
	case d.size > uint64(maxDirectoryBytes):
		return fmt.Errorf("%w: the zip central directory (%d bytes) is larger than the maximum of %d bytes", ErrDist, d.size, maxDirectoryBytes)
	case d.size > uint64(size) || d.offset > uint64(size):
		return fmt.Errorf("%w: the zip central directory (%d bytes at offset %d) does not fit in the file (%d bytes)", ErrDist, d.size, d.offset, size)
	case d.records*zipDirHeaderLen > d.size:
		return fmt.Errorf("%w: the zip central directory (%d bytes) is too small for the %d entries announced", ErrDist, d.size, d.records)
	}
	// archive/zip reads the directory from base+offset, where base is
	// what comes before the archive (a self-extracting stub); it falls
	// back to a base of 0 when a header is found there. Both starts are
	// walked.
	base := d.endOffset - int64(d.size) - int64(d.offset)
	start := base + int64(d.offset)
	if start < 0 || start >= size {
		return fmt.Errorf("%w: not a zip archive: the central directory starts outside the file", ErrDist)
	}
	if err := walkZipDirectory(ra, size, start); err != nil {
		return err
	}
	if base > 0 {
		return walkZipDirectory(ra, size, int64(d.offset))
	}
	return nil
}

// readZipEnd finds the end of central directory record (and the ZIP64
// one it points to) as archive/zip does.
func readZipEnd(ra io.ReaderAt, size int64) (zipDirectory, error) {
	if size < zipDirEndLen {
		return zipDirectory{notZipText: "too short"}, nil
	}
	n := min(size, zipEndSearch)
	buf := make([]byte, n)
	if _, err := ra.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return zipDirectory{}, err
	}
	p := findZipEnd(buf)
	if p < 0 {
		return zipDirectory{notZipText: "no end of central directory record"}, nil
	}
	le := binary.LittleEndian
	rec := buf[p:]
	d := zipDirectory{
		records:   uint64(le.Uint16(rec[10:])),
		size:      uint64(le.Uint32(rec[12:])),
		offset:    uint64(le.Uint32(rec[16:])),
		endOffset: size - n + int64(p),
	}
	// The values that send archive/zip to the ZIP64 records (as it tests
	// them).
	if d.records != 0xffff && d.size != 0xffff && d.offset != 0xffffffff {
		return d, nil
	}
	locAt := d.endOffset - zipDir64LocLen
	if locAt < 0 {
		return d, nil
	}
	var loc [zipDir64LocLen]byte
	if _, err := ra.ReadAt(loc[:], locAt); err != nil {
		return zipDirectory{}, err
	}
	if le.Uint32(loc[0:]) != zipDir64LocSig || le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) != 1 {
		return d, nil // no (usable) locator: the classic record stands
	}
	at := le.Uint64(loc[8:])
	if at > uint64(size) {
		return zipDirectory{notZipText: "the ZIP64 end record is outside the file"}, nil
	}
	var rec64 [zipDir64EndLen]byte
	if _, err := ra.ReadAt(rec64[:], int64(at)); err != nil {
		return zipDirectory{}, err
	}
	if le.Uint32(rec64[0:]) != zipDir64EndSig {
		return zipDirectory{notZipText: "no ZIP64 end record where the locator says"}, nil
	}
	d.records = le.Uint64(rec64[32:])
	d.size = le.Uint64(rec64[40:])
	d.offset = le.Uint64(rec64[48:])
	d.endOffset = int64(at)
	return d, nil
}

// findZipEnd returns where the end record is in b (the end of the file),
// or -1: the last signature whose comment fits, as archive/zip decides.
func findZipEnd(b []byte) int {
	for i := len(b) - zipDirEndLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(b[i:]) == zipDirEndSig {
			n := int(binary.LittleEndian.Uint16(b[i+zipDirEndLen-2:]))
			if n+zipDirEndLen+i > len(b) {
				return -1
			}
			return i
		}
	}
	return -1
}

// walkZipDirectory reads the central directory headers from start on, as
// archive/zip will, counting them and their bytes without keeping them,
// and refuses the archive once they exceed maxEntries or
// maxDirectoryBytes.
func walkZipDirectory(ra io.ReaderAt, size, start int64) error {
	br := bufio.NewReaderSize(io.NewSectionReader(ra, start, size-start), 32<<10)
	var h [zipDirHeaderLen]byte
	var read int64
	for entries := 0; ; entries++ {
		if _, err := io.ReadFull(br, h[:]); err != nil || binary.LittleEndian.Uint32(h[:]) != zipDirHeaderSig {
			return nil // where archive/zip stops too
		}
		if entries >= maxEntries {
			return fmt.Errorf("%w: more than %d files", ErrDist, maxEntries)
		}
		le := binary.LittleEndian
		variable := int64(le.Uint16(h[28:])) + int64(le.Uint16(h[30:])) + int64(le.Uint16(h[32:]))
		read += zipDirHeaderLen + variable
		if read > maxDirectoryBytes {
			return fmt.Errorf("%w: the zip central directory is larger than the maximum of %d bytes", ErrDist, maxDirectoryBytes)
		}
		if _, err := br.Discard(int(variable)); err != nil {
			return nil
		}
	}
}
