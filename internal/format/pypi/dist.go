package pypi

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// ErrDist is wrapped by every error about a distribution file's content.
var ErrDist = errors.New("invalid distribution file")

// ErrNoPkgInfo is an sdist that is a sound archive without a PKG-INFO.
var ErrNoPkgInfo = fmt.Errorf("%w: the sdist has no PKG-INFO", ErrDist)

// maxEntries caps the files of an archive artifactd looks into.
const maxEntries = 200000

// maxScanBytes caps the decompressed bytes read from an sdist while
// looking for its PKG-INFO (a gzip bomb stops here). A variable for tests.
var maxScanBytes int64 = 512 << 20

// unsafePath reports names that would escape the directory an archive is
// unpacked into: absolute, with '..' segments, or with backslashes.
func unsafePath(name string) bool {
	if strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) {
		return true
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// readCapped reads all of r, failing beyond MaxMetadataBytes whatever the
// archive claimed the size to be.
func readCapped(r io.Reader, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxMetadataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrDist, what, err)
	}
	if len(b) > MaxMetadataBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrDist, what, MaxMetadataBytes)
	}
	return b, nil
}

// WheelMetadata returns the bytes of a wheel's {name}-{version}.dist-info/
// METADATA: the file pip reads, and what PEP 658 serves beside the wheel.
// project (normalized) picks the right .dist-info if there are several.
func WheelMetadata(ra io.ReaderAt, size int64, project string) ([]byte, error) {
	zr, err := openZip(ra, size)
	if err != nil {
		return nil, err
	}
	var candidates []*zip.File
	for _, f := range zr.File {
		if unsafePath(f.Name) {
			return nil, fmt.Errorf("%w: unsafe path %q in the wheel", ErrDist, truncate(f.Name, 100))
		}
		dir, file, ok := strings.Cut(f.Name, "/")
		if ok && file == "METADATA" && strings.HasSuffix(dir, ".dist-info") && dir != ".dist-info" {
			candidates = append(candidates, f)
		}
	}
	var meta *zip.File
	switch {
	case len(candidates) == 1:
		meta = candidates[0]
	case len(candidates) > 1:
		for _, f := range candidates {
			dir, _, _ := strings.Cut(f.Name, "/")
			name, _, _ := strings.Cut(strings.TrimSuffix(dir, ".dist-info"), "-")
			if Normalize(name) == project {
				if meta != nil {
					return nil, fmt.Errorf("%w: several .dist-info directories for %s", ErrDist, project)
				}
				meta = f
			}
		}
		if meta == nil {
			return nil, fmt.Errorf("%w: none of the wheel's .dist-info directories is for %s", ErrDist, project)
		}
	}
	if meta == nil {
		return nil, fmt.Errorf("%w: the wheel has no .dist-info/METADATA", ErrDist)
	}
	if meta.UncompressedSize64 > MaxMetadataBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrDist, meta.Name, MaxMetadataBytes)
	}
	rc, err := meta.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %v", ErrDist, meta.Name, err)
	}
	defer rc.Close()
	return readCapped(rc, meta.Name)
}

// SdistMetadata returns the PKG-INFO at the top of a source distribution
// ({name}-{version}/PKG-INFO) in a .tar.gz or .zip.
func SdistMetadata(ra io.ReaderAt, size int64, ext string) ([]byte, error) {
	switch ext {
	case ".zip":
		return zipSdistMetadata(ra, size)
	case ".tar.gz":
		return tarSdistMetadata(io.NewSectionReader(ra, 0, size))
	}
	return nil, fmt.Errorf("%w: unsupported sdist type %q", ErrDist, ext)
}

// isTopPkgInfo reports whether name is {dir}/PKG-INFO.
func isTopPkgInfo(name string) bool {
	name = strings.TrimPrefix(name, "./")
	dir, file, ok := strings.Cut(name, "/")
	return ok && file == "PKG-INFO" && dir != "" && dir != "." && path.Clean(dir) == dir
}

func zipSdistMetadata(ra io.ReaderAt, size int64) ([]byte, error) {
	zr, err := openZip(ra, size)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if unsafePath(f.Name) {
			return nil, fmt.Errorf("%w: unsafe path %q in the sdist", ErrDist, truncate(f.Name, 100))
		}
	}
	for _, f := range zr.File {
		if !isTopPkgInfo(f.Name) || f.FileInfo().IsDir() {
			continue
		}
		if f.UncompressedSize64 > MaxMetadataBytes {
			return nil, fmt.Errorf("%w: PKG-INFO is larger than %d bytes", ErrDist, MaxMetadataBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: opening PKG-INFO: %v", ErrDist, err)
		}
		defer rc.Close()
		return readCapped(rc, "PKG-INFO")
	}
	return nil, ErrNoPkgInfo
}

// errTooBig stops reading a decompression bomb.
var errTooBig = fmt.Errorf("%w: the archive decompresses to too many bytes before its PKG-INFO", ErrDist)

// cappedReader fails once more than n bytes were read.
type cappedReader struct {
	r io.Reader
	n int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

func tarSdistMetadata(r io.Reader) ([]byte, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: not a gzip file: %v", ErrDist, err)
	}
	defer gz.Close()
	tr := tar.NewReader(&cappedReader{r: gz, n: maxScanBytes})
	for i := 0; ; i++ {
		if i >= maxEntries {
			return nil, fmt.Errorf("%w: more than %d files", ErrDist, maxEntries)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, ErrNoPkgInfo
		}
		if errors.Is(err, errTooBig) {
			return nil, fmt.Errorf("%w (more than %d bytes)", errTooBig, maxScanBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: not a tar archive: %v", ErrDist, err)
		}
		if unsafePath(h.Name) {
			return nil, fmt.Errorf("%w: unsafe path %q in the sdist", ErrDist, truncate(h.Name, 100))
		}
		if h.Typeflag != tar.TypeReg || !isTopPkgInfo(h.Name) {
			continue
		}
		if h.Size > MaxMetadataBytes {
			return nil, fmt.Errorf("%w: PKG-INFO is larger than %d bytes", ErrDist, MaxMetadataBytes)
		}
		return readCapped(tr, "PKG-INFO")
	}
}
