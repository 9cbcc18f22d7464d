package service

import (
	"context"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// ExternalConnectionFormat returns the package format of a known external
// connection.
func ExternalConnectionFormat(name string) (domain.Format, bool) {
	return domain.ExternalConnectionFormat(name)
}

// AssociateExternalConnection connects a repository to a public
// repository. A repository has at most one external connection. The
// connection's registry is reached through the URL the operator
// configured for it (--external-connection); without one, the repository
// serves only what it keeps.
func (s *Service) AssociateExternalConnection(ctx context.Context, c Caller, domainName, domainOwner, repo, name string) (RepositoryInfo, error) {
	if _, ok := domain.ExternalConnectionFormat(name); !ok {
		return RepositoryInfo{}, domain.Invalid("%s is not an external connection. Supported: public:npmjs, public:pypi, public:nuget-org, "+
			"public:maven-central, public:maven-googleandroid, public:maven-gradleplugins, public:maven-commonsware, "+
			"public:maven-clojars, public:ruby-gems-org, public:crates-io", name)
	}
	return s.changeRepository(ctx, c, domainName, domainOwner, repo, func(_ store.Tx, _ domain.Domain, r *domain.Repository) error {
		if r.ExternalConnection != "" {
			return domain.Conflict(domain.ResRepository, repo, "Repository %s already has the external connection %s; a repository can have only one", repo, r.ExternalConnection)
		}
		r.ExternalConnection = name
		return nil
	})
}

// DisassociateExternalConnection removes a repository's external
// connection.
func (s *Service) DisassociateExternalConnection(ctx context.Context, c Caller, domainName, domainOwner, repo, name string) (RepositoryInfo, error) {
	return s.changeRepository(ctx, c, domainName, domainOwner, repo, func(_ store.Tx, _ domain.Domain, r *domain.Repository) error {
		if r.ExternalConnection != name {
			return domain.NotFound(domain.ResRepository, repo, "Repository %s has no external connection %s", repo, name)
		}
		r.ExternalConnection = ""
		return nil
	})
}
