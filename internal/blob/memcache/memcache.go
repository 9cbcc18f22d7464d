// Package memcache keeps recently opened small objects in memory in front
// of another blob.Store, so that the data plane's hottest downloads cost
// neither a file open nor a network round trip to the bucket.
//
// Objects are content-addressed: a digest always names the same bytes, so
// a cached copy is never stale. A copy may outlive the object's deletion
// by another node; the metadata store decides what is reachable, and it
// only names an object that exists.
package memcache

import (
	"bytes"
	"container/list"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/artifactd/artifactd/internal/blob"
)

// MaxObjectSize is the largest object kept (smaller when the whole cache
// is small): larger downloads stream from the backend, which is as cheap
// per byte and does not evict many small objects.
const MaxObjectSize = 1 << 20

// entryOverhead approximates an entry's memory beyond its bytes (list
// element, map slot, digest string).
const entryOverhead = 256

// Store is a blob.Store that serves recently opened objects of up to
// MaxObjectSize from memory, least recently used out first. Everything
// else goes to the backend it embeds.
type Store struct {
	blob.Store // the backend
	maxBytes   int64
	maxObject  int64

	// deletes counts Delete calls started and finished: an Open that saw
	// it change while reading from the backend does not cache what it read.
	deletes atomic.Uint64

	mu    sync.Mutex
	used  int64
	items map[string]*list.Element // digest -> element of lru
	lru   list.List                // of *entry, most recent first
}

type entry struct {
	digest string
	data   []byte
}

// New returns backend with a cache of maxBytes in front of it, or backend
// itself when maxBytes <= 0.
func New(backend blob.Store, maxBytes int64) blob.Store {
	if maxBytes <= 0 {
		return backend
	}
	return &Store{
		Store:     backend,
		maxBytes:  maxBytes,
		maxObject: min(MaxObjectSize, maxBytes/8),
		items:     make(map[string]*list.Element),
	}
}

// Open returns the cached bytes, or opens the object in the backend and,
// when it is small enough, reads it into the cache.
func (s *Store) Open(ctx context.Context, sha256 string) (blob.Object, error) {
	if data, ok := s.get(sha256); ok {
		return newObject(data), nil
	}
	deletes := s.deletes.Load()
	o, err := s.Store.Open(ctx, sha256)
	if err != nil || o.Size() > s.maxObject {
		return o, err
	}
	data := make([]byte, o.Size())
	_, err = io.ReadFull(o, data)
	o.Close()
	if err != nil {
		return nil, fmt.Errorf("memcache: reading %s: %w", sha256, err)
	}
	s.put(sha256, data, deletes)
	return newObject(data), nil
}

// Ping pings the backend when it can be pinged.
func (s *Store) Ping(ctx context.Context) error {
	if p, ok := s.Store.(blob.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Delete removes the object from the backend and from the cache.
func (s *Store) Delete(ctx context.Context, sha256 string) error {
	s.deletes.Add(1)
	s.evict(sha256)
	err := s.Store.Delete(ctx, sha256)
	s.deletes.Add(1)
	s.evict(sha256) // in case an Open read it meanwhile
	return err
}

func (s *Store) get(d string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.items[d]
	if !ok {
		return nil, false
	}
	s.lru.MoveToFront(el)
	return el.Value.(*entry).data, true
}

// put caches data unless a Delete ran since deletes was read.
func (s *Store) put(d string, data []byte, deletes uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deletes.Load() != deletes {
		return
	}
	if _, ok := s.items[d]; ok {
		return // a concurrent Open was first
	}
	s.items[d] = s.lru.PushFront(&entry{digest: d, data: data})
	s.used += int64(len(data)) + entryOverhead
	for s.used > s.maxBytes {
		s.remove(s.lru.Back())
	}
}

func (s *Store) evict(d string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[d]; ok {
		s.remove(el)
	}
}

func (s *Store) remove(el *list.Element) {
	e := s.lru.Remove(el).(*entry)
	delete(s.items, e.digest)
	s.used -= int64(len(e.data)) + entryOverhead
}

// Object is a cached object. Its bytes are shared: Bytes must not be
// modified.
type Object struct {
	*bytes.Reader
	data []byte
}

var _ blob.InMemory = (*Object)(nil)

func newObject(data []byte) *Object { return &Object{Reader: bytes.NewReader(data), data: data} }

// Size returns the object's size in bytes.
func (o *Object) Size() int64 { return int64(len(o.data)) }

// Bytes returns the whole object.
func (o *Object) Bytes() []byte { return o.data }

// Close does nothing: there is nothing to release.
func (o *Object) Close() error { return nil }
