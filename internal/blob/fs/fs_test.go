package fs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	iofs "io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/blob/blobtest"
	"github.com/artifactd/artifactd/internal/blob/fs"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		// The root sits a few levels below base; every level holds files a
		// path traversal could reach. After the subtest, everything outside
		// root must be unchanged and root must hold only a well-formed tree.
		base := t.TempDir()
		root := filepath.Join(base, "x", "y", "z", "store")
		for _, dir := range []string{base, filepath.Join(base, "x"), filepath.Join(base, "x", "y"), filepath.Join(base, "x", "y", "z")} {
			writeFile(t, filepath.Join(dir, "etc", "passwd"), "root:x:0:0")
			writeFile(t, filepath.Join(dir, "tmp", "keep"), "keep")
			writeFile(t, filepath.Join(dir, "sha256", "keep"), "keep")
		}
		before := snapshot(t, base, root)
		s, err := fs.New(root)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() {
			if after := snapshot(t, base, root); !mapsEqual(before, after) {
				t.Errorf("files outside the root changed:\nbefore %v\nafter  %v", before, after)
			}
			checkTree(t, root)
		})
		return s
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// snapshot maps every path under base, except under skip, to its mode and
// content.
func snapshot(t *testing.T, base, skip string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(base, func(path string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == skip {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		v := info.Mode().String()
		if d.Type().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		m[path] = v
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return m
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// checkTree asserts that root holds only sha256/ and an empty tmp/, that
// directories are 0700 and objects 0600, and that every object sits at
// sha256/ab/cd/abcd… and hashes to its name.
func checkTree(t *testing.T, root string) {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"sha256", "tmp"}) {
		t.Errorf("root holds %v, want [sha256 tmp]", names)
	}
	if tmps := list(t, filepath.Join(root, "tmp")); len(tmps) != 0 {
		t.Errorf("temp files left behind: %v", tmps)
	}
	objects := filepath.Join(root, "sha256")
	err = filepath.WalkDir(objects, func(path string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(objects, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		switch {
		case d.IsDir():
			if perm := info.Mode().Perm(); perm != 0o700 {
				t.Errorf("directory %s has mode %v, want 0700", rel, perm)
			}
			if rel != "." && (len(parts) > 2 || len(parts[len(parts)-1]) != 2) {
				t.Errorf("unexpected directory %s", rel)
			}
		case d.Type().IsRegular():
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("object %s has mode %v, want 0600", rel, perm)
			}
			if len(parts) != 3 || parts[0]+parts[1] != parts[2][:min(4, len(parts[2]))] {
				t.Errorf("object at unexpected path %s", rel)
				return nil
			}
			if got := hashFile(t, path); got != parts[2] {
				t.Errorf("object %s holds bytes with sha256 %s", rel, got)
			}
		default:
			t.Errorf("unexpected %v at %s", info.Mode().Type(), rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", objects, err)
	}
}

func hashFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// list returns the names in dir.
func list(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func put(t *testing.T, s *fs.Store, data []byte) string {
	t.Helper()
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	if _, err := u.Write(data); err != nil {
		t.Fatalf("Write: %v", err)
	}
	d := digest(data)
	if err := u.Commit(t.Context(), d); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return d
}

func walk(t *testing.T, s *fs.Store) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	err := s.Walk(t.Context(), func(d string, size int64) error {
		m[d] = size
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return m
}

func newStore(t *testing.T, root string) *fs.Store {
	t.Helper()
	s, err := fs.New(root)
	if err != nil {
		t.Fatalf("New(%s): %v", root, err)
	}
	return s
}

func TestNewCreatesRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "a", "b", "store")
	s := newStore(t, root)
	for _, dir := range []string{root, filepath.Join(root, "sha256"), filepath.Join(root, "tmp")} {
		info, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !info.IsDir() || info.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want a 0700 directory", dir, info.Mode())
		}
	}
	d := put(t, s, []byte("hello"))
	path := filepath.Join(root, "sha256", d[:2], d[2:4], d)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("object not at %s: %v", path, err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("object mode %v, want 0600", info.Mode())
	}

	if _, err := fs.New(""); err == nil {
		t.Errorf("New(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, "not a directory")
	if _, err := fs.New(file); err == nil {
		t.Errorf("New on a regular file succeeded")
	}
}

func TestNewRemovesStaleTempFiles(t *testing.T) {
	root := t.TempDir()
	newStore(t, root)
	tmp := filepath.Join(root, "tmp")
	now := time.Now()
	files := map[string]time.Time{
		"upload-stale":       now.Add(-fs.StaleTempAge - time.Hour),
		"upload-ancient":     now.Add(-30 * 24 * time.Hour),
		"upload-recent":      now.Add(-fs.StaleTempAge + time.Hour),
		"upload-fresh":       now,
		"not-an-upload-file": now.Add(-30 * 24 * time.Hour),
	}
	for name, mtime := range files {
		path := filepath.Join(tmp, name)
		writeFile(t, path, "partial")
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(tmp, "upload-dir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-30 * 24 * time.Hour)
	if err := os.Chtimes(dir, old, old); err != nil {
		t.Fatal(err)
	}

	// An upload of this process in progress, as another node's would be.
	s := newStore(t, root)
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Abort()
	if _, err := u.Write([]byte("live")); err != nil {
		t.Fatal(err)
	}

	newStore(t, root) // a restart (or a second node) while u is open

	got := list(t, tmp)
	for _, name := range []string{"upload-stale", "upload-ancient"} {
		if slices.Contains(got, name) {
			t.Errorf("stale temp file %s not removed", name)
		}
	}
	for _, name := range []string{"upload-recent", "upload-fresh", "not-an-upload-file", "upload-dir"} {
		if !slices.Contains(got, name) {
			t.Errorf("%s removed, want kept", name)
		}
	}
	if len(got) != 5 { // 4 kept + the live upload
		t.Errorf("tmp holds %v", got)
	}
	// The live upload still commits.
	d := digest([]byte("live"))
	if err := u.Commit(t.Context(), d); err != nil {
		t.Fatalf("Commit of the live upload: %v", err)
	}
	if size, err := s.Stat(t.Context(), d); err != nil || size != 4 {
		t.Fatalf("Stat = %d, %v", size, err)
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	tmp := filepath.Join(root, "tmp")
	ctx := t.Context()
	data := []byte("some bytes")
	d := digest(data)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	ends := map[string]func(blob.Upload) error{
		"commit":                func(u blob.Upload) error { return u.Commit(ctx, d) },
		"abort":                 func(u blob.Upload) error { return u.Abort() },
		"commit invalid digest": func(u blob.Upload) error { u.Commit(ctx, "../x"); return u.Abort() },
		"commit cancelled":      func(u blob.Upload) error { u.Commit(cancelled, d); return nil },
		"commit then abort": func(u blob.Upload) error {
			if err := u.Commit(ctx, d); err != nil {
				return err
			}
			return u.Abort()
		},
	}
	for name, end := range ends {
		u, err := s.NewUpload(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.Write(data); err != nil {
			t.Fatal(err)
		}
		if n := len(list(t, tmp)); n != 1 {
			t.Fatalf("%s: %d files in tmp during the upload, want 1", name, n)
		}
		if err := end(u); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := list(t, tmp); len(got) != 0 {
			t.Errorf("%s: left %v in tmp", name, got)
		}
	}
}

func TestRestart(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	a, b := []byte("first object"), bytes.Repeat([]byte("second "), 10_000)
	da, db := put(t, s, a), put(t, s, b)
	de := put(t, s, nil)
	if err := s.Delete(t.Context(), de); err != nil {
		t.Fatal(err)
	}

	s2 := newStore(t, root)
	for d, want := range map[string][]byte{da: a, db: b} {
		o, err := s2.Open(t.Context(), d)
		if err != nil {
			t.Fatalf("Open after restart: %v", err)
		}
		got, err := io.ReadAll(o)
		o.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("after restart read %d bytes, %v", len(got), err)
		}
	}
	if _, err := s2.Stat(t.Context(), de); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("deleted object after restart: %v", err)
	}
	want := map[string]int64{da: int64(len(a)), db: int64(len(b))}
	if got := walk(t, s2); !maps64Equal(got, want) {
		t.Fatalf("Walk after restart = %v, want %v", got, want)
	}
}

func maps64Equal(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestWalkSkipsForeignFiles(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	d := put(t, s, []byte("real"))
	objects := filepath.Join(root, "sha256")
	other := digest([]byte("elsewhere"))
	writeFile(t, filepath.Join(objects, "README"), "x")
	writeFile(t, filepath.Join(objects, "zz", "zz", other), "x")
	writeFile(t, filepath.Join(objects, d[:2], "README"), "x")
	writeFile(t, filepath.Join(objects, d[:2], d[2:4], "notes.txt"), "x")
	writeFile(t, filepath.Join(objects, d[:2], d[2:4], strings.ToUpper(d)), "x")
	writeFile(t, filepath.Join(objects, d[:2], d[2:4], other), "x") // wrong prefix
	if err := os.Mkdir(filepath.Join(objects, d[:2], d[2:4], digest(nil)), 0o700); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{d: 4}
	if got := walk(t, s); !maps64Equal(got, want) {
		t.Fatalf("Walk = %v, want %v", got, want)
	}
}

// TestServeContent checks that an Object can be handed to http.ServeContent
// (over a real TCP connection, where the sendfile path applies), including
// Range requests.
func TestServeContent(t *testing.T) {
	s := newStore(t, t.TempDir())
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	d := put(t, s, data)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.Open(r.Context(), d)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer o.Close()
		obj, ok := o.(*fs.Object)
		if !ok || obj.File == nil {
			http.Error(w, "Open did not return an *fs.Object backed by a file", http.StatusInternalServerError)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, obj)
	}))
	defer srv.Close()

	get := func(rangeHeader string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}

	if code, body := get(""); code != http.StatusOK || !bytes.Equal(body, data) {
		t.Errorf("full GET: %d, %d bytes", code, len(body))
	}
	if code, body := get("bytes=1000-1999"); code != http.StatusPartialContent || !bytes.Equal(body, data[1000:2000]) {
		t.Errorf("range GET: %d, %d bytes", code, len(body))
	}
	if code, body := get("bytes=-100"); code != http.StatusPartialContent || !bytes.Equal(body, data[len(data)-100:]) {
		t.Errorf("suffix range GET: %d, %d bytes", code, len(body))
	}
}

// TestPing: a store is ready while its folders exist, not after its root
// is removed.
func TestPing(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	s, err := fs.New(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err == nil {
		t.Error("Ping after removing the root succeeded")
	}
}
