package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create the fixture databases

	"github.com/artifactd/artifactd/internal/blob"
	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/npm"
	"github.com/artifactd/artifactd/internal/pkggroup"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/postgres"
	"github.com/artifactd/artifactd/internal/store/sqlite"
	"github.com/artifactd/artifactd/internal/versionkey"
)

// fixtureVersion changes when what gen builds changes: a cached fixture
// of another version is built again.
const fixtureVersion = 4

// The fixture's names. The account is the server's default one.
const (
	account      = "000000000000"
	region       = "us-east-1"
	domainName   = "scale"
	genericRepo  = "gen"
	genericNS    = "ns"
	genericPkg   = "big"
	pkgsRepo     = "pkgs"
	npmRepo      = "npmrepo"
	npmPkg       = "bigpkg"
	assetName    = "a.bin"
	assetSize    = 1000
	unlistedN    = 10
	maxNpm       = 20000
	pkgPrefix    = "p000001" // matches 10 names in each of the 4 namespaces
	batchRows    = 10000
	pgDBPrefix   = "scale_"
	tarballLabel = "package.tgz"
)

var pkgNamespaces = []string{"", "a", "b", "c"}

// Fixture describes a generated data set; gen writes it to fixture.json
// last, so its presence means the data set is complete.
type Fixture struct {
	Version int    `json:"version"`
	Store   string `json:"store"`
	N       int    `json:"n"`
	// Database is the PostgreSQL database name ("" on sqlite).
	Database string `json:"database,omitempty"`

	Unlisted        []string `json:"unlisted"`
	DescribeVersion string   `json:"describeVersion"`
	DownloadVersion string   `json:"downloadVersion"`
	DownloadSHA256  string   `json:"downloadSHA256"`
	PrefixMatches   int      `json:"prefixMatches"`

	NpmVersions       int               `json:"npmVersions"`
	NpmDistTags       map[string]string `json:"npmDistTags"`
	NpmTarballVersion string            `json:"npmTarballVersion"`
	NpmTarballSHA1    string            `json:"npmTarballSHA1"`

	// Repositories is the domain's repository count; FormatVersions the
	// bulk versions of each format's repository (see formats.go).
	Repositories   int            `json:"repositories"`
	FormatVersions map[string]int `json:"formatVersions"`

	AssetSizeBytes int64   `json:"assetSizeBytes"`
	GenSeconds     float64 `json:"genSeconds"`
}

func genCommand(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	kind := fs.String("store", "sqlite", "sqlite or postgres")
	n := fs.Int("n", 100, "size N")
	dir := fs.String("dir", "", "fixture directory (the server's data directory)")
	dsn := fs.String("dsn", "", "PostgreSQL administrator DSN (postgres and postgres-s3 stores)")
	s3URL := fs.String("s3", "", "S3 blob store URL s3://BUCKET?... (postgres-s3 store)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *n < 100 {
		return errors.New("gen: -dir is required and -n must be at least 100")
	}
	_, err := ensureFixture(context.Background(), *kind, *n, *dir, *dsn, *s3URL)
	return err
}

// loadFixture reads dir/fixture.json; ok is false when it is missing or of
// another fixtureVersion.
func loadFixture(dir string) (Fixture, bool) {
	var fx Fixture
	b, err := os.ReadFile(filepath.Join(dir, "fixture.json"))
	if err != nil || json.Unmarshal(b, &fx) != nil || fx.Version != fixtureVersion {
		return fx, false
	}
	return fx, true
}

