package pypi

import (
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/lru"
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
	doc   vindex.Doc // the page, as the parts it is made of
	etag  string
	// ix holds each version's part of the page, for the edit that makes
	// the page of the package's next state (nil for pages never cached).
	ix *vindex.Index[pagePart]
}

func (e *pageEntry) size() int {
	n := int(e.doc.Size()) + len(e.key.endpoint) + len(e.key.project) + len(e.key.ct) + len(e.stamp) + len(e.etag) + 128
	if e.ix != nil {
		// Each version's part, beside the page's (its groups' parts
		// joined).
		n += int(e.doc.Size()) + e.ix.Len()*(len(e.key.project)+160)
	}
	return n
}

// pageCache is a byte-bounded LRU of rendered project pages. Entries are
// never trusted blindly: a reader first reads the package's current stamp
// from the store and uses an entry only when ID and stamp match, so a
// change committed on any node is seen by the very next request.
type pageCache struct {
	maxBytes int
	lru      *lru.Cache[pageKey, *pageEntry]
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{maxBytes: maxBytes, lru: lru.New[pageKey, *pageEntry](int64(maxBytes))}
}

// get returns the page for k if it was rendered from package state
// (pkgID, stamp). A page older or newer than what the caller read is
// unusable, but left in place; the next put replaces it.
func (c *pageCache) get(k pageKey, pkgID int64, stamp string) (*pageEntry, bool) {
	if c == nil || stamp == "" {
		return nil, false
	}
	// Entries are immutable once stored.
	return c.lru.GetIf(k, func(e *pageEntry) bool { return e.pkgID == pkgID && e.stamp == stamp })
}

// put stores e (pages without a stamp are not kept). A page of any size
// up to the whole budget is kept: the biggest projects are the ones whose
// pages cost most to render.
func (c *pageCache) put(e *pageEntry) {
	if c == nil || e.stamp == "" {
		return
	}
	c.lru.Add(e.key, e, int64(e.size()))
}

// len is the number of entries (for tests).
func (c *pageCache) len() int { return c.lru.Len() }

// bytes is the size of the entries (for tests).
func (c *pageCache) bytes() int { return int(c.lru.Bytes()) }

// CacheStats counts project page cache lookups, for the metrics.
func (f *Format) CacheStats() lru.Stats { return f.pages.lru.Stats() }
