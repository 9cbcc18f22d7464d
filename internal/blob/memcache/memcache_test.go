package memcache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/blob/blobtest"
	"github.com/artifactd/artifactd/internal/blob/fs"
)

func newFS(t *testing.T) *fs.Store {
	t.Helper()
	s, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The cache in front of a real backend still behaves as a blob.Store; the
// cache is small (objects up to 128 KiB, 1 MiB in all), so the suite's
// objects are both cached and evicted.
func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return New(newFS(t), 1<<20) })
}

func put(t *testing.T, s blob.Store, data []byte) string {
	t.Helper()
	sum := sha256.Sum256(data)
	d := hex.EncodeToString(sum[:])
	u, err := s.NewUpload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func read(t *testing.T, s blob.Store, d string) (blob.Object, []byte) {
	t.Helper()
	o, err := s.Open(context.Background(), d)
	if err != nil {
		t.Fatalf("Open(%s): %v", d[:8], err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return o, b
}

// TestServedFromMemory: once opened, a small object comes from memory (it
// survives the backend losing it behind the cache's back), in memory form;
// a large one is streamed from the backend each time.
func TestServedFromMemory(t *testing.T) {
	backend := newFS(t)
	s := New(backend, 8<<20).(*Store)
	small := bytes.Repeat([]byte("s"), 1000)
	large := bytes.Repeat([]byte("L"), MaxObjectSize+1)
	ds, dl := put(t, s, small), put(t, s, large)

	if o, b := read(t, s, ds); !bytes.Equal(b, small) {
		t.Fatal("first read of the small object differs")
	} else if m, ok := o.(blob.InMemory); !ok || !bytes.Equal(m.Bytes(), small) || m.Size() != 1000 {
		t.Errorf("small object opened as %T, want an InMemory with its bytes", o)
	}
	if err := backend.Delete(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	if _, b := read(t, s, ds); !bytes.Equal(b, small) {
		t.Error("the cached small object differs")
	}

	if o, b := read(t, s, dl); !bytes.Equal(b, large) {
		t.Fatal("large object differs")
	} else if _, ok := o.(blob.InMemory); ok {
		t.Errorf("a %d-byte object was cached", len(large))
	}
	if err := backend.Delete(context.Background(), dl); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(context.Background(), dl); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("large object after the backend deleted it: %v, want ErrNotFound", err)
	}
}

// TestDeleteEvicts: Delete through the cache removes the cached copy too.
func TestDeleteEvicts(t *testing.T) {
	s := New(newFS(t), 8<<20)
	d := put(t, s, []byte("hello"))
	read(t, s, d)
	if err := s.Delete(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(context.Background(), d); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open after Delete: %v, want ErrNotFound", err)
	}
}

// TestBounded: the cache never holds more than its size, and evicts the
// least recently used object first.
func TestBounded(t *testing.T) {
	const limit = 1 << 20 // objects up to 128 KiB
	s := New(newFS(t), limit).(*Store)
	var ds []string
	for i := range 20 {
		data := bytes.Repeat([]byte{byte(i)}, 100<<10)
		ds = append(ds, put(t, s, data))
	}
	read(t, s, ds[0])
	for _, d := range ds[1:] {
		read(t, s, ds[0]) // keep the first one recently used
		read(t, s, d)
		if s.cache.Bytes() > limit {
			t.Fatalf("cache holds %d bytes, limit %d", s.cache.Bytes(), limit)
		}
	}
	if _, ok := s.cache.Get(ds[0]); !ok {
		t.Error("the most recently used object was evicted")
	}
	if _, ok := s.cache.Get(ds[1]); ok {
		t.Error("the least recently used object is still cached")
	}
	if s.cache.Len() < 5 {
		t.Errorf("only %d objects cached", s.cache.Len())
	}
}

func TestOff(t *testing.T) {
	b := newFS(t)
	if s := New(b, 0); s != blob.Store(b) {
		t.Errorf("New(backend, 0) = %T, want the backend itself", s)
	}
}

// TestPing: the cache answers for its backend.
func TestPing(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	b, err := fs.New(root)
	if err != nil {
		t.Fatal(err)
	}
	s := New(b, 1<<20).(blob.Pinger)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	os.RemoveAll(root)
	if err := s.Ping(context.Background()); err == nil {
		t.Error("Ping with the backend's root removed succeeded")
	}
}

// Walk lists the backend's objects, cached or not, and fails when the
// backend cannot list.
func TestWalkPassesThrough(t *testing.T) {
	s := New(newFS(t), 1<<20)
	w, ok := s.(blob.Walker)
	if !ok {
		t.Fatal("memcache.Store is not a blob.Walker")
	}
	small := put(t, s, []byte("small"))
	read(t, s, small) // cached now
	big := put(t, s, bytes.Repeat([]byte("x"), 300<<10))
	got := map[string]int64{}
	if err := w.Walk(t.Context(), func(d string, size int64) error { got[d] = size; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[small] != 5 || got[big] != 300<<10 {
		t.Fatalf("Walk listed %v", got)
	}
	type plain struct{ blob.Store } // hides the backend's Walk
	err := New(plain{newFS(t)}, 1<<20).(blob.Walker).Walk(t.Context(), func(string, int64) error { return nil })
	if !errors.Is(err, ErrCannotWalk) {
		t.Fatalf("Walk over a backend that cannot list = %v, want ErrCannotWalk", err)
	}
}
