// Package backup copies the embedded store (the SQLite database and the
// blob folder of a data directory) to a backup folder while a server may be
// serving it, and makes a data directory from such a backup.
//
// A backup folder holds
//
//	artifactd.db             a consistent snapshot of the database (VACUUM INTO), with the
//	                         bytes of small assets (its inline_blobs table)
//	blobs/sha256/ab/cd/<d>   the bytes of every other asset the snapshot references, and only those
//	credentials.json         the generated administrator key, when the data directory has one
//	secrets.key              the generated key sealing IAM access-key secrets, when the data directory has one
//	backup.json              the manifest (Manifest), written last
//
// # Consistency with a running server
//
// The snapshot is taken on a read-only connection of its own, without the
// lock the server holds on artifactd.db.lock: in WAL mode it reads the
// database as of one instant while the server keeps writing. Blobs are
// immutable and named by their content, and a publish writes its bytes
// before the transaction that references them commits, so every blob the
// snapshot references exists when the snapshot is taken; but the server's
// collector may delete a blob as soon as nothing references it any more.
// Blobs are therefore copied twice, before and after the snapshot (the
// second pass copies only what the first one has not), then every digest
// the snapshot's assets table names is checked to be in the backup with its
// size (a blob deleted and published again in between can be missing: the
// backup then fails, naming it, and is to be run again). Blobs the snapshot
// does not reference (uploads being published, bytes being collected) are
// left out. Bytes kept inline in the database need none of this: they are
// written, and collected, in the transactions that add and remove their
// references, so a snapshot that references inline bytes holds them
// (check still verifies their length). A snapshot of a database from before
// inline blobs (no inline_blobs table) is checked against files only.
//
// Blob files are hard-linked into the backup when it is on the same file
// system (artifactd never writes to a blob file once it has its name: a
// publish of the same bytes renames a new file over it, a delete unlinks
// it), and copied otherwise, or always with WithCopy; a copy is checked
// against its SHA-256 name on the way. Memory stays bounded: the asset
// listing is streamed, directories are read one fan-out leaf at a time.
//
// The backup folder appears whole or not at all: it is built in a hidden
// sibling folder (.NAME.partial-*) and renamed into place, the same for a
// restored data directory.
package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// Names inside a data directory and a backup folder.
const (
	DatabaseFile    = "artifactd.db"
	CredentialsFile = "credentials.json"
	SecretsKeyFile  = "secrets.key"
	ManifestFile    = "backup.json"
	blobsDir        = "blobs"
	objectsDir      = "sha256"
	dirPerm         = 0o700
	filePerm        = 0o600
	// maxNamed is how many missing or wrong blobs an error names.
	maxNamed = 10
)

// Manifest describes a backup; it is backup.json in the backup folder.
type Manifest struct {
	Format    int       `json:"format"` // 1
	Time      time.Time `json:"time"`   // when the backup was made (UTC)
	Version   string    `json:"artifactd_version,omitempty"`
	Source    string    `json:"source"` // the data directory, absolute
	Database  int64     `json:"database_bytes"`
	Blobs     int64     `json:"blobs"`      // distinct blobs the snapshot references
	BlobBytes int64     `json:"blob_bytes"` // their total size
	// InlineBlobs is how many of Blobs have their bytes in the snapshot
	// itself (its inline_blobs table, so counted in Database too; a file
	// of blobs/ may hold them as well). The others are files. 0 in a
	// backup made before artifactd kept small blobs in the database.
	InlineBlobs int64  `json:"inline_blobs"`
	Counts      Counts `json:"counts"`
	// Credentials reports whether credentials.json was copied.
	Credentials bool `json:"credentials"`
	// SecretsKey reports whether secrets.key was copied: without it (or
	// the ARTIFACTD_SECRETS_KEY it stands for) the restored IAM access
	// keys cannot be used.
	SecretsKey bool `json:"secrets_key,omitempty"`
}

// Counts are row counts of the snapshot.
type Counts struct {
	Domains         int64 `json:"domains"`
	Repositories    int64 `json:"repositories"`
	Packages        int64 `json:"packages"`
	PackageVersions int64 `json:"package_versions"`
	Assets          int64 `json:"assets"`
}

// Report is what Backup did.
type Report struct {
	Manifest
	Dir    string // the backup folder
	Linked int64  // blob files hard-linked
	Copied int64  // blob files copied
	Pruned int64  // blob files copied, then removed as unreferenced by the snapshot
}

