package npm

import (
	"container/list"
	"sync"
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
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // front = most recently used
	items    map[cacheKey]*list.Element
}

func newPackumentCache(maxBytes int) *packumentCache {
	return &packumentCache{maxBytes: maxBytes, order: list.New(), items: map[cacheKey]*list.Element{}}
}

// get returns the entry for k if it was rendered from the package state
// (pkgID, stamp).
func (c *packumentCache) get(k cacheKey, pkgID int64, stamp string) (cacheEntry, bool) {
	if c == nil || stamp == "" {
		return cacheEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return cacheEntry{}, false
	}
	e := el.Value.(*cacheEntry)
	if e.pkgID != pkgID || e.stamp != stamp {
		// Older or newer than what the caller read: not usable, but left
		// alone (a reader with an old stamp must not evict a newer entry;
		// the next put replaces an old one).
		return cacheEntry{}, false
	}
	c.order.MoveToFront(el)
	return *e, true
}

// put stores e (ignored without a stamp or when larger than a quarter
// of the budget).
func (c *packumentCache) put(e cacheEntry) {
	if c == nil || e.stamp == "" || len(e.body)*4 > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		c.remove(el)
	}
	c.items[e.key] = c.order.PushFront(&e)
	c.bytes += entrySize(&e)
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *packumentCache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.order.Remove(el)
	delete(c.items, e.key)
	c.bytes -= entrySize(e)
}

func entrySize(e *cacheEntry) int {
	return len(e.body) + len(e.gz) + len(e.key.endpoint) + len(e.key.name) + len(e.etag) + len(e.gzEtag) + len(e.stamp) + 128
}

// len is the number of entries (for tests).
func (c *packumentCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
