package service

import (
	"context"
	"errors"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// PackageVersion reads a package and the one version pick names from it
// (npm resolves a dist-tag from the package's state), in one
// transaction; found is false when the package has no such version.
// Authorized as PackageVersions.
func (s *Service) PackageVersion(ctx context.Context, c Caller, ref PackageRef, pick func(domain.Package) string) (pkg domain.Package, v domain.PackageVersion, found bool, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		found = false
		_, pkg, err = s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		version := pick(pkg)
		if version == "" {
			return nil
		}
		v, err = tx.Versions().Get(ctx, pkg.ID, version)
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	return pkg, v, found, err
}

// PackageHeads is what a cached index document of one package is
// refreshed from, read in one transaction: the heads of its Published
// versions, and the manifests of those the caller has no current
// rendering of.
type PackageHeads struct {
	Package domain.Package
	// Heads are the Published versions, in no particular order
	// (store.Versions.Heads).
	Heads []store.VersionHead
	// Fetched are the manifests of the IDs plan asked for that are still
	// the package's (store.Versions.ManifestsByID), in no particular
	// order.
	Fetched []store.VersionManifest
	// LastPublished is the latest publish time among versions of any
	// status.
	LastPublished time.Time
	// Picked is the whole row of the version plan picked; zero when it
	// names none the package has.
	Picked domain.PackageVersion
}

// PublishedHeads reads a package's Published versions as heads, then the
// manifests of the IDs plan returns (those not rendered already) and the
// whole row of the version it picks (""; none), in one transaction: after
// a change of one version, a document of 20,000 versions reads 20,000
// small index entries and one manifest. Authorized as PackageVersions.
func (s *Service) PublishedHeads(ctx context.Context, c Caller, ref PackageRef, plan func(domain.Package, []store.VersionHead) (fetch []int64, pick string)) (PackageHeads, error) {
	var out PackageHeads
	err := s.store.Read(ctx, func(tx store.Tx) error {
		out = PackageHeads{}
		_, pkg, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		out.Package = pkg
		if err := tx.Versions().Heads(ctx, pkg.ID, domain.StatusPublished, func(h store.VersionHead) error {
			out.Heads = append(out.Heads, h)
			return nil
		}); err != nil {
			return err
		}
		if out.LastPublished, err = tx.Versions().LastPublished(ctx, pkg.ID); err != nil {
			return err
		}
		fetch, version := plan(pkg, out.Heads)
		if err := tx.Versions().ManifestsByID(ctx, pkg.ID, fetch, func(m store.VersionManifest) error {
			out.Fetched = append(out.Fetched, m)
			return nil
		}); err != nil {
			return err
		}
		if version == "" {
			return nil
		}
		out.Picked, err = tx.Versions().Get(ctx, pkg.ID, version)
		if errors.Is(err, domain.ErrNotFound) {
			out.Picked, err = domain.PackageVersion{}, nil
		}
		return err
	})
	return out, err
}
