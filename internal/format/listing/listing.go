// Package listing caches what a package format derives from every one of
// its packages in a repository (RubyGems' versions and specs files, PyPI's
// simple/ root, the Swift registry's URL lookup): one value per repository,
// current while the repository's listing stamp of the format
// (service.PackageListingStamp) is the one it was built at. A request that
// finds it current costs one row, whatever the number of packages; a
// change costs one rebuild, shared by the requests that wait for it.
package listing

import (
	"context"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/flight"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// Cache holds one V per repository endpoint for one format.
type Cache[V any] struct {
	svc    *service.Service
	format domain.Format
	lru    *lru.Cache[string, entry[V]]
	builds flight.Group[build, entry[V]]
}

type entry[V any] struct {
	stamp string
	v     V
}

// build names one build of a repository's value from one state: callers
// share a build only when they read the same stamp, so none is answered
// an older state than the one it saw.
type build struct{ endpoint, stamp string }

// New returns an empty cache of at most maxBytes (as the builds size
// their values).
func New[V any](svc *service.Service, format domain.Format, maxBytes int64) *Cache[V] {
	return &Cache[V]{svc: svc, format: format, lru: lru.New[string, entry[V]](maxBytes)}
}

// Builder makes the value of a repository (with Each, say) and gives its
// size in bytes for the cache's budget.
type Builder[V any] func(ctx context.Context) (v V, size int64, err error)

// Get returns repo's value: the cached one while the listing stamp is
// unchanged, else the one fn builds. The stamp is read (and access to the
// repository checked, as for ListPackages) before the build lists
// anything, so a value is never older than the stamp it is kept under.
func (c *Cache[V]) Get(ctx context.Context, repo dataplane.Repo, fn Builder[V]) (V, error) {
	stamp, err := c.svc.PackageListingStamp(ctx, repo.Caller, repo.Domain, repo.Owner, repo.Repository, c.format)
	if err != nil {
		var zero V
		return zero, err
	}
	if e, ok := c.lru.GetIf(repo.Endpoint, func(e entry[V]) bool { return e.stamp == stamp }); ok {
		return e.v, nil
	}
	e, _, err := c.builds.Do(ctx, build{repo.Endpoint, stamp}, func() (entry[V], error) {
		v, size, err := fn(ctx)
		if err != nil {
			return entry[V]{}, err
		}
		e := entry[V]{stamp: stamp, v: v}
		c.lru.Add(repo.Endpoint, e, size+int64(len(repo.Endpoint)+len(stamp))+64)
		return e, nil
	})
	return e.v, err
}

// Each calls fn for every package of the format in repo, a page at a
// time, in the store's order (format, namespace, name).
func (c *Cache[V]) Each(ctx context.Context, repo dataplane.Repo, fn func(domain.Package) error) error {
	page := store.Page{Limit: 1000}
	for {
		ps, next, err := c.svc.ListPackages(ctx, repo.Caller, service.ListPackagesInput{
			Domain: repo.Domain, DomainOwner: repo.Owner, Repository: repo.Repository, Format: c.format,
		}, page)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.After = next
	}
}
