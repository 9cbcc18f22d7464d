package hashing

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func want(b []byte) Sums {
	m, s1, s256, s512 := md5.Sum(b), sha1.Sum(b), sha256.Sum256(b), sha512.Sum512(b)
	return Sums{Size: int64(len(b)), MD5: hex.EncodeToString(m[:]), SHA1: hex.EncodeToString(s1[:]),
		SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:])}
}

// writeSplit writes b to h in pieces of random sizes up to max.
func writeSplit(h *Hasher, b []byte, r *rand.Rand, max int) {
	for len(b) > 0 {
		n := min(len(b), r.IntN(max+1))
		if _, err := h.Write(b[:n]); err != nil {
			panic(err)
		}
		b = b[n:]
	}
}

// TestSumsMatchCrypto covers both sides of parallelAfter, chunk
// boundaries, and sizes of several chunks, written in random splits.
func TestSumsMatchCrypto(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 3*chunkSize*maxChunks+123)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	sizes := []int{0, 1, 64, parallelAfter - 1, parallelAfter, parallelAfter + 1,
		chunkSize - 1, chunkSize, chunkSize + 1, parallelAfter + chunkSize, maxChunks * chunkSize, len(data)}
	for _, size := range sizes {
		for _, max := range []int{1 << 10, 32 << 10, chunkSize + 7, 2 * len(data)} {
			if max == 1<<10 && size > 4*chunkSize {
				continue // slow under -race, and no different
			}
			h := New()
			writeSplit(h, data[:size], r, max)
			if got, w := h.Sums(), want(data[:size]); got != w {
				t.Fatalf("size %d, writes up to %d: got %+v, want %+v", size, max, got, w)
			}
		}
	}
}

// TestWriteAfterSums: Sums is a snapshot; the stream may go on, and go
// parallel again.
func TestWriteAfterSums(t *testing.T) {
	data := make([]byte, 3*chunkSize)
	for i := range data {
		data[i] = byte(i * 7)
	}
	h := New()
	h.Write(data[:chunkSize])
	if got := h.Sums(); got != want(data[:chunkSize]) {
		t.Fatalf("first: %+v", got)
	}
	h.Write(data[chunkSize:])
	if got := h.Sums(); got != want(data) {
		t.Fatalf("second: %+v", got)
	}
	if got := h.Sums(); got != want(data) {
		t.Fatalf("again: %+v", got)
	}
}

// TestWriteDoesNotKeepP: the caller may reuse its buffer as soon as Write
// returns (io.Copy does), even while the hashes run behind.
func TestWriteDoesNotKeepP(t *testing.T) {
	data := make([]byte, 2*chunkSize*maxChunks)
	for i := range data {
		data[i] = byte(i * 13)
	}
	h := New()
	buf := make([]byte, 32<<10)
	for off := 0; off < len(data); off += len(buf) {
		copy(buf, data[off:])
		h.Write(buf)
		clear(buf)
	}
	if got := h.Sums(); got != want(data) {
		t.Fatalf("got %+v", got)
	}
}

// TestAbandonedHasherStops: a Hasher dropped mid-stream (a failed
// upload) does not leave its goroutines behind.
func TestAbandonedHasherStops(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 10 {
		h := New()
		h.Write(make([]byte, parallelAfter+1))
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), before)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// FuzzSums: the stream is data repeated (so that small inputs reach the
// parallel path), written in random splits.
func FuzzSums(f *testing.F) {
	f.Add([]byte("hello"), uint16(1), uint64(1), uint16(3))
	f.Add([]byte("0123456789abcdef"), uint16(5000), uint64(2), uint16(4096))
	f.Fuzz(func(t *testing.T, data []byte, repeat uint16, seed uint64, max uint16) {
		if len(data)*int(repeat) > 4<<20 {
			t.Skip()
		}
		stream := bytes.Repeat(data, int(repeat))
		h := New()
		writeSplit(h, stream, rand.New(rand.NewPCG(seed, 0)), int(max)+1)
		if got, w := h.Sums(), want(stream); got != w {
			t.Fatalf("got %+v, want %+v", got, w)
		}
	})
}

// benchmarkStream hashes size bytes in the 32 KiB writes io.Copy makes.
func benchmarkStream(b *testing.B, size int) {
	buf := make([]byte, 32<<10)
	for i := range buf {
		buf[i] = byte(i)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		h := New()
		for n := 0; n < size; n += len(buf) {
			h.Write(buf[:min(len(buf), size-n)])
		}
		h.Sums()
	}
}

func BenchmarkHash1KiB(b *testing.B)   { benchmarkStream(b, 1<<10) }
func BenchmarkHash1MiB(b *testing.B)   { benchmarkStream(b, 1<<20) }
func BenchmarkHash256MiB(b *testing.B) { benchmarkStream(b, 256<<20) }
