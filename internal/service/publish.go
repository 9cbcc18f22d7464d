package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/store"
)

// defaultPublishOrigin is a package's origin configuration when its first
// version is published directly: publishing allowed, upstreams blocked.
var defaultPublishOrigin = domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowBlock}

// NewAsset is one file of a publish.
type NewAsset struct {
	Name    string
	Content io.Reader
	// SHA256 is the digest the client announced ("" = none); a mismatch is
	// a ValidationException.
	SHA256 string
	// Check verifies any other digest the format's client sent (npm's
	// integrity, PyPI's md5_digest...); its error is returned as is.
	Check func(hashing.Sums) error
}

// VersionMetadata is what a format reads from a published artifact.
type VersionMetadata struct {
	DisplayName, Summary, HomePage, SourceCodeRepository, Readme string
	Licenses                                                     []domain.License
	Dependencies                                                 []domain.Dependency
	Raw                                                          []byte // the format's own version document
}

// VersionPublish is a publish of one or more assets to a package version.
type VersionPublish struct {
	Package    PackageRef
	Version    string
	Assets     []NewAsset
	Metadata   *VersionMetadata // nil keeps what the version has
	Unfinished bool             // keep (or make) the version Unfinished
	// AddToPublished lets a Published version take new assets, for formats
	// whose versions grow after publication (PyPI wheels beside an sdist).
	AddToPublished bool
	// UpdatePackage edits package-level state (npm dist-tags) in the same
	// transaction as the publish.
	UpdatePackage func(*domain.Package) error
	// UpdateVersion edits the version in the same transaction, after its
	// assets and Metadata are applied, when the version takes the publish
	// (PyPI keeps per-file details in the version document).
	UpdateVersion func(*domain.PackageVersion) error
}

// PublishResult is what a publish produced.
type PublishResult struct {
	Repository RepositoryInfo
	Package    domain.Package
	Version    domain.PackageVersion
	Assets     []domain.Asset // in the order of the request
}

// PublishPackageVersion publishes one asset of a generic package version.
func (s *Service) PublishPackageVersion(ctx context.Context, c Caller, ref PackageRef, version string, asset NewAsset, unfinished bool) (PublishResult, error) {
	if ref.Format != domain.FormatGeneric {
		return PublishResult{}, domain.Invalid("PublishPackageVersion supports only the generic format, not %s", ref.Format)
	}
	if err := checkGenericAssetName(asset.Name); err != nil {
		return PublishResult{}, err
	}
	return s.PublishVersion(ctx, c, VersionPublish{Package: ref, Version: version, Assets: []NewAsset{asset}, Unfinished: unfinished})
}

// staged is an asset whose bytes are received but not yet committed: in
// memory (inline) when they fit Limits.InlineBlobBytes, otherwise in a blob
// upload (up).
type staged struct {
	up     blob.Upload
	inline []byte
	asset  domain.Asset
}

// PublishVersion streams each asset into memory or the blob store while
// hashing it, checks the digests, commits the uploaded bytes, then records
// everything, with the bytes kept inline, in one transaction. Nothing
// becomes visible unless every step succeeds.
func (s *Service) PublishVersion(ctx context.Context, c Caller, in VersionPublish) (PublishResult, error) {
	if err := s.authorizeData(ctx, c, "PublishPackageVersion", in.Package); err != nil {
		return PublishResult{}, err
	}
	if err := checkRef(in.Package); err != nil {
		return PublishResult{}, err
	}
	if err := checkCoordinate(in.Package.Format, "version", in.Version, false); err != nil {
		return PublishResult{}, err
	}
	in.Package = s.normalize(in.Package)
	// Fail fast on a missing domain or repository, or a publish the
	// origin controls refuse, before reading any body.
	ri, err := s.checkPublishOrigin(ctx, c, in.Package, in.Version)
	if err != nil {
		return PublishResult{}, err
	}

	var stage []staged
	defer func() {
		for _, st := range stage {
			if st.up != nil {
				st.up.Abort()
			}
		}
	}()
	for _, a := range in.Assets {
		st, err := s.stageAsset(ctx, a)
		stage = append(stage, st)
		if err != nil {
			return PublishResult{}, err
		}
	}

	var uploaded []string // digests of the bytes committed to the blob store
	for _, st := range stage {
		if st.up != nil {
			uploaded = append(uploaded, st.asset.SHA256)
		}
	}
	// Pin the uploaded digests before their bytes become visible, so no
	// collector, on any node, deletes them before the version references
	// them. Inline bytes need none: they appear with their reference.
	var pins []int64
	if len(uploaded) > 0 {
		if err := s.store.Write(ctx, func(tx store.Tx) error {
			pins = pins[:0]
			for _, d := range uploaded {
				id, err := tx.Orphans().Pin(ctx, d, s.now())
				if err != nil {
					return err
				}
				pins = append(pins, id)
			}
			return nil
		}); err != nil {
			return PublishResult{}, err
		}
	}
	var res PublishResult
	err = s.commitStaged(ctx, stage)
	if err == nil {
		err = s.store.Write(ctx, func(tx store.Tx) error {
			var err error
			if res, err = s.recordVersion(ctx, tx, ri, in, stage); err != nil {
				return err
			}
			return unpin(ctx, tx, pins)
		})
	}
	if err != nil {
		if len(uploaded) > 0 {
			// Whatever bytes were committed may be unreferenced: hand
			// them to the collector.
			if cerr := s.store.Write(ctx, func(tx store.Tx) error {
				for _, d := range uploaded {
					if err := tx.Orphans().Queue(ctx, d); err != nil {
						return err
					}
				}
				return unpin(ctx, tx, pins)
			}); cerr != nil {
				s.log.Error("releasing the bytes of a failed publish", "err", cerr)
			}
			s.WakeCollector()
		}
		return PublishResult{}, err
	}
	s.obs.Published(in.Package.Format)
	return res, nil
}

