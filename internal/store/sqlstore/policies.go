package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

type policiesTx struct{ t *tx }

func (x policiesTx) Get(ctx context.Context, arn string) (domain.ResourcePolicy, error) {
	p := domain.ResourcePolicy{ResourceARN: arn}
	err := x.t.queryRow(ctx, `SELECT revision, document FROM resource_policies WHERE resource_arn = ?`, arn).
		Scan(&p.Revision, &p.Document)
	if errors.Is(err, sql.ErrNoRows) {
		return p, domain.NotFound("", arn, "No policy for resource %s", arn)
	}
	if err != nil {
		return p, x.t.fail("read policy", err)
	}
	return p, nil
}

func (x policiesTx) Put(ctx context.Context, p domain.ResourcePolicy) error {
	_, err := x.t.exec(ctx, `INSERT INTO resource_policies (resource_arn, revision, document, updated_ns)
		VALUES (?, ?, ?, ?) ON CONFLICT (resource_arn) DO UPDATE
		SET revision = excluded.revision, document = excluded.document, updated_ns = excluded.updated_ns`,
		p.ResourceARN, p.Revision, p.Document, time.Now().UnixNano())
	if err != nil {
		return x.t.fail("put policy", err)
	}
	return x.t.bumpAuthz(ctx)
}

// Delete bumps the authz stamp only when there was a policy: deleting a
// domain or repository deletes its policy through here, and most have none.
func (x policiesTx) Delete(ctx context.Context, arn string) error {
	res, err := x.t.exec(ctx, `DELETE FROM resource_policies WHERE resource_arn = ?`, arn)
	if err != nil {
		return x.t.fail("delete policy", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return x.t.fail("delete policy", err)
	}
	if n == 0 {
		return nil
	}
	return x.t.bumpAuthz(ctx)
}
