// Package fs is the default blob backend: each object is one file on the
// local file system.
//
// # Layout
//
//	root/
//	  sha256/ab/cd/abcd…(64 hex)   committed objects, fanned out by the first
//	                               two bytes of the digest (at most 65536
//	                               leaf directories)
//	  tmp/upload-*                 uploads in progress
//
// Temporary files live under root so they are on the same file system as the
// objects and the final os.Rename is atomic: a reader sees either no object or
// the whole object, never a partial one. Directories are 0700, files 0600.
// Fan-out directories are never removed (Delete only unlinks the file), so a
// Commit never races a Delete that removes the directory it is renaming into.
//
// Digests are validated (exactly 64 characters of [0-9a-f]) before any path
// is built, so no caller-supplied string can name a path outside root, and an
// uppercase digest cannot alias an object on a case-insensitive file system.
//
// The backend relies on POSIX rename and unlink semantics: an open file keeps
// its bytes after it is replaced or removed, so readers are never disturbed by
// a concurrent Commit or Delete of the same digest.
package fs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
)

// StaleTempAge is how old (by modification time) a file in root/tmp must be
// before New removes it as the leftover of a crashed upload.
//
// New cannot simply empty root/tmp: the root may be shared by several
// processes (a second node on a shared directory, or the previous process
// still draining during a rolling restart), and their uploads in progress
// live there too. A live upload rewrites its temp file as bytes arrive, so
// its modification time stays fresh; one untouched for a day belongs to no
// request that is still running.
const StaleTempAge = 24 * time.Hour

const (
	objectsDir = "sha256"
	tmpDir     = "tmp"
	tmpPrefix  = "upload-"
	dirPerm    = 0o700
)

// Store is a blob.Store on the local file system. It is safe for concurrent
// use, also by several processes sharing one root.
type Store struct {
	root    string // absolute
	objects string // root/sha256
	tmp     string // root/tmp
}

var _ blob.Store = (*Store)(nil)

// New opens the store at root, creating root (0700) and its sub-directories
// if needed, and removes temp files older than StaleTempAge left in root/tmp
// by a crash.
func New(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("blob/fs: empty root")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob/fs: %w", err)
	}
	s := &Store{
		root:    abs,
		objects: filepath.Join(abs, objectsDir),
		tmp:     filepath.Join(abs, tmpDir),
	}
	for _, dir := range []string{s.root, s.objects, s.tmp} {
		if err := os.MkdirAll(dir, dirPerm); err != nil {
			return nil, fmt.Errorf("blob/fs: %w", err)
		}
	}
	// Make the directories just created (if any) durable.
	if err := syncDir(s.root); err != nil {
		return nil, err
	}
	if err := s.removeStaleTemps(time.Now().Add(-StaleTempAge)); err != nil {
		return nil, err
	}
	return s, nil
}

// removeStaleTemps removes upload temp files last modified before cutoff.
func (s *Store) removeStaleTemps(cutoff time.Time) error {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("blob/fs: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue // committed or aborted by its owner meanwhile
		}
		if err != nil {
			return fmt.Errorf("blob/fs: %w", err)
		}
		if !info.ModTime().Before(cutoff) {
			continue
		}
		err = os.Remove(filepath.Join(s.tmp, e.Name()))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("blob/fs: removing stale temp file: %w", err)
		}
	}
	return nil
}

// Ping checks that the objects and temp folders are still there (a
// removed or unmounted root fails it).
func (s *Store) Ping(ctx context.Context) error {
	for _, dir := range []string{s.objects, s.tmp} {
		info, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("blob/fs: %w", err)
		}
		if !info.IsDir() {
			return fmt.Errorf("blob/fs: %s is not a directory", dir)
		}
	}
	return nil
}

// dirs returns the two fan-out directories of a valid digest.
func (s *Store) dirs(d string) (string, string) {
	outer := filepath.Join(s.objects, d[0:2])
	return outer, filepath.Join(outer, d[2:4])
}

// path returns the object path of a valid digest.
func (s *Store) path(d string) string {
	_, inner := s.dirs(d)
	return filepath.Join(inner, d)
}

// Object is an open object. It embeds the *os.File, so it can be handed
// directly to http.ServeContent or io.Copy: the file's WriteTo and
// SyscallConn let net/http send it with sendfile(2), also for Range requests
// (ServeContent seeks, then copies an io.LimitedReader around the Object).
// Callers holding a blob.Object may type-assert to *Object to reach File.
// The file is opened read-only and must not be modified (Chmod, Chown…).
type Object struct {
	*os.File
	size int64
}

// Size returns the object's size in bytes.
func (o *Object) Size() int64 { return o.size }

