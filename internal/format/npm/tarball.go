package npm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
)

// Limits on reading a published tarball. Only package/package.json and
// package/README* are read; everything else is skipped unread.
const (
	maxUnpackedScan = 1 << 30 // decompressed bytes walked looking for them
	maxEntries      = 200_000
	maxPackageJSON  = 4 << 20
	maxReadme       = 1 << 20 // longer READMEs are cut here
)

// tarballFiles is what a publish reads from its tarball.
type tarballFiles struct {
	PackageJSON []byte
	Readme      string // "" when there is none
}

// readTarball extracts package/package.json and the best package/README*
// from a gzipped npm tarball, defensively: bounded sizes, regular files
// only, paths compared after cleaning.
func readTarball(tgz []byte) (tarballFiles, error) {
	return readTarballFrom(bytes.NewReader(tgz))
}

// readTarballFrom is readTarball for a tarball read as a stream.
func readTarballFrom(tgz io.Reader) (tarballFiles, error) {
	var out tarballFiles
	zr, err := gzip.NewReader(tgz)
	if err != nil {
		return out, domain.Invalid("The package tarball is not gzip data: %v", err)
	}
	defer zr.Close()
	tr := tar.NewReader(&io.LimitedReader{R: zr, N: maxUnpackedScan})
	readmeRank := 0
	for n := 0; ; n++ {
		if n >= maxEntries {
			return out, domain.Invalid("The package tarball has more than %d entries", maxEntries)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if out.PackageJSON != nil {
				break // what we need was read; a damaged tail does not matter
			}
			return out, domain.Invalid("The package tarball cannot be read: %v", err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			continue
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		dir, file := path.Split(name)
		if dir != "package/" {
			continue
		}
		switch {
		case file == "package.json":
			if h.Size > maxPackageJSON {
				return out, domain.Invalid("package.json in the tarball is larger than %d bytes", maxPackageJSON)
			}
			b, err := io.ReadAll(io.LimitReader(tr, maxPackageJSON+1))
			if err != nil {
				return out, domain.Invalid("The package tarball cannot be read: %v", err)
			}
			out.PackageJSON = b
		case readmeRankOf(file) > readmeRank:
			b, err := io.ReadAll(io.LimitReader(tr, maxReadme))
			if err != nil {
				return out, domain.Invalid("The package tarball cannot be read: %v", err)
			}
			readmeRank = readmeRankOf(file)
			out.Readme = strings.ToValidUTF8(string(b), "\uFFFD")
		}
		if out.PackageJSON != nil && readmeRank == bestReadme {
			break
		}
	}
	if out.PackageJSON == nil {
		return out, domain.Invalid("The package tarball has no package/package.json")
	}
	return out, nil
}

const bestReadme = 3

// readmeRankOf ranks README candidates as npm does when it picks one:
// README.md, then README (or another extension such as .markdown or
// .txt); 0 means not a README.
func readmeRankOf(file string) int {
	lower := strings.ToLower(file)
	switch {
	case lower == "readme.md":
		return bestReadme
	case lower == "readme":
		return 2
	case strings.HasPrefix(lower, "readme."):
		return 1
	}
	return 0
}
