package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// VersionInfo is a package version with its package and repository.
type VersionInfo struct {
	Repository RepositoryInfo
	Package    domain.Package
	Version    domain.PackageVersion
}

func versionNotFound(ref PackageRef, version string) error {
	return domain.NotFound(domain.ResPackageVersion, version, "Package version not found in repository. Repository: %s, Package = PackageCoordinate{packageType=%s, namespace=%s, packageName=%s}, Version: %s", ref.Repository, ref.Format, ref.Namespace, ref.Package, version)
}

func (s *Service) getVersion(ctx context.Context, tx store.Tx, c Caller, ref PackageRef, version string) (VersionInfo, error) {
	version = s.normalizeVersion(ref.Format, version)
	ri, p, err := s.getPackage(ctx, tx, c, ref)
	if err != nil {
		return VersionInfo{}, err
	}
	v, err := tx.Versions().Get(ctx, p.ID, version)
	if errors.Is(err, domain.ErrNotFound) {
		return VersionInfo{}, versionNotFound(ref, version)
	}
	return VersionInfo{Repository: ri, Package: p, Version: v}, err
}

// DescribePackageVersion returns one version.
func (s *Service) DescribePackageVersion(ctx context.Context, c Caller, ref PackageRef, version string) (info VersionInfo, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		info, err = s.getVersion(ctx, tx, c, ref, version)
		return err
	})
	return info, err
}

// ListVersionsInput filters ListPackageVersions.
type ListVersionsInput struct {
	Status     domain.Status
	OriginType domain.OriginType
	Sort       store.VersionSort
}

// VersionList is a page of versions.
type VersionList struct {
	Package               domain.Package
	Versions              []domain.PackageVersion
	DefaultDisplayVersion string
	Next                  string
}

// ListPackageVersions lists a package's versions. In version order, a
// package with versions from before sort keys existed gets their keys
// first (fillSortKeys), once.
func (s *Service) ListPackageVersions(ctx context.Context, c Caller, ref PackageRef, in ListVersionsInput, p store.Page) (out VersionList, err error) {
	out, unkeyed, err := s.listPackageVersions(ctx, c, ref, in, p, true)
	if err != nil || !unkeyed {
		return out, err
	}
	if err := s.fillSortKeys(ctx, out.Package); err != nil {
		return VersionList{}, err
	}
	out, _, err = s.listPackageVersions(ctx, c, ref, in, p, false)
	return out, err
}

// listPackageVersions lists; when check is set and the listing is in
// version order, it first reports whether the package has keyless
// versions (unkeyed, with out.Package set and nothing listed).
func (s *Service) listPackageVersions(ctx context.Context, c Caller, ref PackageRef, in ListVersionsInput, p store.Page, check bool) (out VersionList, unkeyed bool, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		_, pkg, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		out.Package = pkg
		if check && in.Sort == store.SortByVersionOrder {
			if unkeyed, err = tx.Versions().MissingSortKeys(ctx, pkg.ID); unkeyed || err != nil {
				return err
			}
		}
		if in.Status != domain.StatusDeleted {
			out.Versions, out.Next, err = tx.Versions().List(ctx, store.VersionFilter{PackageID: pkg.ID, Status: in.Status, OriginType: in.OriginType, Sort: in.Sort}, p)
			if err != nil {
				return err
			}
		}
		latest, _, err := tx.Versions().List(ctx, store.VersionFilter{PackageID: pkg.ID, Status: domain.StatusPublished, Sort: store.SortByPublishedTime}, store.Page{Limit: 1})
		if err == nil && len(latest) == 1 {
			out.DefaultDisplayVersion = latest[0].Version
		}
		// Formats with their own notion of it (npm's latest dist-tag) say so.
		if dv, ok := s.formatRules(pkg.Format).(DisplayVersioner); ok && err == nil {
			if v := dv.DefaultDisplayVersion(pkg); v != "" {
				out.DefaultDisplayVersion = v
			}
		}
		return err
	})
	return out, unkeyed, err
}

// AssetList is a page of a version's assets.
type AssetList struct {
	Version VersionInfo
	Assets  []domain.Asset
	Next    string
}

// ListPackageVersionAssets lists a version's assets.
func (s *Service) ListPackageVersionAssets(ctx context.Context, c Caller, ref PackageRef, version string, p store.Page) (out AssetList, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		if out.Version, err = s.getVersion(ctx, tx, c, ref, version); err != nil {
			return err
		}
		out.Assets, out.Next, err = tx.Assets().List(ctx, out.Version.Version.ID, p)
		return err
	})
	return out, err
}

// allAssets returns every asset of a version.
func allAssets(ctx context.Context, tx store.Tx, versionID int64) ([]domain.Asset, error) {
	var all []domain.Asset
	p := store.Page{Limit: 1000}
	for {
		as, next, err := tx.Assets().List(ctx, versionID, p)
		if err != nil {
			return nil, err
		}
		all = append(all, as...)
		if next == "" {
			return all, nil
		}
		p.After = next
	}
}

// revision derives a version's revision from its content: the asset list
// and the metadata. Equal content gives equal revisions; a status change
// leaves it alone.
func revision(v domain.PackageVersion, assets []domain.Asset) string {
	type assetKey struct{ Name, SHA256 string }
	keys := make([]assetKey, len(assets))
	for i, a := range assets {
		keys[i] = assetKey{a.Name, a.SHA256}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	b, _ := json.Marshal(struct {
		Assets                                                       []assetKey
		DisplayName, Summary, HomePage, SourceCodeRepository, Readme string
		Licenses                                                     []domain.License
		Dependencies                                                 []domain.Dependency
		Metadata                                                     []byte
	}{keys, v.DisplayName, v.Summary, v.HomePage, v.SourceCodeRepository, v.Readme, v.Licenses, v.Dependencies, v.Metadata})
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}
