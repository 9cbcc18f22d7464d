package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/upstream"
)

// External is how the service reaches the registries behind external
// connections.
type External struct {
	Client *upstream.Client
	// Formats are the formats that can be fetched through a connection.
	Formats map[domain.Format]RemoteFormat
	// TempDir holds files while they are fetched (in the data directory).
	TempDir string
}

// fetchTimeout bounds one file's whole fetch.
const fetchTimeout = time.Hour

// UseExternal lets repositories with an external connection fetch from
// its registry. Without it (or for a connection with no URL) they serve
// only what they keep.
func (s *Service) UseExternal(e External) {
	s.ext = e
	s.fetches = map[string]*fetch{}
}

// connectionSource is the repository, among those a read searches, whose
// external connection it asks: the first in resolution order with a
// connection for the package's format, unless its own package blocks
// upstreams.
type connectionSource struct {
	repo domain.Repository
	name string // the connection
}

// findConnection returns the connection a read of ref through r asks
// (ok false when none). searched is r followed by its upstreams in
// resolution order.
func (s *Service) findConnection(ctx context.Context, tx store.Tx, ref PackageRef, searched []domain.Repository) (connectionSource, bool, error) {
	if s.ext.Formats[ref.Format] == nil {
		return connectionSource{}, false, nil
	}
	for _, r := range searched {
		if r.ExternalConnection == "" {
			continue
		}
		if f, _ := ExternalConnectionFormat(r.ExternalConnection); f != ref.Format {
			continue
		}
		p, err := tx.Packages().Get(ctx, r.ID, ref.Format, ref.Namespace, ref.Package)
		if err == nil && p.Origin.Upstream == domain.AllowBlock {
			return connectionSource{}, false, nil
		}
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return connectionSource{}, false, err
		}
		// Package groups: the connection's repository must be allowed to
		// ingest (EXTERNAL_UPSTREAM), and the repository asked, when it
		// is another, to retain from it (INTERNAL_UPSTREAM).
		if ok, err := groupPermits(ctx, tx, r, ref, domain.RestrictExternalUpstream); !ok || err != nil {
			return connectionSource{}, false, err
		}
		if r.ID != searched[0].ID {
			if ok, err := groupPermits(ctx, tx, searched[0], ref, domain.RestrictInternalUpstream); !ok || err != nil {
				return connectionSource{}, false, err
			}
		}
		return connectionSource{repo: r, name: r.ExternalConnection}, true, nil
	}
	return connectionSource{}, false, nil
}

// remotePackage reads a package's listing through a connection: nil when
// the connection has no URL, the upstream does not have the package, or
// the upstream failed with no copy to fall back on (logged: the reader is
// served what the repositories keep). stale says the upstream failed and
// this is the last listing it gave.
func (s *Service) remotePackage(ctx context.Context, conn string, ref PackageRef) (rp *RemotePackage, stale bool) {
	rf := s.ext.Formats[ref.Format]
	if _, ok := s.ext.Client.Connection(conn); !ok {
		s.ext.Client.NoURL(conn, packageName(ref))
		return nil, false
	}
	path, accept := rf.MetadataRequest(ref.Namespace, ref.Package)
	got, err := s.ext.Client.Metadata(ctx, conn, path, accept, func(d upstream.Document) (any, error) {
		return rf.ParseMetadata(d.Body, d.ContentType, d.URL, ref.Namespace, ref.Package)
	})
	if err != nil {
		if !errors.Is(err, upstream.ErrNotFound) && ctx.Err() == nil {
			s.log.Warn("external connection unavailable: serving what the repositories keep", "connection", conn, "package", packageName(ref), "err", err)
		}
		return nil, false
	}
	return got.Value.(*RemotePackage), got.Stale
}

func packageName(ref PackageRef) string {
	if ref.Namespace == "" {
		return string(ref.Format) + ":" + ref.Package
	}
	return string(ref.Format) + ":" + ref.Namespace + "/" + ref.Package
}

// externalSource is the PackageSource of a connection's listing. A stale
// listing (the upstream is failing) lists no versions: one not kept could
// not be fetched, and a client choosing it would fail where a kept one
// works; its tags still count.
func externalSource(conn connectionSource, ref PackageRef, rp *RemotePackage, stale bool) PackageSource {
	src := PackageSource{Repository: conn.repo.Name, External: conn.name, Remote: rp,
		Package: domain.Package{Format: ref.Format, Namespace: ref.Namespace, Name: ref.Package}}
	if stale {
		return src
	}
	for _, rv := range rp.Versions {
		src.Versions = append(src.Versions, rv.asVersion(conn.name))
	}
	return src
}