// dbDSN is the admin DSN pointed at database name.
func dbDSN(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// ensureFixture returns the fixture in dir, building it when it is missing.
// On postgres-s3 the blobs go to the S3 store, again on every call: moto
// keeps them in memory only.
func ensureFixture(ctx context.Context, kind string, n int, dir, adminDSN, s3URL string) (Fixture, error) {
	if fx, ok := loadFixture(dir); ok && fx.Store == kind && fx.N == n {
		logf("%s n=%d: cached fixture in %s (built in %.0f s)", kind, n, dir, fx.GenSeconds)
		if kind == storePostgresS3 {
			bs, err := openS3(ctx, s3URL, n)
			if err != nil {
				return fx, err
			}
			contents, err := fixtureBlobs(n)
			if err != nil {
				return fx, err
			}
			if err := putBlobs(ctx, bs, contents); err != nil {
				return fx, fmt.Errorf("blobs to S3: %w", err)
			}
		}
		return fx, nil
	}
	start := time.Now()
	if err := os.RemoveAll(dir); err != nil {
		return Fixture{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Fixture{}, err
	}
	fx := Fixture{Version: fixtureVersion, Store: kind, N: n}
	var st store.Store
	var err error
	var b *bulk
	switch kind {
	case "sqlite":
		path := filepath.Join(dir, "artifactd.db")
		if st, err = sqlite.OpenExclusive(ctx, path); err == nil {
			b, err = openBulk(kind, path)
		}
	case "postgres", storePostgresS3:
		if adminDSN == "" {
			return fx, errors.New("postgres needs -dsn")
		}
		fx.Database = fmt.Sprintf("%s%d", pgDBPrefix, n)
		if kind == storePostgresS3 {
			fx.Database = fmt.Sprintf("%ss3_%d", pgDBPrefix, n)
		}
		if err := recreateDB(ctx, adminDSN, fx.Database); err != nil {
			return fx, err
		}
		var dsn string
		if dsn, err = dbDSN(adminDSN, fx.Database); err == nil {
			if st, err = postgres.Open(ctx, dsn); err == nil {
				b, err = openBulk("postgres", dsn)
			}
		}
	default:
		err = fmt.Errorf("unknown store %q", kind)
	}
	if err != nil {
		return fx, err
	}
	defer st.Close()
	defer b.db.Close()
	var blobs blob.Store
	if kind == storePostgresS3 {
		blobs, err = openS3(ctx, s3URL, n)
	} else {
		blobs, err = blobfs.New(filepath.Join(dir, "blobs"))
	}
	if err != nil {
		return fx, err
	}
	g := &generator{st: st, b: b, n: n, fx: &fx}
	if err := g.run(ctx); err != nil {
		return fx, fmt.Errorf("%s n=%d: %w", kind, n, err)
	}
	if err := putBlobs(ctx, blobs, g.blobs); err != nil {
		return fx, err
	}
	fx.GenSeconds = time.Since(start).Seconds()
	meta, _ := json.MarshalIndent(fx, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "fixture.json"), meta, 0o600); err != nil {
		return fx, err
	}
	logf("%s n=%d: fixture built in %.1f s", kind, n, fx.GenSeconds)
	return fx, nil
}

func recreateDB(ctx context.Context, adminDSN, name string) error {
	db, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+name)
	return err
}

type generator struct {
	st    store.Store
	b     *bulk
	n     int
	fx    *Fixture
	blobs map[string][]byte // digest -> bytes the blob store must hold

	domainID                int64
	genPkg, npmPkgID, pkgRp int64
	npmPackage              domain.Package
	t0                      time.Time
}

// fakeHex is a deterministic hex string of n digits for (kind, i): the
// digests of assets whose bytes are never downloaded.
func fakeHex(kind byte, i, n int) string {
	s := fmt.Sprintf("%c%0*x", 'a'+kind, n-1, i)
	return s[:n]
}

// sums returns an asset with the real digests of b.
func sums(name string, b []byte) domain.Asset {
	m, s1, s256, s512 := md5.Sum(b), sha1.Sum(b), sha256.Sum256(b), sha512.Sum512(b)
	return domain.Asset{Name: name, Size: int64(len(b)), MD5: hex.EncodeToString(m[:]), SHA1: hex.EncodeToString(s1[:]),
		SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:])}
}

