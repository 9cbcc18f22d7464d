// Package hashing computes the four digests CodeArtifact reports for every
// asset (MD5, SHA-1, SHA-256, SHA-512) in one pass over a stream.
//
// A small stream is hashed in the writer's goroutine. Once a stream grows
// past parallelAfter, each hash gets its own goroutine fed with the same
// chunks, so a large upload costs the wall time of the slowest hash (MD5 or
// SHA-512, ~1.3 ms per MiB here) rather than the sum of all four (~3.7 ms).
package hashing

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"runtime"
	"sync/atomic"
)

const (
	// parallelAfter is the stream size past which hashing goes parallel:
	// below it, handing chunks to goroutines costs more than it saves.
	parallelAfter = 64 << 10
	// chunkSize is how many bytes are handed to the hash goroutines at a
	// time, and maxChunks how many chunks one Hasher has in flight (its
	// memory bound while parallel: 1 MiB).
	chunkSize = 256 << 10
	maxChunks = 4
)

// Sums are the lowercase hex digests of a stream, and its size.
type Sums struct {
	Size   int64
	MD5    string
	SHA1   string
	SHA256 string
	SHA512 string
}

// Hasher is an io.Writer that feeds all four hashes at once. It is not safe
// for concurrent use (as any io.Writer).
type Hasher struct {
	hs [4]hash.Hash // MD5, SHA-1, SHA-256, SHA-512
	n  int64
	// p is nil while the stream is hashed sequentially.
	p       *pipeline
	cur     *chunk // the chunk being filled while parallel
	cleanup runtime.Cleanup
}

// New returns an empty Hasher.
func New() *Hasher {
	return &Hasher{hs: [4]hash.Hash{md5.New(), sha1.New(), sha256.New(), sha512.New()}}
}

// Write never fails. It does not keep p: bytes hashed in the background are
// copied first.
func (h *Hasher) Write(p []byte) (int, error) {
	n := len(p)
	if h.p == nil && h.n+int64(n) <= parallelAfter {
		for _, x := range h.hs {
			x.Write(p) //nolint:errcheck // hash.Hash writes never fail
		}
		h.n += int64(n)
		return n, nil
	}
	if h.p == nil {
		h.start()
	}
	h.n += int64(n)
	for len(p) > 0 {
		if h.cur == nil {
			h.cur = h.p.get()
		}
		c := copy(h.cur.buf[h.cur.n:], p)
		h.cur.n += c
		p = p[c:]
		if h.cur.n == len(h.cur.buf) {
			h.p.send(h.cur)
			h.cur = nil
		}
	}
	return n, nil
}

// Sums returns the digests of everything written so far. Writing may go on
// afterwards.
func (h *Hasher) Sums() Sums {
	if h.p != nil {
		if h.cur != nil {
			h.p.send(h.cur) // never empty: Write sends a chunk as it fills
		}
		h.cur = nil
		h.p.wait()
		h.cleanup.Stop()
		h.p.stop()
		h.p = nil
	}
	sum := func(x hash.Hash) string { return hex.EncodeToString(x.Sum(nil)) }
	return Sums{Size: h.n, MD5: sum(h.hs[0]), SHA1: sum(h.hs[1]), SHA256: sum(h.hs[2]), SHA512: sum(h.hs[3])}
}

// start moves the Hasher to parallel hashing. A Hasher dropped without
// Sums (a failed upload) stops its goroutines when it is collected.
func (h *Hasher) start() {
	p := &pipeline{free: make(chan *chunk, maxChunks)}
	for i, x := range h.hs {
		p.work[i] = make(chan *chunk, maxChunks)
		go worker(x, p.work[i], p.free)
	}
	h.p = p
	h.cleanup = runtime.AddCleanup(h, (*pipeline).stop, p)
}

// chunk is a buffer of stream bytes on its way through the hash goroutines;
// it goes back to the free list when the last of them is done with it.
type chunk struct {
	buf     []byte
	n       int
	pending atomic.Int32
}

type pipeline struct {
	work      [4]chan *chunk
	free      chan *chunk // chunks no goroutine is hashing
	allocated int
}

// get returns an empty chunk, waiting for one when maxChunks are in flight.
func (p *pipeline) get() *chunk {
	select {
	case c := <-p.free:
		c.n = 0
		return c
	default:
	}
	if p.allocated < maxChunks {
		p.allocated++
		return &chunk{buf: make([]byte, chunkSize)}
	}
	c := <-p.free
	c.n = 0
	return c
}

func (p *pipeline) send(c *chunk) {
	c.pending.Store(int32(len(p.work)))
	for _, w := range p.work {
		w <- c
	}
}

// wait returns once every chunk sent has been hashed by all four.
func (p *pipeline) wait() {
	held := make([]*chunk, 0, p.allocated)
	for range p.allocated {
		held = append(held, <-p.free)
	}
	for _, c := range held {
		p.free <- c
	}
}

func (p *pipeline) stop() {
	for _, w := range p.work {
		close(w)
	}
}

func worker(x hash.Hash, work <-chan *chunk, free chan<- *chunk) {
	for c := range work {
		x.Write(c.buf[:c.n]) //nolint:errcheck // hash.Hash writes never fail
		if c.pending.Add(-1) == 0 {
			free <- c
		}
	}
}
