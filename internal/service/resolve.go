package service

import (
	"context"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// resolve is the data plane's fast lookup: one store statement (no
// transaction, no upstreams) with the same authorization and the same
// not-found errors as getPackage / getVersion and an asset lookup.
// version and assetName may be "" (not looked up).
func (s *Service) resolve(ctx context.Context, c Caller, ref PackageRef, version, assetName string) (store.Resolution, error) {
	if err := checkRef(ref); err != nil {
		return store.Resolution{}, err
	}
	ref = s.normalize(ref)
	o, err := owner(c, ref.DomainOwner)
	if err != nil {
		return store.Resolution{}, err
	}
	res, err := s.store.Resolve(ctx, store.Lookup{
		Region: c.Region, Owner: o, Domain: ref.Domain, Repository: ref.Repository,
		Format: ref.Format, Namespace: ref.Namespace, Package: ref.Package,
		Version: version, Asset: assetName,
	})
	switch {
	case err != nil:
		return res, err
	case res.Found < store.FoundDomain:
		return res, domain.NotFound(domain.ResDomain, ref.Domain, "Domain not found. Domain: %s, Owner: %s", ref.Domain, o)
	case res.Found < store.FoundRepository:
		return res, domain.NotFound(domain.ResRepository, ref.Repository, "Repository not found. Repository: %s, Domain: %s", ref.Repository, ref.Domain)
	case res.Found < store.FoundPackage:
		return res, packageNotFound(ref)
	case version != "" && res.Found < store.FoundVersion:
		return res, versionNotFound(ref, version)
	case version != "" && assetName != "" && res.Found < store.FoundAsset:
		return res, domain.NotFound(domain.ResAsset, assetName, "Asset %s not found in package version %s", assetName, version)
	}
	return res, nil
}

// LookupPackage returns a package for a data-plane read, with one store
// statement and no transaction: cheaper than DescribePackage, whose
// authorization and errors it shares, but it returns only the package.
func (s *Service) LookupPackage(ctx context.Context, c Caller, ref PackageRef) (domain.Package, error) {
	res, err := s.resolve(ctx, c, ref, "", "")
	return res.Package, err
}

// OpenAssetFast is OpenAsset for a data-plane read: one store statement
// and no transaction. Like OpenAsset it opens the asset whatever its
// version's status (formats apply their rules). The download's Repository
// holds only the domain and repository IDs, and its Version only ID,
// PackageID, Version and Status.
func (s *Service) OpenAssetFast(ctx context.Context, c Caller, ref PackageRef, version, assetName string) (AssetDownload, error) {
	res, err := s.resolve(ctx, c, ref, version, assetName)
	if err != nil {
		return AssetDownload{}, err
	}
	out := AssetDownload{
		Version: VersionInfo{
			Repository: RepositoryInfo{Domain: domain.Domain{ID: res.DomainID}, Repository: domain.Repository{ID: res.RepositoryID, DomainID: res.DomainID}},
			Package:    res.Package,
			Version:    domain.PackageVersion{ID: res.VersionID, PackageID: res.Package.ID, Version: version, Status: res.VersionStatus},
		},
		Asset: res.Asset,
	}
	return s.openContent(ctx, out)
}
