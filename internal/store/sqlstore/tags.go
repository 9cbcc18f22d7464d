package sqlstore

import (
	"context"

	"github.com/artifactd/artifactd/internal/domain"
)

type tagsTx struct{ t *tx }

func (x tagsTx) List(ctx context.Context, arn string) ([]domain.Tag, error) {
	return queryAll(ctx, x.t, "list tags", `SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key`,
		func(sc scanner) (domain.Tag, error) {
			var tag domain.Tag
			err := sc.Scan(&tag.Key, &tag.Value)
			return tag, err
		}, arn)
}

// Tag writes move the authorization stamp: policies may test
// aws:ResourceTag/{key}.

func (x tagsTx) Put(ctx context.Context, arn string, tags []domain.Tag) error {
	if len(tags) > 0 {
		if err := x.t.bumpAuthz(ctx); err != nil {
			return err
		}
	}
	for _, tag := range tags {
		_, err := x.t.exec(ctx, `INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
			ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, arn, tag.Key, tag.Value)
		if err != nil {
			return x.t.fail("put tag", err)
		}
	}
	return nil
}

func (x tagsTx) Remove(ctx context.Context, arn string, keys []string) error {
	if len(keys) > 0 {
		if err := x.t.bumpAuthz(ctx); err != nil {
			return err
		}
	}
	for _, key := range keys {
		if _, err := x.t.exec(ctx, `DELETE FROM tags WHERE resource_arn = ? AND key = ?`, arn, key); err != nil {
			return x.t.fail("remove tag", err)
		}
	}
	return nil
}

func (x tagsTx) DeleteAll(ctx context.Context, arn string) error {
	res, err := x.t.exec(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn)
	if err != nil {
		return x.t.fail("delete tags", err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return x.t.bumpAuthz(ctx)
	}
	return nil
}
