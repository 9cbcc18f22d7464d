package maven

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// PathKind says what a Maven repository path names.
type PathKind int

const (
	KindFile             PathKind = iota // {group path}/{artifactId}/{version}/{file}
	KindArtifactMetadata                 // {group path}/{artifactId}/maven-metadata.xml
	KindVersionMetadata                  // {group path}/{artifactId}/{version}/maven-metadata.xml
)

// Path is a request path under a Maven repository endpoint, parsed and validated.
type Path struct {
	Kind       PathKind
	GroupID    string // dotted: org.example.app
	ArtifactID string
	Version    string // the directory's version ("" for KindArtifactMetadata); e.g. "1.0" or "1.0-SNAPSHOT"
	File       string // the file name without any checksum suffix: "lib-1.0-sources.jar", "maven-metadata.xml"
	Checksum   string // "" or one of "md5", "sha1", "sha256", "sha512" (the request is for File's checksum)
	// For KindFile only:
	Build      string // for a SNAPSHOT directory, the build in the file name: "20261201.101010-1" ("" when the file is named with X-SNAPSHOT itself, or for release versions)
	Classifier string // "sources", "javadoc", "" ...
	Extension  string // "jar", "pom", "tar.gz", "jar.asc", "module" ... (everything after the first '.' following the version/classifier)
}

const (
	// pathMaxName bounds each name: CodeArtifact's namespace, package and
	// version limit, and a common file-system limit for file names.
	pathMaxName = 255

	pathMetadataName = "maven-metadata.xml"

	pathSnapshotWord = "SNAPSHOT"

	// pathTimestampLayout is the time part of a SNAPSHOT build, in UTC.
	pathTimestampLayout = "20060102.150405"
)

func pathErrorf(format string, args ...any) error {
	return fmt.Errorf("Not a Maven repository path: %s", fmt.Sprintf(format, args...))
}

// pathQuote quotes a piece of a path or document for an error message, cut short:
// the message goes back to the client and into logs.
func pathQuote(s string) string {
	const keep = 80
	if len(s) > keep {
		return fmt.Sprintf("%q...", s[:keep])
	}
	return fmt.Sprintf("%q", s)
}

// pathCutChecksum splits a checksum suffix off a file name. Only lowercase
// suffixes count: clients name them so, and CodeArtifact compares them
// case-sensitively too.
func pathCutChecksum(name string) (file, algo string) {
	for _, a := range []string{"md5", "sha1", "sha256", "sha512"} {
		if f, ok := strings.CutSuffix(name, "."+a); ok {
			return f, a
		}
	}
	return name, ""
}