// OpenThroughUpstreams opens an asset as a package manager fetching it
// through the repository gets it: from the repository; else retained
// from an upstream repository (FetchFromUpstreams); else fetched through
// the external connection of the repositories searched, and kept both in
// the repository holding the connection and in this one. In that last
// case Content is a blob.Stream that delivers the bytes as they arrive.
// Like OpenAssetFast it applies no status rule to a stored version.
func (s *Service) OpenThroughUpstreams(ctx context.Context, c Caller, ref PackageRef, version, asset string, usable func(domain.Status) bool) (AssetDownload, error) {
	dl, err := s.OpenAssetFast(ctx, c, ref, version, asset)
	if !missingInRepository(err) {
		return dl, err
	}
	if s.FetchFromUpstreams(ctx, c, ref, version, usable) {
		if dl, err = s.OpenAssetFast(ctx, c, ref, version, asset); !missingInRepository(err) {
			return dl, err
		}
	}
	if s.ext.Client == nil {
		return dl, err
	}
	got, ferr := s.fetchExternal(ctx, c, ref, version, asset)
	switch {
	case ferr == nil:
		return got, nil
	case errors.Is(ferr, errNotExternal):
		return dl, err
	}
	return got, ferr
}

// missingInRepository reports whether err says the package, the version
// or the asset is missing (not the domain or the repository).
func missingInRepository(err error) bool {
	var de *domain.Error
	return errors.Is(err, domain.ErrNotFound) && errors.As(err, &de) &&
		de.ResourceType != domain.ResDomain && de.ResourceType != domain.ResRepository
}

// errNotExternal: no connection can provide the asset (the caller keeps
// its own not-found).
var errNotExternal = errors.New("not available through an external connection")

// fetch is one file being fetched through a connection, shared by every
// request for it on this node.
type fetch struct {
	ready  chan struct{} // closed once spool is set or the fetch ended without one
	done   chan struct{} // closed when the fetch ended
	spool  *upstream.Spool
	err    error
	target int64 // the repository that keeps the file besides the connection's
}

// fetchExternal serves an asset through the connection, starting or
// joining its fetch.
func (s *Service) fetchExternal(ctx context.Context, c Caller, ref PackageRef, version, asset string) (AssetDownload, error) {
	ref = s.normalize(ref)
	var target domain.Repository
	var conn connectionSource
	var found bool
	err := s.store.Read(ctx, func(tx store.Tx) error {
		ri, own, err := s.getPackage(ctx, tx, c, ref)
		if err != nil && !errors.Is(err, domain.ErrNotFound) || ri.Repository.ID == 0 {
			return err
		}
		if err == nil && own.Origin.Upstream == domain.AllowBlock {
			return nil
		}
		target = ri.Repository
		ups, err := upstreamOrder(ctx, tx, ri.Repository)
		if err != nil {
			return err
		}
		conn, found, err = s.findConnection(ctx, tx, ref, append([]domain.Repository{ri.Repository}, ups...))
		return err
	})
	if err != nil {
		return AssetDownload{}, err
	}
	if !found {
		return AssetDownload{}, errNotExternal
	}
	// The connection's repository may keep the file already (a version
	// gaining files one at a time): no need to ask the registry.
	if kept, err := s.keptAsset(ctx, conn.repo.ID, ref, version, asset); err != nil {
		return AssetDownload{}, err
	} else if kept.SHA256 != "" && target.ID != conn.repo.ID {
		if err := s.keepFromConnection(ctx, ref, conn, target, version, kept); err != nil {
			return AssetDownload{}, err
		}
		return s.OpenAssetFast(ctx, c, ref, version, asset)
	}
	rp, _ := s.remotePackage(ctx, conn.name, ref)
	rv := rp.Version(version)
	if rv == nil {
		return AssetDownload{}, errNotExternal
	}
	file, ok := rv.file(asset)
	if !ok {
		return AssetDownload{}, errNotExternal
	}

	key := fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%s\x00%s", conn.repo.ID, ref.Format, ref.Namespace, ref.Package, version, asset)
	s.fetchMu.Lock()
	f, joined := s.fetches[key]
	if !joined {
		f = &fetch{ready: make(chan struct{}), done: make(chan struct{}), target: target.ID}
		s.fetches[key] = f
		go s.runFetch(key, f, ref, conn, target, rv, asset, file)
	}
	s.fetchMu.Unlock()

	if f.target != target.ID {
		// The fetch keeps the file for another repository: once it is
		// kept in the connection's, keep it in this one from there.
		select {
		case <-f.done:
		case <-ctx.Done():
			return AssetDownload{}, ctx.Err()
		}
		if f.err != nil {
			return AssetDownload{}, f.err
		}
		kept, err := s.keptAsset(ctx, conn.repo.ID, ref, version, asset)
		if err != nil || kept.SHA256 == "" {
			return AssetDownload{}, errors.Join(err, errNotExternal)
		}
		if err := s.keepFromConnection(ctx, ref, conn, target, version, kept); err != nil {
			return AssetDownload{}, err
		}
		return s.OpenAssetFast(ctx, c, ref, version, asset)
	}
	select {
	case <-f.ready:
	case <-ctx.Done():
		return AssetDownload{}, ctx.Err()
	}
	if f.spool != nil {
		if r, err := f.spool.NewReader(); err == nil {
			return AssetDownload{
				Version: VersionInfo{Version: rv.asVersion(conn.name)},
				Asset:   domain.Asset{Name: asset, Size: f.spool.Size()},
				Content: &streamObject{SpoolReader: r, size: f.spool.Size()},
			}, nil
		}
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return AssetDownload{}, ctx.Err()
	}
	if f.err != nil {
		return AssetDownload{}, f.err
	}
	return s.OpenAssetFast(ctx, c, ref, version, asset)
}