// String is a one-line summary.
func (r Report) String() string {
	return fmt.Sprintf("backup of %s in %s: %d domains, %d repositories, %d package versions, %d assets, "+
		"%d blobs (%d bytes; %d in the database, %d files linked, %d copied), database %d bytes",
		r.Source, r.Dir, r.Counts.Domains, r.Counts.Repositories, r.Counts.PackageVersions, r.Counts.Assets,
		r.Blobs, r.BlobBytes, r.InlineBlobs, r.Linked, r.Copied, r.Database)
}

type options struct{ copy bool }

// Option changes how Backup and Restore work.
type Option func(*options)

// WithCopy copies blob files even where hard links are possible.
func WithCopy() Option { return func(o *options) { o.copy = true } }

// Backup copies the embedded store of dataDir (artifactd.db and blobs/,
// and credentials.json when present) into toDir, which must not exist or
// be empty. A server may be serving dataDir meanwhile.
func Backup(ctx context.Context, dataDir, toDir string, opts ...Option) (Report, error) {
	r, err := doBackup(ctx, dataDir, toDir, opts)
	if err != nil {
		return Report{}, fmt.Errorf("backup: %w", err)
	}
	return r, nil
}

func doBackup(ctx context.Context, dataDir, toDir string, opts []Option) (Report, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	src, dst, err := absPair(dataDir, toDir)
	if err != nil {
		return Report{}, err
	}
	if err := regularFile(filepath.Join(src, DatabaseFile)); err != nil {
		return Report{}, fmt.Errorf("no embedded database in %s: %w", dataDir, err)
	}
	if within(dst, src) {
		return Report{}, fmt.Errorf("the backup folder %s is inside the data directory %s", toDir, dataDir)
	}
	partial, err := newPartial(dst)
	if err != nil {
		return Report{}, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(partial)
		}
	}()

	c := &copier{copy: o.copy}
	srcBlobs := filepath.Join(src, blobsDir, objectsDir)
	dstBlobs := filepath.Join(partial, blobsDir, objectsDir)
	if err := os.MkdirAll(dstBlobs, dirPerm); err != nil {
		return Report{}, err
	}
	// Pass 1: everything there is; the snapshot will reference little more.
	if err := c.tree(ctx, srcBlobs, dstBlobs); err != nil {
		return Report{}, err
	}
	r := Report{Manifest: Manifest{Format: 1, Time: time.Now().UTC(), Version: version(), Source: src}}
	db := filepath.Join(partial, DatabaseFile)
	if err := sqlite.SnapshotInto(ctx, filepath.Join(src, DatabaseFile), db); err != nil {
		return Report{}, fmt.Errorf("snapshot of the database: %w", err)
	}
	if r.Database, err = syncFile(db); err != nil {
		return Report{}, err
	}
	// Pass 2: what was published between pass 1 and the snapshot.
	if err := c.tree(ctx, srcBlobs, dstBlobs); err != nil {
		return Report{}, err
	}
	r.Linked, r.Copied = c.linked, c.copied

	v, err := check(ctx, partial, true)
	if err != nil {
		return Report{}, fmt.Errorf("%w (nothing was written to %s; run the backup again)", err, toDir)
	}
	r.Blobs, r.BlobBytes, r.InlineBlobs, r.Counts, r.Pruned = v.blobs, v.bytes, v.inline, v.counts, v.pruned

	if r.Credentials, err = copyIfPresent(filepath.Join(src, CredentialsFile), filepath.Join(partial, CredentialsFile)); err != nil {
		return Report{}, err
	}
	if r.SecretsKey, err = copyIfPresent(filepath.Join(src, SecretsKeyFile), filepath.Join(partial, SecretsKeyFile)); err != nil {
		return Report{}, err
	}
	if err := writeManifest(partial, r.Manifest); err != nil {
		return Report{}, err
	}
	if err := publish(partial, dst); err != nil {
		return Report{}, err
	}
	ok = true
	r.Dir = dst
	return r, nil
}

