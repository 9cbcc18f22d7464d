package codeartifact

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// accesses returns what an operation asks to do: its own action on the
// resource the route table names, built from the request's parameters,
// and the further permissions some operations need (the source repository
// of a copy, the upstreams a repository is connected to, the STS bearer
// token behind an authorization token). The service decides (Authorize);
// malformed parameters are left to the operation's own validation, which
// runs once access is granted.
func accesses(op operation, q url.Values, body []byte) []service.Access {
	a := service.Access{
		Action: op.Name, Kind: op.resource,
		Domain: q.Get("domain"), DomainOwner: q.Get("domain-owner"),
		Repository: q.Get("repository"),
		Format:     domain.Format(q.Get("format")), Namespace: q.Get("namespace"), Package: q.Get("package"),
		PackageGroup: q.Get("package-group"), ARN: q.Get("resourceArn"),
	}
	var in struct {
		PackageGroup string         `json:"packageGroup"`
		Tags         []tag          `json:"tags"`
		TagKeys      []string       `json:"tagKeys"`
		Upstreams    []upstreamInfo `json:"upstreams"`
	}
	if len(body) > 0 {
		json.Unmarshal(body, &in) // a body that does not parse fails validation later
	}
	if len(in.Tags) > 0 {
		a.RequestTags = make(map[string]string, len(in.Tags))
		for _, t := range in.Tags {
			a.RequestTags[t.Key] = t.Value
		}
	}
	a.TagKeys = in.TagKeys
	more := []service.Access{}
	switch op.Name {
	case "CreatePackageGroup", "UpdatePackageGroup":
		a.PackageGroup = in.PackageGroup
	case "CopyPackageVersions":
		a.Repository = q.Get("destination-repository")
		more = append(more, service.Access{Action: "ReadFromRepository", Kind: service.ResourceRepository,
			Domain: a.Domain, DomainOwner: a.DomainOwner, Repository: q.Get("source-repository")})
	case "CreateRepository", "UpdateRepository":
		for _, u := range in.Upstreams {
			more = append(more, service.Access{Action: "AssociateWithDownstreamRepository", Kind: service.ResourceRepository,
				Domain: a.Domain, DomainOwner: a.DomainOwner, Repository: u.RepositoryName})
		}
	case "PutDomainPermissionsPolicy", "PutRepositoryPermissionsPolicy":
		a.IgnoreResourcePolicy = true
	case "GetAuthorizationToken":
		// As AWS: the bearer token behind it is STS's, in the caller's
		// own account.
		more = append(more, service.Access{Action: "sts:GetServiceBearerToken", Kind: service.ResourceNone,
			Context: map[string]string{"sts:AWSServiceName": "codeartifact.amazonaws.com"}})
	}
	return append([]service.Access{a}, more...)
}

// checkAccessParams validates, as the operation itself would, the query
// parameters an access is built from: as on AWS, a malformed request is a
// ValidationException before it is an authorization question.
func checkAccessParams(r *http.Request) error {
	b := newBinder(r)
	b.query("domain", "domain", fDomain)
	b.query("domain-owner", "domainOwner", fAccount)
	b.query("repository", "repository", fRepository)
	b.query("source-repository", "sourceRepository", fRepository)
	b.query("destination-repository", "destinationRepository", fRepository)
	b.enum("format", "format", formats, false)
	b.query("namespace", "namespace", fNamespace)
	b.query("package", "package", fPackage)
	b.query("package-group", "packageGroup", fGroupPattern)
	b.query("resourceArn", "resourceArn", fArn)
	return b.err()
}

// sourceIP is the request's client address for aws:SourceIp.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
