package npm

import (
	"context"

	"github.com/artifactd/artifactd/internal/flight"
	"github.com/artifactd/artifactd/internal/lru"
)

// cacheKey names one rendering of one package's packument. The endpoint
// is part of it because tarball URLs embed it.
type cacheKey struct {
	endpoint    string // identifies the repository too
	name        string
	abbreviated bool
}

// cacheEntry is a rendered packument, valid while the package keeps the
// same ID and stamp.
type cacheEntry struct {
	key      cacheKey
	pkgID    int64
	stamp    string
	body     []byte
	gz       []byte // body gzipped, for larger documents
	etag     string
	gzEtag   string // etag of gz
	notFound bool   // the package exists but npm sees no version
}

// packumentCache is a byte-bounded LRU of rendered packuments. Entries
// are never trusted blindly: a reader first reads the package's current
// stamp from the store and uses an entry only when it matches, so a
// change made on any node (control plane or npm) is seen at once.
type packumentCache struct {
	maxBytes int
	lru      *lru.Cache[cacheKey, cacheEntry]
	// builds runs one rebuild at a time of a document at one package
	// state: concurrent misses wait for it rather than each reading and
	// rendering every version.
	builds flight.Group[flightKey, cacheEntry]
}

// flightKey names one rebuild: a document at one package state. Callers
// share a rebuild only when they read the same stamp, so none is
// answered a state older than the one it saw.
type flightKey struct {
	cacheKey
	pkgID int64
	stamp string
}

func newPackumentCache(maxBytes int) *packumentCache {
	return &packumentCache{maxBytes: maxBytes, lru: lru.New[cacheKey, cacheEntry](int64(maxBytes))}
}

// do returns the entry for k at (pkgID, stamp): cached, or built by
// build once for all callers that miss together, then cached. Without a
// cache (or a stamp to key on) build simply runs.
func (c *packumentCache) do(ctx context.Context, k cacheKey, pkgID int64, stamp string, build func() (cacheEntry, error)) (cacheEntry, error) {
	if c == nil || stamp == "" {
		return build()
	}
	if e, ok := c.get(k, pkgID, stamp); ok {
		return e, nil
	}
	e, _, err := c.builds.Do(ctx, flightKey{k, pkgID, stamp}, func() (cacheEntry, error) {
		// Built by a call that ended just before this one began?
		if e, ok := c.get(k, pkgID, stamp); ok {
			return e, nil
		}
		e, err := build()
		if err == nil {
			c.put(e)
		}
		return e, err
	})
	return e, err
}

// get returns the entry for k if it was rendered from the package state
// (pkgID, stamp). An entry older or newer than what the caller read is
// not usable, but left alone (the next put replaces an old one).
func (c *packumentCache) get(k cacheKey, pkgID int64, stamp string) (cacheEntry, bool) {
	if c == nil || stamp == "" {
		return cacheEntry{}, false
	}
	return c.lru.GetIf(k, func(e cacheEntry) bool { return e.pkgID == pkgID && e.stamp == stamp })
}

// put stores e (ignored without a stamp). Any entry that fits the
// budget is kept: the largest documents are the costliest to rebuild.
func (c *packumentCache) put(e cacheEntry) {
	if c == nil || e.stamp == "" || entrySize(&e) > c.maxBytes {
		return
	}
	c.lru.Add(e.key, e, int64(entrySize(&e)))
}

func entrySize(e *cacheEntry) int {
	return len(e.body) + len(e.gz) + len(e.key.endpoint) + len(e.key.name) + len(e.etag) + len(e.gzEtag) + len(e.stamp) + 128
}

// len is the number of entries (for tests).
func (c *packumentCache) len() int { return c.lru.Len() }

// bytes is the size of the entries (for tests).
func (c *packumentCache) bytes() int { return int(c.lru.Bytes()) }