// batches calls fn for [lo, hi) ranges of at most batchRows (one
// transaction each), and logs the rate.
func (g *generator) batches(what string, total int, fn func(lo, hi int) error) error {
	start := time.Now()
	for lo := 0; lo < total; lo += batchRows {
		hi := min(lo+batchRows, total)
		if err := fn(lo, hi); err != nil {
			return fmt.Errorf("%s [%d,%d): %w", what, lo, hi, err)
		}
		if hi%100000 == 0 {
			logf("  %s: %d/%d (%.0f rows/s)", what, hi, total, float64(hi)/time.Since(start).Seconds())
		}
	}
	logf("  %s: %d in %.1f s", what, total, time.Since(start).Seconds())
	return nil
}

func (g *generator) run(ctx context.Context) error {
	g.blobs = map[string][]byte{}
	g.t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Now().UTC()
	var repos [3]domain.Repository
	err := g.st.Write(ctx, func(tx store.Tx) error {
		d := domain.Domain{Region: region, Owner: account, Name: domainName,
			EncryptionKey: "arn:aws:kms:" + region + ":" + account + ":key/artifactd-managed", CreatedTime: now}
		if err := tx.Domains().Create(ctx, &d); err != nil {
			return err
		}
		g.domainID = d.ID
		// The root package group CreateDomain makes (service.rootGroup).
		root := domain.PackageGroup{DomainID: d.ID, Pattern: service.RootPattern, WeakKey: pkggroup.WeakKey(service.RootPattern),
			CreatedTime: now, Modes: map[domain.RestrictionType]domain.RestrictionMode{domain.RestrictPublish: domain.ModeAllow,
				domain.RestrictExternalUpstream: domain.ModeAllow, domain.RestrictInternalUpstream: domain.ModeAllow}}
		if err := tx.PackageGroups().Create(ctx, &root); err != nil {
			return err
		}
		for i, name := range []string{genericRepo, pkgsRepo, npmRepo} {
			repos[i] = domain.Repository{DomainID: d.ID, Name: name, AdministratorAccount: account, CreatedTime: now}
			if err := tx.Repositories().Create(ctx, &repos[i]); err != nil {
				return err
			}
		}
		origin := domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowBlock}
		p := domain.Package{RepositoryID: repos[0].ID, Format: domain.FormatGeneric, Namespace: genericNS, Name: genericPkg, Origin: origin}
		if err := tx.Packages().Create(ctx, &p); err != nil {
			return err
		}
		g.genPkg = p.ID
		p = domain.Package{RepositoryID: repos[2].ID, Format: domain.FormatNpm, Name: npmPkg, Origin: origin}
		if err := tx.Packages().Create(ctx, &p); err != nil {
			return err
		}
		g.npmPkgID, g.npmPackage = p.ID, p
		return nil
	})
	if err != nil {
		return err
	}
	g.pkgRp = repos[1].ID
	g.fx.Repositories = len(repos)
	if err := g.generic(ctx); err != nil {
		return err
	}
	if err := g.packages(ctx); err != nil {
		return err
	}
	if err := g.formats(ctx); err != nil {
		return err
	}
	return g.npm(ctx)
}

// generic: one package of n versions, each with one asset of its own
// digest (bytes stored for the downloaded one only), 10 of them Unlisted.
func (g *generator) generic(ctx context.Context) error {
	n := g.n
	dl := n/2 + 1 // not one of the unlisted (multiples of n/10)
	content := genericContent()
	dlAsset := sums(assetName, content)
	g.blobs[dlAsset.SHA256] = content
	g.fx.DownloadVersion, g.fx.DownloadSHA256 = genVersion(dl), dlAsset.SHA256
	g.fx.DescribeVersion = genVersion(n / 3)
	g.fx.AssetSizeBytes += int64(n) * assetSize
	return g.batches("generic versions", n, func(lo, hi int) error {
		rows := make([]versionAsset, 0, hi-lo)
		for i := lo; i < hi; i++ {
			v := domain.PackageVersion{PackageID: g.genPkg, Version: genVersion(i), SortKey: versionkey.Natural(genVersion(i)), Revision: fakeHex(0, i, 24),
				Status: domain.StatusPublished, OriginType: domain.OriginInternal, EntryRepository: genericRepo,
				PublishedTime: g.t0.Add(time.Duration(i) * time.Second)}
			if i%(n/unlistedN) == 0 {
				v.Status = domain.StatusUnlisted
				g.fx.Unlisted = append(g.fx.Unlisted, v.Version)
			}
			a := domain.Asset{Name: assetName, Size: assetSize, MD5: fakeHex(1, i, 32), SHA1: fakeHex(2, i, 40),
				SHA256: fakeHex(3, i, 64), SHA512: fakeHex(4, i, 128)}
			if i == dl {
				a = dlAsset
			}
			rows = append(rows, versionAsset{v, a})
		}
		return g.b.addVersions(ctx, g.domainID, rows)
	})
}

