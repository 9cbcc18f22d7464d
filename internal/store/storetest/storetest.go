// Package storetest is the conformance suite of store.Store. Every backend
// runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... a new, empty store ... })
//	}
//	func TestRestart(t *testing.T) {
//		storetest.RunRestart(t, func(t *testing.T, dir string) store.Store { ... open the store kept in dir ... })
//	}
//
// The suite owns the stores it gets: it closes each one (Close may thus be
// called on a store that the open function also arranged to close; backends
// make Close idempotent).
//
// Besides the contract of package store, the suite pins down these
// conventions, which every backend shares through sqlstore:
//   - nil and empty Metadata, Licenses and Dependencies come back nil;
//   - times come back in UTC, to the nanosecond; the zero time comes back zero;
//   - Update and Delete of a missing row are domain.ErrNotFound;
//   - Domains.Delete of a domain that still has repositories is
//     domain.ErrConflict; creating a repository, package or version under a
//     missing parent, or adding an asset to a missing version, is
//     domain.ErrNotFound;
//   - a malformed or foreign pagination token and a Page.Limit <= 0 are
//     domain.ErrInvalid;
//   - ids are never reused, even after the row with the largest id is
//     deleted (upstream links bind to ids).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// Run runs the conformance suite; open returns a new, empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*fx)
	}{
		{"Domains", testDomains},
		{"Repositories", testRepositories},
		{"RepositoryIDsNotReused", testRepositoryIDsNotReused},
		{"Packages", testPackages},
		{"Versions", testVersions},
		{"VersionsEmptyFields", testVersionsEmptyFields},
		{"Assets", testAssets},
		{"Tags", testTags},
		{"Policies", testPolicies},
		{"Secrets", testSecrets},
		{"ListDomains", testListDomains},
		{"ListRepositories", testListRepositories},
		{"ListRepositoriesPrefix", testListRepositoriesPrefix},
		{"ListPackages", testListPackages},
		{"ListVersions", testListVersions},
		{"ListAssets", testListAssets},
		{"BadPages", testBadPages},
		{"PaginationStable", testPaginationStable},
		{"PaginationConcurrentInserts", testPaginationConcurrentInserts},
		{"OrphansAssetsDeleteAll", testOrphansAssetsDeleteAll},
		{"OrphansVersionDelete", testOrphansVersionDelete},
		{"OrphansPackageDelete", testOrphansPackageDelete},
		{"OrphansRepositoryDelete", testOrphansRepositoryDelete},
		{"OrphansQueue", testOrphansQueue},
		{"Pins", testPins},
		{"ListReferenced", testListReferenced},
		{"InlineBlobs", testInlineBlobs},
		{"DeleteLargeRepository", testDeleteLargeRepository},
		{"AssetSizeBytes", testAssetSizeBytes},
		{"AssetSizeCounter", testAssetSizeCounter},
		{"ListPackagesSkipScan", testListPackagesSkipScan},
		{"ListVersionsFilteredOut", testListVersionsFilteredOut},
		{"ListVersionsOrder", testListVersionsOrder},
		{"VersionOrderConcurrentInserts", testVersionOrderConcurrentInserts},
		{"LastPublished", testLastPublished},
		{"VersionHeads", testVersionHeads},
		{"Resolve", testResolve},
		{"PackageGroups", testPackageGroups},
		{"ListPackageGroups", testListPackageGroups},
		{"AllowedRepositories", testAllowedRepositories},
		{"PackageGroupsDomainDelete", testPackageGroupsDomainDelete},
		{"GroupStamp", testGroupStamp},
		{"ListCoordinates", testListCoordinates},
		{"ListingStamp", testListingStamp},
		{"RetentionRules", testRetentionRules},
		{"RecordDownloads", testRecordDownloads},
		{"IAMUsers", testIAMUsers},
		{"IAMRoles", testIAMRoles},
		{"ListIAM", testListIAM},
		{"IAMPolicies", testIAMPolicies},
		{"AccessKeys", testAccessKeys},
		{"AuthzStamp", testAuthzStamp},
		{"AuthzStampConcurrent", testAuthzStampConcurrent},
		{"Rollback", testRollback},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"ReadIsReadOnly", testReadIsReadOnly},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentReadsDuringWrites", testConcurrentReadsDuringWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(&fx{T: t, s: s, ctx: context.Background()})
		})
	}
}

