package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestVersionOrderMigration: versions from before 0009_version_order have
// no sort key until FillSortKeys gives them one (issue #16).
func TestVersionOrderMigration(t *testing.T) {
	dsn := newDatabase(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedBefore(t, stdlib.OpenDB(*cfg), Dialect(), Migrations(), 9, storetest.SeedBeforeVersionOrder)
	s, _, _ := openTest(t, dsn)
	storetest.CheckVersionOrderMigration(t, s)
}

// TestVersionOrderPlans: with sequential scans priced out (the test
// tables are tiny), the listings in version order seek on the indexes of
// 0009_version_order and need no sort.
func TestVersionOrderPlans(t *testing.T) {
	ctx := context.Background()
	_, _, w := openTest(t, newDatabase(t))
	conn, err := w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, index string }{
		{`SELECT * FROM package_versions WHERE package_id = 1 ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_order"},
		{`SELECT * FROM package_versions WHERE package_id = 1 AND (sort_key, id) < ('\x01'::bytea, 5) ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_order"},
		{`SELECT * FROM package_versions WHERE package_id = 1 AND status = 'Published' AND (sort_key, id) < ('\x01'::bytea, 5) ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_status_order"},
		{`SELECT * FROM package_versions WHERE package_id = 1 AND origin_type = 'EXTERNAL' ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_origin_order"},
	} {
		rows, err := conn.QueryContext(ctx, `EXPLAIN `+c.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		p := strings.Join(plan, "\n")
		t.Log(p)
		if !strings.Contains(p, c.index) || strings.Contains(p, "Sort") {
			t.Errorf("%s:\nplan\n%s\nwant a scan of %s without a sort", c.query, p, c.index)
		}
	}
}
