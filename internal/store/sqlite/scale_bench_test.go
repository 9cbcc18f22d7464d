package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// scaleFixture is a store holding n of everything the scale benchmarks
// read (issue #15): one package of n versions, each with an asset of its
// own digest; 10 of the versions (spread evenly) unlisted, the rest
// published; and n packages of another repository spread over four
// namespaces.
type scaleFixture struct {
	s        store.Store
	domainID int64
	bigPkg   int64
	pkgRepo  int64
}

var scaleNamespaces = []string{"", "a", "b", "c"}

func newScaleFixture(b *testing.B, n int) scaleFixture {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "meta.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	var fx scaleFixture
	fx.s = s
	start := time.Now()
	err = s.Write(ctx, func(tx store.Tx) error {
		d := domain.Domain{Region: "us-east-1", Owner: "111122223333", Name: "d", EncryptionKey: "k", CreatedTime: time.Now()}
		if err := tx.Domains().Create(ctx, &d); err != nil {
			return err
		}
		fx.domainID = d.ID
		var repos [2]domain.Repository
		for i := range repos {
			repos[i] = domain.Repository{DomainID: d.ID, Name: fmt.Sprintf("r%d", i), CreatedTime: time.Now()}
			if err := tx.Repositories().Create(ctx, &repos[i]); err != nil {
				return err
			}
		}
		fx.pkgRepo = repos[1].ID
		big := domain.Package{RepositoryID: repos[0].ID, Format: domain.FormatGeneric, Namespace: "ns", Name: "big"}
		if err := tx.Packages().Create(ctx, &big); err != nil {
			return err
		}
		fx.bigPkg = big.ID
		t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			v := domain.PackageVersion{PackageID: big.ID, Version: fmt.Sprintf("1.0.%d", i),
				Status: domain.StatusPublished, OriginType: domain.OriginInternal,
				PublishedTime: t0.Add(time.Duration(i) * time.Second)}
			if i%(n/10) == 0 {
				v.Status = domain.StatusUnlisted
			}
			if err := tx.Versions().Create(ctx, &v); err != nil {
				return err
			}
			a := domain.Asset{Name: "a", Size: 1000, SHA256: fmt.Sprintf("%064x", i)}
			if err := tx.Assets().Add(ctx, v.ID, a); err != nil {
				return err
			}
			p := domain.Package{RepositoryID: repos[1].ID, Format: domain.FormatNpm,
				Namespace: scaleNamespaces[i%4], Name: fmt.Sprintf("p%06d", i/4)}
			if err := tx.Packages().Create(ctx, &p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("n=%d: seeded in %v", n, time.Since(start))
	return fx
}

// BenchmarkScale measures, at 100 and 100,000 rows, the reads issue #15
// found growing with the rows: DescribeDomain's asset size, a version
// listing filtered by status (10 matches, in version and in publish-time
// order) and package listings by name prefix (40 matches), each a first
// page of up to 50.
func BenchmarkScale(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{100, 100000} {
		fx := newScaleFixture(b, n)
		read := func(b *testing.B, want int, fn func(tx store.Tx) (int, error)) {
			b.Helper()
			b.ReportAllocs()
			for b.Loop() {
				err := fx.s.Read(ctx, func(tx store.Tx) error {
					got, err := fn(tx)
					if err == nil && got != want {
						return fmt.Errorf("got %d, want %d", got, want)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(fmt.Sprintf("AssetSizeBytes/n=%d", n), func(b *testing.B) {
			read(b, 1000*n, func(tx store.Tx) (int, error) {
				size, err := tx.Domains().AssetSizeBytes(ctx, fx.domainID)
				return int(size), err
			})
		})
		for _, sort := range []struct {
			name string
			sort store.VersionSort
		}{{"ByVersion", store.SortByVersion}, {"ByTime", store.SortByPublishedTime}} {
			b.Run(fmt.Sprintf("ListVersionsStatus%s/n=%d", sort.name, n), func(b *testing.B) {
				read(b, 10, func(tx store.Tx) (int, error) {
					vs, _, err := tx.Versions().List(ctx, store.VersionFilter{PackageID: fx.bigPkg,
						Status: domain.StatusUnlisted, Sort: sort.sort}, store.Page{Limit: 50})
					return len(vs), err
				})
			})
		}
		// The write side: a publish (a version and its asset, a digest new
		// to the domain) and a version's deletion, one transaction each.
		b.Run(fmt.Sprintf("PublishAndDeleteVersion/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				var id int64
				err := fx.s.Write(ctx, func(tx store.Tx) error {
					v := domain.PackageVersion{PackageID: fx.bigPkg, Version: fmt.Sprintf("2.0.%d", i),
						Status: domain.StatusPublished, OriginType: domain.OriginInternal, PublishedTime: time.Now()}
					if err := tx.Versions().Create(ctx, &v); err != nil {
						return err
					}
					id = v.ID
					return tx.Assets().Add(ctx, v.ID, domain.Asset{Name: "a", Size: 1, SHA256: fmt.Sprintf("f%063x", i)})
				})
				if err == nil {
					err = fx.s.Write(ctx, func(tx store.Tx) error { return tx.Versions().Delete(ctx, id) })
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, c := range []struct {
			name      string
			namespace string
			want      int
		}{{"ListPackagesPrefix", "", 40}, {"ListPackagesNamespacePrefix", "a", 10}} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				read(b, c.want, func(tx store.Tx) (int, error) {
					ps, _, err := tx.Packages().List(ctx, store.PackageFilter{RepositoryID: fx.pkgRepo,
						Format: domain.FormatNpm, Namespace: c.namespace, NamePrefix: "p00001"}, store.Page{Limit: 50})
					return len(ps), err
				})
			})
		}
	}
}
