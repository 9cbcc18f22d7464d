// Package blobtest is the conformance suite every blob.Store backend runs:
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) blob.Store { return newBackend(t) })
//	}
//
// The suite only sees a backend through blob.Store, plus the optional Walk
// method (see Walker) when the backend has it. Checks of a backend's own
// state — that nothing was written outside its root, that no temporary files
// were left behind — belong in newStore, which may register t.Cleanup
// functions: they run after each subtest.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/artifactd/artifactd/internal/blob"
)

// Walker is the optional listing capability. When the store under test has
// it, the suite also checks that the listing matches what was committed:
// nothing from aborted, failed or uncommitted uploads, nothing stored under
// an invalid digest.
type Walker = blob.Walker

// LargeSize is the size of the object the Large subtest streams through the
// store. It is skipped with -short.
const LargeSize = 80 << 20

// Run runs the conformance suite. newStore must return a new, empty store
// each time it is called; every subtest gets its own.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"PutOpenRead", testPutOpenRead},
		{"Seek", testSeek},
		{"Empty", testEmpty},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"InvalidDigests", testInvalidDigests},
		{"InvisibleBeforeCommit", testInvisibleBeforeCommit},
		{"Abort", testAbort},
		{"AbortAfterCommit", testAbortAfterCommit},
		{"CommitExisting", testCommitExisting},
		{"CommitAfterDelete", testCommitAfterDelete},
		{"SharedPrefix", testSharedPrefix},
		{"ConcurrentWriters", testConcurrentWriters},
		{"CommitDeleteOpenStress", testCommitDeleteOpenStress},
		{"CancelledContext", testCancelledContext},
		{"Large", testLarge},
		{"Walk", testWalk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// ---- helpers ----

// digest returns the lowercase hex SHA-256 of b.
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// content returns n deterministic pseudo-random bytes for seed.
func content(seed uint64, n int) []byte {
	b := make([]byte, n)
	var key [32]byte
	key[0] = byte(seed)
	key[1] = byte(seed >> 8)
	key[2] = byte(seed >> 16)
	key[3] = byte(seed >> 24)
	rand.NewChaCha8(key).Read(b)
	return b
}

// putErr uploads data in a few writes and commits it under its digest.
func putErr(ctx context.Context, s blob.Store, data []byte) (string, error) {
	d := digest(data)
	u, err := s.NewUpload(ctx)
	if err != nil {
		return "", fmt.Errorf("NewUpload: %w", err)
	}
	defer u.Abort()
	if err := writeChunks(u, data); err != nil {
		return "", err
	}
	if err := u.Commit(ctx, d); err != nil {
		return "", fmt.Errorf("Commit(%s): %w", d, err)
	}
	return d, nil
}

// writeChunks writes data to w in chunks of up to 16 KiB.
func writeChunks(w io.Writer, data []byte) error {
	for len(data) > 0 {
		n := min(len(data), 16<<10)
		m, err := w.Write(data[:n])
		if err != nil {
			return fmt.Errorf("Write: %w", err)
		}
		if m != n {
			return fmt.Errorf("Write: wrote %d of %d bytes", m, n)
		}
		data = data[n:]
	}
	return nil
}

func put(t *testing.T, s blob.Store, data []byte) string {
	t.Helper()
	d, err := putErr(t.Context(), s, data)
	if err != nil {
		t.Fatalf("put %d bytes: %v", len(data), err)
	}
	return d
}

// checkErr opens d and checks Size and every byte against want.
func checkErr(ctx context.Context, s blob.Store, d string, want []byte) error {
	o, err := s.Open(ctx, d)
	if err != nil {
		return fmt.Errorf("Open(%s): %w", d, err)
	}
	defer o.Close()
	return checkObject(o, want)
}

// checkObject reads o from its current position and compares with want.
func checkObject(o blob.Object, want []byte) error {
	if got := o.Size(); got != int64(len(want)) {
		return fmt.Errorf("Size() = %d, want %d", got, len(want))
	}
	got, err := io.ReadAll(o)
	if err != nil {
		return fmt.Errorf("read after %d bytes: %w", len(got), err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("read %d bytes (sha256 %s), want %d bytes (sha256 %s)",
			len(got), digest(got), len(want), digest(want))
	}
	return nil
}

// check asserts that d is stored with the bytes want (Open, Size, Stat).
func check(t *testing.T, s blob.Store, d string, want []byte) {
	t.Helper()
	if err := checkErr(t.Context(), s, d, want); err != nil {
		t.Fatal(err)
	}
	size, err := s.Stat(t.Context(), d)
	if err != nil {
		t.Fatalf("Stat(%s): %v", d, err)
	}
	if size != int64(len(want)) {
		t.Fatalf("Stat(%s) = %d, want %d", d, size, len(want))
	}
}

// missing asserts that Open and Stat of d report blob.ErrNotFound.
func missing(t *testing.T, s blob.Store, d string) {
	t.Helper()
	o, err := s.Open(t.Context(), d)
	if err == nil {
		o.Close()
		t.Fatalf("Open(%s) succeeded, want ErrNotFound", d)
	}
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open(%s) = %v, want ErrNotFound", d, err)
	}
	if _, err := s.Stat(t.Context(), d); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat(%s) = %v, want ErrNotFound", d, err)
	}
}