// Restore makes dataDir, which must not exist or be empty, from the backup
// in fromDir, and checks it as Backup did: every blob the database
// references is there with its size, and the counts match the manifest.
// Start the server on dataDir afterwards.
func Restore(ctx context.Context, fromDir, dataDir string, opts ...Option) error {
	if err := doRestore(ctx, fromDir, dataDir, opts); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

func doRestore(ctx context.Context, fromDir, dataDir string, opts []Option) error {
	var o options
	for _, f := range opts {
		f(&o)
	}
	src, dst, err := absPair(fromDir, dataDir)
	if err != nil {
		return err
	}
	m, err := readManifest(src)
	if err != nil {
		return err
	}
	if err := regularFile(filepath.Join(src, DatabaseFile)); err != nil {
		return fmt.Errorf("%s is not a complete backup: %w", fromDir, err)
	}
	if within(dst, src) {
		return fmt.Errorf("the data directory %s is inside the backup %s", dataDir, fromDir)
	}
	partial, err := newPartial(dst)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(partial)
		}
	}()

	if err := copyFile(filepath.Join(src, DatabaseFile), filepath.Join(partial, DatabaseFile), ""); err != nil {
		return err
	}
	c := &copier{copy: o.copy}
	dstBlobs := filepath.Join(partial, blobsDir, objectsDir)
	if err := os.MkdirAll(dstBlobs, dirPerm); err != nil {
		return fmt.Errorf("%w", err)
	}
	if err := c.tree(ctx, filepath.Join(src, blobsDir, objectsDir), dstBlobs); err != nil {
		return err
	}
	for _, name := range []string{CredentialsFile, SecretsKeyFile} {
		if _, err := copyIfPresent(filepath.Join(src, name), filepath.Join(partial, name)); err != nil {
			return err
		}
	}
	v, err := check(ctx, partial, false)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	// The totals, not the inline/file split: a manifest written before
	// inline blobs existed says 0 inline.
	if v.blobs != m.Blobs || v.bytes != m.BlobBytes || v.counts != m.Counts {
		return fmt.Errorf("the backup does not match its manifest: %d blobs of %d bytes and %+v, "+
			"the manifest says %d blobs of %d bytes and %+v", v.blobs, v.bytes, v.counts, m.Blobs, m.BlobBytes, m.Counts)
	}
	if err := publish(partial, dst); err != nil {
		return err
	}
	ok = true
	return nil
}

// ReadManifest reads the manifest of the backup in dir.
func ReadManifest(dir string) (Manifest, error) {
	m, err := readManifest(dir)
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	return m, nil
}

func readManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, fmt.Errorf("%s is not a complete artifactd backup: %w", dir, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Format != 1 {
		return m, fmt.Errorf("%s: format %d, this artifactd reads format 1", filepath.Join(dir, ManifestFile), m.Format)
	}
	return m, nil
}

func writeManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(dir, ManifestFile)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}

// verified is what check found.
type verified struct {
	blobs, bytes int64 // referenced digests, wherever their bytes are
	inline       int64 // of blobs, those whose bytes are in the database
	counts       Counts
	pruned       int64
}

// check verifies the database and blobs under dir (a backup or a data
// directory): the database passes quick_check, and every (sha256, size)
// its assets name is a row of its inline_blobs of that length or a blob
// file of that size. With prune, blob files no asset names are removed
// first.
func check(ctx context.Context, dir string, prune bool) (verified, error) {
	var v verified
	db, err := sqlite.OpenReadOnly(ctx, filepath.Join(dir, DatabaseFile))
	if err != nil {
		return v, err
	}
	defer db.Close()
	var qc string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&qc); err != nil {
		return v, fmt.Errorf("checking the database: %w", err)
	}
	if qc != "ok" {
		return v, fmt.Errorf("the database fails SQLite's quick_check: %s", qc)
	}
	objects := filepath.Join(dir, blobsDir, objectsDir)
	if prune {
		if v.pruned, err = pruneUnreferenced(ctx, db, objects); err != nil {
			return v, err
		}
	}

	hasInline, err := tableExists(ctx, db, "inline_blobs")
	if err != nil {
		return v, err
	}
	// Streamed: one row at a time, whatever the number of assets. The
	// bytes of a digest may be in the snapshot itself (inline_blobs, from
	// migration 0014), in a file, or both; a backup made before 0014 has
	// no such table.
	q := `SELECT DISTINCT sha256, size, NULL FROM assets ORDER BY sha256`
	if hasInline {
		// CAST: length() of a BLOB counts bytes, of a TEXT characters.
		q = `SELECT a.sha256, a.size, length(CAST(i.content AS BLOB))
			FROM (SELECT DISTINCT sha256, size FROM assets) a
			LEFT JOIN inline_blobs i ON i.sha256 = a.sha256
			ORDER BY a.sha256`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return v, fmt.Errorf("listing assets: %w", err)
	}
	defer rows.Close()
	var problems []string
	nProblems := 0
	for rows.Next() {
		var d string
		var size int64
		var inline sql.NullInt64 // the length of the inline bytes, if any
		if err := rows.Scan(&d, &size, &inline); err != nil {
			return v, fmt.Errorf("listing assets: %w", err)
		}
		problem := ""
		if !isDigest(d) {
			problem = fmt.Sprintf("%q (not a SHA-256 digest)", d)
		} else if inline.Valid && inline.Int64 == size {
			v.inline++
		} else if info, err := os.Stat(filepath.Join(objects, d[0:2], d[2:4], d)); errors.Is(err, fs.ErrNotExist) {
			if inline.Valid {
				problem = fmt.Sprintf("%s (%d bytes in the database, the assets say %d; no file)", d, inline.Int64, size)
			} else {
				problem = d + " (missing)"
			}
		} else if err != nil {
			return v, fmt.Errorf("checking blob %s: %w", d, err)
		} else if !info.Mode().IsRegular() || info.Size() != size {
			problem = fmt.Sprintf("%s (%d bytes, the assets say %d)", d, info.Size(), size)
		}
		if problem != "" {
			nProblems++
			if len(problems) < maxNamed {
				problems = append(problems, problem)
			}
			continue
		}
		v.blobs++
		v.bytes += size
	}
	if err := rows.Err(); err != nil {
		return v, fmt.Errorf("listing assets: %w", err)
	}
	rows.Close()
	if nProblems > 0 {
		more := ""
		if nProblems > len(problems) {
			more = fmt.Sprintf(" and %d more", nProblems-len(problems))
		}
		return v, fmt.Errorf("%d blobs the database references are missing or wrong: %s%s",
			nProblems, strings.Join(problems, ", "), more)
	}
	for _, c := range []struct {
		table string
		n     *int64
	}{
		{"domains", &v.counts.Domains},
		{"repositories", &v.counts.Repositories},
		{"packages", &v.counts.Packages},
		{"package_versions", &v.counts.PackageVersions},
		{"assets", &v.counts.Assets},
	} {
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+c.table).Scan(c.n); err != nil {
			return v, fmt.Errorf("counting %s: %w", c.table, err)
		}
	}
	return v, nil
}

