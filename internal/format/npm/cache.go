package npm

import (
	"context"
	"sync"
	"sync/atomic"

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
	doc      doc
	gz       *lazyGzip // doc gzipped, for larger documents (nil: never)
	etag     string
	gzEtag   string // etag of gz
	notFound bool   // the package exists but npm sees no version
	// lay is what a rendering after a change reuses (nil: rendered from
	// more than the package's own state, never reused).
	lay *docLayout
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
	// frags keeps each version's rendering between rebuilds, so that a
	// rebuild after a change reads the one version that changed.
	frags *fragmentCache
	// rebuilds counts the documents rendered, by how.
	rebuilds [3]atomic.Int64
}

// How a document was rendered.
const (
	rebuiltTags    = iota // from the cached one, after a dist-tag change
	rebuiltTouched        // from the cached one, after publishes
	rebuiltFull           // from every Published version
)

// rebuilt counts a rendering of kind k.
func (c *packumentCache) rebuilt(k int) {
	if c != nil {
		c.rebuilds[k].Add(1)
	}
}

// lazyGzip is a document's gzipped form, compressed on the first request
// that accepts gzip rather than by every rebuild (a 10 MB packument
// costs 13-50 ms to compress on a loaded 2-core machine); the requests
// that ask together wait for the one compression. It is shared by the
// copies of a cache entry. Each part of the document is deflated on its
// own (gzipParts), and a part an earlier document had too (a group of
// versions a change left alone) is not compressed again.
type lazyGzip struct {
	once sync.Once
	src  doc       // until compressed
	prev *lazyGzip // an earlier document's, until compressed
	gz   []byte    // nil when compressing does not shrink the document
	// index finds a source part's compressed bytes in gz, for the next
	// document's compression.
	index  map[partKey][2]int
	reused int // parts whose compression was prev's
	done   atomic.Bool
}

// partKey names a part by its bytes' address and length: documents share
// parts, never copies of them.
type partKey struct {
	at *byte
	n  int
}

// newLazyGzip returns d's lazy compression (nil when d is too small to be
// worth it), reusing what prev compressed of the parts they share.
func newLazyGzip(d doc, prev *lazyGzip) *lazyGzip {
	if d.size < gzipMin {
		return nil
	}
	z := &lazyGzip{src: d}
	if prev != nil && prev.done.Load() && prev.index != nil {
		z.prev = prev
	}
	return z
}

// bytes returns the gzipped document; ok is false when it is not worth
// sending.
func (z *lazyGzip) bytes() (d doc, ok bool) {
	if z == nil {
		return doc{}, false
	}
	z.once.Do(func() {
		z.gz, z.index, z.reused = gzipParts(z.src, z.prev)
		z.src, z.prev = doc{}, nil
		z.done.Store(true)
	})
	return wholeDoc(z.gz), z.gz != nil
}

// find returns where part k's compressed bytes are in z.gz (z compressed).
func (z *lazyGzip) find(k partKey) ([2]int, bool) {
	if z == nil {
		return [2]int{}, false
	}
	r, ok := z.index[k]
	return r, ok
}

// flightKey names one rebuild: a document at one package state. Callers
// share a rebuild only when they read the same stamp, so none is
// answered a state older than the one it saw.
type flightKey struct {
	cacheKey
	pkgID int64
	stamp string
}

// newPackumentCache returns a cache of maxBytes of packuments, and a
// quarter more of fragments: 64 MiB at the default budget, which holds
// six packages of 20,000 versions (about 13,000 Published fragments of
// ~750 bytes, 10 MB each) or about 85,000 versions of smaller ones.
func newPackumentCache(maxBytes int) *packumentCache {
	return &packumentCache{maxBytes: maxBytes, lru: lru.New[cacheKey, cacheEntry](int64(maxBytes)),
		frags: newFragmentCache(maxBytes / 4)}
}

// fragments returns the fragment cache (nil without a cache).
func (c *packumentCache) fragments() *fragmentCache {
	if c == nil {
		return nil
	}
	return c.frags
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

// peek returns the entry for k whatever state it was rendered from.
func (c *packumentCache) peek(k cacheKey) (cacheEntry, bool) {
	if c == nil {
		return cacheEntry{}, false
	}
	return c.lru.Peek(k)
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

// entrySize counts a gzipped form at a quarter of the body before it is
// made (BestSpeed makes packuments 10-20% of their size; the budget is
// never exceeded by more than that estimate's error).
func entrySize(e *cacheEntry) int {
	gz := 0
	if e.gz != nil {
		gz = e.doc.size / 4
	}
	return e.doc.size + gz + e.lay.size() + len(e.key.endpoint) + len(e.key.name) + len(e.etag) + len(e.gzEtag) + len(e.stamp) + 128
}

// len is the number of entries (for tests).
func (c *packumentCache) len() int { return c.lru.Len() }

// bytes is the size of the entries (for tests).
func (c *packumentCache) bytes() int { return int(c.lru.Bytes()) }

// lruStats counts lookups of rendered packuments (zero without a cache).
func (c *packumentCache) lruStats() lru.Stats {
	if c == nil {
		return lru.Stats{}
	}
	return c.lru.Stats()
}

// CacheStats counts packument cache lookups, for the metrics.
func (f *Format) CacheStats() lru.Stats { return f.cache.lruStats() }