// listing returns digest → size of everything in the store, or ok == false
// when the store cannot list.
func listing(t *testing.T, s blob.Store) (m map[string]int64, ok bool) {
	t.Helper()
	w, ok := s.(Walker)
	if !ok {
		return nil, false
	}
	m = map[string]int64{}
	prev := ""
	err := w.Walk(t.Context(), func(d string, size int64) error {
		if _, dup := m[d]; dup {
			return fmt.Errorf("digest %s listed twice", d)
		}
		if d <= prev {
			return fmt.Errorf("digest %s listed after %s: want ascending digest order", d, prev)
		}
		prev = d
		m[d] = size
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return m, true
}

// listed asserts that, if the store can list, it holds exactly want
// (digest → size).
func listed(t *testing.T, s blob.Store, want map[string]int64) {
	t.Helper()
	got, ok := listing(t, s)
	if !ok {
		return
	}
	for d, size := range want {
		if g, ok := got[d]; !ok {
			t.Errorf("Walk: %s (%d bytes) not listed", d, size)
		} else if g != size {
			t.Errorf("Walk: %s listed with size %d, want %d", d, g, size)
		}
	}
	for d, size := range got {
		if _, ok := want[d]; !ok {
			t.Errorf("Walk: unexpected object %q (%d bytes)", d, size)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

func sizes(objs ...[]byte) map[string]int64 {
	m := map[string]int64{}
	for _, b := range objs {
		m[digest(b)] = int64(len(b))
	}
	return m
}

// ---- tests ----

func testPutOpenRead(t *testing.T, s blob.Store) {
	data := content(1, 100_000)
	d := put(t, s, data)
	if d != digest(data) {
		t.Fatalf("digest mismatch")
	}
	o, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := checkObject(o, data); err != nil {
		t.Fatal(err)
	}
	// At the end, Read reports io.EOF.
	if n, err := o.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read at end = %d, %v; want 0, io.EOF", n, err)
	}
	if err := o.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	check(t, s, d, data)
	listed(t, s, sizes(data))
}

func testSeek(t *testing.T, s blob.Store) {
	data := content(2, 1000)
	d := put(t, s, data)
	o, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer o.Close()

	seek := func(off int64, whence int, want int64) {
		t.Helper()
		pos, err := o.Seek(off, whence)
		if err != nil || pos != want {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d, nil", off, whence, pos, err, want)
		}
	}
	readFull := func(from, to int) {
		t.Helper()
		buf := make([]byte, to-from)
		if _, err := io.ReadFull(o, buf); err != nil {
			t.Fatalf("reading [%d:%d]: %v", from, to, err)
		}
		if !bytes.Equal(buf, data[from:to]) {
			t.Fatalf("bytes [%d:%d] differ", from, to)
		}
	}

	seek(100, io.SeekStart, 100)
	readFull(100, 150)
	seek(25, io.SeekCurrent, 175)
	readFull(175, 200)
	seek(-10, io.SeekCurrent, 190)
	readFull(190, 200)
	seek(-10, io.SeekEnd, 990)
	readFull(990, 1000)
	seek(0, io.SeekCurrent, 1000)

	// http.ServeContent: find the size, rewind, then for a Range request
	// seek to the start and copy a limited number of bytes.
	seek(0, io.SeekEnd, 1000)
	seek(0, io.SeekStart, 0)
	seek(500, io.SeekStart, 500)
	got, err := io.ReadAll(io.LimitReader(o, 100))
	if err != nil || !bytes.Equal(got, data[500:600]) {
		t.Fatalf("range [500:600]: %d bytes, %v", len(got), err)
	}
	seek(0, io.SeekStart, 0)
	if err := checkObject(o, data); err != nil {
		t.Fatalf("after rewind: %v", err)
	}

	// Past the end: the seek succeeds, reads report io.EOF.
	seek(2000, io.SeekStart, 2000)
	if n, err := o.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read past end = %d, %v; want 0, io.EOF", n, err)
	}
	// Before the start: an error.
	if _, err := o.Seek(-1, io.SeekStart); err == nil {
		t.Fatalf("Seek(-1, SeekStart) succeeded")
	}

	// Two opens of one object have independent positions.
	o2, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer o2.Close()
	seek(300, io.SeekStart, 300)
	if err := checkObject(o2, data); err != nil {
		t.Fatalf("second reader: %v", err)
	}
	readFull(300, 1000)
}

func testEmpty(t *testing.T, s blob.Store) {
	d := put(t, s, nil)
	if d != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty digest = %s", d)
	}
	check(t, s, d, nil)
	o, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer o.Close()
	if n, err := o.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v; want 0, io.EOF", n, err)
	}
	if pos, err := o.Seek(0, io.SeekEnd); pos != 0 || err != nil {
		t.Fatalf("Seek(0, SeekEnd) = %d, %v", pos, err)
	}
	listed(t, s, sizes(nil))
	if err := s.Delete(t.Context(), d); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	missing(t, s, d)
}

func testNotFound(t *testing.T, s blob.Store) {
	d := digest([]byte("never stored"))
	missing(t, s, d)
	for range 2 {
		if err := s.Delete(t.Context(), d); err != nil {
			t.Fatalf("Delete of a missing object: %v", err)
		}
	}
	missing(t, s, d)
	listed(t, s, nil)
}

func testDelete(t *testing.T, s blob.Store) {
	a, b := content(3, 5000), content(4, 5000)
	da := put(t, s, a)
	db := put(t, s, b)
	if err := s.Delete(t.Context(), da); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	missing(t, s, da)
	check(t, s, db, b)
	if err := s.Delete(t.Context(), da); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	listed(t, s, sizes(b))
}

// invalidDigests returns strings that are not 64 lowercase hex characters,
// including path traversals and the uppercase form of valid.
//
// A backend that failed to validate would act on these paths, so the
// traversals are chosen to do no harm if they escape the store: the
// "etc/passwd" ones climb only two levels (still inside the test's temporary
// directory for a store rooted there), and the deep ones aim at a file name
// no host has (a backend that fails creates an empty-ish file by that name).
func invalidDigests(valid string) []string {
	const canary = "blobtest-canary-" // 16 bytes
	return []string{
		"",
		"0",
		".",
		"..",
		"/",
		valid[:2],
		valid[:4],
		valid[:63],
		valid + "0",
		strings.ToUpper(valid),
		upperOne(valid),
		valid[:63] + "g",
		valid[:63] + "\n",
		valid[:63] + "\x00",
		" " + valid[1:],
		"sha256:" + valid,
		"sha256/" + valid,
		"../../etc/passwd",
		"..%2F..%2Fetc%2Fpasswd",
		strings.Repeat("../", 16) + canary, // 64 bytes
		strings.Repeat("..", 30) + "/tmp",  // 64 bytes
		"../" + valid[3:],                  // 64 bytes
		valid[:2] + "/" + valid[3:],        // 64 bytes
		valid[:2] + "/" + valid[2:4] + "/" + valid[:58],              // 64 bytes
		valid[:32] + "/" + valid[33:],                                // 64 bytes
		valid[:60] + "/../",                                          // 64 bytes
		strings.Repeat(`..\`, 16) + canary,                           // 64 bytes
		strings.Repeat("é", 32),                                      // 64 bytes, not hex
		strings.Repeat("a", 32) + "\u00e9" + strings.Repeat("b", 30), // 64 bytes
	}
}

// upperOne returns d with its first letter (a-f) in uppercase (or, for a
// digest of digits only, d with a character appended).
func upperOne(d string) string {
	i := strings.IndexAny(d, "abcdef")
	if i < 0 {
		return d + "0" // still invalid
	}
	return d[:i] + strings.ToUpper(d[i:i+1]) + d[i+1:]
}

func testInvalidDigests(t *testing.T, s blob.Store) {
	anchor := content(5, 4096)
	valid := put(t, s, anchor)
	payload := []byte("payload written under an invalid digest")

	for _, bad := range invalidDigests(valid) {
		if o, err := s.Open(t.Context(), bad); err == nil {
			o.Close()
			t.Errorf("Open(%q) succeeded", bad)
		}
		if _, err := s.Stat(t.Context(), bad); err == nil {
			t.Errorf("Stat(%q) succeeded", bad)
		}
		if err := s.Delete(t.Context(), bad); err == nil {
			t.Errorf("Delete(%q) succeeded", bad)
		}
		u, err := s.NewUpload(t.Context())
		if err != nil {
			t.Fatalf("NewUpload: %v", err)
		}
		if err := writeChunks(u, payload); err != nil {
			t.Fatal(err)
		}
		if err := u.Commit(t.Context(), bad); err == nil {
			t.Errorf("Commit(%q) succeeded", bad)
		}
		if err := u.Abort(); err != nil {
			t.Errorf("Abort after failed Commit(%q): %v", bad, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	// The anchor, whose digest is a prefix or the uppercase form of some of
	// the invalid ones, is intact; nothing else appeared.
	check(t, s, valid, anchor)
	missing(t, s, digest(payload))
	listed(t, s, sizes(anchor))
}

func testInvisibleBeforeCommit(t *testing.T, s blob.Store) {
	data := content(6, 64<<10)
	d := digest(data)
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	defer u.Abort()
	missing(t, s, d)
	if err := writeChunks(u, data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	missing(t, s, d)
	if err := writeChunks(u, data[len(data)/2:]); err != nil {
		t.Fatal(err)
	}
	missing(t, s, d)
	listed(t, s, nil)
	if err := u.Commit(t.Context(), d); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	check(t, s, d, data)
	listed(t, s, sizes(data))
}

func testAbort(t *testing.T, s blob.Store) {
	data := content(7, 10_000)
	d := digest(data)
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	if err := writeChunks(u, data); err != nil {
		t.Fatal(err)
	}
	if err := u.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	missing(t, s, d)
	if err := u.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	if _, err := u.Write([]byte("more")); err == nil {
		t.Fatalf("Write after Abort succeeded")
	}
	if err := u.Commit(t.Context(), d); err == nil {
		t.Fatalf("Commit after Abort succeeded")
	}
	missing(t, s, d)
	listed(t, s, nil)

	// An upload aborted without writing anything.
	u, err = s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	if err := u.Abort(); err != nil {
		t.Fatalf("Abort of an empty upload: %v", err)
	}
	missing(t, s, digest(nil))
	listed(t, s, nil)
}

func testAbortAfterCommit(t *testing.T, s blob.Store) {
	data := content(8, 10_000)
	d := digest(data)
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	if err := writeChunks(u, data); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(t.Context(), d); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := u.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
	check(t, s, d, data)
	if _, err := u.Write([]byte("more")); err == nil {
		t.Fatalf("Write after Commit succeeded")
	}
	if err := u.Commit(t.Context(), d); err == nil {
		t.Fatalf("second Commit succeeded")
	}
	check(t, s, d, data)
	listed(t, s, sizes(data))
}

func testCommitExisting(t *testing.T, s blob.Store) {
	data := content(9, 200_000)
	d := put(t, s, data)

	// A reader opened before the second commit keeps reading correct bytes.
	o, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer o.Close()
	head := make([]byte, len(data)/2)
	if _, err := io.ReadFull(o, head); err != nil {
		t.Fatalf("reading the first half: %v", err)
	}

	if d2 := put(t, s, data); d2 != d {
		t.Fatalf("second put: digest %s, want %s", d2, d)
	}

	tail, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("reading the second half after the second commit: %v", err)
	}
	if !bytes.Equal(append(head, tail...), data) {
		t.Fatalf("reader opened before the second commit read wrong bytes")
	}
	if _, err := o.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	if err := checkObject(o, data); err != nil {
		t.Fatalf("old reader after rewind: %v", err)
	}
	check(t, s, d, data)
	listed(t, s, sizes(data))
}

func testCommitAfterDelete(t *testing.T, s blob.Store) {
	data := content(10, 30_000)
	d := put(t, s, data)

	// Delete, then commit: present.
	if err := s.Delete(t.Context(), d); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	missing(t, s, d)
	put(t, s, data)
	check(t, s, d, data)

	// An upload started before a Delete and committed after it: present.
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	defer u.Abort()
	if err := writeChunks(u, data); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), d); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	missing(t, s, d)
	if err := u.Commit(t.Context(), d); err != nil {
		t.Fatalf("Commit after Delete: %v", err)
	}
	check(t, s, d, data)
	listed(t, s, sizes(data))
}

// testSharedPrefix stores two objects whose digests share their first four
// hex digits (a backend fanning out by prefix puts them side by side) and
// checks that deleting one leaves the other.
func testSharedPrefix(t *testing.T, s blob.Store) {
	seen := map[string][]byte{}
	var a, b []byte
	for i := 0; a == nil; i++ {
		c := fmt.Appendf(nil, "blobtest shared prefix %d", i)
		p := digest(c)[:4]
		if prev, ok := seen[p]; ok {
			a, b = prev, c
		}
		seen[p] = c
	}
	da, db := put(t, s, a), put(t, s, b)
	listed(t, s, sizes(a, b))
	if err := s.Delete(t.Context(), da); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	missing(t, s, da)
	check(t, s, db, b)
	if err := s.Delete(t.Context(), db); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	missing(t, s, db)
	listed(t, s, nil)
	put(t, s, a)
	check(t, s, da, a)
	listed(t, s, sizes(a))
}

func testConcurrentWriters(t *testing.T, s blob.Store) {
	const n = 16
	same := content(11, 256<<10)
	distinct := make([][]byte, n)
	for i := range distinct {
		distinct[i] = content(uint64(100+i), 64<<10+i)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			if _, err := putErr(t.Context(), s, same); err != nil {
				t.Errorf("writer %d of the shared content: %v", i, err)
			}
		})
		wg.Go(func() {
			<-start
			if _, err := putErr(t.Context(), s, distinct[i]); err != nil {
				t.Errorf("writer %d of distinct content: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	check(t, s, digest(same), same)
	for _, b := range distinct {
		check(t, s, digest(b), b)
	}
	listed(t, s, sizes(append([][]byte{same}, distinct...)...))
}

// testCommitDeleteOpenStress races commits, deletes and opens of one digest:
// every successful Open must read the complete object, every failure must be
// ErrNotFound, and a final commit must leave the object present.
func testCommitDeleteOpenStress(t *testing.T, s blob.Store) {
	const (
		committers = 4
		deleters   = 2
		readers    = 4
		rounds     = 40
	)
	data := content(12, 64<<10)
	d := digest(data)
	ctx := t.Context()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range committers {
		wg.Go(func() {
			<-start
			for range rounds {
				if _, err := putErr(ctx, s, data); err != nil {
					t.Errorf("committer %d: %v", i, err)
					return
				}
			}
		})
	}
	for i := range deleters {
		wg.Go(func() {
			<-start
			for range 2 * rounds {
				if err := s.Delete(ctx, d); err != nil {
					t.Errorf("deleter %d: %v", i, err)
					return
				}
			}
		})
	}
	for i := range readers {
		wg.Go(func() {
			<-start
			for range 2 * rounds {
				if size, err := s.Stat(ctx, d); err == nil {
					if size != int64(len(data)) {
						t.Errorf("reader %d: Stat = %d, want %d", i, size, len(data))
						return
					}
				} else if !errors.Is(err, blob.ErrNotFound) {
					t.Errorf("reader %d: Stat: %v", i, err)
					return
				}
				o, err := s.Open(ctx, d)
				if errors.Is(err, blob.ErrNotFound) {
					continue
				}
				if err != nil {
					t.Errorf("reader %d: Open: %v", i, err)
					return
				}
				err = checkObject(o, data)
				o.Close()
				if err != nil {
					t.Errorf("reader %d: partial or wrong object: %v", i, err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Whatever the interleaving, a commit after everything leaves it present.
	put(t, s, data)
	check(t, s, d, data)
	listed(t, s, sizes(data))
}

func testCancelledContext(t *testing.T, s blob.Store) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	data := content(13, 10_000)
	d := digest(data)

	if u, err := s.NewUpload(cancelled); err == nil {
		u.Abort()
		t.Fatalf("NewUpload with a cancelled context succeeded")
	}

	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	if err := writeChunks(u, data); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(cancelled, d); err == nil {
		t.Fatalf("Commit with a cancelled context succeeded")
	}
	if err := u.Abort(); err != nil {
		t.Fatalf("Abort after failed Commit: %v", err)
	}
	missing(t, s, d)
	listed(t, s, nil)
}

// testLarge streams LargeSize bytes from a generator through the store and
// hashes them back; the object is never held in memory.
func testLarge(t *testing.T, s blob.Store) {
	if testing.Short() {
		t.Skip("skipping the large object with -short")
	}
	gen := func() io.Reader {
		return io.LimitReader(rand.NewChaCha8([32]byte{'b', 'i', 'g'}), LargeSize)
	}
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	defer u.Abort()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(u, h), gen(), make([]byte, 1<<20))
	if err != nil || n != LargeSize {
		t.Fatalf("writing: %d bytes, %v", n, err)
	}
	d := hex.EncodeToString(h.Sum(nil))
	if err := u.Commit(t.Context(), d); err != nil {
		t.Fatalf("Commit: %v", err)
	}

	if size, err := s.Stat(t.Context(), d); err != nil || size != LargeSize {
		t.Fatalf("Stat = %d, %v; want %d", size, err, LargeSize)
	}
	o, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer o.Close()
	if o.Size() != LargeSize {
		t.Fatalf("Size() = %d, want %d", o.Size(), LargeSize)
	}
	h.Reset()
	if n, err := io.Copy(h, o); err != nil || n != LargeSize {
		t.Fatalf("reading back: %d bytes, %v", n, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d {
		t.Fatalf("read back sha256 %s, want %s", got, d)
	}

	// A range near the end.
	const tail = 1 << 20
	want := gen()
	if _, err := io.CopyN(io.Discard, want, LargeSize-tail-5); err != nil {
		t.Fatal(err)
	}
	wantTail := make([]byte, tail)
	if _, err := io.ReadFull(want, wantTail); err != nil {
		t.Fatal(err)
	}
	if pos, err := o.Seek(-tail-5, io.SeekEnd); err != nil || pos != LargeSize-tail-5 {
		t.Fatalf("Seek = %d, %v", pos, err)
	}
	gotTail := make([]byte, tail)
	if _, err := io.ReadFull(o, gotTail); err != nil {
		t.Fatalf("reading the range: %v", err)
	}
	if !bytes.Equal(gotTail, wantTail) {
		t.Fatalf("range near the end differs")
	}
	listed(t, s, map[string]int64{d: LargeSize})
}

func testWalk(t *testing.T, s blob.Store) {
	w, ok := s.(Walker)
	if !ok {
		t.Skip("the store does not implement Walk")
	}
	objs := [][]byte{nil, content(14, 1), content(15, 1000), content(16, 70_000)}
	// Enough objects that several share a first byte and the listing's
	// order is tested across fan-out folders.
	for i := range 40 {
		objs = append(objs, content(uint64(100+i), 1+i))
	}
	for _, b := range objs {
		put(t, s, b)
	}
	listed(t, s, sizes(objs...)) // also checks ascending digest order

	stop := errors.New("stop")
	calls := 0
	err := w.Walk(t.Context(), func(string, int64) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Walk with a failing fn = %v after %d calls; want stop after 1", err, calls)
	}

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	calls = 0
	err = w.Walk(cancelled, func(string, int64) error {
		calls++
		return nil
	})
	if err == nil {
		t.Fatalf("Walk with a cancelled context succeeded after %d calls", calls)
	}
}