// ParsePath parses the part of the URL path after the repository endpoint, still percent-escaped as sent (e.g. "com/example/lib/1.0/lib-1.0.jar"). It returns an error whose message is fit to show the client (the handler answers 400 with it) when the path is not a Maven repository path.
func ParsePath(escaped string) (Path, error) {
	if escaped == "" {
		return Path{}, pathErrorf("the path is empty")
	}
	segs := strings.Split(escaped, "/")
	for i, raw := range segs {
		seg, err := url.PathUnescape(raw)
		if err != nil {
			return Path{}, pathErrorf("invalid percent-escape in segment %s", pathQuote(raw))
		}
		if err := pathCheckSegment(seg); err != nil {
			return Path{}, err
		}
		segs[i] = seg
	}

	n := len(segs)
	file, checksum := pathCutChecksum(segs[n-1])
	if _, again := pathCutChecksum(file); again != "" {
		// Checksums are computed, never stored, so a checksum's checksum
		// names nothing; refusing it keeps File free of checksum suffixes.
		return Path{}, pathErrorf("%s is a checksum of a checksum", pathQuote(segs[n-1]))
	}
	if file == "" {
		return Path{}, pathErrorf("segment %s has no file name before its checksum suffix", pathQuote(segs[n-1]))
	}
	if len(file) > pathMaxName {
		return Path{}, pathErrorf("the file name is longer than %d bytes", pathMaxName)
	}

	var p Path
	var group []string
	switch {
	case file == pathMetadataName && n >= 4 && IsSnapshot(segs[n-2]):
		// Maven writes version-level metadata only for SNAPSHOT versions,
		// which settles a/b/c/maven-metadata.xml (artifact c of group a.b)
		// against a/b/1.0-SNAPSHOT/maven-metadata.xml.
		p.Kind = KindVersionMetadata
		group, p.ArtifactID, p.Version = segs[:n-3], segs[n-3], segs[n-2]
	case file == pathMetadataName:
		if n < 3 {
			return Path{}, pathErrorf("metadata must be at {group path}/{artifactId}/%s", pathMetadataName)
		}
		p.Kind = KindArtifactMetadata
		group, p.ArtifactID = segs[:n-2], segs[n-2]
	default:
		if n < 4 {
			return Path{}, pathErrorf("a file must be at {group path}/{artifactId}/{version}/{file}")
		}
		p.Kind = KindFile
		group, p.ArtifactID, p.Version = segs[:n-3], segs[n-3], segs[n-2]
	}
	for _, g := range group {
		if len(g) > pathMaxName {
			return Path{}, pathErrorf("group segment %s is longer than %d bytes", pathQuote(g), pathMaxName)
		}
		if !pathValidName(g) {
			return Path{}, pathErrorf("group segment %s: only letters, digits, '_', '.' and '-' are allowed, not starting with '.'", pathQuote(g))
		}
	}
	p.GroupID = strings.Join(group, ".")
	if len(p.GroupID) > pathMaxName {
		return Path{}, pathErrorf("the groupId is longer than %d bytes", pathMaxName)
	}
	if len(p.ArtifactID) > pathMaxName {
		return Path{}, pathErrorf("the artifactId is longer than %d bytes", pathMaxName)
	}
	if !pathValidName(p.ArtifactID) {
		return Path{}, pathErrorf("artifactId %s: only letters, digits, '_', '.' and '-' are allowed, not starting with '.'", pathQuote(p.ArtifactID))
	}
	if p.Kind != KindArtifactMetadata {
		if len(p.Version) > pathMaxName {
			return Path{}, pathErrorf("the version is longer than %d bytes", pathMaxName)
		}
		if !pathValidVersion(p.Version) {
			return Path{}, pathErrorf("version %s: only letters, digits and '_', '.', '+', '~', '-' are allowed, not starting with '.' or '-'", pathQuote(p.Version))
		}
	}
	p.File, p.Checksum = file, checksum
	if p.Kind == KindFile {
		var err error
		p.Build, p.Classifier, p.Extension, err = pathSplitFile(p.ArtifactID, p.Version, file)
		if err != nil {
			return Path{}, err
		}
	}
	return p, nil
}

// pathCheckSegment refuses what could escape the repository or confuse a log
// or a file system, before the per-part character rules apply.
func pathCheckSegment(seg string) error {
	switch seg {
	case "":
		return pathErrorf("empty segment (leading, trailing or double slash)")
	case ".", "..":
		return pathErrorf("segment %q is not allowed", seg)
	}
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; {
		case c == '/' || c == '\\':
			return pathErrorf("segment %s contains a slash or backslash", pathQuote(seg))
		case c < 0x20 || c == 0x7f:
			return pathErrorf("segment %s contains a control character", pathQuote(seg))
		case c >= 0x80:
			return pathErrorf("segment %s contains a non-ASCII character", pathQuote(seg))
		}
	}
	return nil
}

func pathIsAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// pathAllOf reports whether s is non-empty and every byte is alphanumeric or
// one of extra.
func pathAllOf(s, extra string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !pathIsAlnum(s[i]) && strings.IndexByte(extra, s[i]) < 0 {
			return false
		}
	}
	return true
}

// pathValidName checks a group segment or an artifactId.
func pathValidName(s string) bool {
	return len(s) <= pathMaxName && pathAllOf(s, "_.-") && s[0] != '.'
}

func pathValidVersion(s string) bool {
	return len(s) <= pathMaxName && pathAllOf(s, "_.+~-") && s[0] != '.' && s[0] != '-'
}

// IsSnapshot reports whether a version is a SNAPSHOT version ("1.0-SNAPSHOT", also bare "SNAPSHOT").
func IsSnapshot(version string) bool {
	return version == pathSnapshotWord || strings.HasSuffix(version, "-"+pathSnapshotWord)
}

// BuildVersion is the version name of one SNAPSHOT build: BuildVersion("1.0-SNAPSHOT", "20261201.101010-1") == "1.0-20261201.101010-1".
func BuildVersion(snapshot, build string) string {
	// As Maven does: the word SNAPSHOT is replaced, so a bare "SNAPSHOT"
	// becomes the build itself.
	return strings.TrimSuffix(snapshot, pathSnapshotWord) + build
}

