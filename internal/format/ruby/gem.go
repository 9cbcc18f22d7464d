package ruby

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds on what a .gem may hold before artifactd refuses it.
const (
	// maxMetadataGz caps metadata.gz as stored in the .gem.
	maxMetadataGz = 1 << 20
	// MaxSpecBytes caps the gemspec YAML once inflated.
	MaxSpecBytes = 4 << 20
	// maxChecksumsBytes caps checksums.yaml, inflated.
	maxChecksumsBytes = 64 << 10
	// maxEntries caps the entries of the outer tar (a .gem has three,
	// plus signatures).
	maxEntries = 16
)

// ErrGem marks a .gem that cannot be read.
var ErrGem = errors.New("invalid gem")

func gemErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrGem, fmt.Sprintf(format, a...))
}

// ReadGem reads a .gem (a tar of metadata.gz, data.tar.gz and
// checksums.yaml.gz, and .sig files when signed) and returns its gemspec
// YAML. Entries other than those are refused, as are entries that are
// not regular files, so no path trick can pass. When checksums.yaml.gz is
// present, the SHA256 or SHA512 it gives for the other entries must match.
func ReadGem(r io.Reader) ([]byte, error) {
	tr := tar.NewReader(r)
	var spec []byte
	var checksums []byte
	sums := map[string][2]string{} // entry → sha256, sha512
	hasData := false
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, gemErr("not a tar archive: %v", err)
		}
		if n >= maxEntries {
			return nil, gemErr("more than %d entries", maxEntries)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			return nil, gemErr("entry %q is not a regular file", h.Name)
		}
		switch h.Name {
		case "metadata.gz":
			if spec != nil {
				return nil, gemErr("two metadata.gz entries")
			}
			b, err := readEntry(tr, maxMetadataGz, h.Name)
			if err != nil {
				return nil, err
			}
			sums[h.Name] = digests(b)
			if spec, err = gunzip(b, MaxSpecBytes, h.Name); err != nil {
				return nil, err
			}
		case "checksums.yaml.gz":
			b, err := readEntry(tr, maxMetadataGz, h.Name)
			if err != nil {
				return nil, err
			}
			if checksums, err = gunzip(b, maxChecksumsBytes, h.Name); err != nil {
				return nil, err
			}
		case "data.tar.gz":
			if hasData {
				return nil, gemErr("two data.tar.gz entries")
			}
			hasData = true
			h256, h512 := sha256.New(), sha512.New()
			if _, err := io.Copy(io.MultiWriter(h256, h512), tr); err != nil {
				return nil, gemErr("reading data.tar.gz: %v", err)
			}
			sums[h.Name] = [2]string{hex.EncodeToString(h256.Sum(nil)), hex.EncodeToString(h512.Sum(nil))}
		case "metadata.gz.sig", "data.tar.gz.sig", "checksums.yaml.gz.sig":
			// Signatures are kept in the file, not checked (gem install
			// -P checks them on the client).
		default:
			return nil, gemErr("unexpected entry %q (a .gem holds metadata.gz, data.tar.gz and checksums.yaml.gz)", h.Name)
		}
	}
	if spec == nil {
		return nil, gemErr("no metadata.gz")
	}
	if !hasData {
		return nil, gemErr("no data.tar.gz")
	}
	if checksums != nil {
		if err := checkChecksums(checksums, sums); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

func readEntry(r io.Reader, limit int64, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, gemErr("reading %s: %v", name, err)
	}
	if int64(len(b)) > limit {
		return nil, gemErr("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}

// gunzip inflates b, refusing more than limit bytes.
func gunzip(b []byte, limit int64, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, gemErr("%s is not gzip: %v", name, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, gemErr("%s is not gzip: %v", name, err)
	}
	if int64(len(out)) > limit {
		return nil, gemErr("%s inflates to more than %d bytes", name, limit)
	}
	return out, nil
}

func digests(b []byte) [2]string {
	a, c := sha256.Sum256(b), sha512.Sum512(b)
	return [2]string{hex.EncodeToString(a[:]), hex.EncodeToString(c[:])}
}

// checkChecksums compares checksums.yaml (SHA256:/SHA512: maps of entry
// to hex digest) with the entries read.
func checkChecksums(doc []byte, sums map[string][2]string) error {
	var cs map[string]map[string]string
	if err := decodeYAML(doc, &cs); err != nil {
		return gemErr("checksums.yaml: %v", err)
	}
	for alg, i := range map[string]int{"SHA256": 0, "SHA512": 1} {
		for entry, want := range cs[alg] {
			got, ok := sums[entry]
			if !ok {
				continue // an entry the .gem does not hold (e.g. a .sig)
			}
			if !strings.EqualFold(strings.TrimSpace(want), got[i]) {
				return gemErr("the %s of %s does not match checksums.yaml", alg, entry)
			}
		}
	}
	return nil
}