// fx is one test's store with helpers that fail the test on error. Its
// helpers must only be called from the test's goroutine.
type fx struct {
	*testing.T
	s   store.Store
	ctx context.Context
}

func (f *fx) write(fn func(store.Tx) error) {
	f.Helper()
	if err := f.s.Write(f.ctx, fn); err != nil {
		f.Fatalf("Write: %v", err)
	}
}

func (f *fx) read(fn func(store.Tx) error) {
	f.Helper()
	if err := f.s.Read(f.ctx, fn); err != nil {
		f.Fatalf("Read: %v", err)
	}
}

// testTime has nanoseconds and a zone other than UTC: it must come back as
// the same instant, in UTC.
var testTime = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))

func (f *fx) domain(region, owner, name string) domain.Domain {
	f.Helper()
	d := domain.Domain{Region: region, Owner: owner, Name: name, EncryptionKey: "key-" + name, CreatedTime: testTime}
	f.write(func(tx store.Tx) error { return tx.Domains().Create(f.ctx, &d) })
	return d
}

func (f *fx) repo(domainID int64, name string, ups ...domain.Upstream) domain.Repository {
	f.Helper()
	r := domain.Repository{DomainID: domainID, Name: name, AdministratorAccount: "111122223333",
		Description: "repo " + name, Upstreams: ups, CreatedTime: testTime}
	f.write(func(tx store.Tx) error { return tx.Repositories().Create(f.ctx, &r) })
	return r
}

func (f *fx) pkg(repoID int64, format domain.Format, namespace, name string) domain.Package {
	f.Helper()
	p := domain.Package{RepositoryID: repoID, Format: format, Namespace: namespace, Name: name,
		Origin: domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowAllow}}
	f.write(func(tx store.Tx) error { return tx.Packages().Create(f.ctx, &p) })
	return p
}

func newVersion(pkgID int64, version string) domain.PackageVersion {
	return domain.PackageVersion{PackageID: pkgID, Version: version, Status: domain.StatusPublished,
		OriginType: domain.OriginInternal, PublishedTime: testTime}
}

func (f *fx) version(pkgID int64, version string) domain.PackageVersion {
	f.Helper()
	v := newVersion(pkgID, version)
	f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &v) })
	return v
}

func newAsset(name, sha string, size int64) domain.Asset {
	return domain.Asset{Name: name, Size: size, MD5: "md5-" + name, SHA1: "sha1-" + name, SHA256: sha, SHA512: "sha512-" + name}
}

func (f *fx) asset(versionID int64, name, sha string, size int64) domain.Asset {
	f.Helper()
	a := newAsset(name, sha, size)
	f.write(func(tx store.Tx) error { return tx.Assets().Add(f.ctx, versionID, a) })
	return a
}

// sha returns a distinct fake SHA-256 digest for n.
func sha(n int) string { return fmt.Sprintf("%064x", n) }

// wantErr fails unless err is kind.
func (f *fx) wantErr(what string, err, kind error) {
	f.Helper()
	if !errors.Is(err, kind) {
		f.Errorf("%s: got error %v, want %v", what, err, kind)
	}
}

// writeErr runs fn in a Write and returns its error.
func (f *fx) writeErr(fn func(store.Tx) error) error { return f.s.Write(f.ctx, fn) }

// readErr runs fn in a Read and returns its error.
func (f *fx) readErr(fn func(store.Tx) error) error { return f.s.Read(f.ctx, fn) }

// listAll pages through a listing with the given limit and returns every
// item, failing on duplicate cursors or errors.
func listAll[T any](f *fx, limit int, list func(tx store.Tx, p store.Page) ([]T, string, error)) []T {
	f.Helper()
	var all []T
	after := ""
	for i := 0; ; i++ {
		if i > 10000 {
			f.Fatal("listing does not end")
		}
		var items []T
		var next string
		f.read(func(tx store.Tx) error {
			var err error
			items, next, err = list(tx, store.Page{After: after, Limit: limit})
			return err
		})
		if len(items) > limit {
			f.Fatalf("page of %d items, limit %d", len(items), limit)
		}
		if next != "" && len(items) < limit {
			f.Fatalf("short page (%d < %d) with a next cursor", len(items), limit)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		after = next
	}
}

func (f *fx) sameTime(what string, got, want time.Time) {
	f.Helper()
	if !got.Equal(want) {
		f.Errorf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		f.Errorf("%s location = %v, want UTC", what, got.Location())
	}
}