func (s *Service) commitStaged(ctx context.Context, stage []staged) error {
	for _, st := range stage {
		if st.up == nil {
			continue
		}
		if err := st.up.Commit(ctx, st.asset.SHA256); err != nil {
			return err
		}
	}
	return nil
}

func unpin(ctx context.Context, tx store.Tx, pins []int64) error {
	for _, id := range pins {
		if err := tx.Orphans().Unpin(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// spill receives an asset's bytes: in memory while they fit max, then,
// from the first byte beyond it, in a blob upload it opens.
type spill struct {
	ctx   context.Context
	blobs blob.Store
	max   int64
	buf   []byte
	up    blob.Upload
}

func (w *spill) Write(p []byte) (int, error) {
	if w.up == nil && int64(len(w.buf))+int64(len(p)) <= w.max {
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	if w.up == nil {
		up, err := w.blobs.NewUpload(w.ctx)
		if err != nil {
			return 0, err
		}
		w.up = up
		if _, err := up.Write(w.buf); err != nil {
			return 0, err
		}
		w.buf = nil
	}
	return w.up.Write(p)
}

// stageAsset receives one asset's bytes and checks its digests.
func (s *Service) stageAsset(ctx context.Context, a NewAsset) (staged, error) {
	w := &spill{ctx: ctx, blobs: s.blobs, max: s.limits.InlineBlobBytes}
	if w.max <= 0 { // never inline, not even an empty asset
		up, err := s.blobs.NewUpload(ctx)
		if err != nil {
			return staged{}, err
		}
		w.up = up
	}
	h := hashing.New()
	body := &readErrors{r: a.Content}
	limited := &io.LimitedReader{R: body, N: s.limits.MaxAssetBytes + 1}
	_, err := io.Copy(io.MultiWriter(w, h), limited)
	st := staged{up: w.up, inline: w.buf}
	if err != nil {
		if body.err != nil {
			// The client's side: it went away or stalled mid-body.
			return st, domain.Invalid("The content of asset %s could not be read completely: %v", a.Name, body.err)
		}
		return st, fmt.Errorf("receiving asset %s: %w", a.Name, err)
	}
	if st.up == nil && st.inline == nil {
		st.inline = []byte{} // an empty asset is kept inline too
	}
	sums := h.Sums()
	if sums.Size > s.limits.MaxAssetBytes {
		return st, domain.Invalid("Asset %s is larger than the maximum asset size of %d bytes", a.Name, s.limits.MaxAssetBytes)
	}
	if a.SHA256 != "" && a.SHA256 != sums.SHA256 {
		return st, domain.Invalid("The SHA256 hash of the asset content (%s) does not match the provided assetSHA256 (%s)", sums.SHA256, a.SHA256)
	}
	if a.Check != nil {
		if err := a.Check(sums); err != nil {
			return st, err
		}
	}
	st.asset = domain.Asset{Name: a.Name, Size: sums.Size, MD5: sums.MD5, SHA1: sums.SHA1, SHA256: sums.SHA256, SHA512: sums.SHA512}
	return st, nil
}

// recordVersion adds the staged assets to the version, creating package
// and version as needed, and enforces the publishing rules. ri is the
// repository the origin check found by name before the body was read: ids
// are never reused, so if it was deleted since, the package is gone with
// it and creating it again fails (NotFound); the write does not look the
// domain and repository up again.
func (s *Service) recordVersion(ctx context.Context, tx store.Tx, ri RepositoryInfo, in VersionPublish, stage []staged) (PublishResult, error) {
	ref := in.Package
	pkg, err := tx.Packages().Get(ctx, ri.Repository.ID, ref.Format, ref.Namespace, ref.Package)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		pkg = domain.Package{RepositoryID: ri.Repository.ID, Format: ref.Format, Namespace: ref.Namespace, Name: ref.Package, Origin: defaultPublishOrigin}
		if err := tx.Packages().Create(ctx, &pkg); errors.Is(err, domain.ErrNotFound) {
			return PublishResult{}, domain.NotFound(domain.ResRepository, ref.Repository, "Repository not found. Repository: %s, Domain: %s", ref.Repository, ref.Domain)
		} else if err != nil {
			return PublishResult{}, err
		}
	case err != nil:
		return PublishResult{}, err
	}
	if pkg.Origin.Publish == domain.AllowBlock {
		return PublishResult{}, publishBlocked(ref)
	}
	if err := s.cachedGroupAllows(ctx, tx, ri.Repository, ref, domain.RestrictPublish, false); err != nil {
		return PublishResult{}, err
	}

	v, err := tx.Versions().Get(ctx, pkg.ID, in.Version)
	complete := false // the version's row is final as created
	// A version takes new assets while it is Unfinished, a new version
	// takes its first ones, and some formats add files to Published ones.
	open := v.Status == domain.StatusUnfinished || (in.AddToPublished && v.Status == domain.StatusPublished)
	created := errors.Is(err, domain.ErrNotFound)
	if created {
		open = true
		v = domain.PackageVersion{
			PackageID: pkg.ID, Version: in.Version, Status: domain.StatusPublished,
			OriginType: domain.OriginInternal, EntryRepository: ri.Repository.Name, PublishedTime: s.now().UTC(),
			SortKey: s.versionSortKey(ref.Format)(in.Version), // the format is known: no package read to key it
		}
		if in.Unfinished {
			v.Status = domain.StatusUnfinished
		}
		// A new version whose assets have distinct names ends with
		// exactly those: its row is written once, complete.
		if complete = distinctNames(stage); complete {
			if err := applyVersionInput(&v, in); err != nil {
				return PublishResult{}, err
			}
			assets := make([]domain.Asset, len(stage))
			for i, st := range stage {
				assets[i] = st.asset
			}
			v.Revision = revision(v, assets)
		}
		if err := tx.Versions().Create(ctx, &v); err != nil {
			return PublishResult{}, err
		}
	} else if err != nil {
		return PublishResult{}, err
	}

	res := PublishResult{Repository: ri}
	added := false
	for i, st := range stage {
		var a domain.Asset
		var isNew bool
		if created && i == 0 {
			// The version was made just now: it has no asset to compare
			// with or count.
			a, isNew, err = st.asset, true, tx.Assets().Add(ctx, v.ID, st.asset)
		} else {
			a, isNew, err = s.addAsset(ctx, tx, v, open, st.asset)
		}
		if err != nil {
			return PublishResult{}, err
		}
		if isNew && st.up == nil {
			if err := tx.InlineBlobs().Put(ctx, a.SHA256, st.inline); err != nil {
				return PublishResult{}, err
			}
		}
		added = added || isNew
		res.Assets = append(res.Assets, a)
	}
	if !created && !added && !(v.Status == domain.StatusUnfinished && !in.Unfinished) {
		// An identical re-publish (a retry, or clients racing with the
		// same bytes): nothing changes, not even a revision.
		res.Package, res.Version = pkg, v
		return res, nil
	}
	if !complete {
		if open {
			if err := applyVersionInput(&v, in); err != nil {
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
	}
	if in.UpdatePackage != nil {
		if err := in.UpdatePackage(&pkg); err != nil {
			return PublishResult{}, err
		}
		if err := tx.Packages().Update(ctx, pkg); err != nil {
			return PublishResult{}, err
		}
	}
	res.Package, res.Version = pkg, v
	return res, nil
}

// applyVersionInput applies a publish's metadata and the format's edit to
// a version taking the publish.
func applyVersionInput(v *domain.PackageVersion, in VersionPublish) error {
	if m := in.Metadata; m != nil {
		v.DisplayName, v.Summary, v.HomePage, v.SourceCodeRepository, v.Readme = m.DisplayName, m.Summary, m.HomePage, m.SourceCodeRepository, m.Readme
		v.Licenses, v.Dependencies, v.Metadata = m.Licenses, m.Dependencies, m.Raw
	}
	if in.UpdateVersion != nil {
		return in.UpdateVersion(v)
	}
	return nil
}

// distinctNames reports whether no two staged assets share a name.
func distinctNames(stage []staged) bool {
	for i := range stage {
		for j := range i {
			if stage[i].asset.Name == stage[j].asset.Name {
				return false
			}
		}
	}
	return true
}

// addAsset records one asset of version v and reports whether it is new.
// open says whether v takes new assets; re-publishing identical bytes
// under an existing name is accepted (and adds nothing).
func (s *Service) addAsset(ctx context.Context, tx store.Tx, v domain.PackageVersion, open bool, asset domain.Asset) (domain.Asset, bool, error) {
	old, err := tx.Assets().Get(ctx, v.ID, asset.Name)
	switch {
	case err == nil && old.SHA256 != asset.SHA256:
		return asset, false, domain.Conflict(domain.ResAsset, asset.Name, "Asset %s already exists in package version %s with different content", asset.Name, v.Version)
	case err == nil && v.Status != domain.StatusPublished && v.Status != domain.StatusUnfinished:
		return asset, false, statusConflict(v)
	case err == nil:
		return old, false, nil // identical re-publish
	case !errors.Is(err, domain.ErrNotFound):
		return asset, false, err
	case !open:
		return asset, false, statusConflict(v)
	}
	n, err := tx.Assets().Count(ctx, v.ID)
	if err != nil {
		return asset, false, err
	}
	if n >= s.limits.AssetsPerVersion {
		return asset, false, domain.Quota(domain.ResPackageVersion, v.Version, "A package version can have at most %d assets", s.limits.AssetsPerVersion)
	}
	return asset, true, tx.Assets().Add(ctx, v.ID, asset)
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

// ErrVersionUpstream marks the conflict of a publish refused because an
// upstream has the version (formats that answer version conflicts their
// own way tell it apart).
var ErrVersionUpstream = errors.New("the version is available from an upstream")

func publishBlocked(ref PackageRef) error {
	return domain.Denied("Publishing is blocked for package %s in repository %s by its origin configuration (publish=BLOCK): "+
		"its versions come from upstreams. Change it with PutPackageOriginConfiguration", packageName(ref), ref.Repository)
}

// checkPublishOrigin applies the origin controls before a direct publish
// (CodeArtifact's defence against dependency substitution): a package
// whose origin configuration says publish=BLOCK takes no publish, and one
// that takes versions from upstreams (upstream=ALLOW) refuses a version
// that an upstream repository, or the registry behind an external
// connection, already has (409). A new package is not checked: its first
// publish sets upstream=BLOCK. It also fails on a missing domain or
// repository, and returns the repository.
func (s *Service) checkPublishOrigin(ctx context.Context, c Caller, ref PackageRef, version string) (RepositoryInfo, error) {
	var upstreamHas string
	var conn connectionSource
	var hasConn bool
	var ri RepositoryInfo
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var pkg domain.Package
		var err error
		ri, pkg, err = s.getPackage(ctx, tx, c, ref)
		if ri.Repository.ID != 0 {
			if err := s.cachedGroupAllows(ctx, tx, ri.Repository, s.normalize(ref), domain.RestrictPublish, true); err != nil {
				return err
			}
		}
		if errors.Is(err, domain.ErrNotFound) && ri.Repository.ID != 0 {
			return nil // a new package
		}
		if err != nil {
			return err
		}
		if pkg.Origin.Publish == domain.AllowBlock {
			return publishBlocked(ref)
		}
		if pkg.Origin.Upstream == domain.AllowBlock {
			return nil
		}
		if _, err := tx.Versions().Get(ctx, pkg.ID, version); err == nil || !errors.Is(err, domain.ErrNotFound) {
			return err // the repository has it: the publish rules decide
		}
		ups, err := upstreamOrder(ctx, tx, ri.Repository)
		if err != nil {
			return err
		}
		for _, up := range ups {
			p, err := tx.Packages().Get(ctx, up.ID, pkg.Format, pkg.Namespace, pkg.Name)
			if errors.Is(err, domain.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := tx.Versions().Get(ctx, p.ID, version); err == nil {
				upstreamHas = "upstream repository " + up.Name
				return nil
			} else if !errors.Is(err, domain.ErrNotFound) {
				return err
			}
		}
		conn, hasConn, err = s.findConnection(ctx, tx, s.normalize(ref), append([]domain.Repository{ri.Repository}, ups...))
		return err
	})
	if err != nil {
		return ri, err
	}
	if upstreamHas == "" && hasConn {
		if rp, _ := s.remotePackage(ctx, conn.name, s.normalize(ref)); rp.Version(version) != nil {
			upstreamHas = "external connection " + conn.name
		}
	}
	if upstreamHas != "" {
		return ri, &domain.Error{Kind: domain.ErrConflict, Err: ErrVersionUpstream, ResourceType: domain.ResPackageVersion, ResourceID: version,
			Msg: fmt.Sprintf("Version %s of package %s is available from %s: a package whose origin configuration "+
				"allows upstreams (upstream=ALLOW) cannot take a direct publish of a version an upstream has", version, packageName(ref), upstreamHas)}
	}
	return ri, nil
}

// readErrors remembers the error of the reader it wraps, telling a
// client's failure (a broken or stalled body) from the server's.
type readErrors struct {
	r   io.Reader
	err error
}

func (r *readErrors) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}
