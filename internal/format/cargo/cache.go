package cargo

import (
	"time"

	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/lru"
)

// fileKey names the index file of one crate in one repository (the
// endpoint names the repository and its domain).
type fileKey struct {
	endpoint string
	crate    string // normalized
}

// fileEntry is a rendered index file, valid while the package keeps the
// same ID and stamp.
type fileEntry struct {
	key      fileKey
	pkgID    int64
	stamp    string
	doc      vindex.Doc // empty: no listed version
	etag     string
	modified time.Time
	// ix holds each version's line, for the edit that makes the file of
	// the package's next state (nil for files never cached).
	ix *vindex.Index[[]byte]
}

func (e *fileEntry) size() int {
	n := int(e.doc.Size()) + len(e.key.endpoint) + len(e.key.crate) + len(e.stamp) + len(e.etag) + 128
	if e.ix != nil {
		n += int(e.doc.Size()) + e.ix.Len()*96 // each version's line, beside the groups' joined ones
	}
	return n
}

// fileCache is a byte-bounded LRU of rendered index files. A reader first
// reads the package's current stamp from the store and uses an entry only
// when ID and stamp match, so a change committed on any node is seen by
// the very next request.
type fileCache struct {
	lru *lru.Cache[fileKey, *fileEntry]
}

func newFileCache(maxBytes int) *fileCache {
	return &fileCache{lru: lru.New[fileKey, *fileEntry](int64(maxBytes))}
}

func (c *fileCache) get(k fileKey, pkgID int64, stamp string) (*fileEntry, bool) {
	if stamp == "" {
		return nil, false
	}
	return c.lru.GetIf(k, func(e *fileEntry) bool { return e.pkgID == pkgID && e.stamp == stamp })
}

func (c *fileCache) put(e *fileEntry) {
	if e.stamp == "" {
		return
	}
	c.lru.Add(e.key, e, int64(e.size()))
}
