package console

import (
	"context"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// authorize asks the service whether the signed-in identity may do the
// CodeArtifact action on l's resource, exactly as the control plane does
// before it runs that operation (same action names, same resources). A
// token's session stays inside the token's domain, as on the data plane.
func (c *Console) authorize(ctx context.Context, rq *request, action string, kind service.ResourceKind, l loc) error {
	if rq.tokenDomain != "" && kind != service.ResourceNone &&
		(l.Domain != rq.tokenDomain || l.Owner != "" && l.Owner != rq.tokenOwner) {
		return domain.Denied("The authorization token is for domain %s-%s, not %s", rq.tokenDomain, rq.tokenOwner, l.Domain)
	}
	return c.o.Service.Authorize(ctx, rq.caller, service.Access{
		Action: action, Kind: kind, Domain: l.Domain, DomainOwner: l.Owner, Repository: l.Repo,
		Format: l.Format, Namespace: l.Namespace, Package: l.Package,
	})
}

// authorizeAll authorizes several actions on one resource.
func (c *Console) authorizeAll(ctx context.Context, rq *request, kind service.ResourceKind, l loc, actions ...string) error {
	for _, a := range actions {
		if err := c.authorize(ctx, rq, a, kind, l); err != nil {
			return err
		}
	}
	return nil
}
