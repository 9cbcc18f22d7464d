package ruby

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

// Remote is RubyGems's part of external connections (service.RemoteFormat).
// The connection's URL is the registry's root (the source gem and bundler
// take): a gem's versions come from its compact index file
// ({root}info/{name}, whose lines carry each file's sha256), and its
// files from {root}gems/{name}-{version}[-{platform}].gem, kept only when
// their bytes match that sha256.
type Remote struct {
	// Now stamps kept files (nil: time.Now).
	Now func() time.Time
}

var _ service.RemoteFormat = Remote{}

// maxInfoLines bounds the lines of an info file read (a gem with the
// most versions on the public registry has a few thousand).
const maxInfoLines = 100000

// MetadataRequest implements service.RemoteFormat.
func (Remote) MetadataRequest(_, name string) (string, string) {
	return "info/" + url.PathEscape(name), "text/plain"
}

// ParseMetadata reads an info file. Lines that cannot be read, or that
// have no sha256 checksum, are left out; the files of one version (its
// platforms) make one version.
func (Remote) ParseMetadata(body []byte, _ string, base *url.URL, _, name string) (*service.RemotePackage, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("invalid gem name %q", name)
	}
	lines, err := parseInfo(body)
	if err != nil {
		return nil, err
	}
	out := &service.RemotePackage{}
	byVersion := map[string]*service.RemoteVersion{}
	docs := map[string]versionDoc{}
	for _, l := range lines {
		file := FileName(name, l.version, l.platform)
		u, err := base.Parse("../gems/" + url.PathEscape(file))
		if err != nil {
			continue
		}
		rv := byVersion[l.version]
		if rv == nil {
			rv = &service.RemoteVersion{Version: l.version, Files: map[string]service.RemoteFile{}}
			byVersion[l.version] = rv
			docs[l.version] = versionDoc{Platforms: map[string]platformDoc{}, Remote: true}
			out.Versions = append(out.Versions, rv)
		}
		rv.Files[file] = service.RemoteFile{URL: u, Size: -1, SHA256: l.sha256}
		docs[l.version].Platforms[l.platform] = platformDoc{File: file, SHA256: l.sha256, Spec: Spec{
			Name: name, Version: l.version, Platform: l.platform, Dependencies: l.deps,
			RequiredRuby: l.ruby, RequiredRubygems: l.rubygems, RubygemsVersion: "3.3.15", SpecVersion: 4,
			Date: time.Now().UTC().Format(time.DateOnly),
		}}
	}
	for _, rv := range out.Versions {
		d := docs[rv.Version]
		var v domain.PackageVersion
		applyDoc(&v, d)
		rv.Metadata = service.VersionMetadata{DisplayName: name, Dependencies: v.Dependencies, Raw: d.encode()}
	}
	return out, nil
}

// infoLine is one line of a compact index info file.
type infoLine struct {
	version, platform string
	deps              []depDoc
	sha256            string
	ruby, rubygems    [][2]string
}

// parseInfo reads an info file: after an optional "---", lines
// "VERSION[-PLATFORM] DEP:REQ&REQ,...|checksum:HEX,ruby:REQ,rubygems:REQ".
func parseInfo(body []byte) ([]infoLine, error) {
	var out []infoLine
	n := 0
	for _, raw := range bytes.Split(body, []byte("\n")) {
		line := strings.TrimSpace(string(raw))
		if line == "" || line == "---" || strings.HasPrefix(line, "created_at:") {
			continue
		}
		if n++; n > maxInfoLines {
			return nil, fmt.Errorf("the info file has more than %d lines", maxInfoLines)
		}
		if l, ok := parseInfoLine(line); ok {
			out = append(out, l)
		}
	}
	return out, nil
}

func parseInfoLine(line string) (infoLine, bool) {
	head, rest, _ := strings.Cut(line, " ")
	version, platform, _ := strings.Cut(head, "-")
	if platform == "" {
		platform = "ruby"
	}
	l := infoLine{version: version, platform: platform}
	if !ValidVersion(version) || !ValidPlatform(platform) {
		return l, false
	}
	deps, reqs, _ := strings.Cut(rest, "|")
	for _, d := range strings.Split(deps, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		name, req, _ := strings.Cut(d, ":")
		pairs, ok := parseReqs(req)
		if !ValidName(name) || !ok {
			return l, false
		}
		l.deps = append(l.deps, depDoc{Name: name, Type: depRuntime, Reqs: pairs})
	}
	for _, r := range strings.Split(reqs, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(r), ":")
		switch k {
		case "checksum":
			if isHex(v, 64) {
				l.sha256 = strings.ToLower(v)
			}
		case "ruby":
			l.ruby, _ = parseReqs(v)
		case "rubygems":
			l.rubygems, _ = parseReqs(v)
		}
	}
	return l, l.sha256 != ""
}

// parseReqs reads "OP VERSION&OP VERSION" (a bare version means "=").
func parseReqs(s string) ([][2]string, bool) {
	var out [][2]string
	for _, part := range strings.Split(s, "&") {
		f := strings.Fields(part)
		switch {
		case len(f) == 1 && ValidVersion(f[0]):
			out = append(out, [2]string{"=", f[0]})
		case len(f) == 2 && validOp(f[0]) && ValidVersion(f[1]):
			out = append(out, [2]string{f[0], f[1]})
		default:
			return nil, false
		}
	}
	return out, true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// KeepFile records a fetched .gem in its version's document, described
// by its own gemspec as a push is; a .gem whose gemspec cannot be read,
// or names another gem, is kept as the info file described it.
func (r Remote) KeepFile(v *domain.PackageVersion, rv *service.RemoteVersion, file string, sums hashing.Sums, content io.ReaderAt, size int64) error {
	doc := decodeDoc(v.Metadata)
	if doc.Remote {
		doc = versionDoc{Platforms: map[string]platformDoc{}}
	}
	var listed platformDoc
	for _, pd := range decodeDoc(rv.Metadata.Raw).Platforms {
		if pd.File == file {
			listed = pd
		}
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	entry := platformDoc{Spec: listed.Spec, File: file, SHA256: sums.SHA256, Size: sums.Size, Uploaded: now().UTC()}
	if raw, err := ReadGem(io.NewSectionReader(content, 0, size)); err == nil {
		if s, err := ParseSpec(raw); err == nil && s.Name == rv.Metadata.DisplayName && s.Version == v.Version && s.File() == file {
			entry.Spec = s
		}
	}
	if entry.Platform == "" {
		return fmt.Errorf("%s is not a file of %s %s", file, rv.Metadata.DisplayName, v.Version)
	}
	doc.Platforms[entry.Platform] = entry
	applyDoc(v, doc)
	v.Metadata = doc.encode()
	return nil
}