// SplitBuild is its inverse for a file name of a SNAPSHOT directory: SplitBuild("lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-1-sources.jar") == "20261201.101010-1", true.
// It reports false when snapshot is not a SNAPSHOT version or the file is
// not a valid file name of one of its builds (in particular for a file
// named with "1.0-SNAPSHOT" itself). file carries no checksum suffix.
func SplitBuild(artifactID, snapshot, file string) (string, bool) {
	if !IsSnapshot(snapshot) {
		return "", false
	}
	build, tail, ok := pathCutBuild(strings.CutPrefix(file, artifactID+"-"+strings.TrimSuffix(snapshot, pathSnapshotWord)))
	if !ok {
		return "", false
	}
	if _, _, err := pathSplitTail(file, tail); err != nil {
		return "", false
	}
	return build, true
}

// pathCutBuild splits "{yyyyMMdd.HHmmss}-{buildNumber}" off the front of s.
// The build number is positive without leading zeros, as Maven writes it,
// so that the build names exactly one <buildNumber>; the timestamp must
// be a real time so that the handler can always parse it.
func pathCutBuild(s string, found bool) (build, tail string, ok bool) {
	const tsLen = len(pathTimestampLayout)
	if !found || len(s) < tsLen+2 || s[tsLen] != '-' || !pathValidTimestamp(s[:tsLen]) {
		return "", "", false
	}
	end := tsLen + 1
	for end < len(s) && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	digits := s[tsLen+1 : end]
	if digits == "" || digits[0] == '0' || len(digits) > 9 {
		return "", "", false
	}
	return s[:end], s[end:], true
}

// pathValidTimestamp reports whether s is a SNAPSHOT timestamp, a real UTC
// time written yyyyMMdd.HHmmss.
func pathValidTimestamp(s string) bool {
	if len(s) != len(pathTimestampLayout) {
		return false
	}
	for i := 0; i < len(s); i++ {
		// time.Parse alone would take a sign in the year.
		if (i == 8) != (s[i] == '.') || i != 8 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	_, err := time.Parse(pathTimestampLayout, s)
	return err == nil
}

// pathSplitFile checks that file is a file of version of artifactID and takes
// the SNAPSHOT build, classifier and extension out of its name.
func pathSplitFile(artifactID, version, file string) (build, classifier, ext string, err error) {
	plain := artifactID + "-" + version
	if tail, ok := strings.CutPrefix(file, plain); ok && (tail == "" || tail[0] == '.' || tail[0] == '-') {
		classifier, ext, err = pathSplitTail(file, tail)
		return "", classifier, ext, err
	}
	if IsSnapshot(version) {
		if build, tail, ok := pathCutBuild(strings.CutPrefix(file, artifactID+"-"+strings.TrimSuffix(version, pathSnapshotWord))); ok {
			classifier, ext, err = pathSplitTail(file, tail)
			return build, classifier, ext, err
		}
		return "", "", "", pathErrorf("file name %s must be %s[-classifier].{extension} or %s{yyyyMMdd.HHmmss}-{buildNumber}[-classifier].{extension}",
			pathQuote(file), plain, artifactID+"-"+strings.TrimSuffix(version, pathSnapshotWord))
	}
	return "", "", "", pathErrorf("file name %s must be %s[-classifier].{extension}", pathQuote(file), plain)
}

// pathSplitTail reads what follows the version in a file name: ".ext" or
// "-classifier.ext".
func pathSplitTail(file, tail string) (classifier, ext string, err error) {
	if strings.HasPrefix(tail, "-") {
		var ok bool
		classifier, ext, ok = strings.Cut(tail[1:], ".")
		if !ok {
			return "", "", pathErrorf("file name %s has no extension", pathQuote(file))
		}
		if !pathAllOf(classifier, "_-") {
			return "", "", pathErrorf("file name %s: the classifier %s must be letters, digits, '_' and '-'", pathQuote(file), pathQuote(classifier))
		}
	} else if e, ok := strings.CutPrefix(tail, "."); ok {
		ext = e
	} else {
		return "", "", pathErrorf("file name %s has no extension", pathQuote(file))
	}
	if !pathAllOf(ext, "_.-") || ext[0] == '.' || ext[len(ext)-1] == '.' {
		return "", "", pathErrorf("file name %s: the extension %s must be letters, digits, '_', '.' and '-', not starting or ending with '.'", pathQuote(file), pathQuote(ext))
	}
	return classifier, ext, nil
}
