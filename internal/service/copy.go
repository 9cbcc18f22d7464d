package service

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// CopyInput describes a CopyPackageVersions request.
type CopyInput struct {
	Package             PackageRef // Repository is the source
	Destination         string
	Versions            []string
	VersionRevisions    map[string]string
	AllowOverwrite      bool
	IncludeFromUpstream bool
}

// CopyPackageVersions copies versions to another repository of the same
// domain. Assets are shared, not duplicated.
func (s *Service) CopyPackageVersions(ctx context.Context, c Caller, in CopyInput) (res BatchResult, err error) {
	if (len(in.Versions) == 0) == (len(in.VersionRevisions) == 0) {
		return res, domain.Invalid("Exactly one of versions or versionRevisions must be specified")
	}
	if in.Package.Repository == in.Destination {
		return res, domain.Invalid("The source and destination repositories must be different")
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		pkg, find, err := s.copySource(ctx, tx, c, in)
		if err != nil {
			return err
		}
		_, dst, err := getRepository(ctx, tx, c, in.Package.Domain, in.Package.DomainOwner, in.Destination)
		if err != nil {
			return err
		}
		dstPkg, err := tx.Packages().Get(ctx, dst.ID, pkg.Format, pkg.Namespace, pkg.Name)
		if errors.Is(err, domain.ErrNotFound) {
			dstPkg = domain.Package{RepositoryID: dst.ID, Format: pkg.Format, Namespace: pkg.Namespace, Name: pkg.Name, Origin: defaultPublishOrigin}
			err = tx.Packages().Create(ctx, &dstPkg)
		}
		if err != nil {
			return err
		}
		// The destination's package group judges a copy as a publish.
		groupErr := groupAllows(ctx, tx, dst, PackageRef{Format: pkg.Format, Namespace: pkg.Namespace, Package: pkg.Name, Repository: dst.Name}, domain.RestrictPublish)
		if groupErr != nil && !errors.Is(groupErr, domain.ErrDenied) {
			return groupErr
		}
		existing := map[string]domain.PackageVersion{}
		res, err = runBatch(ctx, tx, find, s.normalizeBatch(pkg.Format, BatchInput{Versions: in.Versions, VersionRevisions: in.VersionRevisions}),
			func(v domain.PackageVersion) *VersionError {
				if dstPkg.Origin.Publish == domain.AllowBlock {
					return &VersionError{CodeNotAllowed, fmt.Sprintf("Version %s cannot be copied: package %s in repository %s blocks publishing (origin configuration publish=BLOCK)", v.Version, pkg.Name, in.Destination)}
				}
				if groupErr != nil {
					return &VersionError{CodeNotAllowed, fmt.Sprintf("Version %s cannot be copied: %v", v.Version, groupErr)}
				}
				if v.Status == domain.StatusUnfinished || v.Status == domain.StatusDisposed {
					return &VersionError{CodeNotAllowed, fmt.Sprintf("Version %s cannot be copied because its status is %s", v.Version, v.Status)}
				}
				old, err := tx.Versions().Get(ctx, dstPkg.ID, v.Version)
				if err != nil {
					return nil // absent (or unreadable: apply reports the error)
				}
				existing[v.Version] = old
				if old.Revision != v.Revision && !in.AllowOverwrite {
					return &VersionError{CodeAlreadyExists, fmt.Sprintf("Version %s already exists", v.Version)}
				}
				return nil
			},
			func(v *domain.PackageVersion) (*VersionResult, error) {
				if old, ok := existing[v.Version]; ok {
					if old.Revision == v.Revision {
						return nil, nil // identical: not copied, not reported
					}
					if err := tx.Versions().Delete(ctx, old.ID); err != nil {
						return nil, err
					}
				}
				if err := copyVersion(ctx, tx, *v, dstPkg.ID); err != nil {
					return nil, err
				}
				return &VersionResult{Revision: v.Revision, Status: v.Status}, nil
			})
		if err != nil || len(res.Successful) == 0 {
			return err
		}
		if cp, ok := s.formatRules(pkg.Format).(Copier); ok {
			if err := cp.VersionsCopied(pkg, &dstPkg, sortedKeys(res.Successful)); err != nil {
				return err
			}
		}
		return s.packageChanged(ctx, tx, dstPkg, sortedKeys(res.Successful))
	})
	if err == nil && len(res.Successful) > 0 {
		s.WakeCollector() // overwritten versions may have freed bytes
	}
	return res, err
}

// copySource finds the package a copy reads from and how to find its
// versions: the source repository's package, and with includeFromUpstream
// also the package in each of its upstreams (resolution order; the first
// that has a version provides it). The package returned (for the
// destination's record and npm's dist-tags) is the source repository's
// own, or the first upstream's when only upstreams have it.
func (s *Service) copySource(ctx context.Context, tx store.Tx, c Caller, in CopyInput) (domain.Package, func(string) (domain.PackageVersion, error), error) {
	ri, pkg, err := s.getPackage(ctx, tx, c, in.Package)
	if !in.IncludeFromUpstream || err != nil && (!errors.Is(err, domain.ErrNotFound) || ri.Repository.ID == 0) {
		return pkg, versionsOf(ctx, tx, pkg), err
	}
	notFound := err
	ref := s.normalize(in.Package)
	var sources []domain.Package
	if err == nil {
		sources = append(sources, pkg)
	}
	ups, err := upstreamOrder(ctx, tx, ri.Repository)
	if err != nil {
		return pkg, nil, err
	}
	for _, up := range ups {
		p, err := tx.Packages().Get(ctx, up.ID, ref.Format, ref.Namespace, ref.Package)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return pkg, nil, err
		}
		sources = append(sources, p)
	}
	if len(sources) == 0 {
		return pkg, nil, notFound
	}
	find := func(name string) (domain.PackageVersion, error) {
		for _, p := range sources {
			v, err := tx.Versions().Get(ctx, p.ID, name)
			if !errors.Is(err, domain.ErrNotFound) {
				return v, err
			}
		}
		return domain.PackageVersion{}, domain.NotFound(domain.ResPackageVersion, name, "Could not find version %s", name)
	}
	return sources[0], find, nil
}

// copyVersion inserts a copy of v, with its asset records, into a package.
func copyVersion(ctx context.Context, tx store.Tx, v domain.PackageVersion, packageID int64) error {
	assets, err := allAssets(ctx, tx, v.ID)
	if err != nil {
		return err
	}
	cp := v
	cp.ID, cp.PackageID = 0, packageID
	if err := tx.Versions().Create(ctx, &cp); err != nil {
		return err
	}
	for _, a := range assets {
		if err := tx.Assets().Add(ctx, cp.ID, a); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
