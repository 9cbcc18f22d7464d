package service

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// FormatRules lets a package format keep its package-level state (npm
// dist-tags...) right whenever the control plane or a client changes a
// package's versions.
type FormatRules interface {
	// PackageChanged runs inside the transaction of a status change,
	// dispose, delete, copy or metadata update, with the package's versions
	// as they are afterwards and the names of those the change touched
	// (nil when it may have touched any). It may edit p.Metadata; the
	// service saves p.
	PackageChanged(p *domain.Package, versions VersionReader, changed []string) error
}

// VersionReader reads one package's versions inside a transaction without
// loading them all: changing one version of a package with 100,000 costs
// the versions a format's rules look at, not every one of them.
type VersionReader interface {
	// Get returns one version; ErrNotFound when the package has none of
	// that name.
	Get(version string) (domain.PackageVersion, error)
	// Each calls fn for every version with status (any when ""), in no
	// particular order, until fn returns an error, which Each returns. It
	// costs every such version: for the rare rule that needs them all.
	Each(status domain.Status, fn func(domain.PackageVersion) error) error
}

// txVersions reads a package's versions in a transaction.
type txVersions struct {
	ctx       context.Context
	tx        store.Tx
	packageID int64
}

func (r txVersions) Get(version string) (domain.PackageVersion, error) {
	return r.tx.Versions().Get(r.ctx, r.packageID, version)
}

func (r txVersions) Each(status domain.Status, fn func(domain.PackageVersion) error) error {
	p := store.Page{Limit: 1000}
	for {
		vs, next, err := r.tx.Versions().List(r.ctx, store.VersionFilter{PackageID: r.packageID, Status: status}, p)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if err := fn(v); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		p.After = next
	}
}

// VersionSlice is a VersionReader over versions in memory, for the tests
// of format rules.
type VersionSlice []domain.PackageVersion

func (l VersionSlice) Get(version string) (domain.PackageVersion, error) {
	for _, v := range l {
		if v.Version == version {
			return v, nil
		}
	}
	return domain.PackageVersion{}, domain.NotFound(domain.ResPackageVersion, version, "package version %s not found", version)
}

