package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestHeadsPlans: the heads of one status of a package are read from the
// covering index of 0010_version_heads, never from the table's pages
// (which hold the manifests), the listings filtered by status in version
// order, whose index it replaced, still seek on it, and ManifestsByID
// seeks each ID in the primary key.
func TestHeadsPlans(t *testing.T) {
	_, r, _ := openTest(t, filepath.Join(t.TempDir(), "meta.db"))
	for _, c := range []struct{ query, want string }{
		{`SELECT id, version, revision, published_ns FROM package_versions WHERE package_id = 1 AND status = 'Published'`,
			"USING COVERING INDEX package_versions_status_heads"},
		{`SELECT id FROM package_versions WHERE package_id = 1 AND status = 'Published' AND version > '1.0' ORDER BY version LIMIT 51`,
			"package_versions_status_heads"},
		{`SELECT id, package_id, metadata FROM package_versions WHERE id IN (1, 2, 3)`,
			"USING INTEGER PRIMARY KEY (rowid=?)"},
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
		if !strings.Contains(p, c.want) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s:\nplan %q, want %s without a sort", c.query, p, c.want)
		}
	}
}
