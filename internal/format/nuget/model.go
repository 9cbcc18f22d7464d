package nuget

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/service"
)

// pkgModel is a package as the NuGet resources show it: the versions a
// client may see, oldest first, with their documents decoded. It is
// derived data, cached under the package's stamp, so the flat container
// and registration read one package record per request, not every
// version.
type pkgModel struct {
	pkgID    int64
	stamp    string
	id       string // lowercased
	versions []*modelVersion
	bytes    int
	// flat is the flat container's version list, as JSON.
	flat vindex.Doc
	// views are the registration hives' views, made at their first use.
	views [len(hives)]struct {
		once sync.Once
		view *registrationView
	}
	// ix holds the versions as items, for the edit that makes the model
	// of the package's next state.
	ix *vindex.Index[*modelVersion]
}

type modelVersion struct {
	stored  string // the stored (normalized, lowercased) version
	parsed  Version
	status  domain.Status
	version domain.PackageVersion // Metadata cleared (decoded in doc)
	doc     versionDoc
	size    int    // bytes of the stored version, for the cache's bounds
	flat    []byte // its member of the flat container's list: "1.0.0"
}

// modelSpec keeps the visible versions in NuGet's order, with the flat
// container's list joined per group of versions.
func modelSpec(id string) vindex.Spec[*modelVersion] {
	return vindex.Spec[*modelVersion]{Convert: modelOf(id),
		Sections: []vindex.Section[*modelVersion]{{Part: func(v *modelVersion) []byte { return v.flat }, Sep: []byte(",")}}}
}

// visible reports whether NuGet clients see a version of status st:
// Published versions are listed, Unlisted ones are there with
// listed:false (restorable by exact version, hidden from search, as
// NuGet's unlist); others are absent.
func visible(st domain.Status) bool {
	return st == domain.StatusPublished || st == domain.StatusUnlisted
}

// listedStatus reports whether a version is listed.
func listedStatus(st domain.Status) bool { return st == domain.StatusPublished }

func buildModel(pkg domain.Package, id string, versions []domain.PackageVersion) *pkgModel {
	return newModel(pkg, id, vindex.Build(pkg.ID, loadState(pkg).Stamp, versions, modelSpec(id)))
}

// modelOf makes a visible version's place in the model of package id,
// in NuGet's version order (VersionSortKey).
func modelOf(id string) vindex.Convert[*modelVersion] {
	return func(v domain.PackageVersion) (vindex.Item[*modelVersion], bool) {
		if !visible(v.Status) {
			return vindex.Item[*modelVersion]{}, false
		}
		pv, ok := ParseVersion(v.Version)
		if !ok {
			return vindex.Item[*modelVersion]{}, false
		}
		doc := decodeDoc(v.Metadata)
		if doc.ID == "" {
			doc.ID = v.DisplayName
			if doc.ID == "" {
				doc.ID = id
			}
		}
		if doc.Version == "" {
			doc.Version = pv.Normalized()
		}
		doc.Nuspec = nil // served from the stored version, not the model
		size := len(v.Metadata) + 256
		v.Metadata = nil
		mv := &modelVersion{stored: v.Version, parsed: pv, status: v.Status, version: v, doc: doc, size: size}
		mv.flat, _ = json.Marshal(strings.ToLower(pv.Normalized()))
		return vindex.Item[*modelVersion]{Key: Rules{}.VersionSortKey(v.Version), Val: mv}, true
	}
}

// newModel makes the model of pkg (as read with ix's versions) from ix:
// the flat container's list is the groups' joined members; the versions
// (pointers) are listed in order for the registration and search.
func newModel(pkg domain.Package, id string, ix *vindex.Index[*modelVersion]) *pkgModel {
	m := &pkgModel{pkgID: pkg.ID, stamp: ix.Stamp, id: id, ix: ix, versions: make([]*modelVersion, 0, ix.Len())}
	ix.Each(func(it vindex.Item[*modelVersion]) {
		m.versions = append(m.versions, it.Val)
		m.bytes += 2*it.Val.size + len(it.Val.flat)
	})
	parts := append([][]byte{[]byte(`{"versions":[`)}, ix.Joined(0)...)
	m.flat = vindex.NewDoc(append(parts, []byte(`]}`)))
	m.bytes += int(m.flat.Size())
	return m
}

// displayID is the ID as the newest version spells it.
func (m *pkgModel) displayID() string {
	if len(m.versions) == 0 {
		return m.id
	}
	return m.versions[len(m.versions)-1].doc.ID
}

type modelKey struct {
	endpoint string // names the repository
	id       string
}

// modelCache is a byte-bounded LRU of models; an entry is used only when
// the package's current ID and stamp (read from the store first) match.
type modelCache struct {
	lru *lru.Cache[modelKey, *pkgModel]
}

func newModelCache(maxBytes int64) *modelCache {
	return &modelCache{lru: lru.New[modelKey, *pkgModel](maxBytes)}
}

// model returns the package id of the repository as clients see it,
// through the repository's upstreams (rendered per request then), else
// from the cache when the stamp matches. found is false when no
// repository searched has the package.
func (f *Format) model(ctx context.Context, repo dataplane.Repo, id string) (*pkgModel, error) {
	ref := f.ref(repo, id)
	cur, _, upstreams, err := f.svc.LookupPackageUpstreams(ctx, repo.Caller, ref)
	if err != nil {
		return nil, err
	}
	if upstreams {
		srcs, err := f.svc.PackageThroughUpstreams(ctx, repo.Caller, ref)
		if err != nil {
			return nil, err
		}
		pkg := srcs[0].Package
		pkg.Metadata = nil // no stamp: a merged model names no state of one package
		return buildModel(pkg, ref.Package, service.MergeVersions(srcs)), nil
	}
	key := modelKey{repo.Endpoint, ref.Package}
	stamp := loadState(cur).Stamp
	if stamp != "" {
		if m, ok := f.models.lru.GetIf(key, func(m *pkgModel) bool { return m.pkgID == cur.ID && m.stamp == stamp }); ok {
			return m, nil
		}
	}
	m, _, err := f.builds.Do(ctx, modelBuild{key, cur.ID, stamp}, func() (*pkgModel, error) {
		// The model of an earlier state is edited when the package's log
		// names the versions changed since (vindex.Load).
		var prev *vindex.Index[*modelVersion]
		if old, ok := f.models.lru.Peek(key); ok {
			prev = old.ix
		}
		ix, pkg, how, err := vindex.Load(ctx, f.svc, repo.Caller, ref, cur, logOf, prev, modelSpec(ref.Package))
		if err != nil {
			return nil, err
		}
		m := newModel(pkg, ref.Package, ix)
		f.built.Add(1)
		if how == vindex.Edited {
			f.edited.Add(1)
		}
		if m.stamp != "" {
			f.models.lru.Add(key, m, int64(m.bytes+512))
		}
		return m, nil
	})
	return m, err
}

// modelBuild names one build of a model from one package state.
type modelBuild struct {
	key   modelKey
	pkgID int64
	stamp string
}