// streamObject is a file being fetched, as a blob.Stream.
type streamObject struct {
	*upstream.SpoolReader
	size int64
}

func (o *streamObject) Size() int64 { return o.size }
func (o *streamObject) Streaming()  {}
func (o *streamObject) Seek(int64, int) (int64, error) {
	return 0, errors.New("a file being fetched cannot seek")
}

var _ blob.Stream = (*streamObject)(nil)

// runFetch fetches one file through a connection and keeps it, then ends
// the fetch (waking every request that waits on it).
func (s *Service) runFetch(key string, f *fetch, ref PackageRef, conn connectionSource, target domain.Repository, rv *RemoteVersion, asset string, file RemoteFile) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	err := s.fetchAndKeep(ctx, f, ref, conn, target, rv, asset, file)
	if err != nil {
		s.log.Error("fetching through an external connection", "connection", conn.name, "package", packageName(ref), "version", rv.Version, "file", asset, "err", err)
		err = domain.Unavailable("Could not fetch %s %s from %s: %v", packageName(ref), rv.Version, conn.name, err)
	}
	s.fetchMu.Lock()
	delete(s.fetches, key)
	s.fetchMu.Unlock()
	f.err = err
	if f.spool != nil {
		f.spool.Finish(err)
		f.spool.Remove()
	}
	select {
	case <-f.ready:
	default:
		close(f.ready)
	}
	close(f.done)
}

