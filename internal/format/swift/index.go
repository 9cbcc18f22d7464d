package swift

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/service"

	"github.com/artifactd/artifactd/internal/semver"
)

// release is one release of a package as the registry API shows it.
type release struct {
	Version     string
	Status      domain.Status
	DisplayName string
	Published   time.Time
	Doc         versionDoc
}

// available reports whether clients may resolve and fetch the release:
// Published ones. Unlisted ones are fetched but not resolved (see
// listed); the rest are absent or gone.
func available(st domain.Status) bool { return st == domain.StatusPublished }

// fetchable reports whether a release's metadata, manifests and archive
// are served: Published and Unlisted ones, as every format does.
func fetchable(st domain.Status) bool {
	return st == domain.StatusPublished || st == domain.StatusUnlisted
}

// listed reports whether a release appears in the list of releases:
// Unfinished and Deleted ones never do; Unlisted, Archived and Disposed
// ones do, with a problem that marks them unavailable (Registry.md 4.1).
func listed(st domain.Status) bool {
	switch st {
	case domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived, domain.StatusDisposed:
		return true
	}
	return false
}

// index is a package's releases as the registry API shows them, rendered
// once per package state: the list of releases (its body ready to send)
// and what release metadata needs (order, for the Link header).
type index struct {
	key   indexKey
	pkgID int64
	stamp string
	scope string
	name  string     // as published (display name of the newest release)
	doc   vindex.Doc // the list of releases (Registry.md 4.1)
	// latest is the highest precedence Published release; "" when none.
	latest string
	// sources are the Link header entries locating the package's source
	// repository: the latest release's repositoryURLs, the first
	// canonical, the others alternate (Registry.md 4.1).
	sources []string
	// ix holds the listed releases in order of precedence, lowest first.
	ix   *vindex.Index[listedRelease]
	size int // bytes held, for the cache's bounds
}

type indexKey struct {
	endpoint string
	scope    string
	name     string
}

// releaseSize is what a release holds in memory, roughly.
func releaseSize(r release, member []byte) int {
	n := 2*len(r.Version) + len(r.DisplayName) + len(r.Doc.Metadata) + len(r.Doc.Checksum) + len(r.Doc.Archive) + len(r.Doc.Signature) + len(member) + 256
	for k, v := range r.Doc.Manifests {
		n += len(k) + len(v) + 32
	}
	return n
}

// release returns a listed release.
func (e *index) release(version string) (release, bool) {
	it, ok := e.ix.Get(version)
	return it.Val.release, ok
}

// neighbours are the Published releases just above and below version in
// precedence ("" when none).
func (e *index) neighbours(version string) (successor, predecessor string) {
	e.ix.Walk(version, true, func(it vindex.Item[listedRelease]) bool {
		if available(it.Val.Status) {
			successor = it.Version
			return true
		}
		return false
	})
	e.ix.Walk(version, false, func(it vindex.Item[listedRelease]) bool {
		if available(it.Val.Status) {
			predecessor = it.Version
			return true
		}
		return false
	})
	return successor, predecessor
}

// releaseURL is the absolute URL of a release under endpoint.
func releaseURL(endpoint, scope, name, version string) string {
	return endpoint + url.PathEscape(scope) + "/" + url.PathEscape(name) + "/" + url.PathEscape(version)
}

// buildIndex renders the index of a package from its versions.
func buildIndex(key indexKey, pkg domain.Package, versions []domain.PackageVersion) (*index, error) {
	return newIndex(key, pkg, vindex.Build(pkg.ID, loadState(pkg).Stamp, versions, releaseSpec(key))), nil
}

// listedRelease is a release and its member of the list of releases.
type listedRelease struct {
	release
	member []byte // "VERSION":{"url":...[,"problem":...]}
	size   int
}

// releaseSpec keeps the listed releases in order of precedence, lowest
// first, their members of the list joined per group (the list is read
// from the highest), and finds the release whose display name names the
// package: the newest one that has one.
func releaseSpec(key indexKey) vindex.Spec[listedRelease] {
	return vindex.Spec[listedRelease]{
		Convert:  releaseOf(key),
		Sections: []vindex.Section[listedRelease]{{Part: func(r listedRelease) []byte { return r.member }, Sep: []byte(","), Reverse: true}},
		Better: func(a, b listedRelease) bool {
			return a.DisplayName != "" && (b.DisplayName == "" || a.Published.After(b.Published))
		},
	}
}

// releaseOf makes a listed version's place in the index: ordered by
// SemVer precedence, lowest first.
func releaseOf(key indexKey) vindex.Convert[listedRelease] {
	return func(v domain.PackageVersion) (vindex.Item[listedRelease], bool) {
		if !listed(v.Status) || !ValidVersion(v.Version) {
			return vindex.Item[listedRelease]{}, false
		}
		r := release{Version: v.Version, Status: v.Status, DisplayName: v.DisplayName, Published: v.PublishedTime, Doc: decodeDoc(v.Metadata)}
		type entry struct {
			URL     string   `json:"url"`
			Problem *problem `json:"problem,omitempty"`
		}
		ent := entry{URL: releaseURL(key.endpoint, key.scope, key.name, r.Version)}
		if !available(r.Status) {
			ent.Problem = &problem{Status: 410, Title: "Gone", Detail: unavailableDetail(r)}
		}
		k, _ := json.Marshal(r.Version)
		val, err := json.Marshal(ent)
		if err != nil {
			return vindex.Item[listedRelease]{}, false // strings and numbers only: never
		}
		member := append(append(k, ':'), val...)
		return vindex.Item[listedRelease]{Key: semver.Key(v.Version), Val: listedRelease{r, member, releaseSize(r, member)}}, true
	}
}

