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
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/lru"
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
	maxObject  int64

	// deletes counts Delete calls started and finished: an Open that saw
	// it change while reading from the backend does not cache what it read.
	// mu makes that check and the insertion one step against a Delete's
	// eviction.
	deletes atomic.Uint64
	mu      sync.Mutex
	cache   *lru.Cache[string, []byte] // digest -> bytes
}

// New returns backend with a cache of maxBytes in front of it, or backend
// itself when maxBytes <= 0.
func New(backend blob.Store, maxBytes int64) blob.Store {
	if maxBytes <= 0 {
		return backend
	}
	return &Store{
		Store:     backend,
		maxObject: min(MaxObjectSize, maxBytes/8),
		cache:     lru.New[string, []byte](maxBytes),
	}
}

// Open returns the cached bytes, or opens the object in the backend and,
// when it is small enough, reads it into the cache.
func (s *Store) Open(ctx context.Context, sha256 string) (blob.Object, error) {
	if data, ok := s.cache.Get(sha256); ok {
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

// ErrCannotWalk is returned by Walk when the backend cannot list its
// objects (it is not a blob.Walker).
var ErrCannotWalk = errors.New("memcache: the blob store cannot list its objects")

// Walk lists the backend's objects (the cache holds nothing the backend
// does not). It fails with ErrCannotWalk when the backend cannot list.
func (s *Store) Walk(ctx context.Context, fn func(sha256 string, size int64) error) error {
	w, ok := s.Store.(blob.Walker)
	if !ok {
		return ErrCannotWalk
	}
	return w.Walk(ctx, fn)
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

// put caches data unless a Delete ran since deletes was read.
func (s *Store) put(d string, data []byte, deletes uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deletes.Load() == deletes {
		s.cache.Add(d, data, int64(len(data))+entryOverhead)
	}
}

func (s *Store) evict(d string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache.Remove(d)
}

func newObject(data []byte) *blob.Bytes { return blob.NewBytes(data) }

// Stats counts the cache's lookups (every Open looks), for the metrics.
func (s *Store) Stats() lru.Stats { return s.cache.Stats() }
