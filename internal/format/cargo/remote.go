package cargo

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

// Remote reads a sparse index behind an external connection
// (public:crates-io). The connection's URL is the index root (the URL
// cargo would be given as sparse+URL). A sparse index file names no
// download URLs (its config.json's dl does), so artifactd fetches a
// version's .crate at {root}api/v1/crates/{crate}/{version}/download:
// the crates-io web API's download path, which artifactd's own Cargo
// endpoint serves too (a second artifactd works as the upstream). The
// file is kept only when its SHA-256 is the index line's cksum.
type Remote struct{}

var _ service.RemoteFormat = Remote{}

// maxLine caps one index line.
const maxLine = 1 << 20

// MetadataRequest implements service.RemoteFormat.
func (Remote) MetadataRequest(_, name string) (string, string) {
	return IndexPath(name), "text/plain, application/json;q=0.9, */*;q=0.1"
}

// ParseMetadata implements service.RemoteFormat: one version per valid
// line naming the crate, in the index's order.
func (Remote) ParseMetadata(body []byte, _ string, base *url.URL, _, name string) (*service.RemotePackage, error) {
	entries, err := ParseIndex(body, name)
	if err != nil {
		return nil, err
	}
	root, err := base.Parse(strings.Repeat("../", strings.Count(IndexPath(name), "/")))
	if err != nil {
		return nil, err
	}
	out := &service.RemotePackage{}
	for _, e := range entries {
		dl := root.JoinPath("api", "v1", "crates", e.Name, e.Vers, "download")
		nc := NewCrate{Name: e.Name}
		m := nc.Metadata(e, "")
		out.Versions = append(out.Versions, &service.RemoteVersion{
			Version: e.Vers,
			Metadata: service.VersionMetadata{DisplayName: e.Name, Dependencies: m.Dependencies,
				Raw: versionDoc{Entry: e, Remote: true}.encode()},
			Files: map[string]service.RemoteFile{AssetName(e.Name, e.Vers): {URL: dl, Size: -1, SHA256: e.Cksum}},
		})
	}
	return out, nil
}

// ParseIndex reads a sparse index file: the lines for crate name with a
// SemVer version and a SHA-256 cksum, each version once. Lines it cannot
// read are skipped, as cargo skips them; a file of another crate is an
// error.
func ParseIndex(body []byte, name string) ([]Entry, error) {
	want := Normalize(name)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var out []Entry
	seen := map[string]bool{}
	other := ""
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Entry
		if json.Unmarshal(line, &e) != nil {
			continue
		}
		if Normalize(e.Name) != want {
			other = e.Name
			continue
		}
		if !validVersion(e.Vers) || !ValidName(e.Name) || seen[e.Vers] {
			continue
		}
		e.Cksum = strings.ToLower(e.Cksum)
		if b, err := hex.DecodeString(e.Cksum); err != nil || len(b) != 32 {
			continue
		}
		seen[e.Vers] = true
		if e.Deps == nil {
			e.Deps = []Dep{}
		}
		if e.Features == nil {
			e.Features = map[string][]string{}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the index file: %w", err)
	}
	if len(out) == 0 && other != "" {
		return nil, fmt.Errorf("the index file is for crate %q, not %q", other, name)
	}
	return out, nil
}

// KeepFile implements service.RemoteFormat: the kept version's index line
// is the upstream's, with the checksum of the bytes kept.
func (Remote) KeepFile(v *domain.PackageVersion, rv *service.RemoteVersion, _ string, sums hashing.Sums, _ io.ReaderAt, _ int64) error {
	doc, ok := decodeDoc(rv.Metadata.Raw)
	if !ok {
		return fmt.Errorf("no index line for %s %s", rv.Metadata.DisplayName, rv.Version)
	}
	doc.Remote = false
	doc.Entry.Yanked = false
	doc.Entry.Cksum = sums.SHA256
	v.Metadata = doc.encode()
	return nil
}