// newIndex makes the index of pkg (as read with ix's versions) from ix:
// it costs the number of groups of releases, and the releases walked
// down from the highest to the first Published one.
func newIndex(key indexKey, pkg domain.Package, ix *vindex.Index[listedRelease]) *index {
	e := &index{key: key, pkgID: pkg.ID, stamp: ix.Stamp, scope: pkg.Namespace, name: pkg.Name, ix: ix}
	if best, ok := ix.Best(); ok && best.Val.DisplayName != "" {
		e.name = best.Val.DisplayName
	}
	// Written by hand to keep the order of precedence (Registry.md 4.1:
	// "A server SHOULD list releases in order of precedence").
	parts := append([][]byte{[]byte(`{"releases":{`)}, ix.Joined(0)...)
	e.doc = vindex.NewDoc(append(parts, []byte("}}\n")))
	ix.Walk("", false, func(it vindex.Item[listedRelease]) bool {
		if available(it.Val.Status) {
			e.latest = it.Version
			e.sources = sourceLinks(it.Val.Doc.Metadata)
			return true
		}
		return false
	})
	e.size = int(e.doc.Size()) + len(strings.Join(e.sources, "")) + len(key.endpoint) + 2*len(key.scope) + 2*len(key.name) + len(e.stamp) + 256
	ix.Each(func(it vindex.Item[listedRelease]) { e.size += it.Val.size })
	return e
}

// sourceLinks renders the repositoryURLs of a release's metadata as Link
// entries: rel="canonical" for the first, rel="alternate" for the
// others. URLs that would break the header (SwiftPM splits it on "," and
// ";") are left out.
func sourceLinks(metadata []byte) []string {
	var m ReleaseMetadata
	if json.Unmarshal(metadata, &m) != nil {
		return nil
	}
	var out []string
	for _, u := range m.RepositoryURLs {
		if u == "" || strings.ContainsAny(u, ",;<>\" \t\r\n") {
			continue
		}
		rel := "alternate"
		if len(out) == 0 {
			rel = "canonical"
		}
		out = append(out, link(u, rel))
	}
	return out
}

// unavailableDetail says why a listed release is unavailable.
func unavailableDetail(r release) string {
	switch r.Status {
	case domain.StatusUnlisted:
		return "release " + r.Version + " is unlisted: it is not used for package resolution"
	case domain.StatusDisposed:
		return "release " + r.Version + " was removed from the registry (disposed)"
	}
	return "release " + r.Version + " is " + string(r.Status) + " and cannot be downloaded"
}

// indexCache is a byte-bounded LRU of indexes. An entry is used only when
// the package's ID and stamp, read from the store by the request, are
// the ones it was rendered from.
type indexCache struct {
	lru *lru.Cache[indexKey, *index]
}

func newIndexCache(maxBytes int64) *indexCache {
	return &indexCache{lru: lru.New[indexKey, *index](maxBytes)}
}

func (c *indexCache) get(k indexKey, pkgID int64, stamp string) (*index, bool) {
	if stamp == "" {
		return nil, false
	}
	return c.lru.GetIf(k, func(e *index) bool { return e.pkgID == pkgID && e.stamp == stamp })
}

func (c *indexCache) put(e *index) {
	if e.stamp != "" {
		c.lru.Add(e.key, e, int64(e.size))
	}
}

// indexRender names one rendering of an index from one package state.
type indexRender struct {
	key   indexKey
	pkgID int64
	stamp string
}

// loadIndex returns the index of a package seen through the repository.
// A repository without upstreams serves it from the cache when the
// package's stamp is the one it was rendered from (one package read per
// request); otherwise the versions are read once, in one transaction with
// the stamp the index is cached under. Repositories with upstreams merge
// the releases of every repository searched and render on each request.
func (f *Format) loadIndex(ctx context.Context, repo dataplane.Repo, ref service.PackageRef) (*index, error) {
	key := indexKey{endpoint: repo.Endpoint, scope: ref.Namespace, name: ref.Package}
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
		pkg.Metadata = nil // no stamp: a merged index is never cached
		return buildIndex(key, pkg, service.MergeVersions(srcs))
	}
	stamp := loadState(cur).Stamp
	if e, ok := f.indexes.get(key, cur.ID, stamp); ok {
		return e, nil
	}
	e, _, err := f.renders.Do(ctx, indexRender{key, cur.ID, stamp}, func() (*index, error) {
		if e, ok := f.indexes.get(key, cur.ID, stamp); ok {
			return e, nil
		}
		// The index of an earlier state is edited when the package's log
		// names the versions changed since (vindex.Load).
		var prev *vindex.Index[listedRelease]
		if old, ok := f.indexes.lru.Peek(key); ok {
			prev = old.ix
		}
		ix, pkg, how, err := vindex.Load(ctx, f.svc, repo.Caller, ref, cur, logOf, prev, releaseSpec(key))
		if err != nil {
			return nil, err
		}
		e := newIndex(key, pkg, ix)
		f.rendered.Add(1)
		if how == vindex.Edited {
			f.edited.Add(1)
		}
		f.indexes.put(e)
		return e, nil
	})
	return e, err
}
