package service

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// PublishUnfinished makes Published, in one transaction, each version of
// listed that is Unfinished (Maven: uploading maven-metadata.xml finishes
// the versions it lists). Versions not listed, missing or in another
// status are left alone. It reads the package's Unfinished versions, not
// every version listed, so a long list costs little. update, when not
// nil, edits the package's format state in the same transaction. It
// returns the versions it published.
func (s *Service) PublishUnfinished(ctx context.Context, c Caller, ref PackageRef, listed []string, update func(*domain.Package) error) (published []string, err error) {
	if err := s.authorizeData(ctx, c, "PutPackageMetadata", ref); err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(listed))
	for _, v := range listed {
		want[v] = true
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		published = published[:0]
		_, pkg, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		var finish []domain.PackageVersion
		p := store.Page{Limit: 1000}
		for {
			vs, next, err := tx.Versions().List(ctx, store.VersionFilter{PackageID: pkg.ID, Status: domain.StatusUnfinished}, p)
			if err != nil {
				return err
			}
			for _, v := range vs {
				if want[v.Version] {
					finish = append(finish, v)
				}
			}
			if next == "" {
				break
			}
			p.After = next
		}
		for _, v := range finish {
			v.Status = domain.StatusPublished
			v.PublishedTime = s.now().UTC()
			if err := tx.Versions().Update(ctx, v); err != nil {
				return err
			}
			published = append(published, v.Version)
		}
		if update != nil {
			if err := update(&pkg); err != nil {
				return err
			}
			if err := tx.Packages().Update(ctx, pkg); err != nil {
				return err
			}
		}
		if len(finish) == 0 {
			return nil
		}
		return s.packageChanged(ctx, tx, pkg, published)
	})
	return published, err
}

// VersionSplit says how SplitVersion divides a version's assets.
type VersionSplit struct {
	// Route names the version that takes an asset ("" = it stays).
	Route func(asset string) string
	// Status is the status of the versions the split creates.
	Status domain.Status
	// Update edits the version split, after its assets moved.
	Update func(v *domain.PackageVersion) error
}

// SplitVersion moves assets of a version into other versions of the same
// package, in one transaction: Maven's SNAPSHOT builds, where the files of
// earlier builds become versions of their own when a new build becomes
// current. A version that takes assets is created (with the split
// version's details and origin) when missing; one that exists keeps the
// assets it has. The bytes never leave the blob store.
func (s *Service) SplitVersion(ctx context.Context, c Caller, ref PackageRef, version string, split VersionSplit) error {
	if err := s.authorizeData(ctx, c, "PutPackageMetadata", ref); err != nil {
		return err
	}
	err := s.store.Write(ctx, func(tx store.Tx) error {
		vi, err := s.getVersion(ctx, tx, c, ref, version)
		if err != nil {
			return err
		}
		v := vi.Version
		assets, err := allAssets(ctx, tx, v.ID)
		if err != nil {
			return err
		}
		stay, moves := []domain.Asset{}, map[string][]domain.Asset{}
		var order []string
		for _, a := range assets {
			to := split.Route(a.Name)
			if to == "" || to == version {
				stay = append(stay, a)
				continue
			}
			if _, ok := moves[to]; !ok {
				order = append(order, to)
			}
			moves[to] = append(moves[to], a)
		}
		if len(moves) > 0 {
			// DeleteAll queues the digests; they are referenced again
			// below, and the collector checks references before deleting.
			if err := tx.Assets().DeleteAll(ctx, v.ID); err != nil {
				return err
			}
			for _, a := range stay {
				if err := tx.Assets().Add(ctx, v.ID, a); err != nil {
					return err
				}
			}
			for _, to := range order {
				if err := s.takeAssets(ctx, tx, v, to, split.Status, moves[to]); err != nil {
					return err
				}
			}
		}
		if split.Update != nil {
			if err := split.Update(&v); err != nil {
				return err
			}
		}
		v.Revision = revision(v, stay)
		if err := tx.Versions().Update(ctx, v); err != nil {
			return err
		}
		return s.packageChanged(ctx, tx, vi.Package, append([]string{version}, order...))
	})
	return err
}

// takeAssets gives assets moved out of version from to the version named
// to, creating it with status st when it does not exist.
func (s *Service) takeAssets(ctx context.Context, tx store.Tx, from domain.PackageVersion, to string, st domain.Status, assets []domain.Asset) error {
	if err := checkCoordinate(domain.FormatGeneric, "version", to, false); err != nil {
		return err
	}
	v, err := tx.Versions().Get(ctx, from.PackageID, to)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		v = from
		v.ID, v.Version, v.Status, v.Metadata = 0, to, st, nil
		if err := tx.Versions().Create(ctx, &v); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	for _, a := range assets {
		if _, err := tx.Assets().Get(ctx, v.ID, a.Name); err == nil {
			continue
		} else if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err := tx.Assets().Add(ctx, v.ID, a); err != nil {
			return err
		}
	}
	all, err := allAssets(ctx, tx, v.ID)
	if err != nil {
		return err
	}
	v.Revision = revision(v, all)
	return tx.Versions().Update(ctx, v)
}

// LookupAsset returns an asset's record and its version's status without
// opening its bytes (Maven answers checksum requests from the hashes).
func (s *Service) LookupAsset(ctx context.Context, c Caller, ref PackageRef, version, asset string) (domain.Asset, domain.Status, error) {
	res, err := s.resolve(ctx, c, ref, version, asset)
	if err != nil {
		return domain.Asset{}, "", err
	}
	return res.Asset, res.VersionStatus, nil
}