func (l VersionSlice) Each(status domain.Status, fn func(domain.PackageVersion) error) error {
	for _, v := range l {
		if status != "" && v.Status != status {
			continue
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// DisplayVersioner is an optional FormatRules capability: the version
// ListPackageVersions reports as defaultDisplayVersion ("" = the newest
// Published one).
type DisplayVersioner interface {
	DefaultDisplayVersion(p domain.Package) string
}

// Copier is an optional FormatRules capability: it carries package-level
// state (npm dist-tags) along when CopyPackageVersions copies versions from
// src to dst, inside the copy's transaction and before dst's PackageChanged.
type Copier interface {
	VersionsCopied(src domain.Package, dst *domain.Package, versions []string) error
}

// Normalizer is an optional FormatRules capability: the canonical form of
// a package's namespace and name, used for storage, lookup and ARNs.
type Normalizer interface {
	NormalizeName(namespace, name string) (string, string)
}

// VersionNormalizer is an optional FormatRules capability: the stored
// spelling of a version a caller names (NuGet's 1.0.0.0 is 1.0.0). The
// control plane's version inputs go through it, as AWS normalizes NuGet's.
type VersionNormalizer interface {
	NormalizeVersion(version string) string
}

func (s *Service) formatRules(f domain.Format) FormatRules { return s.rules[f] }

// normalizeVersion returns the stored spelling of version in format f.
func (s *Service) normalizeVersion(f domain.Format, version string) string {
	if n, ok := s.formatRules(f).(VersionNormalizer); ok {
		return n.NormalizeVersion(version)
	}
	return version
}

// normalizeBatch normalizes a batch's versions and revision keys.
func (s *Service) normalizeBatch(f domain.Format, in BatchInput) BatchInput {
	if _, ok := s.formatRules(f).(VersionNormalizer); !ok {
		return in
	}
	out := in
	out.Versions = make([]string, len(in.Versions))
	for i, v := range in.Versions {
		out.Versions[i] = s.normalizeVersion(f, v)
	}
	if in.VersionRevisions != nil {
		out.VersionRevisions = make(map[string]string, len(in.VersionRevisions))
		for v, rev := range in.VersionRevisions {
			out.VersionRevisions[s.normalizeVersion(f, v)] = rev
		}
	}
	return out
}

// packageChanged runs the format's rules for pkg, if it has any.
func (s *Service) packageChanged(ctx context.Context, tx store.Tx, pkg domain.Package, changed []string) error {
	r := s.formatRules(pkg.Format)
	if r == nil {
		return nil
	}
	if err := r.PackageChanged(&pkg, txVersions{ctx, tx, pkg.ID}, changed); err != nil {
		return err
	}
	return tx.Packages().Update(ctx, pkg)
}

// allVersions returns every version of a package.
func allVersions(ctx context.Context, tx store.Tx, packageID int64) ([]domain.PackageVersion, error) {
	var all []domain.PackageVersion
	err := txVersions{ctx, tx, packageID}.Each("", func(v domain.PackageVersion) error {
		all = append(all, v)
		return nil
	})
	return all, err
}

// PackageVersions returns a package with every version it has, of any
// status, for formats that render whole-package documents (packuments).
func (s *Service) PackageVersions(ctx context.Context, c Caller, ref PackageRef) (pkg domain.Package, versions []domain.PackageVersion, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		_, pkg, err = s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		versions, err = allVersions(ctx, tx, pkg.ID)
		return err
	})
	return pkg, versions, err
}

// PackageVersionsNamed returns a package and those of the named versions
// it has, read in one transaction: what a format reads to bring a cached
// index up to date after a change of a few versions.
func (s *Service) PackageVersionsNamed(ctx context.Context, c Caller, ref PackageRef, names []string) (pkg domain.Package, versions []domain.PackageVersion, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		_, pkg, err = s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		versions = versions[:0]
		for _, name := range names {
			v, err := tx.Versions().Get(ctx, pkg.ID, name)
			if errors.Is(err, domain.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			versions = append(versions, v)
		}
		return nil
	})
	return pkg, versions, err
}

// UpdatePackage edits a package's format metadata (npm dist-tags) with fn
// in one transaction, given a reader of the package's versions.
func (s *Service) UpdatePackage(ctx context.Context, c Caller, ref PackageRef, fn func(p *domain.Package, versions VersionReader) error) (domain.Package, error) {
	if err := s.authorizeData(ctx, c, "PutPackageMetadata", ref); err != nil {
		return domain.Package{}, err
	}
	var pkg domain.Package
	err := s.store.Write(ctx, func(tx store.Tx) error {
		_, p, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		if err := fn(&p, txVersions{ctx, tx, p.ID}); err != nil {
			return err
		}
		pkg = p
		return tx.Packages().Update(ctx, p)
	})
	return pkg, err
}

// UpdateVersionMetadata edits a version's metadata with fn (npm deprecate);
// the revision follows the new content, and the format's rules run in the
// same transaction.
func (s *Service) UpdateVersionMetadata(ctx context.Context, c Caller, ref PackageRef, version string, fn func(v *domain.PackageVersion) error) (domain.PackageVersion, error) {
	if err := s.authorizeData(ctx, c, "PutPackageMetadata", ref); err != nil {
		return domain.PackageVersion{}, err
	}
	var out domain.PackageVersion
	err := s.store.Write(ctx, func(tx store.Tx) error {
		vi, err := s.getVersion(ctx, tx, c, ref, version)
		if err != nil {
			return err
		}
		v := vi.Version
		if err := fn(&v); err != nil {
			return err
		}
		assets, err := allAssets(ctx, tx, v.ID)
		if err != nil {
			return err
		}
		v.Revision = revision(v, assets)
		out = v
		if err := tx.Versions().Update(ctx, v); err != nil {
			return err
		}
		return s.packageChanged(ctx, tx, vi.Package, []string{v.Version})
	})
	return out, err
}
