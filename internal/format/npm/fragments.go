package npm

import (
	"slices"
	"strings"
	"sync"

	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/store"

	"github.com/artifactd/artifactd/internal/semver"
)

// A fragment is what a packument needs of one version and can keep
// between rebuilds: its manifest in prepared form (legacy plain rows are
// prepared on first use, so old data splices too) and its version
// parsed for sorting. It does not depend on the endpoint (the tarball URL
// is spliced at render). Fragments are kept by version row ID and valid
// while the row keeps its revision: every write of a version's metadata
// or summary computes a new one (service revision()), and the version
// string of a row never changes (checked all the same).
type fragment struct {
	revision string
	version  string
	summary  string // for the legacy rendering of rows that cannot be prepared
	meta     []byte
	order    versionKey
}

// versionKey is a version parsed once for sorting in compareVersions
// order.
type versionKey struct {
	sv semver.Version
	ok bool
	s  string
}

func newVersionKey(v string) versionKey {
	sv, ok := semver.Parse(v)
	return versionKey{sv, ok, v}
}

// compare is compareVersions on parsed versions: SemVer precedence, valid
// versions after invalid ones, then the strings.
func (a *versionKey) compare(b *versionKey) int {
	switch {
	case a.ok && b.ok:
		if c := a.sv.Compare(b.sv); c != 0 {
			return c
		}
	case a.ok:
		return 1
	case b.ok:
		return -1
	}
	return strings.Compare(a.s, b.s)
}

// size is what a fragment costs the cache, roughly: its bytes and the
// overhead of a map entry.
func (fr *fragment) size() int64 {
	n := len(fr.revision) + len(fr.version) + len(fr.summary) + len(fr.meta) + 200
	for _, p := range fr.order.sv.Pre {
		n += len(p) + 16
	}
	return int64(n)
}

// newFragment prepares a fetched row: a prepared manifest is kept as
// stored; a legacy one is prepared (prepare keeps the rare manifest it
// cannot prepare plain, which appendManifest renders the old way).
func newFragment(name pkgName, m store.VersionManifest) *fragment {
	meta := m.Metadata
	if !isPrepared(meta) {
		meta = prepare(meta, name, m.Version, m.Summary)
	}
	return &fragment{revision: m.Revision, version: m.Version, summary: m.Summary, meta: meta,
		order: newVersionKey(m.Version)}
}

// fragmentCache keeps fragments by package, in a byte-bounded LRU of
// packages: a rebuild looks all its versions up under one lock (not one
// per version), and the fragments of versions a package no longer shows
// go with its next rebuild.
type fragmentCache struct {
	lru *lru.Cache[int64, *packageFragments]
}

// packageFragments are one package's fragments, by version row ID.
// Rebuilds of one package in its two renderings (full, abbreviated) or
// for two endpoints may run at once: mu orders them.
type packageFragments struct {
	mu   sync.Mutex
	byID map[int64]*fragment // never modified once stored: rebuilds share them
	size int64
}

func newFragmentCache(maxBytes int) *fragmentCache {
	if maxBytes <= 0 {
		return nil
	}
	return &fragmentCache{lru: lru.New[int64, *packageFragments](int64(maxBytes))}
}

// lookup returns, by head, the fragments cached at the head's revision
// (nil where there is none) and the IDs of the others. extra is whether
// the cache holds fragments of versions the heads no longer show (for
// store to drop).
func (c *fragmentCache) lookup(pkgID int64, heads []store.VersionHead) (have []*fragment, missing []int64, extra bool) {
	have = make([]*fragment, len(heads))
	var pf *packageFragments
	if c != nil {
		pf, _ = c.lru.Get(pkgID)
	}
	if pf == nil {
		missing = make([]int64, len(heads))
		for i, h := range heads {
			missing[i] = h.ID
		}
		return have, missing, false
	}
	pf.mu.Lock()
	defer pf.mu.Unlock()
	for i, h := range heads {
		if fr, ok := pf.byID[h.ID]; ok && h.Revision != "" && fr.revision == h.Revision && fr.version == h.Version {
			have[i] = fr
		} else {
			missing = append(missing, h.ID)
		}
	}
	return have, missing, len(pf.byID) > len(heads)-len(missing)
}

// store keeps a rebuild's fragments (have, by head) as the
// package's, dropping those of versions it no longer shows. Rows without
// a revision are not kept.
func (c *fragmentCache) store(pkgID int64, heads []store.VersionHead, have []*fragment) {
	if c == nil {
		return
	}
	pf, _ := c.lru.Get(pkgID)
	if pf == nil {
		pf = &packageFragments{}
	}
	pf.mu.Lock()
	byID := make(map[int64]*fragment, len(heads))
	var size int64 = 256
	for i, h := range heads {
		if fr := have[i]; fr != nil && fr.revision != "" && fr.version == h.Version {
			byID[h.ID] = fr
			size += fr.size()
		}
	}
	pf.byID, pf.size = byID, size
	pf.mu.Unlock()
	c.lru.Add(pkgID, pf, size)
}

// get returns the fragment of version row id at revision, if cached.
func (c *fragmentCache) get(pkgID, id int64, revision, version string) (*fragment, bool) {
	if c == nil || revision == "" {
		return nil, false
	}
	pf, _ := c.lru.Get(pkgID)
	if pf == nil {
		return nil, false
	}
	pf.mu.Lock()
	defer pf.mu.Unlock()
	fr, ok := pf.byID[id]
	return fr, ok && fr.revision == revision && fr.version == version
}

// add keeps one more fragment of a package (a version just published),
// when the package's fragments are cached.
func (c *fragmentCache) add(pkgID, id int64, fr *fragment) {
	if c == nil || fr.revision == "" {
		return
	}
	pf, _ := c.lru.Get(pkgID)
	if pf == nil {
		return
	}
	pf.mu.Lock()
	if pf.byID == nil {
		pf.byID = map[int64]*fragment{}
	}
	if old, ok := pf.byID[id]; ok {
		pf.size -= old.size()
	}
	pf.byID[id] = fr // read under mu only
	pf.size += fr.size()
	size := pf.size
	pf.mu.Unlock()
	c.lru.Add(pkgID, pf, size)
}

// sortedVersions returns the versions of the fragments (nil ones
// skipped, heads[i] is have[i]'s) in compareVersions order, comparing
// the versions parsed once in the fragments.
func sortedVersions(heads []store.VersionHead, have []*fragment) []docVersion {
	idx := make([]int32, 0, len(have))
	for i, fr := range have {
		if fr != nil {
			idx = append(idx, int32(i))
		}
	}
	slices.SortFunc(idx, func(a, b int32) int { return have[a].order.compare(&have[b].order) })
	out := make([]docVersion, len(idx))
	for i, j := range idx {
		fr := have[j]
		out[i] = docVersion{id: heads[j].ID, revision: fr.revision, version: fr.version, published: heads[j].PublishedTime,
			summary: fr.summary, meta: fr.meta}
	}
	return out
}
