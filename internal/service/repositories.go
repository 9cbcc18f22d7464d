package service

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// RepositoryInfo is a repository with the domain it belongs to.
type RepositoryInfo struct {
	Domain     domain.Domain
	Repository domain.Repository
}

// CreateRepository creates a repository with upstreams.
func (s *Service) CreateRepository(ctx context.Context, c Caller, domainName, domainOwner, name, description string, upstreams []string, tags []domain.Tag) (RepositoryInfo, error) {
	var info RepositoryInfo
	err := s.store.Write(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, domainName, domainOwner)
		if err != nil {
			return err
		}
		if err := s.checkTagCount(len(tags), RepositoryARN(d, name)); err != nil {
			return err
		}
		n, err := tx.Repositories().Count(ctx, d.ID)
		if err != nil {
			return err
		}
		if n >= s.limits.RepositoriesPerDomain {
			return domain.Quota(domain.ResRepository, name, "Maximum number of repositories (%d) per domain reached", s.limits.RepositoriesPerDomain)
		}
		r := domain.Repository{DomainID: d.ID, Name: name, AdministratorAccount: c.Account, Description: description, CreatedTime: s.now().UTC()}
		if r.Upstreams, err = s.resolveUpstreams(ctx, tx, d, r, upstreams); err != nil {
			return err
		}
		if err := tx.Repositories().Create(ctx, &r); err != nil {
			if errors.Is(err, domain.ErrConflict) {
				return domain.Conflict(domain.ResRepository, name, "Repository %s already exists in domain %s", name, domainName)
			}
			return err
		}
		info = RepositoryInfo{Domain: d, Repository: r}
		return tx.Tags().Put(ctx, RepositoryARN(d, name), tags)
	})
	return info, err
}

// resolveUpstreams checks an upstream list for repository r and binds each
// name to the repository's identity.
func (s *Service) resolveUpstreams(ctx context.Context, tx store.Tx, d domain.Domain, r domain.Repository, names []string) ([]domain.Upstream, error) {
	if len(names) > s.limits.UpstreamsPerRepo {
		return nil, domain.Quota(domain.ResRepository, r.Name, "A repository can have at most %d upstream repositories", s.limits.UpstreamsPerRepo)
	}
	seen := map[string]bool{}
	var ups []domain.Upstream
	for _, n := range names {
		if n == r.Name {
			return nil, domain.Invalid("Repository %s cannot be an upstream of itself", n)
		}
		if seen[n] {
			return nil, domain.Invalid("Upstream repository %s is listed more than once", n)
		}
		seen[n] = true
		u, err := tx.Repositories().Get(ctx, d.ID, n)
		if errors.Is(err, domain.ErrNotFound) {
			return nil, domain.NotFound(domain.ResRepository, n, "Upstream repository not found. Repository: %s, Domain: %s", n, d.Name)
		}
		if err != nil {
			return nil, err
		}
		ups = append(ups, domain.Upstream{RepositoryID: u.ID, Name: u.Name})
	}
	// A new repository has no downstreams, so only an existing one can
	// close a cycle: walk everything reachable from the new upstreams.
	if r.ID != 0 {
		if err := checkNoCycle(ctx, tx, r, ups); err != nil {
			return nil, err
		}
	}
	return ups, nil
}

func checkNoCycle(ctx context.Context, tx store.Tx, r domain.Repository, ups []domain.Upstream) error {
	visited := map[int64]bool{}
	stack := append([]domain.Upstream(nil), ups...)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if u.RepositoryID == r.ID {
			return domain.Invalid("Adding these upstream repositories to %s would create a cycle in the upstream graph", r.Name)
		}
		if visited[u.RepositoryID] {
			continue
		}
		visited[u.RepositoryID] = true
		next, err := tx.Repositories().GetByID(ctx, u.RepositoryID)
		if errors.Is(err, domain.ErrNotFound) {
			continue // a dangling link leads nowhere
		}
		if err != nil {
			return err
		}
		stack = append(stack, next.Upstreams...)
	}
	return nil
}

// DescribeRepository returns a repository.
func (s *Service) DescribeRepository(ctx context.Context, c Caller, domainName, domainOwner, name string) (RepositoryInfo, error) {
	var info RepositoryInfo
	err := s.store.Read(ctx, func(tx store.Tx) error {
		d, r, err := getRepository(ctx, tx, c, domainName, domainOwner, name)
		info = RepositoryInfo{Domain: d, Repository: r}
		return err
	})
	return info, err
}

// UpdateRepository replaces a repository's description (when given) and
// upstream list (when given).
func (s *Service) UpdateRepository(ctx context.Context, c Caller, domainName, domainOwner, name string, description *string, upstreams []string, setUpstreams bool) (RepositoryInfo, error) {
	return s.changeRepository(ctx, c, domainName, domainOwner, name, func(tx store.Tx, d domain.Domain, r *domain.Repository) (err error) {
		if description != nil {
			r.Description = *description
		}
		if setUpstreams {
			r.Upstreams, err = s.resolveUpstreams(ctx, tx, d, *r, upstreams)
		}
		return err
	})
}

// changeRepository applies change to a repository and stores the result,
// in one transaction.
func (s *Service) changeRepository(ctx context.Context, c Caller, domainName, domainOwner, name string, change func(store.Tx, domain.Domain, *domain.Repository) error) (RepositoryInfo, error) {
	var info RepositoryInfo
	err := s.store.Write(ctx, func(tx store.Tx) error {
		d, r, err := getRepository(ctx, tx, c, domainName, domainOwner, name)
		if err != nil {
			return err
		}
		if err := change(tx, d, &r); err != nil {
			return err
		}
		if err := tx.Repositories().Update(ctx, r); err != nil {
			return err
		}
		info = RepositoryInfo{Domain: d, Repository: r}
		return nil
	})
	return info, err
}

// DeleteRepository deletes a repository and everything in it.
func (s *Service) DeleteRepository(ctx context.Context, c Caller, domainName, domainOwner, name string) (RepositoryInfo, error) {
	var info RepositoryInfo
	err := s.store.Write(ctx, func(tx store.Tx) error {
		d, r, err := getRepository(ctx, tx, c, domainName, domainOwner, name)
		if err != nil {
			return err
		}
		info = RepositoryInfo{Domain: d, Repository: r}
		if err := tx.Tags().DeleteAll(ctx, RepositoryARN(d, name)); err != nil {
			return err
		}
		if err := tx.Policies().Delete(ctx, RepositoryARN(d, name)); err != nil {
			return err
		}
		return tx.Repositories().Delete(ctx, r.ID)
	})
	if err == nil {
		s.WakeCollector()
	}
	return info, err
}

// ListRepositories lists the repositories the caller administers in its region.
func (s *Service) ListRepositories(ctx context.Context, c Caller, prefix string, p store.Page) (rs []store.RepositoryListing, next string, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		rs, next, err = tx.Repositories().List(ctx, store.RepositoryFilter{Region: c.Region, AdministratorAccount: c.Account, Prefix: prefix}, p)
		return err
	})
	return rs, next, err
}

// ListRepositoriesInDomain lists a domain's repositories.
func (s *Service) ListRepositoriesInDomain(ctx context.Context, c Caller, domainName, domainOwner, adminAccount, prefix string, p store.Page) (rs []store.RepositoryListing, next string, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, domainName, domainOwner)
		if err != nil {
			return err
		}
		rs, next, err = tx.Repositories().List(ctx, store.RepositoryFilter{DomainID: d.ID, AdministratorAccount: adminAccount, Prefix: prefix}, p)
		return err
	})
	return rs, next, err
}
