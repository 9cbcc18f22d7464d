package cargo

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

const (
	// MaxUnpackedBytes caps what a .crate unpacks to.
	MaxUnpackedBytes = 2 << 30
	// maxEntries caps the entries of a .crate.
	maxEntries = 100_000
	// maxReadmeBytes caps a readme read from the .crate.
	maxReadmeBytes = 1 << 20
)

// CheckCrate reads a .crate (a gzip'd tar) to its end: every entry must be
// a file or directory under {name}-{version}/ with no path tricks, within
// the size and count caps, and Cargo.toml must be there. It returns the
// file readme names in the package ("" = none), read from the crate.
func CheckCrate(r io.Reader, name, version, readme string) (string, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return "", fmt.Errorf("the .crate is not gzip-compressed: %v", err)
	}
	zr.Multistream(false)
	tr := tar.NewReader(io.LimitReader(zr, MaxUnpackedBytes+1))
	prefix := name + "-" + version + "/"
	readmePath := ""
	if readme != "" {
		readmePath = path.Clean(prefix + strings.TrimPrefix(readme, "./"))
	}
	var readmeText string
	var total int64
	hasManifest := false
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("the .crate is not a valid tar archive: %v", err)
		}
		if n >= maxEntries {
			return "", fmt.Errorf("the .crate has more than %d entries", maxEntries)
		}
		if err := checkEntryName(h.Name, prefix); err != nil {
			return "", err
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir:
		case tar.TypeXGlobalHeader:
			continue
		default:
			return "", fmt.Errorf("the .crate entry %q is not a regular file or directory", h.Name)
		}
		total += h.Size
		if h.Size < 0 || total > MaxUnpackedBytes {
			return "", fmt.Errorf("the .crate unpacks to more than %d bytes", int64(MaxUnpackedBytes))
		}
		clean := path.Clean(h.Name)
		if clean == prefix+"Cargo.toml" && h.Typeflag == tar.TypeReg {
			hasManifest = true
		}
		if readmePath != "" && clean == readmePath && h.Typeflag == tar.TypeReg && h.Size <= maxReadmeBytes {
			b, err := io.ReadAll(io.LimitReader(tr, maxReadmeBytes))
			if err != nil {
				return "", fmt.Errorf("the .crate is not a valid tar archive: %v", err)
			}
			readmeText = string(b)
		}
	}
	// The rest of the gzip stream: the tar's end-of-archive padding.
	if _, err := io.Copy(io.Discard, io.LimitReader(zr, 1<<20)); err != nil {
		return "", fmt.Errorf("the .crate's gzip stream is corrupt: %v", err)
	}
	if !hasManifest {
		return "", fmt.Errorf("the .crate has no %sCargo.toml", prefix)
	}
	return readmeText, nil
}

// checkEntryName refuses names outside prefix, absolute names, ".."
// segments, backslashes and control characters.
func checkEntryName(name, prefix string) error {
	if !strings.HasPrefix(name, prefix) && name+"/" != prefix {
		return fmt.Errorf("the .crate entry %q is not under %s", name, prefix)
	}
	if strings.ContainsAny(name, "\\\x00") || len(name) > 4096 {
		return fmt.Errorf("the .crate entry %q has a forbidden character", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return fmt.Errorf("the .crate entry %q leaves its directory", name)
		}
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("the .crate entry %q has a control character", name)
		}
	}
	return nil
}
