package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type inlineTx struct{ t *tx }

func (t *tx) InlineBlobs() store.InlineBlobs { return inlineTx{t} }

func (x inlineTx) Put(ctx context.Context, sha256 string, content []byte) error {
	if content == nil {
		content = []byte{} // NOT NULL: an empty blob is bytes too
	}
	if _, err := x.t.exec(ctx, `INSERT INTO inline_blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING`,
		sha256, content); err != nil {
		return x.t.fail("store inline blob", err)
	}
	return nil
}

func (x inlineTx) Get(ctx context.Context, sha256 string) ([]byte, error) {
	var b []byte
	err := x.t.queryRow(ctx, `SELECT content FROM inline_blobs WHERE sha256 = ?`, sha256).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, x.t.fail("read inline blob", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

func (x inlineTx) Delete(ctx context.Context, sha256 string) (int64, error) {
	var n int64
	err := x.t.queryRow(ctx, `DELETE FROM inline_blobs WHERE sha256 = ? RETURNING length(content)`, sha256).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, x.t.fail("delete inline blob", err)
	}
	return n, nil
}

func (x inlineTx) List(ctx context.Context, after string, limit int) ([]store.BlobRef, error) {
	if limit <= 0 {
		return nil, domain.Invalid("inline blob listing limit must be positive, got %d", limit)
	}
	return queryAll(ctx, x.t, "list inline blobs", `SELECT sha256, length(content) FROM inline_blobs
		WHERE sha256 > ? ORDER BY sha256 LIMIT ?`,
		func(sc scanner) (store.BlobRef, error) {
			var r store.BlobRef
			err := sc.Scan(&r.SHA256, &r.Size)
			r.MaxSize = r.Size
			return r, err
		}, after, limit)
}
