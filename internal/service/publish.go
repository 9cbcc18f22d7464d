package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/store"
)

// defaultPublishOrigin is a package's origin configuration when its first
// version is published directly: publishing allowed, upstreams blocked.
var defaultPublishOrigin = domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowBlock}

// AssetUpload is one asset published to a package version.
type AssetUpload struct {
	Package    PackageRef
	Version    string
	AssetName  string
	Content    io.Reader
	SHA256     string // expected lowercase hex digest; "" = not checked
	Unfinished bool   // keep (or make) the version Unfinished
}

// PublishResult is what a publish produced.
type PublishResult struct {
	Package domain.Package
	Version domain.PackageVersion
	Asset   domain.Asset
}

// PublishPackageVersion publishes one asset of a generic package version.
func (s *Service) PublishPackageVersion(ctx context.Context, c Caller, in AssetUpload) (PublishResult, error) {
	if in.Package.Format != domain.FormatGeneric {
		return PublishResult{}, domain.Invalid("PublishPackageVersion supports only the generic format, not %s", in.Package.Format)
	}
	if err := checkGenericAssetName(in.AssetName); err != nil {
		return PublishResult{}, err
	}
	return s.publishAsset(ctx, c, in)
}

// publishAsset streams the content into the blob store while hashing it,
// checks the digest, then records the asset in one transaction. Nothing
// becomes visible unless every step succeeds.
func (s *Service) publishAsset(ctx context.Context, c Caller, in AssetUpload) (PublishResult, error) {
	if err := checkNamespace(in.Package.Format, in.Package.Namespace); err != nil {
		return PublishResult{}, err
	}
	in.Package = normalize(in.Package)
	// Fail fast on a missing domain or repository, before reading the body.
	if err := s.store.Read(ctx, func(tx store.Tx) error {
		_, _, err := getRepository(ctx, tx, c, in.Package.Domain, in.Package.DomainOwner, in.Package.Repository)
		return err
	}); err != nil {
		return PublishResult{}, err
	}

	up, err := s.blobs.NewUpload(ctx)
	if err != nil {
		return PublishResult{}, err
	}
	defer up.Abort()
	h := hashing.New()
	limited := &io.LimitedReader{R: in.Content, N: s.limits.MaxAssetBytes + 1}
	if _, err := io.Copy(io.MultiWriter(up, h), limited); err != nil {
		return PublishResult{}, fmt.Errorf("receiving asset: %w", err)
	}
	sums := h.Sums()
	if sums.Size > s.limits.MaxAssetBytes {
		return PublishResult{}, domain.Invalid("Asset %s is larger than the maximum asset size of %d bytes", in.AssetName, s.limits.MaxAssetBytes)
	}
	if in.SHA256 != "" && in.SHA256 != sums.SHA256 {
		return PublishResult{}, domain.Invalid("The SHA256 hash of the asset content (%s) does not match the provided assetSHA256 (%s)", sums.SHA256, in.SHA256)
	}
	asset := domain.Asset{Name: in.AssetName, Size: sums.Size, MD5: sums.MD5, SHA1: sums.SHA1, SHA256: sums.SHA256, SHA512: sums.SHA512}

	unlock := s.lockBlob(asset.SHA256)
	defer unlock()
	if err := up.Commit(ctx, asset.SHA256); err != nil {
		return PublishResult{}, err
	}
	var res PublishResult
	err = s.store.Write(ctx, func(tx store.Tx) error {
		var err error
		res, err = s.recordAsset(ctx, tx, c, in, asset)
		return err
	})
	if err != nil {
		// The bytes may now be unreferenced; the lock is still held, so no
		// other publish can have started referencing them.
		if cerr := s.removeIfUnreferenced(ctx, asset.SHA256); cerr != nil {
			s.log.Error("removing bytes of a failed publish", "sha256", asset.SHA256, "err", cerr)
		}
		return PublishResult{}, err
	}
	return res, nil
}

// removeIfUnreferenced deletes a blob nothing references. The caller holds
// the digest's lock.
func (s *Service) removeIfUnreferenced(ctx context.Context, sha256 string) error {
	var used bool
	if err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		used, err = tx.Orphans().Referenced(ctx, sha256)
		return err
	}); err != nil || used {
		return err
	}
	return s.blobs.Delete(ctx, sha256)
}

