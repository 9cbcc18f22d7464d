package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// fixture is a data directory whose database is held by a "server"
// (OpenExclusive, which takes the lock) and written through a connection
// of the test's own, so that rows and blob files can be made exactly.
type fixture struct {
	dir string
	st  store.Store
	db  *sql.DB
	pkg int64
	n   atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.OpenExclusive(ctx, filepath.Join(dir, DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, DatabaseFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	f := &fixture{dir: dir, st: st, db: db}
	f.exec(t, `INSERT INTO domains (region, owner, name, encryption_key, created_ns) VALUES ('r', 'o', 'd', '', 1)`)
	f.exec(t, `INSERT INTO repositories (domain_id, name, administrator_account, description, created_ns) VALUES (1, 'repo', 'o', '', 1)`)
	f.exec(t, `INSERT INTO packages (repository_id, format, namespace, name, origin_publish, origin_upstream) VALUES (1, 'generic', 'ns', 'p', 'ALLOW', 'ALLOW')`)
	f.pkg = 1
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) exec(t testing.TB, q string, args ...any) sql.Result {
	t.Helper()
	r, err := f.db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func blobPath(dir, d string) string {
	return filepath.Join(dir, "blobs", "sha256", d[0:2], d[2:4], d)
}

// putBlob commits bytes as the server does: a temp file renamed into place.
func (f *fixture) putBlob(t testing.TB, b []byte) string {
	t.Helper()
	d := digestOf(b)
	p := blobPath(f.dir, d)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(f.dir, "blobs", "tmp", fmt.Sprintf("upload-%d", f.n.Add(1)))
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	return d
}

// addVersion publishes version ver with one asset: bytes first, then rows.
func (f *fixture) addVersion(t testing.TB, ver string, b []byte) string {
	t.Helper()
	d := f.putBlob(t, b)
	f.addRows(t, ver, d, int64(len(b)))
	return d
}

// addInlineVersion publishes version ver with one asset whose bytes are
// kept in the database, as a small publish does: the inline_blobs row is
// written in the transaction of the version's rows, and no file.
func (f *fixture) addInlineVersion(t testing.TB, ver string, b []byte) string {
	t.Helper()
	d := digestOf(b)
	f.addRowsInline(t, ver, d, int64(len(b)), b)
	return d
}

func (f *fixture) addRows(t testing.TB, ver, d string, size int64) {
	t.Helper()
	f.addRowsInline(t, ver, d, size, nil)
}

// addRowsInline adds the rows of version ver and, when inline is not nil,
// the inline_blobs row for d with those bytes (kept if one is there).
func (f *fixture) addRowsInline(t testing.TB, ver, d string, size int64, inline []byte) {
	t.Helper()
	tx, err := f.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	r, err := tx.Exec(`INSERT INTO package_versions (package_id, version, revision, status, origin_type,
		entry_repository, entry_external_connection, published_ns, display_name, summary, home_page,
		source_code_repository, readme) VALUES (?, ?, 'rev', 'Published', 'INTERNAL', 'repo', '', 1, ?, '', '', '', '')`,
		f.pkg, ver, ver)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := r.LastInsertId()
	if _, err := tx.Exec(`INSERT INTO assets (version_id, domain_id, name, size, md5, sha1, sha256, sha512)
		VALUES (?, 1, 'file.bin', ?, '', '', ?, '')`, id, size, d); err != nil {
		t.Fatal(err)
	}
	if inline != nil {
		if _, err := tx.Exec(`INSERT INTO inline_blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING`,
			d, inline); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// deleteVersion deletes version ver, then its bytes when nothing else
// references them (as the collector does: the inline row in the
// transaction that finds the digest unreferenced, the file after it).
func (f *fixture) deleteVersion(t testing.TB, ver, d string) {
	t.Helper()
	f.exec(t, `DELETE FROM package_versions WHERE package_id = ? AND version = ?`, f.pkg, ver)
	tx, err := f.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var used bool
	if err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM assets WHERE sha256 = ?)`, d).Scan(&used); err != nil {
		t.Fatal(err)
	}
	if !used {
		if _, err := tx.Exec(`DELETE FROM inline_blobs WHERE sha256 = ?`, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if !used {
		os.Remove(blobPath(f.dir, d))
	}
}

// storedBytes reads the bytes of d in the data directory or backup dir
// whose database is db: its blob file, or else its inline_blobs row.
func storedBytes(db *sql.DB, dir, d string) ([]byte, error) {
	b, err := os.ReadFile(blobPath(dir, d))
	if !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	if qerr := db.QueryRow(`SELECT content FROM inline_blobs WHERE sha256 = ?`, d).Scan(&b); qerr != nil {
		return nil, fmt.Errorf("%v, and not inline: %w", err, qerr)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// forModes runs a test with the backup's blob files hard-linked (the
// default) and copied (WithCopy).
func forModes(t *testing.T, test func(t *testing.T, mode string, opts []Option)) {
	t.Run("link", func(t *testing.T) { test(t, "link", nil) })
	t.Run("copy", func(t *testing.T) { test(t, "copy", []Option{WithCopy()}) })
}

// restoreAndOpen restores the backup in to into a fresh data directory,
// checks that it holds want (see wantStore), opens it as the server does
// (which runs any newer migrations), and returns it.
func restoreAndOpen(t *testing.T, to string, want map[string][]byte, opts ...Option) string {
	t.Helper()
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	if err := Restore(ctx, to, data, opts...); err != nil {
		t.Fatal(err)
	}
	wantStore(t, data, want)
	st, err := sqlite.OpenExclusive(ctx, filepath.Join(data, DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return data
}

// wantStore checks that dir holds exactly the versions of want (version →
// bytes), each with its bytes (a file, or else inline in the database).
func wantStore(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	db, err := sqlite.OpenReadOnly(context.Background(), filepath.Join(dir, DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT v.version, a.sha256, a.size FROM package_versions v JOIN assets a ON a.version_id = v.id`)
	if err != nil {
		t.Fatal(err)
	}
	type asset struct {
		ver, d string
		size   int64
	}
	var assets []asset // read first: the read-only pool has one connection
	for rows.Next() {
		var a asset
		if err := rows.Scan(&a.ver, &a.d, &a.size); err != nil {
			t.Fatal(err)
		}
		assets = append(assets, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, a := range assets {
		w, ok := want[a.ver]
		if !ok {
			t.Errorf("%s: version %s should not be there", dir, a.ver)
			continue
		}
		b, err := storedBytes(db, dir, a.d)
		if err != nil {
			t.Errorf("%s: version %s: %v", dir, a.ver, err)
			continue
		}
		if !bytes.Equal(b, w) || int64(len(b)) != a.size {
			t.Errorf("%s: version %s: %d bytes differ from the %d published", dir, a.ver, len(b), len(w))
		}
	}
	if len(assets) != len(want) {
		t.Errorf("%s: %d versions, want %d", dir, len(assets), len(want))
	}
}

func TestBackupRestore(t *testing.T) {
	forModes(t, func(t *testing.T, mode string, opts []Option) {
		ctx := context.Background()
		f := newFixture(t)
		want := map[string][]byte{}
		for i := range 20 {
			b := bytes.Repeat([]byte{byte(i)}, 100+i)
			if i == 7 {
				b = want["1.0.3"] // the same bytes twice: one blob
			}
			ver := fmt.Sprintf("1.0.%d", i)
			f.addVersion(t, ver, b)
			want[ver] = b
		}
		orphan := f.putBlob(t, []byte("not referenced"))
		if err := os.WriteFile(filepath.Join(f.dir, "blobs", "tmp", "upload-x"), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.dir, CredentialsFile), []byte(`{"k":"v"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.dir, SecretsKeyFile), []byte("c2VjcmV0\n"), 0o600); err != nil {
			t.Fatal(err)
		}

		to := filepath.Join(t.TempDir(), "b")
		r, err := Backup(ctx, f.dir, to, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(r)
		wantCounts := Counts{Domains: 1, Repositories: 1, Packages: 1, PackageVersions: 20, Assets: 20}
		if r.Counts != wantCounts || r.Blobs != 19 || !r.Credentials || !r.SecretsKey || r.Pruned != 1 || r.Dir != to {
			t.Errorf("report %+v", r)
		}
		if mode == "copy" && (r.Linked != 0 || r.Copied != 20) {
			t.Errorf("copy: %d linked, %d copied; want 0, 20", r.Linked, r.Copied)
		}
		var bytesWant int64
		for v, b := range want {
			if v != "1.0.7" {
				bytesWant += int64(len(b))
			}
		}
		if r.BlobBytes != bytesWant {
			t.Errorf("blob bytes %d, want %d", r.BlobBytes, bytesWant)
		}
		m, err := ReadManifest(to)
		if err != nil {
			t.Fatal(err)
		}
		if m != r.Manifest {
			t.Errorf("manifest %+v, report %+v", m, r.Manifest)
		}
		if _, err := os.Stat(blobPath(to, orphan)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("unreferenced blob in the backup: %v", err)
		}
		if _, err := os.Stat(filepath.Join(to, "blobs", "tmp")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("blobs/tmp in the backup: %v", err)
		}
		for _, name := range []string{CredentialsFile, SecretsKeyFile, DatabaseFile, ManifestFile} {
			info, err := os.Stat(filepath.Join(to, name))
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", name, info.Mode().Perm())
			}
		}
		wantStore(t, to, want)
		leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(to), ".*partial*"))
		if len(leftovers) > 0 {
			t.Errorf("left behind: %v", leftovers)
		}

		data := restoreAndOpen(t, to, want, opts...)
		if b, err := os.ReadFile(filepath.Join(data, CredentialsFile)); err != nil || string(b) != `{"k":"v"}` {
			t.Errorf("credentials: %q, %v", b, err)
		}
		if b, err := os.ReadFile(filepath.Join(data, SecretsKeyFile)); err != nil || string(b) != "c2VjcmV0\n" {
			t.Errorf("secrets key: %q, %v", b, err)
		}
	})
}

func TestRefuseNonEmpty(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addVersion(t, "1", []byte("one"))
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Backup(ctx, f.dir, full); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("backup into a non-empty folder: %v", err)
	}
	if _, err := Backup(ctx, f.dir, filepath.Join(f.dir, "backup")); err == nil {
		t.Errorf("backup into the data directory: no error")
	}
	if _, err := Backup(ctx, t.TempDir(), filepath.Join(t.TempDir(), "b")); err == nil {
		t.Errorf("backup of a folder without a database: no error")
	}
	empty := t.TempDir() // an existing empty folder is fine
	if _, err := Backup(ctx, f.dir, empty); err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, empty, full); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into a non-empty folder: %v", err)
	}
	if err := Restore(ctx, empty, f.dir); err == nil {
		t.Errorf("restore onto a live data directory: no error")
	}
	if err := Restore(ctx, t.TempDir(), filepath.Join(t.TempDir(), "d")); err == nil || !strings.Contains(err.Error(), "not a complete") {
		t.Errorf("restore from a folder that is no backup: %v", err)
	}
}

// TestBackupMissingBlob: a referenced blob that is not there fails the
// backup, naming it, and leaves nothing behind.
func TestBackupMissingBlob(t *testing.T) {
	f := newFixture(t)
	f.addVersion(t, "1", []byte("one"))
	d := digestOf([]byte("gone"))
	f.addRows(t, "2", d, 4)
	parent := t.TempDir()
	_, err := Backup(context.Background(), f.dir, filepath.Join(parent, "b"))
	if err == nil || !strings.Contains(err.Error(), d+" (missing)") || !strings.Contains(err.Error(), "run the backup again") {
		t.Fatalf("got %v, want an error naming %s", err, d)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestBackupCorruptBlob: a copy checks the bytes against their name.
func TestBackupCorruptBlob(t *testing.T) {
	f := newFixture(t)
	d := f.addVersion(t, "1", []byte("one"))
	if err := os.WriteFile(blobPath(f.dir, d), []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Backup(context.Background(), f.dir, filepath.Join(t.TempDir(), "b"), WithCopy())
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("got %v, want corrupt", err)
	}
}

// TestRestoreChecks: a backup that lost a blob, or whose manifest does not
// match, is not restored.
func TestRestoreChecks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := f.addVersion(t, "1", []byte("one"))
	f.addVersion(t, "2", []byte("two"))
	to := filepath.Join(t.TempDir(), "b")
	if _, err := Backup(ctx, f.dir, to, WithCopy()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(blobPath(to, d)); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	err := Restore(ctx, to, filepath.Join(parent, "data"))
	if err == nil || !strings.Contains(err.Error(), d+" (missing)") {
		t.Fatalf("restore without a blob: %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}

	to2 := filepath.Join(t.TempDir(), "b")
	if _, err := Backup(ctx, f.dir, to2); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(to2)
	if err != nil {
		t.Fatal(err)
	}
	m.Counts.PackageVersions++
	os.Remove(filepath.Join(to2, ManifestFile))
	if err := writeManifest(to2, m); err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, to2, filepath.Join(t.TempDir(), "data")); err == nil || !strings.Contains(err.Error(), "manifest") {
		t.Fatalf("restore with a wrong manifest: %v", err)
	}
}

// TestBackupWhileWriting backs up again and again while versions are
// published and deleted (and their bytes collected) meanwhile: every backup
// that succeeds holds every blob its snapshot references, and every
// version published before it started.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var mu sync.Mutex
	acked := map[string][]byte{} // version -> bytes, published and never deleted
	for i := range 10 {
		v := fmt.Sprintf("0.%d", i)
		b := []byte("v" + v)
		f.addVersion(t, v, b)
		acked[v] = b
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			v := fmt.Sprintf("1.%d", i)
			b := []byte(fmt.Sprintf("bytes %d", i%7)) // shared bytes: re-published after collection
			if i%7%2 == 0 {
				f.addInlineVersion(t, v, b) // some bytes kept in the database
			} else {
				f.addVersion(t, v, b)
			}
			if i%2 == 0 { // deleted at once, its bytes collected unless shared
				f.deleteVersion(t, v, digestOf(b))
				continue
			}
			mu.Lock()
			acked[v] = b
			mu.Unlock()
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	ok, failed := 0, 0
	for n := 0; n < 5 || time.Now().Before(deadline); n++ {
		mu.Lock()
		before := map[string][]byte{}
		for v, b := range acked {
			before[v] = b
		}
		mu.Unlock()
		to := filepath.Join(t.TempDir(), "b")
		r, err := Backup(ctx, f.dir, to)
		if err != nil {
			if !strings.Contains(err.Error(), "run the backup again") {
				t.Fatal(err)
			}
			failed++
			continue
		}
		ok++
		if _, err := check(ctx, to, false); err != nil {
			t.Fatalf("backup %d: %v", n, err)
		}
		data := filepath.Join(t.TempDir(), "data")
		if err := Restore(ctx, to, data); err != nil {
			t.Fatalf("restore %d: %v", n, err)
		}
		db, err := sqlite.OpenReadOnly(ctx, filepath.Join(data, DatabaseFile))
		if err != nil {
			t.Fatal(err)
		}
		for v, b := range before {
			var d string
			if err := db.QueryRow(`SELECT a.sha256 FROM assets a JOIN package_versions v ON v.id = a.version_id WHERE v.version = ?`, v).Scan(&d); err != nil {
				t.Fatalf("backup %d (%v): version %s, published before it began: %v", n, r, v, err)
			}
			got, err := storedBytes(db, data, d)
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("backup %d: version %s: %q, %v; want %q", n, v, got, err, b)
			}
		}
		db.Close()
	}
	t.Logf("%d backups, %d failed for a blob collected meanwhile", ok+failed, failed)
	if ok == 0 {
		t.Fatal("no backup succeeded")
	}
}

// TestBackupRestoreInline: bytes kept in the database (inline_blobs) need
// no file, in the backup or the restored data directory, and a file whose
// digest is also inline stays.
func TestBackupRestoreInline(t *testing.T) {
	forModes(t, func(t *testing.T, mode string, opts []Option) {
		ctx := context.Background()
		f := newFixture(t)
		want := map[string][]byte{}
		add := func(ver string, b []byte, inline bool) string {
			want[ver] = b
			if inline {
				return f.addInlineVersion(t, ver, b)
			}
			return f.addVersion(t, ver, b)
		}
		var inlineOnly []string
		for i := range 6 {
			inlineOnly = append(inlineOnly, add(fmt.Sprintf("1.%d", i), bytes.Repeat([]byte{byte(i)}, 10+i), true))
		}
		add("1.6", want["1.2"], true) // the same inline bytes twice: one blob
		add("2.0", []byte("a file"), false)
		both := add("3.0", []byte("inline and a file"), true)
		f.putBlob(t, want["3.0"])  // as after the inline size changed
		add("4.0", []byte{}, true) // empty bytes are bytes too
		inlineOnly = append(inlineOnly, digestOf(nil))
		unreferenced := digestOf([]byte("collected later"))
		f.exec(t, `INSERT INTO inline_blobs (sha256, content) VALUES (?, ?)`, unreferenced, []byte("collected later"))

		to := filepath.Join(t.TempDir(), "b")
		r, err := Backup(ctx, f.dir, to, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(r)
		var bytesWant int64
		for v, b := range want {
			if v != "1.6" {
				bytesWant += int64(len(b))
			}
		}
		// 1.0-1.5, 4.0 and 3.0 inline (3.0 has a file too), 2.0 a file.
		if r.Blobs != 9 || r.InlineBlobs != 8 || r.BlobBytes != bytesWant || r.Counts.Assets != 10 || r.Pruned != 0 {
			t.Errorf("report %+v; want 9 blobs (8 inline) of %d bytes, 10 assets, none pruned", r, bytesWant)
		}
		if !strings.Contains(r.String(), "9 blobs (") || !strings.Contains(r.String(), "8 in the database") {
			t.Errorf("summary %q", r)
		}
		if m, err := ReadManifest(to); err != nil || m != r.Manifest {
			t.Errorf("manifest %+v, %v; report %+v", m, err, r.Manifest)
		}
		for _, d := range inlineOnly {
			if _, err := os.Stat(blobPath(to, d)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("inline blob %s has a file in the backup: %v", d, err)
			}
		}
		if _, err := os.Stat(blobPath(to, both)); err != nil {
			t.Errorf("the file of %s, referenced and inline, is not in the backup: %v", both, err)
		}
		wantStore(t, to, want)

		restoreAndOpen(t, to, want, opts...)
	})
}

// TestBackupInlineWrong: a referenced digest whose inline bytes have the
// wrong length, or that is neither inline nor a file, fails the backup,
// naming it; a wrong inline row does not matter when a file of the right
// size is there.
func TestBackupInlineWrong(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addInlineVersion(t, "1", []byte("one"))
	short := digestOf([]byte("two"))
	f.addRowsInline(t, "2", short, 3, []byte("tw"))
	gone := digestOf([]byte("three"))
	f.addRows(t, "3", gone, 5)
	parent := t.TempDir()
	_, err := Backup(ctx, f.dir, filepath.Join(parent, "b"))
	if err == nil || !strings.Contains(err.Error(), "2 blobs") ||
		!strings.Contains(err.Error(), short+" (2 bytes in the database, the assets say 3; no file)") ||
		!strings.Contains(err.Error(), gone+" (missing)") || !strings.Contains(err.Error(), "run the backup again") {
		t.Fatalf("got %v, want an error naming %s and %s", err, short, gone)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}

	f.putBlob(t, []byte("two"))
	f.putBlob(t, []byte("three"))
	if _, err := Backup(ctx, f.dir, filepath.Join(parent, "b")); err != nil {
		t.Fatalf("with the files there: %v", err)
	}
}

// TestBackupWithoutInlineTable: a database from before migration 0014 (no
// inline_blobs) is backed up and restored against its files, and the
// restored data directory migrates when a server opens it.
func TestBackupWithoutInlineTable(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.exec(t, `DROP TABLE inline_blobs`)
	f.exec(t, `DELETE FROM schema_migrations WHERE version = 14`)
	want := map[string][]byte{"1": []byte("one"), "2": []byte("two")}
	for v, b := range want {
		f.addVersion(t, v, b)
	}
	to := filepath.Join(t.TempDir(), "b")
	r, err := Backup(ctx, f.dir, to)
	if err != nil {
		t.Fatal(err)
	}
	if r.Blobs != 2 || r.InlineBlobs != 0 || r.BlobBytes != 6 {
		t.Errorf("report %+v", r)
	}
	wantStore(t, to, want)
	data := restoreAndOpen(t, to, want)
	db, err := sqlite.OpenReadOnly(ctx, filepath.Join(data, DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ok, err := tableExists(ctx, db, "inline_blobs"); err != nil || !ok {
		t.Errorf("the restored database was not migrated: inline_blobs %v, %v", ok, err)
	}
}
