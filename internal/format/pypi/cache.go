package pypi

import (
	"container/list"
	"sync"
)

// pageKey names one rendering of one project page. The endpoint names the
// repository (and its domain); the package ID and stamp, kept in the
// entry, name the package state it was rendered from.
type pageKey struct {
	endpoint string
	project  string // normalized
	ct       string // ContentTypeJSON, ContentTypeHTML or ContentTypeText
}

// pageEntry is a rendered project page, valid while the package keeps the
// same ID and stamp.
type pageEntry struct {
	key   pageKey
	pkgID int64
	stamp string
	body  []byte
	etag  string
}

func (e *pageEntry) size() int {
	return len(e.body) + len(e.key.endpoint) + len(e.key.project) + len(e.key.ct) + len(e.stamp) + len(e.etag) + 128
}

// pageCache is a byte-bounded LRU of rendered project pages. Entries are
// never trusted blindly: a reader first reads the package's current stamp
// from the store and uses an entry only when ID and stamp match, so a
// change committed on any node is seen by the very next request.
type pageCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // front = most recently used
	items    map[pageKey]*list.Element
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{maxBytes: maxBytes, order: list.New(), items: map[pageKey]*list.Element{}}
}

// get returns the page for k if it was rendered from package state
// (pkgID, stamp).
func (c *pageCache) get(k pageKey, pkgID int64, stamp string) (*pageEntry, bool) {
	if c == nil || stamp == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	e := el.Value.(*pageEntry)
	if e.pkgID != pkgID || e.stamp != stamp {
		// Older or newer than what the caller read: unusable, but left in
		// place (a reader holding an old stamp must not evict a newer
		// entry); the next put replaces it.
		return nil, false
	}
	c.order.MoveToFront(el)
	return e, true // entries are immutable once stored
}

// put stores e; pages without a stamp, or larger than a quarter of the
// budget, are not kept.
func (c *pageCache) put(e *pageEntry) {
	if c == nil || e.stamp == "" || e.size()*4 > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		c.remove(el)
	}
	c.items[e.key] = c.order.PushFront(e)
	c.bytes += e.size()
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *pageCache) remove(el *list.Element) {
	e := el.Value.(*pageEntry)
	c.order.Remove(el)
	delete(c.items, e.key)
	c.bytes -= e.size()
}

// len is the number of entries (for tests).
func (c *pageCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