// recordAsset adds the asset to the version, creating package and version
// as needed, and enforces the publishing rules.
func (s *Service) recordAsset(ctx context.Context, tx store.Tx, c Caller, in AssetUpload, asset domain.Asset) (PublishResult, error) {
	ref := in.Package
	ri, pkg, err := getPackage(ctx, tx, c, ref)
	switch {
	case errors.Is(err, domain.ErrNotFound) && ri.Repository.ID != 0:
		pkg = domain.Package{RepositoryID: ri.Repository.ID, Format: ref.Format, Namespace: ref.Namespace, Name: ref.Package, Origin: defaultPublishOrigin}
		if err := tx.Packages().Create(ctx, &pkg); err != nil {
			return PublishResult{}, err
		}
	case err != nil:
		return PublishResult{}, err
	}
	if pkg.Origin.Publish == domain.AllowBlock {
		return PublishResult{}, domain.Denied("Publishing is blocked for package %s by its origin configuration (publish=BLOCK)", ref.Package)
	}

	v, err := tx.Versions().Get(ctx, pkg.ID, in.Version)
	// A version takes new assets while it is Unfinished, and a new version
	// takes its first one.
	open := v.Status == domain.StatusUnfinished
	if errors.Is(err, domain.ErrNotFound) {
		open = true
		v = domain.PackageVersion{
			PackageID: pkg.ID, Version: in.Version, Status: domain.StatusPublished,
			OriginType: domain.OriginInternal, EntryRepository: ri.Repository.Name, PublishedTime: s.now().UTC(),
		}
		if in.Unfinished {
			v.Status = domain.StatusUnfinished
		}
		if err := tx.Versions().Create(ctx, &v); err != nil {
			return PublishResult{}, err
		}
	} else if err != nil {
		return PublishResult{}, err
	}

	old, err := tx.Assets().Get(ctx, v.ID, asset.Name)
	switch {
	case err == nil && old.SHA256 != asset.SHA256:
		return PublishResult{}, domain.Conflict(domain.ResAsset, asset.Name, "Asset %s already exists in package version %s with different content", asset.Name, in.Version)
	case err == nil && v.Status != domain.StatusPublished && v.Status != domain.StatusUnfinished:
		return PublishResult{}, statusConflict(v)
	case err == nil:
		// Identical re-publish: nothing changes, except that a final
		// publish of an Unfinished version completes it.
		asset = old
	case !errors.Is(err, domain.ErrNotFound):
		return PublishResult{}, err
	case !open:
		return PublishResult{}, statusConflict(v)
	default:
		n, err := tx.Assets().Count(ctx, v.ID)
		if err != nil {
			return PublishResult{}, err
		}
		if n >= s.limits.AssetsPerVersion {
			return PublishResult{}, domain.Quota(domain.ResPackageVersion, in.Version, "A package version can have at most %d assets", s.limits.AssetsPerVersion)
		}
		if err := tx.Assets().Add(ctx, v.ID, asset); err != nil {
			return PublishResult{}, err
		}
	}
	if v.Status == domain.StatusUnfinished && !in.Unfinished {
		v.Status = domain.StatusPublished
		v.PublishedTime = s.now().UTC()
	}
	assets, err := allAssets(ctx, tx, v.ID)
	if err != nil {
		return PublishResult{}, err
	}
	v.Revision = revision(v, assets)
	if err := tx.Versions().Update(ctx, v); err != nil {
		return PublishResult{}, err
	}
	return PublishResult{Package: pkg, Version: v, Asset: asset}, nil
}

func statusConflict(v domain.PackageVersion) error {
	return domain.Conflict(domain.ResPackageVersion, v.Version, "Package version %s has status %s and cannot accept new assets", v.Version, v.Status)
}

// checkGenericAssetName applies the generic format's asset-name rules:
// letters, digits and ~!@^&()-_+[]{};,. and single inner spaces.
func checkGenericAssetName(name string) error {
	bad := func(why string) error { return domain.Invalid("Invalid asset name %q: %s", name, why) }
	if name == "." || name == ".." {
		return bad("'.' and '..' are not allowed")
	}
	if strings.HasPrefix(name, " ") || strings.HasSuffix(name, " ") || strings.Contains(name, "  ") {
		return bad("spaces may not lead, trail or repeat")
	}
	for _, r := range name {
		switch {
		case r == ' ' || strings.ContainsRune("~!@^&()-_+[]{};,.", r):
		case unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.Lt, unicode.Lu, unicode.Nl, unicode.Nd):
		default:
			return bad(fmt.Sprintf("character %q is not allowed", r))
		}
	}
	return nil
}
