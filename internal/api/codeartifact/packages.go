package codeartifact

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// bindPackage binds the [D], [R] and [P] members of package operations.
func (b *binder) bindPackage(repoParam string) service.PackageRef {
	d, owner := b.bindDomain()
	return service.PackageRef{
		Domain: d, DomainOwner: owner,
		Repository: b.required(repoParam, repoParam, fRepository),
		Format:     domain.Format(b.enum("format", "format", formats, true)),
		Namespace:  b.query("namespace", "namespace", fNamespace),
		Package:    b.required("package", "package", fPackage),
	}
}

func (h *Handler) describePackage(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("repository")
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.DescribePackage(r.Context(), c, ref)
	if err != nil {
		return nil, err
	}
	p := info.Package
	return map[string]any{"package": packageDescription{Format: string(p.Format), Namespace: p.Namespace, Name: p.Name, OriginConfiguration: toOrigin(p.Origin)}}, nil
}

func (h *Handler) deletePackage(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("repository")
	if err := b.err(); err != nil {
		return nil, err
	}
	p, err := h.svc.DeletePackage(r.Context(), c, ref)
	if err != nil {
		return nil, err
	}
	return map[string]any{"deletedPackage": toPackageSummary(p)}, nil
}

func (h *Handler) listPackages(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	in := service.ListPackagesInput{
		Domain: d, DomainOwner: owner,
		Repository:    b.required("repository", "repository", fRepository),
		Format:        domain.Format(b.enum("format", "format", formats, false)),
		Namespace:     b.query("namespace", "namespace", fNamespace),
		PackagePrefix: b.query("package-prefix", "packagePrefix", fPackage),
		Publish:       domain.Allow(b.enum("publish", "publish", allowValues, false)),
		Upstream:      domain.Allow(b.enum("upstream", "upstream", allowValues, false)),
	}
	p := b.page(100)
	if err := b.err(); err != nil {
		return nil, err
	}
	ps, next, err := h.svc.ListPackages(r.Context(), c, in, p)
	if err != nil {
		return nil, err
	}
	out := struct {
		Packages  []packageSummary `json:"packages"`
		NextToken string           `json:"nextToken,omitempty"`
	}{Packages: []packageSummary{}, NextToken: next}
	for _, p := range ps {
		out.Packages = append(out.Packages, toPackageSummary(p))
	}
	return out, nil
}

func (h *Handler) putPackageOriginConfiguration(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("repository")
	var in struct {
		Restrictions *struct {
			Publish  *string `json:"publish"`
			Upstream *string `json:"upstream"`
		} `json:"restrictions"`
	}
	b.body(&in)
	var origin domain.OriginConfiguration
	if in.Restrictions == nil {
		b.fail("null", "restrictions", "Member must not be null")
	} else {
		for _, m := range []struct {
			member string
			v      *string
			dst    *domain.Allow
		}{{"restrictions.publish", in.Restrictions.Publish, &origin.Publish}, {"restrictions.upstream", in.Restrictions.Upstream, &origin.Upstream}} {
			if m.v == nil {
				b.fail("null", m.member, "Member must not be null")
				continue
			}
			b.checkEnum(m.member, *m.v, allowValues)
			*m.dst = domain.Allow(*m.v)
		}
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	p, err := h.svc.PutPackageOriginConfiguration(r.Context(), c, ref, origin)
	if err != nil {
		return nil, err
	}
	return map[string]any{"originConfiguration": toOrigin(p.Origin)}, nil
}
