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

func (x tagsTx) Put(ctx context.Context, arn string, tags []domain.Tag) error {
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
	for _, key := range keys {
		if _, err := x.t.exec(ctx, `DELETE FROM tags WHERE resource_arn = ? AND key = ?`, arn, key); err != nil {
			return x.t.fail("remove tag", err)
		}
	}
	return nil
}

func (x tagsTx) DeleteAll(ctx context.Context, arn string) error {
	if _, err := x.t.exec(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn); err != nil {
		return x.t.fail("delete tags", err)
	}
	return nil
}
