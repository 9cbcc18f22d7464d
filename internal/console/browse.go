package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

type domainRow struct {
	Loc     loc
	Created time.Time
}

type domainsView struct {
	Domains []domainRow
	Next    string
	Denied  bool // the list could not be read
}

func (c *Console) domainsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	crumbs := loc{}.crumbs()
	// An identity that may not list domains can still open the one it
	// works in by name: the page keeps its form under the refusal.
	denied := func(err error) {
		c.render(w, r, rq, errorStatus(err), "domains", view{Title: "Domains", Crumbs: crumbs, Error: errorView(c.o.Log, err),
			Body: domainsView{Denied: true}})
	}
	if err := c.authorize(r.Context(), rq, "ListDomains", service.ResourceNone, loc{}); err != nil {
		denied(err)
		return
	}
	ds, next, err := c.o.Service.ListDomains(r.Context(), rq.caller, store.Page{After: r.URL.Query().Get("next"), Limit: pageSize})
	if err != nil {
		denied(err)
		return
	}
	v := domainsView{}
	for _, d := range ds {
		if rq.tokenDomain != "" && (d.Name != rq.tokenDomain || d.Owner != rq.tokenOwner) {
			continue // a token's session sees its own domain only
		}
		v.Domains = append(v.Domains, domainRow{Loc: loc{Domain: d.Name, Owner: d.Owner}, Created: d.CreatedTime})
	}
	if next != "" {
		v.Next = "/console/domains?next=" + url.QueryEscape(next)
	}
	c.render(w, r, rq, http.StatusOK, "domains", view{Title: "Domains", Crumbs: crumbs, Body: v})
}

type repoRow struct {
	Loc                loc
	Description        string
	Upstreams          []string
	ExternalConnection string
}

type domainView struct {
	Loc        loc
	Info       service.DomainInfo
	Repos      []repoRow
	Next       string
	Formats    []domain.Format
	SearchLink string
}

func (c *Console) domainPage(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	l = loc{Domain: l.Domain, Owner: l.Owner}
	ctx := r.Context()
	crumbs := l.crumbs()
	if err := c.authorizeAll(ctx, rq, service.ResourceDomain, l, "DescribeDomain", "ListRepositoriesInDomain"); err != nil {
		c.fail(w, r, rq, l.Domain, crumbs, err)
		return
	}
	info, err := c.o.Service.DescribeDomain(ctx, rq.caller, l.Domain, l.Owner)
	if err != nil {
		c.fail(w, r, rq, l.Domain, crumbs, err)
		return
	}
	rs, next, err := c.o.Service.ListRepositoriesInDomain(ctx, rq.caller, l.Domain, l.Owner, "", "",
		store.Page{After: r.URL.Query().Get("next"), Limit: pageSize})
	if err != nil {
		c.fail(w, r, rq, l.Domain, crumbs, err)
		return
	}
	v := domainView{Loc: l, Info: info, Formats: domain.Formats}
	for _, x := range rs {
		row := repoRow{Loc: loc{Domain: l.Domain, Owner: l.Owner, Repo: x.Repository.Name}, Description: x.Repository.Description,
			ExternalConnection: x.Repository.ExternalConnection}
		for _, u := range x.Repository.Upstreams {
			row.Upstreams = append(row.Upstreams, u.Name)
		}
		v.Repos = append(v.Repos, row)
	}
	if next != "" {
		v.Next = l.link("domain", "next", next)
	}
	c.render(w, r, rq, http.StatusOK, "domain", view{Title: "Domain " + l.Domain, Crumbs: crumbs, Body: v})
}
