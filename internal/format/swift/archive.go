package swift

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Bounds on what a publish's source archive may hold and what is read of
// it. The archive itself is checked from its central directory; only the
// manifests and the README are decompressed, each bounded.
const (
	// MaxArchiveBytes caps a source archive (CodeArtifact's asset limit).
	MaxArchiveBytes = 5 << 30
	maxEntries      = 100_000
	maxNameBytes    = 4096
	// MaxManifestBytes caps each Package.swift and Package@swift-*.swift.
	MaxManifestBytes = 1 << 20
	maxManifests     = 64
	maxReadmeBytes   = 1 << 20
)

// versionedManifest matches version-specific manifest file names
// (Registry.md 4.3): Package@swift-{major}[.{minor}[.{patch}]].swift.
var versionedManifest = regexp.MustCompile(`^Package@swift-(\d+)(?:\.(\d+))?(?:\.(\d+))?\.swift$`)

// Manifest is one manifest file of a release.
type Manifest struct {
	Name         string // "Package.swift" or "Package@swift-5.7.swift"
	ToolsVersion string // from its "// swift-tools-version:" line; "" when absent
	Content      []byte
}

// Archive is what a publish keeps of a source archive.
type Archive struct {
	Top       string     // the single top-level directory
	Manifests []Manifest // Package.swift first
	Readme    string
}

// archiveError is a source archive the registry refuses (422).
type archiveError struct{ msg string }

func (e *archiveError) Error() string { return e.msg }

func refuse(format string, args ...any) error {
	return &archiveError{msg: fmt.Sprintf(format, args...)}
}

// InspectArchive checks a source archive as `swift package archive-source`
// makes it and SwiftPM unpacks it (it strips the first path component): a
// zip whose entries all lie under one top-level directory, with safe
// relative paths (no "..", no absolute or Windows paths, no symbolic
// links), and a Package.swift in that directory. It returns the manifests
// and the README of the top directory.
func InspectArchive(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, refuse("the source archive is not a valid zip file: %v", err)
	}
	if len(zr.File) > maxEntries {
		return nil, refuse("the source archive has more than %d entries", maxEntries)
	}
	if len(zr.File) == 0 {
		return nil, refuse("the source archive is empty")
	}
	a := &Archive{}
	seen := make(map[string]bool, len(zr.File))
	var manifests []*zip.File
	var readme *zip.File
	for _, f := range zr.File {
		name := f.Name
		if err := checkEntryName(name); err != nil {
			return nil, err
		}
		if t := f.Mode().Type(); t != 0 && t != fs.ModeDir { // symbolic links, devices, pipes
			return nil, refuse("the source archive entry %q is not a regular file or directory", name)
		}
		clean := strings.TrimSuffix(name, "/")
		if seen[clean] {
			return nil, refuse("the source archive has the entry %q twice", clean)
		}
		seen[clean] = true
		top, rest, _ := strings.Cut(clean, "/")
		switch {
		case a.Top == "":
			a.Top = top
		case a.Top != top:
			return nil, refuse("the source archive must hold a single top-level directory (as swift package archive-source makes it); it has %q and %q", a.Top, top)
		}
		if rest == "" {
			if !strings.HasSuffix(name, "/") {
				return nil, refuse("the source archive must hold a single top-level directory; %q is a file", name)
			}
			continue
		}
		if strings.Contains(rest, "/") || strings.HasSuffix(name, "/") {
			continue
		}
		switch {
		case rest == "Package.swift" || versionedManifest.MatchString(rest):
			if len(manifests) >= maxManifests {
				return nil, refuse("the source archive has more than %d manifests", maxManifests)
			}
			manifests = append(manifests, f)
		case readme == nil && (strings.EqualFold(rest, "README.md") || strings.EqualFold(rest, "README")):
			readme = f
		}
	}
	for _, f := range manifests {
		b, err := readEntry(f, MaxManifestBytes)
		if err != nil {
			return nil, err
		}
		m := Manifest{Name: path.Base(f.Name), ToolsVersion: ToolsVersion(b), Content: b}
		if m.Name == "Package.swift" {
			a.Manifests = append([]Manifest{m}, a.Manifests...)
		} else {
			a.Manifests = append(a.Manifests, m)
		}
	}
	if len(a.Manifests) == 0 || a.Manifests[0].Name != "Package.swift" {
		return nil, refuse("package doesn't contain a valid manifest: %s/Package.swift is missing", a.Top)
	}
	if readme != nil {
		if b, err := readEntry(readme, maxReadmeBytes); err == nil && utf8.Valid(b) {
			a.Readme = string(b)
		}
	}
	return a, nil
}

// checkEntryName refuses path tricks: absolute and drive paths,
// backslashes, "." and ".." segments, empty segments, NUL and invalid
// UTF-8.
func checkEntryName(name string) error {
	switch {
	case name == "" || len(name) > maxNameBytes:
		return refuse("the source archive has an entry with an empty or too long name")
	case !utf8.ValidString(name) || strings.ContainsAny(name, "\\\x00"):
		return refuse("the source archive entry %q has an invalid name", name)
	case strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':'):
		return refuse("the source archive entry %q is an absolute path", name)
	}
	for _, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return refuse("the source archive entry %q has an empty, \".\" or \"..\" segment", name)
		}
	}
	return nil
}

// readEntry decompresses one entry of at most limit bytes.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, refuse("%s is larger than %d bytes", f.Name, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, refuse("%s cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, refuse("%s cannot be read: %v", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, refuse("%s is larger than %d bytes", f.Name, limit)
	}
	return b, nil
}

// ToolsVersion reads the Swift tools version a manifest declares on its
// first line, "// swift-tools-version:5.9" (spaces allowed around the
// colon, settings after a ";"); "" when there is none.
func ToolsVersion(manifest []byte) string {
	line := manifest
	if i := strings.IndexByte(string(line[:min(len(line), 256)]), '\n'); i >= 0 {
		line = line[:i]
	} else if len(line) > 256 {
		line = line[:256]
	}
	s := strings.TrimPrefix(strings.TrimSpace(string(line)), "\ufeff")
	rest, ok := strings.CutPrefix(s, "//")
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	rest, ok = cutPrefixFold(rest, "swift-tools-version")
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	if rest, ok = strings.CutPrefix(rest, ":"); !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	end := 0
	for end < len(rest) && (rest[end] >= '0' && rest[end] <= '9' || rest[end] == '.') {
		end++
	}
	v := strings.Trim(rest[:end], ".")
	if v == "" || strings.Contains(v, "..") {
		return ""
	}
	return v
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
