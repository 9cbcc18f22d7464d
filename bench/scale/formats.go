package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/cargo"
	"github.com/artifactd/artifactd/internal/format/maven"
	"github.com/artifactd/artifactd/internal/format/nuget"
	"github.com/artifactd/artifactd/internal/format/pypi"
	"github.com/artifactd/artifactd/internal/format/ruby"
	"github.com/artifactd/artifactd/internal/format/swift"
	"github.com/artifactd/artifactd/internal/store"
)

// A format's repository in the fixture: N versions in total (maxVersions
// caps it; 0 = no cap), in packages of versionsPerPkg versions, plus the
// small package the measurement publishes through the protocol in setup.
type fmtRepo struct {
	format      domain.Format
	repo        string
	namespace   string // of every package ("" for none)
	small       string // the small package's name (published in setup)
	maxVersions int
	sortKey     func(string) []byte
	assetName   func(name, version string) string
}

// versionsPerPkg is the number of versions of each bulk package.
const versionsPerPkg = 10

// otherFormatsMax caps the versions of the formats other than PyPI and
// Maven: six formats at 1,000,000 versions each take too long to build on
// this 2-core machine (see docs/benchmarks.md).
const otherFormatsMax = 100000

var fmtRepos = []fmtRepo{
	{format: domain.FormatPypi, repo: "pypirepo", small: "smallpkg",
		sortKey:   pypi.Rules{}.VersionSortKey,
		assetName: func(n, v string) string { return n + "-" + v + "-py3-none-any.whl" }},
	{format: domain.FormatMaven, repo: "mavenrepo", namespace: "com.example.scale", small: "smallpkg",
		sortKey:   maven.Rules{}.VersionSortKey,
		assetName: func(n, v string) string { return n + "-" + v + ".jar" }},
	{format: domain.FormatCargo, repo: "cargorepo", small: "smallpkg", maxVersions: otherFormatsMax,
		sortKey:   cargo.Rules{}.VersionSortKey,
		assetName: func(n, v string) string { return n + "-" + v + ".crate" }},
	{format: domain.FormatRuby, repo: "rubyrepo", small: "smallpkg", maxVersions: otherFormatsMax,
		sortKey:   ruby.Rules{}.VersionSortKey,
		assetName: func(n, v string) string { return n + "-" + v + ".gem" }},
	{format: domain.FormatNuget, repo: "nugetrepo", small: "smallpkg", maxVersions: otherFormatsMax,
		sortKey:   nuget.Rules{}.VersionSortKey,
		assetName: func(n, v string) string { return n + "." + v + ".nupkg" }},
	{format: domain.FormatSwift, repo: "swiftrepo", namespace: "scale", small: "smallpkg", maxVersions: otherFormatsMax,
		sortKey:   swift.Rules{}.VersionSortKey,
		assetName: func(string, string) string { return "source-archive.zip" }},
}

// versionsOf is how many versions the format's repository holds at n.
func (f fmtRepo) versionsOf(n int) int {
	if f.maxVersions > 0 {
		return min(n, f.maxVersions)
	}
	return n
}

// fmtAssetSize is the size of each bulk version's one asset.
const fmtAssetSize = 2000

// formats builds each format's repository: versionsOf(n) versions in
// packages of versionsPerPkg, names already normalised for every format
// (lowercase letters and digits), each version with one asset of its own
// digest (bytes never stored: nothing downloads them) and the format's
// sort key.
func (g *generator) formats(ctx context.Context) error {
	origin := domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowBlock}
	g.fx.FormatVersions = map[string]int{}
	for fi, f := range fmtRepos {
		var repoID int64
		err := g.st.Write(ctx, func(tx store.Tx) error {
			r := domain.Repository{DomainID: g.domainID, Name: f.repo, AdministratorAccount: account, CreatedTime: time.Now().UTC()}
			if err := tx.Repositories().Create(ctx, &r); err != nil {
				return err
			}
			repoID = r.ID
			return nil
		})
		if err != nil {
			return err
		}
		g.fx.Repositories++
		total := f.versionsOf(g.n)
		g.fx.FormatVersions[string(f.format)] = total
		g.fx.AssetSizeBytes += int64(total) * fmtAssetSize
		kind := byte(12 + fi)
		err = g.batches(string(f.format)+" versions", total, func(lo, hi int) error {
			// [lo, hi) is a whole number of packages (batchRows is a
			// multiple of versionsPerPkg, and so is every n).
			ps := make([]domain.Package, 0, (hi-lo)/versionsPerPkg+1)
			for p := lo / versionsPerPkg; p*versionsPerPkg < hi; p++ {
				ps = append(ps, domain.Package{RepositoryID: repoID, Format: f.format, Namespace: f.namespace,
					Name: fmtPkgName(p), Origin: origin})
			}
			ids, err := g.b.addPackagesIDs(ctx, g.domainID, ps)
			if err != nil {
				return err
			}
			rows := make([]versionAsset, 0, hi-lo)
			for i := lo; i < hi; i++ {
				name, ver := fmtPkgName(i/versionsPerPkg), fmtVersion(i%versionsPerPkg)
				v := domain.PackageVersion{PackageID: ids[name], Version: ver, SortKey: f.sortKey(ver), Revision: fakeHex(kind, i, 24),
					Status: domain.StatusPublished, OriginType: domain.OriginInternal, EntryRepository: f.repo,
					PublishedTime: g.t0.Add(time.Duration(i) * time.Second), DisplayName: name,
					Summary: "A package of the scale benchmark"}
				a := domain.Asset{Name: f.assetName(name, ver), Size: fmtAssetSize, MD5: fakeHex(kind, i, 32), SHA1: fakeHex(kind, i, 40),
					SHA256: fakeHex(kind, i, 64), SHA512: fakeHex(kind, i, 128)}
				rows = append(rows, versionAsset{v, a})
			}
			return g.b.addVersions(ctx, g.domainID, rows)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func fmtPkgName(p int) string { return fmt.Sprintf("f%07d", p) }

func fmtVersion(j int) string { return fmt.Sprintf("1.0.%d", j) }

// addPackagesIDs inserts packages (all of one repository, format and
// namespace) in one transaction and returns their ids by name.
func (b *bulk) addPackagesIDs(ctx context.Context, domainID int64, ps []domain.Package) (map[string]int64, error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids := make(map[string]int64, len(ps))
	err = b.insert(ctx, tx, "packages", packageCols, packageRows(domainID, ps),
		"id, name", func(r *sql.Rows) error {
			var id int64
			var name string
			if err := r.Scan(&id, &name); err != nil {
				return err
			}
			ids[name] = id
			return nil
		})
	if err != nil {
		return nil, err
	}
	return ids, tx.Commit()
}