// fixtureBlobs are the bytes the fixture of size n stores (what generic
// and npm put in g.blobs), by SHA-256.
func fixtureBlobs(n int) (map[string][]byte, error) {
	content := genericContent()
	tgz, err := tarball(npmVersion(min(n, maxNpm) - 1))
	if err != nil {
		return nil, err
	}
	return map[string][]byte{sums(assetName, content).SHA256: content, sums(tarballLabel, tgz).SHA256: tgz}, nil
}

func genericContent() []byte {
	return bytes.Repeat([]byte("artifactd scale fixture\n"), assetSize/24+1)[:assetSize]
}

func genVersion(i int) string { return fmt.Sprintf("1.0.%d", i) }

// packages: n npm packages of another repository over four namespaces.
func (g *generator) packages(ctx context.Context) error {
	g.fx.PrefixMatches = 40
	origin := domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowBlock}
	return g.batches("packages", g.n, func(lo, hi int) error {
		ps := make([]domain.Package, 0, hi-lo)
		for i := lo; i < hi; i++ {
			ps = append(ps, domain.Package{RepositoryID: g.pkgRp, Format: domain.FormatNpm,
				Namespace: pkgNamespaces[i%len(pkgNamespaces)], Name: fmt.Sprintf("p%07d", i/len(pkgNamespaces)), Origin: origin})
		}
		return g.b.addPackages(ctx, g.domainID, ps)
	})
}

// npmVersion is the i-th version of the npm package (ascending).
func npmVersion(i int) string { return fmt.Sprintf("%d.%d.%d", 1+i/10000, (i/100)%100, i%100) }

