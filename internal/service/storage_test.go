package service_test

import (
	"context"
	"path/filepath"
	"testing"

	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// newStorage opens fresh embedded storage in a temp folder: a SQLite
// store and a file-system blob store, and returns the blob folder.
func newStorage(t testing.TB) (store.Store, *blobfs.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs := filepath.Join(dir, "blobs")
	bs, err := blobfs.New(blobs)
	if err != nil {
		t.Fatal(err)
	}
	return st, bs, blobs
}
