package service_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/npm"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
	"github.com/artifactd/artifactd/internal/store/sqlstore"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestVersionOrderOfOldVersions: versions stored before migration 0009
// have no sort key; the first listing in version order keys them with
// their format's rules (npm: SemVer, so 2.0.0-rc.1 before 2.0.0, which no
// string order gives) and lists them newest first.
func TestVersionOrderOfOldVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := sqlstore.Migrate(ctx, db, sqlite.Dialect(), storetest.MigrationsBefore(t, sqlite.Migrations(), 9)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, storetest.SeedBeforeVersionOrder); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := service.New(st, nil, service.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil)),
		map[domain.Format]service.FormatRules{domain.FormatNpm: npm.NewRules()})
	caller := service.Caller{Account: "111122223333", Region: "us-east-1"}
	ref := service.PackageRef{Domain: "old", Repository: "r", Format: domain.FormatNpm, Package: "p"}

	walk := func(ref service.PackageRef, in service.ListVersionsInput) []string {
		t.Helper()
		var names []string
		p := store.Page{Limit: 1}
		for {
			out, err := svc.ListPackageVersions(ctx, caller, ref, in, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range out.Versions {
				names = append(names, v.Version)
			}
			if out.Next == "" {
				return names
			}
			p.After = out.Next
		}
	}
	order := service.ListVersionsInput{Sort: store.SortByVersionOrder}
	if got, want := walk(ref, order), []string{"2.0.0", "2.0.0-rc.1", "1.0.10", "1.0.2"}; !slices.Equal(got, want) {
		t.Errorf("npm versions from before 0009, in pages of one: %v, want %v", got, want)
	}
	published := service.ListVersionsInput{Sort: store.SortByVersionOrder, Status: domain.StatusPublished}
	if got, want := walk(ref, published), []string{"2.0.0", "1.0.10", "1.0.2"}; !slices.Equal(got, want) {
		t.Errorf("Published only: %v, want %v", got, want)
	}
	err = st.Read(ctx, func(tx store.Tx) error {
		p, err := tx.Packages().Get(ctx, 1, domain.FormatNpm, "", "p")
		if err != nil {
			return err
		}
		missing, err := tx.Versions().MissingSortKeys(ctx, p.ID)
		if missing {
			t.Error("versions still without a sort key after the listing")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Generic: the natural order.
	gref := service.PackageRef{Domain: "old", Repository: "r", Format: domain.FormatGeneric, Namespace: "ns", Package: "g"}
	if got, want := walk(gref, order), []string{"5", "4", "3", "2", "1"}; !slices.Equal(got, want) {
		t.Errorf("generic versions from before 0009: %v, want %v", got, want)
	}
}
