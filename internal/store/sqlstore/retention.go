package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type retentionTx struct{ t *tx }

const retentionCols = `id, repository_id, format, namespace, package_prefix, keep_newest, keep_days, exempt_statuses, action, created_ns,
	keep_downloaded_days, package_group`

func retentionIDNotFound(id int64) error {
	return domain.NotFound("retention-rule", strconv.FormatInt(id, 10), "retention rule %d not found", id)
}

func (x retentionTx) Create(ctx context.Context, r *domain.RetentionRule) error {
	created, err := toNS("retention rule creation time", r.CreatedTime)
	if err != nil {
		return err
	}
	var exempt []string
	for _, st := range r.ExemptStatuses {
		exempt = append(exempt, string(st))
	}
	// The repository is checked here: SQLite enforces no foreign keys
	// unless asked to, and a rule of no repository would never run.
	var one int
	err = x.t.queryRow(ctx, `SELECT 1 FROM repositories WHERE id = ?`, r.RepositoryID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return repoIDNotFound(r.RepositoryID)
	}
	if err != nil {
		return x.t.fail("create retention rule", err)
	}
	var id int64
	err = x.t.queryRow(ctx, `INSERT INTO retention_rules (repository_id, format, namespace, package_prefix,
		keep_newest, keep_days, exempt_statuses, action, created_ns, keep_downloaded_days, package_group)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.RepositoryID, string(r.Format), r.Namespace, r.PackagePrefix, r.KeepNewest, r.KeepDays,
		strings.Join(exempt, ","), string(r.Action), created, r.KeepDownloadedDays, r.PackageGroup).Scan(&id)
	if err != nil {
		return x.t.fail("create retention rule", err)
	}
	r.ID = id
	return nil
}

func scanRetention(row scanner) (domain.RetentionRule, error) {
	var r domain.RetentionRule
	var format, exempt, action string
	var created int64
	if err := row.Scan(&r.ID, &r.RepositoryID, &format, &r.Namespace, &r.PackagePrefix, &r.KeepNewest, &r.KeepDays,
		&exempt, &action, &created, &r.KeepDownloadedDays, &r.PackageGroup); err != nil {
		return r, err
	}
	r.Format, r.Action, r.CreatedTime = domain.Format(format), domain.RetentionAction(action), fromNS(created)
	if exempt != "" {
		for _, st := range strings.Split(exempt, ",") {
			r.ExemptStatuses = append(r.ExemptStatuses, domain.Status(st))
		}
	}
	return r, nil
}

func (x retentionTx) Get(ctx context.Context, id int64) (domain.RetentionRule, error) {
	r, err := scanRetention(x.t.queryRow(ctx, `SELECT `+retentionCols+` FROM retention_rules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, retentionIDNotFound(id)
	}
	if err != nil {
		return r, x.t.fail("read retention rule", err)
	}
	return r, nil
}

func (x retentionTx) List(ctx context.Context, repositoryID int64, p store.Page) ([]domain.RetentionRule, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var w conds
	if repositoryID != 0 {
		w.add("repository_id = ?", repositoryID)
	}
	if p.After != "" {
		c, err := decodeCursor(p.After, kindRetention, 0, 1)
		if err != nil {
			return nil, "", err
		}
		w.add("id > ?", c.N[0])
	}
	q := `SELECT ` + retentionCols + ` FROM retention_rules`
	if len(w.parts) > 0 {
		q += ` WHERE ` + strings.Join(w.parts, " AND ")
	}
	rows, err := x.t.query(ctx, q+` ORDER BY id LIMIT ?`, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", x.t.fail("list retention rules", err)
	}
	defer rows.Close()
	var out []domain.RetentionRule
	for rows.Next() {
		r, err := scanRetention(rows)
		if err != nil {
			return nil, "", x.t.fail("list retention rules", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", x.t.fail("list retention rules", err)
	}
	out, next := page(out, p, func(r domain.RetentionRule) string {
		return encodeCursor(kindRetention, nil, []int64{r.ID})
	})
	return out, next, nil
}

func (x retentionTx) Delete(ctx context.Context, id int64) error {
	res, err := x.t.exec(ctx, `DELETE FROM retention_rules WHERE id = ?`, id)
	if err != nil {
		return x.t.fail("delete retention rule", err)
	}
	return affected(res, func() error { return retentionIDNotFound(id) })
}
