package service

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// maxSearched is how many repositories one resolution searches at most,
// the repository itself included (CodeArtifact's limit).
const maxSearched = 25

// retainedOrigin is the origin configuration of a package created in a
// repository by retaining a version from an upstream: like a package first
// ingested from a public registry, it keeps taking versions from upstreams
// but refuses direct publishing, so a local publish cannot shadow the
// upstream's package (dependency confusion). Origin controls change it.
var retainedOrigin = domain.OriginConfiguration{Publish: domain.AllowBlock, Upstream: domain.AllowAllow}

// upstreamOrder returns the repositories searched after r: its upstreams
// in list order, depth first (each upstream's own upstreams before the
// next sibling), each once, at most maxSearched-1, skipping links to
// deleted repositories.
func upstreamOrder(ctx context.Context, tx store.Tx, r domain.Repository) ([]domain.Repository, error) {
	var out []domain.Repository
	seen := map[int64]bool{r.ID: true}
	var visit func(domain.Repository) error
	visit = func(r domain.Repository) error {
		for _, u := range r.Upstreams {
			if len(out) >= maxSearched-1 {
				return nil
			}
			if seen[u.RepositoryID] {
				continue
			}
			seen[u.RepositoryID] = true
			up, err := tx.Repositories().GetByID(ctx, u.RepositoryID)
			if errors.Is(err, domain.ErrNotFound) {
				continue // the link dangles
			}
			if err != nil {
				return err
			}
			out = append(out, up)
			if err := visit(up); err != nil {
				return err
			}
		}
		return nil
	}
	return out, visit(r)
}

// PackageSource is a package as one repository holds it.
type PackageSource struct {
	Repository string
	Package    domain.Package
	Versions   []domain.PackageVersion
	Own        bool // the repository the request addressed
	// External names the external connection this source lists (the
	// package as the public registry has it, versions not kept yet
	// included), "" for a repository. Remote is that listing; Package is
	// then zero but for its coordinates.
	External string
	Remote   *RemotePackage
}

// MergeVersions lists the versions of every source, each taken from the
// first source that has it.
func MergeVersions(srcs []PackageSource) []domain.PackageVersion {
	var all []domain.PackageVersion
	seen := map[string]bool{}
	for _, src := range srcs {
		for _, v := range src.Versions {
			if !seen[v.Version] {
				seen[v.Version] = true
				all = append(all, v)
			}
		}
	}
	return all
}

// LookupPackageUpstreams is LookupPackage for repositories that may have
// upstreams: it also reports whether the repository has any (or an
// external connection), and then a
// package missing from the repository itself is not an error (found is
// false): the upstreams may have it.
func (s *Service) LookupPackageUpstreams(ctx context.Context, c Caller, ref PackageRef) (pkg domain.Package, found, hasUpstreams bool, err error) {
	res, err := s.resolve(ctx, c, ref, "", "")
	if err != nil && !(res.Found == store.FoundRepository && res.Upstreams > 0) {
		return res.Package, false, false, err
	}
	return res.Package, res.Found >= store.FoundPackage, res.Upstreams > 0, nil
}

