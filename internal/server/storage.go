package server

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/artifactd/artifactd/internal/blob"
	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/blob/memcache"
	blobs3 "github.com/artifactd/artifactd/internal/blob/s3"
	"github.com/artifactd/artifactd/internal/config"
	"github.com/artifactd/artifactd/internal/metrics"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/postgres"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// openStore opens the metadata store --database names: the embedded SQLite
// database under the data directory by default, or PostgreSQL.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	switch db := cfg.Database; {
	case db == "":
		return sqlite.OpenExclusive(ctx, filepath.Join(cfg.DataDir, "artifactd.db"))
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return postgres.Open(ctx, db)
	case strings.HasPrefix(db, "sqlite://"):
		return sqlite.OpenExclusive(ctx, strings.TrimPrefix(db, "sqlite://"))
	default:
		return nil, fmt.Errorf("--database: unsupported URL %q (want postgres://... or sqlite://PATH)", redact(db))
	}
}

// openBlobs opens the blob store --blob-store names (a folder under the
// data directory by default, another folder, or an S3 bucket) behind the
// memory cache --blob-cache-mb sizes; with metrics, the backend's calls
// are timed (under the cache: what it answers costs no backend call).
func openBlobs(ctx context.Context, cfg config.Config, tmp string, m *metrics.Metrics) (blob.Store, error) {
	b, err := openBlobBackend(ctx, cfg, tmp)
	if err != nil {
		return nil, err
	}
	if m != nil {
		b = m.TimeBlobs(b)
	}
	return memcache.New(b, int64(cfg.BlobCacheMB)<<20), nil
}

// OpenStorage opens the metadata store and the blob store that cfg's
// --data-dir, --database and --blob-store name, as the server does (the
// embedded SQLite database is locked the same way: ErrInUse while a server
// runs on it) but without the blob memory cache, for the commands that
// work on an installation (artifactd fsck). tmp is where an S3 blob store
// would spool uploads ("" = the system's temp directory). The caller
// closes the metadata store.
func OpenStorage(ctx context.Context, cfg config.Config, tmp string) (store.Store, blob.Store, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("metadata store: %w", err)
	}
	blobs, err := openBlobBackend(ctx, cfg, tmp)
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("blob store: %w", err)
	}
	return st, blobs, nil
}

func openBlobBackend(ctx context.Context, cfg config.Config, tmp string) (blob.Store, error) {
	switch bs := cfg.BlobStore; {
	case bs == "":
		return blobfs.New(filepath.Join(cfg.DataDir, "blobs"))
	case strings.HasPrefix(bs, "s3://"):
		if tmp == "" {
			return blobs3.New(ctx, bs)
		}
		return blobs3.New(ctx, bs, blobs3.WithTempDir(tmp))
	case strings.HasPrefix(bs, "file://"):
		return blobfs.New(strings.TrimPrefix(bs, "file://"))
	default:
		return nil, fmt.Errorf("--blob-store: unsupported URL %q (want s3://BUCKET[/PREFIX]?... or file:///PATH)", bs)
	}
}

// redact hides a URL's password for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
