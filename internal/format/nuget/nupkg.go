package nuget

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

const (
	// MaxPackageBytes caps a .nupkg (CodeArtifact's asset limit).
	MaxPackageBytes = 5 << 30
	// maxEntries caps the files of a .nupkg.
	maxEntries = 100000
	// MaxReadmeBytes caps the readme kept for the control plane.
	MaxReadmeBytes = 1 << 20
)

// ErrPackage marks a .nupkg that cannot be accepted.
var ErrPackage = errors.New("invalid package")

// Package is what a .nupkg says of itself.
type Package struct {
	Nuspec    *Nuspec
	NuspecRaw []byte
	Readme    string // the packed readme <readme> names, "" when none
}

// ReadPackage reads a .nupkg (an OPC zip, "Package (.nupkg) format"):
// exactly one .nuspec at its root, the readme the nuspec names. Every
// entry name is checked for path tricks; only the nuspec and the readme
// are decompressed, each bounded.
func ReadPackage(r io.ReaderAt, size int64) (*Package, error) {
	if size > MaxPackageBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrPackage, int64(MaxPackageBytes))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: not a zip archive: %v", ErrPackage, err)
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%w: more than %d files", ErrPackage, maxEntries)
	}
	var spec *zip.File
	byName := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return nil, err
		}
		key := strings.ToLower(f.Name)
		if _, dup := byName[key]; dup {
			return nil, fmt.Errorf("%w: the archive holds %q twice", ErrPackage, f.Name)
		}
		byName[key] = f
		if !strings.Contains(f.Name, "/") && strings.HasSuffix(strings.ToLower(f.Name), ".nuspec") {
			if spec != nil {
				return nil, fmt.Errorf("%w: more than one .nuspec at the root", ErrPackage)
			}
			spec = f
		}
	}
	if spec == nil {
		return nil, fmt.Errorf("%w: no .nuspec at the root of the archive", ErrPackage)
	}
	raw, err := readEntry(spec, MaxNuspecBytes)
	if err != nil {
		return nil, err
	}
	n, err := ParseNuspec(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPackage, err)
	}
	p := &Package{Nuspec: n, NuspecRaw: raw}
	if rm := strings.TrimSpace(n.Metadata.Readme); rm != "" {
		name := path.Clean(strings.ReplaceAll(rm, `\`, "/"))
		f := byName[strings.ToLower(name)]
		if f == nil {
			return nil, fmt.Errorf("%w: the readme %q the .nuspec names is not in the package", ErrPackage, rm)
		}
		b, err := readEntry(f, MaxReadmeBytes)
		if err != nil {
			return nil, err
		}
		p.Readme = string(b)
	}
	return p, nil
}

// checkEntryName refuses names that would escape a directory they are
// extracted to, or that NuGet's own reader refuses.
func checkEntryName(name string) error {
	bad := name == "" || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) ||
		strings.ContainsAny(name, "\x00") || len(name) > 1024 ||
		(len(name) >= 2 && name[1] == ':')
	if !bad {
		for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
			if seg == ".." {
				bad = true
			}
		}
	}
	if bad {
		return fmt.Errorf("%w: the archive has an unsafe file name %q", ErrPackage, name)
	}
	return nil
}

// readEntry decompresses one entry, at most limit bytes.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrPackage, f.Name, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPackage, f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPackage, f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrPackage, f.Name, limit)
	}
	return b, nil
}