// npm: one package of min(n, 20000) versions with manifests as npm
// publish stores them (~1 KB), dist-tags, and a real tarball for the
// latest version.
func (g *generator) npm(ctx context.Context) error {
	m := min(g.n, maxNpm)
	g.fx.NpmVersions = m
	latest := m - 1
	tgz, err := tarball(npmVersion(latest))
	if err != nil {
		return err
	}
	tgzAsset := sums(tarballLabel, tgz)
	g.blobs[tgzAsset.SHA256] = tgz
	g.fx.NpmTarballVersion, g.fx.NpmTarballSHA1 = npmVersion(latest), tgzAsset.SHA1
	g.fx.AssetSizeBytes += int64(m-1)*4321 + tgzAsset.Size
	// Versions carry their format's sort key, as the service gives them
	// at publish (versions without one are keyed when first listed).
	npmRules := npm.NewRules()
	err = g.batches("npm versions", m, func(lo, hi int) error {
		rows := make([]versionAsset, 0, hi-lo)
		for i := lo; i < hi; i++ {
			a := domain.Asset{Name: tarballLabel, Size: 4321, MD5: fakeHex(5, i, 32), SHA1: fakeHex(6, i, 40),
				SHA256: fakeHex(7, i, 64), SHA512: fakeHex(8, i, 128)}
			if i == latest {
				a = tgzAsset
			}
			sha512b, _ := hex.DecodeString(a.SHA512)
			ver := npmVersion(i)
			v := domain.PackageVersion{PackageID: g.npmPkgID, Version: ver, SortKey: npmRules.VersionSortKey(ver), Revision: fakeHex(9, i, 24),
				Status: domain.StatusPublished, OriginType: domain.OriginInternal, EntryRepository: npmRepo,
				PublishedTime: g.t0.Add(time.Duration(i) * time.Minute), DisplayName: npmPkg,
				Summary: "A package with many versions, for the scale benchmark", HomePage: "https://github.com/example/bigpkg#readme",
				SourceCodeRepository: "git+https://github.com/example/bigpkg.git", Licenses: []domain.License{{Name: "MIT"}},
				Dependencies: []domain.Dependency{
					{Package: "debug", DependencyType: "regular", VersionRequirement: "^4.3.4"},
					{Package: "semver", DependencyType: "regular", VersionRequirement: "^7.5.4"},
				},
				Readme:   "# bigpkg\n\nA package with many versions.\n",
				Metadata: manifest(ver, a.SHA1, "sha512-"+base64.StdEncoding.EncodeToString(sha512b)),
			}
			rows = append(rows, versionAsset{v, a})
		}
		return g.b.addVersions(ctx, g.domainID, rows)
	})
	if err != nil {
		return err
	}
	tags := map[string]string{"latest": npmVersion(latest), "next": npmVersion(m / 2), "beta": npmVersion(m / 3)}
	g.fx.NpmDistTags = tags
	// npm's package state (internal/format/npm/state.go): dist-tags and
	// the change stamp packument caches are keyed on.
	meta, _ := json.Marshal(map[string]any{"dist-tags": tags, "stamp": fakeHex(10, g.n, 24),
		"modified": time.Now().UTC().Format(time.RFC3339Nano)})
	p := g.npmPackage
	p.Metadata = meta
	// The asset size counters, rebuilt from the rows by the store.
	return g.st.Write(ctx, func(tx store.Tx) error {
		if err := tx.Packages().Update(ctx, p); err != nil {
			return err
		}
		return tx.Domains().RecountAssetSize(ctx, g.domainID)
	})
}

// manifest is a version's manifest as npm publish sends it and artifactd
// stores it (no tarball URL, no readme), about 1 KB.
func manifest(version, shasum, integrity string) []byte {
	m := map[string]any{
		"name": npmPkg, "version": version,
		"description": "A package with many versions, for the scale benchmark",
		"main":        "index.js", "types": "index.d.ts",
		"scripts":    map[string]string{"test": "mocha --recursive", "build": "tsc -p .", "lint": "eslint .", "prepublishOnly": "npm run build"},
		"repository": map[string]string{"type": "git", "url": "git+https://github.com/example/bigpkg.git"},
		"keywords":   []string{"bench", "scale", "registry", "npm"},
		"author":     map[string]string{"name": "Bench Author", "email": "bench@example.com"},
		"license":    "MIT",
		"bugs":       map[string]string{"url": "https://github.com/example/bigpkg/issues"},
		"homepage":   "https://github.com/example/bigpkg#readme",
		"dependencies": map[string]string{"debug": "^4.3.4", "semver": "^7.5.4", "lodash": "^4.17.21",
			"chalk": "^5.3.0"},
		"devDependencies": map[string]string{"mocha": "^10.2.0", "typescript": "^5.3.3", "eslint": "^8.56.0"},
		"engines":         map[string]string{"node": ">=18"},
		"gitHead":         fakeHex(11, len(version)*7919, 40),
		"_npmVersion":     "10.2.4", "_nodeVersion": "20.11.0",
		"_npmUser": map[string]string{"name": "bench", "email": "bench@example.com"},
		"dist":     map[string]any{"shasum": shasum, "integrity": integrity, "fileCount": 12, "unpackedSize": 45678},
	}
	b, _ := json.Marshal(m)
	return b
}

// tarball is a real npm tarball of the package at version.
func tarball(version string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	files := []struct{ name, body string }{
		{"package/package.json", fmt.Sprintf(`{"name":%q,"version":%q,"description":"A package with many versions","main":"index.js","license":"MIT"}`, npmPkg, version)},
		{"package/index.js", "module.exports = () => 'scale';\n"},
		{"package/README.md", "# bigpkg\n"},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: time.Unix(499162500, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