// pruneUnreferenced removes the blob files under objects that no asset of
// db names. A file whose digest an asset names stays, even when the
// database also holds its bytes inline: inline_blobs is not consulted.
func pruneUnreferenced(ctx context.Context, db *sql.DB, objects string) (int64, error) {
	stmt, err := db.PrepareContext(ctx, "SELECT EXISTS (SELECT 1 FROM assets WHERE sha256 = ?)")
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	var n int64
	err = walkBlobs(ctx, objects, func(d, _ string, e fs.DirEntry) error {
		var used bool
		if err := stmt.QueryRowContext(ctx, d).Scan(&used); err != nil {
			return err
		}
		if used {
			return nil
		}
		n++
		return os.Remove(filepath.Join(objects, d[0:2], d[2:4], d))
	}, nil)
	return n, err
}

// walkBlobs calls fn for every blob file sha256/ab/cd/<digest> under
// objects (d is the digest, leaf the folder holding it), and leafDone, if
// not nil, after each leaf folder. Anything else is skipped. Only one leaf
// folder's listing is in memory at a time.
func walkBlobs(ctx context.Context, objects string, fn func(d, leaf string, e fs.DirEntry) error, leafDone func(leaf string) error) error {
	outers, err := readDir(objects)
	if err != nil {
		return err
	}
	for _, o := range outers {
		if !o.IsDir() || !isHexPair(o.Name()) {
			continue
		}
		inners, err := readDir(filepath.Join(objects, o.Name()))
		if err != nil {
			return err
		}
		for _, i := range inners {
			if !i.IsDir() || !isHexPair(i.Name()) {
				continue
			}
			leaf := filepath.Join(objects, o.Name(), i.Name())
			files, err := readDir(leaf)
			if err != nil {
				return err
			}
			prefix := o.Name() + i.Name()
			for _, f := range files {
				if err := ctx.Err(); err != nil {
					return err
				}
				d := f.Name()
				if !f.Type().IsRegular() || !isDigest(d) || !strings.HasPrefix(d, prefix) {
					continue
				}
				if err := fn(d, leaf, f); err != nil {
					return err
				}
			}
			if leafDone != nil {
				if err := leafDone(leaf); err != nil {
					return err
				}
			}
		}
	}
	return ctx.Err()
}

// copier links or copies blob files.
type copier struct {
	copy           bool  // never link
	noLinks        bool  // linking failed once: another file system
	linked, copied int64 // files
}

