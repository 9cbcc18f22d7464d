package npm

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"

	"github.com/artifactd/artifactd/internal/semver"
)

// Remote is npm's part of external connections (service.RemoteFormat):
// packuments of the registry behind public:npmjs, read as npm reads them.
type Remote struct{}

var _ service.RemoteFormat = Remote{}

// MetadataRequest asks for the abbreviated packument (what npm install
// reads; much smaller than the full one), or the full one from registries
// without it.
func (Remote) MetadataRequest(namespace, name string) (string, string) {
	path := url.PathEscape(name)
	if namespace != "" {
		path = "@" + url.PathEscape(namespace) + "%2f" + path
	}
	return path, abbreviatedType + "; q=1.0, application/json; q=0.8, */*"
}

// upstreamPackument is the part of a packument artifactd reads.
type upstreamPackument struct {
	Name     string                     `json:"name"`
	DistTags map[string]string          `json:"dist-tags"`
	Versions map[string]json.RawMessage `json:"versions"`
	Time     map[string]json.RawMessage `json:"time"`
}

// ParseMetadata reads a packument. Versions that are not SemVer, or whose
// tarball is not an http(s) URL, are left out; each manifest is kept as
// the registry wrote it, less its tarball URL (clients get artifactd's).
func (Remote) ParseMetadata(body []byte, _ string, base *url.URL, namespace, name string) (*service.RemotePackage, error) {
	var doc upstreamPackument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a packument: %w", err)
	}
	n := pkgName{Scope: namespace, Name: name}
	if doc.Name != n.String() {
		return nil, fmt.Errorf("the packument names %q, not %q", doc.Name, n)
	}
	out := &service.RemotePackage{Tags: map[string]string{}}
	for tag, v := range doc.DistTags {
		if checkTag(tag) == nil {
			out.Tags[tag] = v
		}
	}
	for version, raw := range doc.Versions {
		rv, ok := remoteVersion(n, version, raw, base)
		if !ok {
			continue
		}
		if t, ok := doc.Time[version]; ok {
			if ts, err := time.Parse(time.RFC3339, str(t)); err == nil {
				rv.Published = ts.UTC()
			}
		}
		out.Versions = append(out.Versions, rv)
	}
	slices.SortFunc(out.Versions, func(a, b *service.RemoteVersion) int { return semver.Compare(a.Version, b.Version) })
	return out, nil
}

// remoteVersion reads one manifest of an upstream packument.
func remoteVersion(n pkgName, version string, raw json.RawMessage, base *url.URL) (*service.RemoteVersion, bool) {
	if _, ok := semver.Parse(version); !ok {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false
	}
	var dist map[string]json.RawMessage
	if json.Unmarshal(m["dist"], &dist) != nil || dist == nil {
		return nil, false
	}
	u, err := base.Parse(str(dist["tarball"]))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	file := service.RemoteFile{URL: u, Size: -1, SHA1: strings.ToLower(str(dist["shasum"]))}
	if !isHex(file.SHA1, 40) {
		file.SHA1 = ""
	}
	for _, item := range strings.Fields(str(dist["integrity"])) {
		item, _, _ = strings.Cut(item, "?")
		alg, b64, _ := strings.Cut(item, "-")
		sum, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		switch {
		case strings.EqualFold(alg, "sha512") && len(sum) == 64:
			file.SHA512 = hex.EncodeToString(sum)
		case strings.EqualFold(alg, "sha1") && len(sum) == 20 && file.SHA1 == "":
			file.SHA1 = hex.EncodeToString(sum)
		}
	}
	delete(dist, "tarball")
	m["dist"] = mustJSON(dist)
	for _, k := range []string{"readme", "readmeFilename", "_attachments", "_rev", "_revisions"} {
		delete(m, k)
	}
	manifest := mustJSON(m)
	var pj packageJSON
	if p, err := parsePackageJSON(manifest); err == nil {
		pj = p
	}
	return &service.RemoteVersion{
		Version:  version,
		Metadata: *versionMetadata(n, pj, "", manifest),
		Files:    map[string]service.RemoteFile{assetName: file},
	}, true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// KeepFile describes a kept version from its tarball's package.json and
// README, as a publish does, keeping the registry's manifest (with its
// integrity) as the version's document.
// The manifest is stored prepared (see prepare), with the summary the
// version ends up with.
func (Remote) KeepFile(v *domain.PackageVersion, rv *service.RemoteVersion, _ string, _ hashing.Sums, content io.ReaderAt, size int64) error {
	manifest := manifestJSON(rv.Metadata.Raw)
	v.Metadata = manifest
	n, ok := parseFullName(rv.Metadata.DisplayName)
	if !ok {
		return nil // left plain: rendered the legacy way
	}
	defer func() { v.Metadata = prepare(manifest, n, v.Version, v.Summary) }()
	files, err := readTarballFrom(io.NewSectionReader(content, 0, size))
	if err != nil {
		return nil // described from the registry's manifest alone
	}
	pj, err := parsePackageJSON(files.PackageJSON)
	if err != nil {
		return nil
	}
	m := versionMetadata(n, pj, files.Readme, rv.Metadata.Raw)
	v.DisplayName, v.Summary, v.HomePage, v.SourceCodeRepository, v.Readme = m.DisplayName, m.Summary, m.HomePage, m.SourceCodeRepository, m.Readme
	v.Licenses, v.Dependencies = m.Licenses, m.Dependencies
	return nil
}
