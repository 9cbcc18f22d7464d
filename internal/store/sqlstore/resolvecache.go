package sqlstore

import (
	"sync"

	"github.com/artifactd/artifactd/internal/store"
)

// maxCachedResolves bounds the resolve cache; when it is full it starts
// over (the data plane's working set is usually far smaller).
const maxCachedResolves = 4096

// resolveCache remembers Resolve answers for as long as nothing has been
// written. It is only correct when every write to the database goes
// through this Store (see CacheResolves): the Store's write generation
// then says whether anything may have changed.
type resolveCache struct {
	mu      sync.RWMutex
	gen     uint64 // the write generation the entries were read at
	entries map[store.Lookup]store.Resolution
}

func (c *resolveCache) get(gen uint64, q store.Lookup) (store.Resolution, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen != gen {
		return store.Resolution{}, false
	}
	res, ok := c.entries[q]
	return res, ok
}

// put remembers res, read by a statement that started when the write
// generation was gen. An answer read at an older generation than the
// entries' is dropped; a newer one replaces them all.
func (c *resolveCache) put(gen uint64, q store.Lookup, res store.Resolution) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen < c.gen:
		return
	case gen > c.gen || c.entries == nil:
		c.gen, c.entries = gen, make(map[store.Lookup]store.Resolution)
	case len(c.entries) >= maxCachedResolves:
		clear(c.entries)
	}
	c.entries[q] = res
}

// CacheResolves makes Resolve remember its answers until the next Write.
// Call it only when this Store is the database's only writer (an embedded
// database locked to this process): a write by anyone else would not be
// seen until this Store's next Write. Call it before using the Store.
func (s *Store) CacheResolves() {
	s.cache = &resolveCache{}
}
