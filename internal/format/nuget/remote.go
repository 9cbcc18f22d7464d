package nuget

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

// Remote is NuGet's part of external connections (service.RemoteFormat):
// the connection's URL is a feed's flat container (the @id of its
// PackageBaseAddress/3.0.0 resource, e.g.
// https://NUGET-FEED.example/v3-flatcontainer/). A package's versions
// come from {id}/index.json, its files from
// {id}/{version}/{id}.{version}.nupkg. The flat container promises no
// digest: a kept .nupkg is one that reads as a package of that ID and
// version (KeepFile), and its digests are computed when it is kept.
type Remote struct{}

var _ service.RemoteFormat = Remote{}

// maxRemoteVersions bounds the versions read from one listing.
const maxRemoteVersions = 100000

// MetadataRequest asks for the flat container's version list.
func (Remote) MetadataRequest(_, name string) (string, string) {
	return url.PathEscape(strings.ToLower(name)) + "/index.json", "application/json"
}

// ParseMetadata reads {"versions": [...]} ("Enumerate package versions").
// Versions that are not NuGet versions are left out.
func (Remote) ParseMetadata(body []byte, _ string, base *url.URL, _, name string) (*service.RemotePackage, error) {
	var doc struct {
		Versions []string `json:"versions"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a flat container version list: %w", err)
	}
	if len(doc.Versions) > maxRemoteVersions {
		return nil, fmt.Errorf("the version list has more than %d versions", maxRemoteVersions)
	}
	id := strings.ToLower(name)
	out := &service.RemotePackage{}
	seen := map[string]bool{}
	for _, s := range doc.Versions {
		pv, ok := ParseVersion(s)
		if !ok {
			continue
		}
		ver := strings.ToLower(pv.Normalized())
		if seen[ver] {
			continue
		}
		seen[ver] = true
		u, err := base.Parse(url.PathEscape(ver) + "/" + url.PathEscape(id+"."+ver+".nupkg"))
		if err != nil {
			continue
		}
		d := versionDoc{ID: id, Version: pv.Full(), SemVer2: pv.IsSemVer2(), Remote: true}
		out.Versions = append(out.Versions, &service.RemoteVersion{
			Version:  ver,
			Metadata: service.VersionMetadata{DisplayName: id, Raw: d.encode()},
			Files:    map[string]service.RemoteFile{assetName(id, ver): {URL: u, Size: -1}},
		})
	}
	return out, nil
}

// KeepFile describes the kept version from its package, as a push does.
// A file that is not a package of this ID and version is refused, so it
// is not kept.
func (Remote) KeepFile(v *domain.PackageVersion, _ *service.RemoteVersion, _ string, _ hashing.Sums, content io.ReaderAt, size int64) error {
	p, err := ReadPackage(content, size)
	if err != nil {
		return err
	}
	m := &p.Nuspec.Metadata
	ver, _ := NormalizeVersion(m.Version)
	if !strings.EqualFold(m.ID, v.DisplayName) || ver != v.Version {
		return fmt.Errorf("%w: the upstream's file is %s %s, not %s %s", ErrPackage, m.ID, m.Version, v.DisplayName, v.Version)
	}
	applyMetadata(v, p)
	v.Metadata = docFromPackage(p, size).encode()
	return nil
}
