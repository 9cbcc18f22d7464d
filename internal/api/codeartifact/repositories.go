package codeartifact

import (
	"net/http"
	"strconv"

	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// bindUpstreams validates an upstream list from a request body.
func (b *binder) bindUpstreams(ups []upstreamInfo) []string {
	names := make([]string, len(ups))
	for i, u := range ups {
		b.check("upstreams.member.repositoryName", u.RepositoryName, fRepository)
		names[i] = u.RepositoryName
	}
	return names
}

func (h *Handler) createRepository(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	name := b.required("repository", "repository", fRepository)
	var in struct {
		Description string         `json:"description"`
		Upstreams   []upstreamInfo `json:"upstreams"`
		Tags        []tagInput     `json:"tags"`
	}
	b.body(&in)
	b.check("description", in.Description, fDescription)
	ups := b.bindUpstreams(in.Upstreams)
	tags := b.bindTags(in.Tags)
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.CreateRepository(r.Context(), c, d, owner, name, in.Description, ups, tags)
	if err != nil {
		return nil, err
	}
	return map[string]any{"repository": toRepositoryDescription(info)}, nil
}

func (h *Handler) describeRepository(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	name := b.required("repository", "repository", fRepository)
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.DescribeRepository(r.Context(), c, d, owner, name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"repository": toRepositoryDescription(info)}, nil
}

func (h *Handler) updateRepository(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	name := b.required("repository", "repository", fRepository)
	var in struct {
		Description *string         `json:"description"`
		Upstreams   *[]upstreamInfo `json:"upstreams"`
	}
	b.body(&in)
	if in.Description != nil {
		b.check("description", *in.Description, fDescription)
	}
	var ups []string
	if in.Upstreams != nil {
		ups = b.bindUpstreams(*in.Upstreams)
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.UpdateRepository(r.Context(), c, d, owner, name, in.Description, ups, in.Upstreams != nil)
	if err != nil {
		return nil, err
	}
	return map[string]any{"repository": toRepositoryDescription(info)}, nil
}

func (h *Handler) deleteRepository(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	name := b.required("repository", "repository", fRepository)
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.DeleteRepository(r.Context(), c, d, owner, name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"repository": toRepositoryDescription(info)}, nil
}

type repositoryPage struct {
	Repositories []repositorySummary `json:"repositories"`
	NextToken    string              `json:"nextToken,omitempty"`
}

func toRepositoryPage(region string, rs []store.RepositoryListing, next string) repositoryPage {
	out := repositoryPage{Repositories: []repositorySummary{}, NextToken: next}
	for _, l := range rs {
		out.Repositories = append(out.Repositories, toRepositoryListing(region, l))
	}
	return out
}

func (h *Handler) listRepositories(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	prefix := b.query("repository-prefix", "repositoryPrefix", fRepository)
	p := b.page(50)
	if err := b.err(); err != nil {
		return nil, err
	}
	rs, next, err := h.svc.ListRepositories(r.Context(), c, prefix, p)
	if err != nil {
		return nil, err
	}
	return toRepositoryPage(c.Region, rs, next), nil
}

func (h *Handler) listRepositoriesInDomain(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	admin := b.query("administrator-account", "administratorAccount", fAccount)
	prefix := b.query("repository-prefix", "repositoryPrefix", fRepository)
	p := b.page(50)
	if err := b.err(); err != nil {
		return nil, err
	}
	rs, next, err := h.svc.ListRepositoriesInDomain(r.Context(), c, d, owner, admin, prefix, p)
	if err != nil {
		return nil, err
	}
	return toRepositoryPage(c.Region, rs, next), nil
}

func (h *Handler) externalConnection(c service.Caller, r *http.Request, associate bool) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	repo := b.required("repository", "repository", fRepository)
	name := b.required("external-connection", "externalConnection", fExternalConnection)
	if err := b.err(); err != nil {
		return nil, err
	}
	op := h.svc.DisassociateExternalConnection
	if associate {
		op = h.svc.AssociateExternalConnection
	}
	info, err := op(r.Context(), c, d, owner, repo, name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"repository": toRepositoryDescription(info)}, nil
}

func (h *Handler) associateExternalConnection(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	return h.externalConnection(c, r, true)
}

func (h *Handler) disassociateExternalConnection(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	return h.externalConnection(c, r, false)
}