// tree brings into dst every blob file of src that dst lacks, and syncs
// the folders it changed. A blob deleted meanwhile is skipped.
func (c *copier) tree(ctx context.Context, src, dst string) error {
	changed := false
	var outerDirs []string
	err := walkBlobs(ctx, src, func(d, leaf string, _ fs.DirEntry) error {
		outer := filepath.Join(dst, d[0:2])
		to := filepath.Join(outer, d[2:4], d)
		if _, err := os.Lstat(to); err == nil {
			return nil // first pass, or the same bytes under the same name
		}
		if err := os.MkdirAll(filepath.Dir(to), dirPerm); err != nil {
			return err
		}
		if len(outerDirs) == 0 || outerDirs[len(outerDirs)-1] != outer {
			outerDirs = append(outerDirs, outer) // at most 256
		}
		changed = true
		return c.one(filepath.Join(leaf, d), to, d)
	}, func(leaf string) error {
		if !changed {
			return nil
		}
		changed = false
		rel, err := filepath.Rel(src, leaf)
		if err != nil {
			return err
		}
		return syncDir(filepath.Join(dst, rel))
	})
	if err != nil {
		return err
	}
	for _, o := range append(outerDirs, dst, filepath.Dir(dst)) {
		if err := syncDir(o); err != nil {
			return err
		}
	}
	return nil
}

// one links or copies one blob file. A blob deleted meanwhile is skipped
// (check finds it missing if the snapshot references it).
func (c *copier) one(from, to, d string) error {
	if !c.copy && !c.noLinks {
		err := os.Link(from, to)
		if err == nil {
			c.linked++
			return nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		// EXDEV (another file system), EPERM (no links there), ...: copy
		// from now on.
		c.noLinks = true
	}
	err := copyFile(from, to, d)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	c.copied++
	return nil
}

// copyFile copies src to the new file dst (mode 0600) and syncs it. With a
// digest, the bytes must hash to it.
func copyFile(src, dst, digest string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copying: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return fmt.Errorf("copying: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copying to %s: %w", dst, cerr)
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	h := sha256.New()
	var w io.Writer = out
	if digest != "" {
		w = io.MultiWriter(out, h)
	}
	if _, err := io.Copy(w, in); err != nil {
		return fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	if digest != "" {
		if got := hex.EncodeToString(h.Sum(nil)); got != digest {
			return fmt.Errorf("blob %s is corrupt: its bytes hash to %s (run artifactd fsck)", src, got)
		}
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("copying to %s: %w", dst, err)
	}
	return nil
}

// copyIfPresent copies src to dst (mode 0600) when src exists.
func copyIfPresent(src, dst string) (bool, error) {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err := copyFile(src, dst, ""); err != nil {
		return false, err
	}
	return true, nil
}

// syncFile makes a file private, syncs it and returns its size.
func syncFile(p string) (int64, error) {
	if err := os.Chmod(p, filePerm); err != nil {
		return 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("syncing %s: %w", p, err)
	}
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// newPartial checks that target is missing or an empty folder, and creates
// the hidden sibling folder to build it in.
func newPartial(target string) (string, error) {
	entries, err := os.ReadDir(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", fmt.Errorf("%s: %w", target, err)
	case len(entries) > 0:
		return "", fmt.Errorf("%s is not empty (%s, ...): give a new or empty folder", target, entries[0].Name())
	}
	parent := filepath.Dir(target)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	p, err := os.MkdirTemp(parent, "."+filepath.Base(target)+".partial-")
	if err != nil {
		return "", err
	}
	return p, nil
}

// publish renames the finished partial folder onto target (missing or
// empty) and syncs what it changed.
func publish(partial, target string) error {
	if err := syncDir(partial); err != nil {
		return err
	}
	// Linux replaces an empty folder; elsewhere remove it first.
	if err := os.Rename(partial, target); err != nil {
		if rerr := os.Remove(target); rerr != nil {
			return fmt.Errorf("moving %s into place: %w", partial, err)
		}
		if err := os.Rename(partial, target); err != nil {
			return fmt.Errorf("moving %s into place: %w", partial, err)
		}
	}
	return syncDir(filepath.Dir(target))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, syscall.EINVAL) { // some file systems cannot sync folders
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}

// tableExists reports whether the SQLite database has the table.
func tableExists(ctx context.Context, db *sql.DB, name string) (bool, error) {
	var ok bool
	err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)`, name).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("looking for table %s: %w", name, err)
	}
	return ok, nil
}

func readDir(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return entries, err
}

func regularFile(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", p)
	}
	return nil
}

func absPair(a, b string) (string, string, error) {
	if a == "" || b == "" {
		return "", "", errors.New("both folders are needed")
	}
	x, err := filepath.Abs(a)
	if err != nil {
		return "", "", err
	}
	y, err := filepath.Abs(b)
	if err != nil {
		return "", "", err
	}
	return x, y, nil
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func isHexPair(s string) bool {
	return len(s) == 2 && strings.Trim(s, "0123456789abcdef") == ""
}

func isDigest(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// version is the binary's module version and VCS revision, when known.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return strings.TrimSpace(v)
}