// PackageThroughUpstreams returns a package as package managers see it
// through a repository: the repository's own package and versions first
// (when it has the package), then the package in each upstream that has
// it, in resolution order, then the package as the registry behind the
// first external connection among those repositories lists it (see
// findConnection). Upstreams are not searched when the repository's own
// package blocks them (origin upstream=BLOCK). The package not being
// anywhere is a package ResourceNotFound.
func (s *Service) PackageThroughUpstreams(ctx context.Context, c Caller, ref PackageRef) ([]PackageSource, error) {
	var out []PackageSource
	var conn connectionSource
	var hasConn bool
	err := s.store.Read(ctx, func(tx store.Tx) error {
		ri, own, err := s.getPackage(ctx, tx, c, ref)
		if err != nil && !errors.Is(err, domain.ErrNotFound) || ri.Repository.ID == 0 {
			return err
		}
		ref = s.normalize(ref)
		if err == nil {
			vs, err := allVersions(ctx, tx, own.ID)
			if err != nil {
				return err
			}
			out = append(out, PackageSource{Repository: ri.Repository.Name, Package: own, Versions: vs, Own: true})
			if own.Origin.Upstream == domain.AllowBlock {
				return nil
			}
		}
		ups, err := upstreamOrder(ctx, tx, ri.Repository)
		if err != nil {
			return err
		}
		internal, err := groupPermits(ctx, tx, ri.Repository, ref, domain.RestrictInternalUpstream)
		if err != nil {
			return err
		}
		for _, up := range ups {
			if !internal {
				break // the package group keeps upstream versions out
			}
			p, err := tx.Packages().Get(ctx, up.ID, ref.Format, ref.Namespace, ref.Package)
			if errors.Is(err, domain.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			vs, err := allVersions(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			out = append(out, PackageSource{Repository: up.Name, Package: p, Versions: vs})
		}
		conn, hasConn, err = s.findConnection(ctx, tx, ref, append([]domain.Repository{ri.Repository}, ups...))
		return err
	})
	if err != nil {
		return nil, err
	}
	if hasConn {
		// Asked outside the transaction: the network is slow.
		if rp, stale := s.remotePackage(ctx, conn.name, ref); rp != nil {
			if src := externalSource(conn, ref, rp, stale); len(src.Versions) > 0 || len(out) > 0 {
				out = append(out, src)
			}
		}
	}
	if len(out) == 0 {
		return nil, packageNotFound(ref)
	}
	return out, nil
}

// FetchFromUpstreams is what a data-plane download of a version the
// repository lacks does: when the repository has upstreams, it retains the
// version from them (RetainFromUpstream) and reports true, meaning "look
// again": the version may be there now, retained by this call or by a
// concurrent one. Errors are logged, not returned: the client gets the
// not-found it would have got.
func (s *Service) FetchFromUpstreams(ctx context.Context, c Caller, ref PackageRef, version string, usable func(domain.Status) bool) bool {
	_, _, upstreams, err := s.LookupPackageUpstreams(ctx, c, ref)
	if err != nil || !upstreams {
		return false
	}
	if _, err := s.RetainFromUpstream(ctx, c, ref, version, usable); err != nil {
		s.log.Error("retaining a version from an upstream", "package", ref.Package, "version", version, "err", err)
		return false
	}
	return true
}

// RetainFromUpstream makes a version that only an upstream has part of the
// repository, as CodeArtifact does when a package manager fetches it
// through the repository: the version (its assets shared, not copied) is
// copied from the first repository in resolution order that has it with a
// status usable accepts. Intermediate repositories keep nothing. It
// reports whether it copied a version; nothing is copied when the
// repository already has the version, when its package blocks upstreams,
// or when no upstream has a usable copy. The search runs in a read
// transaction first, so a version found nowhere costs no write.
func (s *Service) RetainFromUpstream(ctx context.Context, c Caller, ref PackageRef, version string, usable func(domain.Status) bool) (bool, error) {
	var found bool
	err := s.store.Read(ctx, func(tx store.Tx) error {
		r, err := s.findRetainable(ctx, tx, c, ref, version, usable)
		found = r.version.ID != 0
		return err
	})
	if err != nil || !found {
		return false, err
	}
	retained := false
	err = s.store.Write(ctx, func(tx store.Tx) error {
		r, err := s.findRetainable(ctx, tx, c, ref, version, usable)
		if err != nil || r.version.ID == 0 {
			return err // retained meanwhile, or gone
		}
		own := r.own
		if own.ID == 0 {
			own = domain.Package{RepositoryID: r.repositoryID, Format: r.upstream.Format, Namespace: r.upstream.Namespace,
				Name: r.upstream.Name, Origin: retainedOrigin}
			if err := tx.Packages().Create(ctx, &own); err != nil {
				return err
			}
		}
		if err := copyVersion(ctx, tx, r.version, own.ID); err != nil {
			return err
		}
		retained = true
		return s.packageChanged(ctx, tx, own, []string{r.version.Version})
	})
	return retained, err
}

// retainable is what RetainFromUpstream would copy: version (ID 0 when
// nothing) of the upstream package upstream into the repository, whose own
// package is own (ID 0 when it has none).
type retainable struct {
	repositoryID int64
	own          domain.Package
	upstream     domain.Package
	version      domain.PackageVersion
}

func (s *Service) findRetainable(ctx context.Context, tx store.Tx, c Caller, ref PackageRef, version string, usable func(domain.Status) bool) (retainable, error) {
	var r retainable
	ri, own, err := s.getPackage(ctx, tx, c, ref)
	if err != nil && !errors.Is(err, domain.ErrNotFound) || ri.Repository.ID == 0 {
		return r, err
	}
	ref = s.normalize(ref)
	r.repositoryID = ri.Repository.ID
	if ok, err := groupPermits(ctx, tx, ri.Repository, ref, domain.RestrictInternalUpstream); !ok || err != nil {
		return r, err // its package group keeps upstream versions out
	}
	if err == nil {
		r.own = own
		if own.Origin.Upstream == domain.AllowBlock {
			return r, nil
		}
		if _, err := tx.Versions().Get(ctx, own.ID, version); err == nil || !errors.Is(err, domain.ErrNotFound) {
			return r, err // already there (or a backend error)
		}
	}
	ups, err := upstreamOrder(ctx, tx, ri.Repository)
	if err != nil {
		return r, err
	}
	for _, up := range ups {
		p, err := tx.Packages().Get(ctx, up.ID, ref.Format, ref.Namespace, ref.Package)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return r, err
		}
		v, err := tx.Versions().Get(ctx, p.ID, version)
		if errors.Is(err, domain.ErrNotFound) || err == nil && !usable(v.Status) {
			continue
		}
		if err != nil {
			return r, err
		}
		r.upstream, r.version = p, v
		return r, nil
	}
	return r, nil
}
