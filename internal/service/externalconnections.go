package service

import (
	"context"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// externalConnections are the public repositories CodeArtifact connects
// to, with the format of each.
var externalConnections = map[string]domain.Format{
	"public:npmjs":               domain.FormatNpm,
	"public:pypi":                domain.FormatPypi,
	"public:nuget-org":           domain.FormatNuget,
	"public:maven-central":       domain.FormatMaven,
	"public:maven-googleandroid": domain.FormatMaven,
	"public:maven-gradleplugins": domain.FormatMaven,
	"public:maven-commonsware":   domain.FormatMaven,
	"public:maven-clojars":       domain.FormatMaven,
	"public:ruby-gems-org":       domain.FormatRuby,
	"public:crates-io":           domain.FormatCargo,
}

// ExternalConnectionFormat returns the package format of a known external
// connection.
func ExternalConnectionFormat(name string) (domain.Format, bool) {
	f, ok := externalConnections[name]
	return f, ok
}

// AssociateExternalConnection connects a repository to a public
// repository. A repository has at most one external connection. The
// connection is recorded and described; nothing is fetched through it
// (artifactd does not resolve upstreams yet).
func (s *Service) AssociateExternalConnection(ctx context.Context, c Caller, domainName, domainOwner, repo, name string) (RepositoryInfo, error) {
	if _, ok := externalConnections[name]; !ok {
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