// Open returns the object stored under sha256; a missing object is
// blob.ErrNotFound.
func (s *Store) Open(ctx context.Context, sha256 string) (blob.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := blob.CheckDigest(sha256); err != nil {
		return nil, fmt.Errorf("blob/fs: %w", err)
	}
	f, err := os.Open(s.path(sha256))
	if err != nil {
		return nil, notFound(sha256, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob/fs: %w", err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("blob/fs: %s is not a regular file", sha256)
	}
	return &Object{File: f, size: info.Size()}, nil
}

// Stat returns the size of the object stored under sha256; a missing object
// is blob.ErrNotFound.
func (s *Store) Stat(ctx context.Context, sha256 string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := blob.CheckDigest(sha256); err != nil {
		return 0, fmt.Errorf("blob/fs: %w", err)
	}
	info, err := os.Stat(s.path(sha256))
	if err != nil {
		return 0, notFound(sha256, err)
	}
	if !info.Mode().IsRegular() {
		return 0, fmt.Errorf("blob/fs: %s is not a regular file", sha256)
	}
	return info.Size(), nil
}

// notFound wraps a file-system error, adding blob.ErrNotFound when the file
// does not exist.
func notFound(d string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob/fs: %s: %w (%w)", d, blob.ErrNotFound, err)
	}
	return fmt.Errorf("blob/fs: %w", err)
}

// Delete removes the object stored under sha256. Deleting a missing object
// is not an error. Readers that opened the object before keep reading it.
func (s *Store) Delete(ctx context.Context, sha256 string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := blob.CheckDigest(sha256); err != nil {
		return fmt.Errorf("blob/fs: %w", err)
	}
	err := os.Remove(s.path(sha256))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob/fs: %w", err)
	}
	return nil
}

// Walk calls fn for every committed object, in ascending digest order, with
// its digest and size. It stops at and returns the first error from fn or the
// context. Objects committed or deleted while Walk runs may or may not be
// reported; files in the tree that do not look like objects are skipped.
func (s *Store) Walk(ctx context.Context, fn func(sha256 string, size int64) error) error {
	outers, err := readDir(s.objects)
	if err != nil {
		return err
	}
	for _, o := range outers {
		if !o.IsDir() || !isHexPair(o.Name()) {
			continue
		}
		outer := filepath.Join(s.objects, o.Name())
		inners, err := readDir(outer)
		if err != nil {
			return err
		}
		for _, i := range inners {
			if !i.IsDir() || !isHexPair(i.Name()) {
				continue
			}
			prefix := o.Name() + i.Name()
			files, err := readDir(filepath.Join(outer, i.Name()))
			if err != nil {
				return err
			}
			for _, f := range files {
				if err := ctx.Err(); err != nil {
					return err
				}
				d := f.Name()
				if !f.Type().IsRegular() || blob.CheckDigest(d) != nil || !strings.HasPrefix(d, prefix) {
					continue
				}
				info, err := f.Info()
				if errors.Is(err, os.ErrNotExist) {
					continue // deleted meanwhile
				}
				if err != nil {
					return fmt.Errorf("blob/fs: %w", err)
				}
				if err := fn(d, info.Size()); err != nil {
					return err
				}
			}
		}
	}
	return ctx.Err()
}

// readDir is os.ReadDir that treats a missing directory as empty.
func readDir(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blob/fs: %w", err)
	}
	return entries, nil
}

// isHexPair reports whether name is a fan-out directory name.
func isHexPair(name string) bool {
	return len(name) == 2 && strings.Trim(name, "0123456789abcdef") == ""
}

// NewUpload starts a new object in a temp file under root/tmp.
func (s *Store) NewUpload(ctx context.Context) (blob.Upload, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sp, err := blob.NewSpool(s.tmp, tmpPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("blob/fs: %w", err)
	}
	return &upload{Spool: sp, s: s}, nil
}

// upload is an object being written to a temp file. Every Commit, successful
// or not, ends the upload: on failure the temp file is removed and the bytes
// must be uploaded again.
type upload struct {
	*blob.Spool
	s *Store
}

// Commit syncs the temp file and renames it onto the object's path, then
// syncs the directory so the rename survives a crash. An existing object is
// replaced (with identical bytes), never skipped, so a Commit that returns
// after a concurrent Delete leaves the object present.
//
// If Commit fails after the rename (syncing the directory), the object may be
// visible although Commit returned an error; its bytes are complete and
// correct, so this is harmless.
func (u *upload) Commit(ctx context.Context, d string) error {
	return u.Finish(func(f *os.File, _ int64) (moved bool, err error) {
		if err := blob.CheckDigest(d); err != nil {
			return false, fmt.Errorf("blob/fs: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if err := f.Sync(); err != nil {
			return false, fmt.Errorf("blob/fs: %w", err)
		}
		return u.commitFile(ctx, f.Name(), d)
	})
}

// commitFile moves the synced temp file onto the object path of d; moved
// reports whether the rename happened.
func (u *upload) commitFile(ctx context.Context, tmp, d string) (moved bool, err error) {
	s := u.s
	outer, inner := s.dirs(d)
	if err := mkdirDurable(outer, s.objects); err != nil {
		return false, err
	}
	if err := mkdirDurable(inner, outer); err != nil {
		return false, err
	}
	// Last chance to honour cancellation: once renamed, the object is visible.
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, s.path(d)); err != nil {
		return false, fmt.Errorf("blob/fs: %w", err)
	}
	return true, syncDir(inner)
}

// mkdirDurable creates dir if it does not exist and, if it created it, syncs
// parent so the new directory entry is durable.
func mkdirDurable(dir, parent string) error {
	err := os.Mkdir(dir, dirPerm)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob/fs: %w", err)
	}
	return syncDir(parent)
}

// syncDir fsyncs a directory, making renames and new entries in it durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob/fs: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("blob/fs: syncing %s: %w", dir, err)
	}
	return nil
}