// fetchAndKeep does a fetch's work. When several nodes share the store,
// only the one that leads the file's fetch asks the upstream; the others
// wait for the file to be kept and retain it from the connection's
// repository.
func (s *Service) fetchAndKeep(ctx context.Context, f *fetch, ref PackageRef, conn connectionSource, target domain.Repository, rv *RemoteVersion, asset string, file RemoteFile) error {
	if l, shared := s.store.(store.Leader); shared {
		job := fmt.Sprintf("fetch:%d/%s/%s/%s/%s/%s", conn.repo.ID, ref.Format, ref.Namespace, ref.Package, rv.Version, asset)
		for {
			release, ok, err := l.TryLead(ctx, job)
			if err != nil {
				return err
			}
			if ok {
				defer release()
				break
			}
			// Another node fetches it: wait until it is kept there.
			kept, err := s.keptAsset(ctx, conn.repo.ID, ref, rv.Version, asset)
			if err != nil {
				return err
			}
			if kept.SHA256 != "" {
				return s.keepFromConnection(ctx, ref, conn, target, rv.Version, kept)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		// Kept by another node between our look and our lead?
		if kept, err := s.keptAsset(ctx, conn.repo.ID, ref, rv.Version, asset); err != nil || kept.SHA256 != "" {
			if err != nil {
				return err
			}
			return s.keepFromConnection(ctx, ref, conn, target, rv.Version, kept)
		}
	}

	if file.SHA1At != nil {
		sha1, err := s.publishedSHA1(ctx, conn.name, file.SHA1At)
		if err != nil {
			return err
		}
		file.SHA1 = sha1
	}
	resp, err := s.ext.Client.Open(ctx, conn.name, file.URL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	size := resp.ContentLength
	if file.Size >= 0 && size >= 0 && file.Size != size {
		return fmt.Errorf("the upstream sent %d bytes where its metadata promises %d", size, file.Size)
	}
	if size < 0 {
		size = file.Size
	}
	if size > s.limits.MaxAssetBytes {
		return fmt.Errorf("the file is larger than the maximum asset size of %d bytes", s.limits.MaxAssetBytes)
	}
	spool, err := upstream.NewSpool(s.ext.TempDir, size)
	if err != nil {
		return err
	}
	f.spool = spool
	close(f.ready)

	up, err := s.blobs.NewUpload(ctx)
	if err != nil {
		return err
	}
	defer up.Abort()
	h := hashing.New()
	body := &io.LimitedReader{R: resp.Body, N: s.limits.MaxAssetBytes + 1}
	if _, err := io.Copy(io.MultiWriter(spool, up, h), body); err != nil {
		return fmt.Errorf("receiving the file: %w", err)
	}
	sums := h.Sums()
	if sums.Size > s.limits.MaxAssetBytes {
		return fmt.Errorf("the file is larger than the maximum asset size of %d bytes", s.limits.MaxAssetBytes)
	}
	if !file.check(sums) {
		return fmt.Errorf("integrity check failed: the bytes (sha256 %s, %d bytes) do not match the upstream's metadata; nothing was kept", sums.SHA256, sums.Size)
	}
	a := domain.Asset{Name: asset, Size: sums.Size, MD5: sums.MD5, SHA1: sums.SHA1, SHA256: sums.SHA256, SHA512: sums.SHA512}
	return s.commitKept(ctx, up, ref, conn, target, rv, a, spool.File())
}

// publishedSHA1 reads the SHA-1 an upstream publishes beside a file:
// lowercase hex, optionally followed by the file's name (as some tools
// write it). A file without one is not kept: its bytes could not be
// checked.
func (s *Service) publishedSHA1(ctx context.Context, conn string, u *url.URL) (string, error) {
	resp, err := s.ext.Client.Open(ctx, conn, u)
	if err != nil {
		return "", fmt.Errorf("reading the upstream's SHA-1 of the file: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return "", fmt.Errorf("reading the upstream's SHA-1 of the file: %w", err)
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 || !isHex(fields[0], 40) {
		return "", fmt.Errorf("the upstream's SHA-1 of the file (%s) is not a SHA-1", u.Redacted())
	}
	return strings.ToLower(fields[0]), nil
}

// isHex reports whether s is n lowercase or uppercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// commitKept makes fetched bytes an asset of the version in the
// connection's repository and in the repository the client asked, with
// the same pin protocol as a publish.
func (s *Service) commitKept(ctx context.Context, up blob.Upload, ref PackageRef, conn connectionSource, target domain.Repository, rv *RemoteVersion, a domain.Asset, content *os.File) error {
	var pin int64
	if err := s.store.Write(ctx, func(tx store.Tx) error {
		var err error
		pin, err = tx.Orphans().Pin(ctx, a.SHA256, s.now())
		return err
	}); err != nil {
		return err
	}
	err := up.Commit(ctx, a.SHA256)
	if err == nil {
		repos := []int64{conn.repo.ID}
		if target.ID != conn.repo.ID {
			repos = append(repos, target.ID)
		}
		err = s.store.Write(ctx, func(tx store.Tx) error {
			sums := hashing.Sums{Size: a.Size, MD5: a.MD5, SHA1: a.SHA1, SHA256: a.SHA256, SHA512: a.SHA512}
			keepFile := func(v *domain.PackageVersion) error {
				return s.ext.Formats[ref.Format].KeepFile(v, rv, a.Name, sums, content, a.Size)
			}
			if err := s.keep(ctx, tx, ref, conn.name, repos, rv, a, keepFile); err != nil {
				return err
			}
			return unpin(ctx, tx, []int64{pin})
		})
	}
	if err != nil {
		if cerr := s.store.Write(ctx, func(tx store.Tx) error {
			if err := tx.Orphans().Queue(ctx, a.SHA256); err != nil {
				return err
			}
			return unpin(ctx, tx, []int64{pin})
		}); cerr != nil {
			s.log.Error("releasing the bytes of a failed fetch", "err", cerr)
		}
	}
	return err
}

// keptAsset returns the asset as the repository keeps it (zero when not).
func (s *Service) keptAsset(ctx context.Context, repoID int64, ref PackageRef, version, asset string) (domain.Asset, error) {
	var a domain.Asset
	err := s.store.Read(ctx, func(tx store.Tx) error {
		p, err := tx.Packages().Get(ctx, repoID, ref.Format, ref.Namespace, ref.Package)
		if err != nil {
			return err
		}
		v, err := tx.Versions().Get(ctx, p.ID, version)
		if err != nil {
			return err
		}
		a, err = tx.Assets().Get(ctx, v.ID, asset)
		return err
	})
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Asset{}, nil
	}
	return a, err
}

// keepFromConnection makes a file that the connection's repository
// keeps (fetched earlier, or by another node) an asset of the version in
// the repository the client asked too, described as it is kept there.
func (s *Service) keepFromConnection(ctx context.Context, ref PackageRef, conn connectionSource, target domain.Repository, version string, a domain.Asset) error {
	if target.ID == conn.repo.ID {
		return nil
	}
	return s.store.Write(ctx, func(tx store.Tx) error {
		p, err := tx.Packages().Get(ctx, conn.repo.ID, ref.Format, ref.Namespace, ref.Package)
		if err != nil {
			return err
		}
		kv, err := tx.Versions().Get(ctx, p.ID, version)
		if err != nil {
			return err
		}
		rv := &RemoteVersion{Version: kv.Version, Metadata: VersionMetadata{
			DisplayName: kv.DisplayName, Summary: kv.Summary, HomePage: kv.HomePage, SourceCodeRepository: kv.SourceCodeRepository,
			Readme: kv.Readme, Licenses: kv.Licenses, Dependencies: kv.Dependencies, Raw: kv.Metadata,
		}}
		return s.keep(ctx, tx, ref, conn.name, []int64{target.ID}, rv, a, func(v *domain.PackageVersion) error {
			v.Metadata = kv.Metadata
			return nil
		})
	})
}

// keep records a fetched file in each repository of repos: the package
// (created with publish=BLOCK, upstream=ALLOW, as for any package first
// ingested from outside) and the version (EXTERNAL, entered through the
// connection) are made as needed, and describe sets the version's
// document. A repository whose package now blocks upstreams, or whose
// version is no longer Published or Unlisted, keeps nothing.
func (s *Service) keep(ctx context.Context, tx store.Tx, ref PackageRef, conn string, repos []int64, rv *RemoteVersion, a domain.Asset, describe func(*domain.PackageVersion) error) error {
	for _, repoID := range repos {
		pkg, err := tx.Packages().Get(ctx, repoID, ref.Format, ref.Namespace, ref.Package)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			pkg = domain.Package{RepositoryID: repoID, Format: ref.Format, Namespace: ref.Namespace, Name: ref.Package, Origin: retainedOrigin}
			if err := tx.Packages().Create(ctx, &pkg); err != nil {
				return err
			}
		case err != nil:
			return err
		case pkg.Origin.Upstream == domain.AllowBlock:
			continue
		}
		v, err := tx.Versions().Get(ctx, pkg.ID, rv.Version)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			v = rv.asVersion(conn)
			v.PackageID = pkg.ID
			v.PublishedTime = s.now().UTC()
			if err := tx.Versions().Create(ctx, &v); err != nil {
				return err
			}
		case err != nil:
			return err
		case v.Status != domain.StatusPublished && v.Status != domain.StatusUnlisted:
			continue
		}
		if old, err := tx.Assets().Get(ctx, v.ID, a.Name); err == nil {
			if old.SHA256 != a.SHA256 {
				s.log.Warn("not keeping a fetched file: the version keeps other bytes under its name", "package", packageName(ref), "version", v.Version, "file", a.Name)
			}
			continue
		} else if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err := tx.Assets().Add(ctx, v.ID, a); err != nil {
			return err
		}
		if err := describe(&v); err != nil {
			return err
		}
		assets, err := allAssets(ctx, tx, v.ID)
		if err != nil {
			return err
		}
		v.Revision = revision(v, assets)
		if err := tx.Versions().Update(ctx, v); err != nil {
			return err
		}
		if err := s.packageChanged(ctx, tx, pkg, []string{v.Version}); err != nil {
			return err
		}
	}
	return nil
}
