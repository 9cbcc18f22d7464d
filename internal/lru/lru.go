// Package lru is a byte-bounded least-recently-used map, the one behind
// every in-memory cache of the server (rendered npm packuments and PyPI
// pages, small blobs).
package lru

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// Cache maps keys to values whose sizes, in bytes, add up to at most a
// budget; adding past it evicts the least recently used. It is safe for
// concurrent use.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	maxBytes int64
	used     int64
	items    map[K]*list.Element
	order    list.List // of *entry[K, V], most recently used first
	// hits and misses count lookups, for the metrics' hit ratios; atomic
	// so that Stats need not take the lock.
	hits, misses atomic.Uint64
}

// Stats counts a cache's lookups since it was made.
type Stats struct {
	Hits   uint64 // lookups that found a usable value
	Misses uint64 // lookups that found none (or one GetIf refused)
}

// Stats returns the cache's lookup counts (zero for a nil cache).
func (c *Cache[K, V]) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load()}
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	size int64
}

// New returns an empty cache of maxBytes.
func New[K comparable, V any](maxBytes int64) *Cache[K, V] {
	return &Cache[K, V]{maxBytes: maxBytes, items: make(map[K]*list.Element)}
}

// Get returns k's value and marks it recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	return c.GetIf(k, nil)
}

// GetIf is Get for a value usable accepts (nil accepts any). A value it
// refuses is left in place, not marked used: a reader holding an older
// view must not evict a newer entry.
func (c *Cache[K, V]) GetIf(k K, usable func(V) bool) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		c.misses.Add(1)
		var zero V
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if usable != nil && !usable(e.val) {
		c.misses.Add(1)
		var zero V
		return zero, false
	}
	c.hits.Add(1)
	c.order.MoveToFront(el)
	return e.val, true
}

// Peek returns k's value without marking it used or counting a lookup.
func (c *Cache[K, V]) Peek(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		return el.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Add sets k's value, of size bytes, and evicts the least recently used
// entries while the cache is over its budget. A value larger than the
// whole budget is not kept.
func (c *Cache[K, V]) Add(k K, v V, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.remove(el)
	}
	if size > c.maxBytes {
		return
	}
	c.items[k] = c.order.PushFront(&entry[K, V]{key: k, val: v, size: size})
	c.used += size
	for c.used > c.maxBytes {
		c.remove(c.order.Back())
	}
}

// Remove drops k.
func (c *Cache[K, V]) Remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.remove(el)
	}
}

func (c *Cache[K, V]) remove(el *list.Element) {
	e := c.order.Remove(el).(*entry[K, V])
	delete(c.items, e.key)
	c.used -= e.size
}

// Keys returns the keys, most recently used first.
func (c *Cache[K, V]) Keys() []K {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]K, 0, len(c.items))
	for el := c.order.Front(); el != nil; el = el.Next() {
		keys = append(keys, el.Value.(*entry[K, V]).key)
	}
	return keys
}

// Len is the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// Bytes is the sum of the entries' sizes.
func (c *Cache[K, V]) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
