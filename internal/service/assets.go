package service

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// AssetDownload is an open asset. The caller closes Content.
type AssetDownload struct {
	Version VersionInfo
	Asset   domain.Asset
	Content blob.Object
}

// GetPackageVersionAsset opens one asset of a version. Archived and
// Disposed versions cannot be downloaded; revision, when given, must be
// the version's current revision.
func (s *Service) GetPackageVersionAsset(ctx context.Context, c Caller, ref PackageRef, version, assetName, revision string) (AssetDownload, error) {
	return s.openAsset(ctx, c, ref, version, assetName, func(vi VersionInfo) error {
		if revision != "" && revision != vi.Version.Revision {
			return domain.NotFound(domain.ResPackageVersion, version, "Package version %s has no revision %s", version, revision)
		}
		if st := vi.Version.Status; st == domain.StatusArchived || st == domain.StatusDisposed {
			return domain.Conflict(domain.ResPackageVersion, version, "Package version %s has status %s; its assets cannot be downloaded", version, st)
		}
		return nil
	})
}

// OpenAsset opens an asset whatever its version's status; formats apply
// their own rules about which statuses their clients may download.
func (s *Service) OpenAsset(ctx context.Context, c Caller, ref PackageRef, version, assetName string) (AssetDownload, error) {
	return s.openAsset(ctx, c, ref, version, assetName, func(VersionInfo) error { return nil })
}

// openAsset finds an asset, lets check refuse its version, and opens it.
func (s *Service) openAsset(ctx context.Context, c Caller, ref PackageRef, version, assetName string, check func(VersionInfo) error) (AssetDownload, error) {
	var out AssetDownload
	err := s.store.Read(ctx, func(tx store.Tx) error {
		vi, err := s.getVersion(ctx, tx, c, ref, version)
		if err != nil {
			return err
		}
		if err := check(vi); err != nil {
			return err
		}
		a, err := tx.Assets().Get(ctx, vi.Version.ID, assetName)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.NotFound(domain.ResAsset, assetName, "Asset %s not found in package version %s", assetName, version)
		}
		out = AssetDownload{Version: vi, Asset: a}
		return err
	})
	if err != nil {
		return out, err
	}
	return s.openContent(ctx, out)
}

// openContent opens the bytes of a download, and records the download
// (downloads.go): every download of a stored asset, by any format or the
// API, comes through here. Readers open outside the transaction: the
// bytes of a referenced blob are only removed after the reference is gone,
// and an open file stays readable after removal.
func (s *Service) openContent(ctx context.Context, out AssetDownload) (AssetDownload, error) {
	var err error
	out.Content, err = s.openBlob(ctx, out.Asset.SHA256, out.Asset.Size)
	if errors.Is(err, blob.ErrNotFound) {
		// Deleted between the read and the open.
		return out, domain.NotFound(domain.ResAsset, out.Asset.Name, "Asset %s not found in package version %s", out.Asset.Name, out.Version.Version.Version)
	}
	if err == nil {
		s.recordDownload(ctx, out.Version.Version)
	}
	return out, err
}

// openBlob opens the bytes of a digest of the given size wherever they
// are: in the database (store.InlineBlobs) or the blob store. It looks
// first where a publish today puts bytes of that size, then in the other
// place (bytes published before the inline size changed);
// blob.ErrNotFound when neither has them.
func (s *Service) openBlob(ctx context.Context, sha256 string, size int64) (blob.Object, error) {
	inlineFirst := size <= s.limits.InlineBlobBytes
	if inlineFirst {
		if o, err := s.openInline(ctx, sha256); !errors.Is(err, blob.ErrNotFound) {
			return o, err
		}
	}
	o, err := s.blobs.Open(ctx, sha256)
	if inlineFirst || !errors.Is(err, blob.ErrNotFound) {
		return o, err
	}
	return s.openInline(ctx, sha256)
}

// openInline reads the bytes the database keeps for sha256.
func (s *Service) openInline(ctx context.Context, sha256 string) (blob.Object, error) {
	var b []byte
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		b, err = tx.InlineBlobs().Get(ctx, sha256)
		return err
	})
	if errors.Is(err, domain.ErrNotFound) {
		return nil, blob.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return blob.NewBytes(b), nil
}
