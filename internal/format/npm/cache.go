package npm

import "github.com/artifactd/artifactd/internal/lru"

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
}

func newPackumentCache(maxBytes int) *packumentCache {
	return &packumentCache{maxBytes: maxBytes, lru: lru.New[cacheKey, cacheEntry](int64(maxBytes))}
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

// put stores e (ignored without a stamp or when larger than a quarter
// of the budget).
func (c *packumentCache) put(e cacheEntry) {
	if c == nil || e.stamp == "" || len(e.body)*4 > c.maxBytes {
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
