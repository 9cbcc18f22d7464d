package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestVersionOrderMigration: versions from before 0009_version_order have
// no sort key until FillSortKeys gives them one (issue #16).
func TestVersionOrderMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedBefore(t, db, Dialect(), Migrations(), 9, storetest.SeedBeforeVersionOrder)
	s, _, _ := openTest(t, path)
	storetest.CheckVersionOrderMigration(t, s)
}

// TestVersionOrderPlans: the listings in version order, filtered or not,
// and the search for keyless versions are seeks on the indexes of
// 0009_version_order, not scans of the package's versions.
func TestVersionOrderPlans(t *testing.T) {
	_, r, _ := openTest(t, filepath.Join(t.TempDir(), "meta.db"))
	for _, c := range []struct{ query, index string }{
		{`SELECT id FROM package_versions WHERE package_id = 1 ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_order"},
		{`SELECT id FROM package_versions WHERE package_id = 1 AND (sort_key, id) < (x'01', 5) ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_order"},
		{`SELECT id FROM package_versions WHERE package_id = 1 AND status = 'Published' AND (sort_key, id) < (x'01', 5) ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_status_order"},
		{`SELECT id FROM package_versions WHERE package_id = 1 AND origin_type = 'EXTERNAL' ORDER BY sort_key DESC, id DESC LIMIT 51`, "package_versions_origin_order"},
		{`SELECT 1 FROM package_versions WHERE package_id = 1 AND sort_key IS NULL LIMIT 1`, "package_versions_order"},
	} {
		rows, err := r.Query(`EXPLAIN QUERY PLAN ` + c.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		t.Log(p)
		// A cursor bounds the seek: the page starts at it, not at the
		// package's newest version.
		bounded := !strings.Contains(c.query, "(sort_key, id) <") || strings.Contains(p, "sort_key<?")
		if !strings.Contains(p, "USING INDEX "+c.index) && !strings.Contains(p, "USING COVERING INDEX "+c.index) ||
			strings.Contains(p, "TEMP B-TREE") || !bounded {
			t.Errorf("%s:\nplan %q, want a seek on %s without a sort", c.query, p, c.index)
		}
	}
}
