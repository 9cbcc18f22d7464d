// Package blob defines where artifactd keeps asset bytes: a content-addressed
// store keyed by the lowercase hex SHA-256 of the bytes. Backends (the local
// file system today, S3 next) implement Store; blobtest is the conformance
// suite every backend runs.
package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrNotFound is returned (wrapped or bare) for a digest with no object.
var ErrNotFound = errors.New("blob: not found")

// Store is a content-addressed object store.
type Store interface {
	// NewUpload starts writing a new object. Nothing is visible under any
	// digest until Commit succeeds.
	NewUpload(ctx context.Context) (Upload, error)
	// Open returns the object's bytes.
	Open(ctx context.Context, sha256 string) (Object, error)
	// Stat returns the object's size.
	Stat(ctx context.Context, sha256 string) (int64, error)
	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, sha256 string) error
}

// Upload is an object being written.
type Upload interface {
	io.Writer
	// Commit makes the bytes written so far visible under sha256, atomically
	// and durably (the bytes are on stable storage when Commit returns). The
	// caller has verified that sha256 is the digest of those bytes. When an
	// object already exists under sha256 it is replaced by identical bytes,
	// so a commit racing a delete of the same digest leaves the object
	// present. Commit releases the upload's resources.
	Commit(ctx context.Context, sha256 string) error
	// Abort discards the upload. It is safe after Commit (a no-op then).
	Abort() error
}

// Object is an open object.
type Object interface {
	io.ReadSeekCloser
	Size() int64
}

// Stream is an Object whose bytes are still arriving (a file fetched
// from an upstream registry): reads block until bytes come, it cannot
// seek, and Size is -1 when unknown. A read error means the bytes must not
// be taken for the file: a response carrying them is aborted.
type Stream interface {
	Object
	Streaming()
}

// Pinger is an optional Store capability: Ping reports whether the
// store's backing (a folder, a bucket) is reachable and usable, for
// readiness checks. It must be cheap.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Walker is an optional Store capability: Walk lists every committed
// object, for consistency checks (artifactd fsck). It calls fn for each
// object, in ascending digest order, with its digest and size, holding no
// more than one directory or listing page in memory; it stops at and
// returns the first error from fn or the context. Objects committed or
// deleted while Walk runs may or may not be reported; uploads in progress
// and keys or files that do not follow the layout are not. The file-system
// and S3 backends have it; memcache passes it through.
type Walker interface {
	Walk(ctx context.Context, fn func(sha256 string, size int64) error) error
}

// InMemory is an Object whose bytes are already in memory (see memcache):
// writing them out in one call beats copying them through a buffer. The
// slice is shared and must not be modified.
type InMemory interface {
	Object
	Bytes() []byte
}

// Bytes is an object whose bytes are in memory (a cached object, or one
// kept in the database). Its bytes are shared: they must not be modified.
type Bytes struct {
	*bytes.Reader
	data []byte
}

var _ InMemory = (*Bytes)(nil)

// NewBytes returns an object reading data, which it does not copy.
func NewBytes(data []byte) *Bytes { return &Bytes{Reader: bytes.NewReader(data), data: data} }

// Size returns the object's size in bytes.
func (o *Bytes) Size() int64 { return int64(len(o.data)) }

// Bytes returns the whole object.
func (o *Bytes) Bytes() []byte { return o.data }

// Close does nothing: there is nothing to release.
func (o *Bytes) Close() error { return nil }

// ErrInvalidDigest is returned (wrapped) for a digest that is not 64
// lowercase hex characters. Backends check before building any path or key.
var ErrInvalidDigest = errors.New("blob: invalid sha256 digest")

// CheckDigest returns nil for a valid digest (exactly 64 characters of
// [0-9a-f]) and an error wrapping ErrInvalidDigest otherwise.
func CheckDigest(d string) error {
	ok := len(d) == 64
	for i := 0; ok && i < len(d); i++ {
		c := d[i]
		ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
	}
	if ok {
		return nil
	}
	if len(d) > 80 {
		d = d[:80] + "…"
	}
	return fmt.Errorf("%w: %q", ErrInvalidDigest, d)
}
