package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

type endpointRow struct {
	Format   domain.Format
	Endpoint string
	Setup    []string // commands to configure the format's clients
}

type ruleRow struct {
	ID                     int64
	Filter, Keeps, Exempts string
	Action                 domain.RetentionAction
	Created                string
}

type repositoryView struct {
	Loc         loc
	Info        service.RepositoryInfo
	Upstreams   []loc
	Endpoints   []endpointRow
	EndpointErr *errView
	Rules       []ruleRow
	RulesErr    *errView
	Packages    []pkgRow
	PackagesErr *errView
	Query       string
	Format      string
	Formats     []domain.Format
	Next        string
}

func (c *Console) repositoryPage(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	l = loc{Domain: l.Domain, Owner: l.Owner, Repo: l.Repo}
	ctx := r.Context()
	crumbs := l.crumbs()
	if err := c.authorize(ctx, rq, "DescribeRepository", service.ResourceRepository, l); err != nil {
		c.fail(w, r, rq, l.Repo, crumbs, err)
		return
	}
	info, err := c.o.Service.DescribeRepository(ctx, rq.caller, l.Domain, l.Owner, l.Repo)
	if err != nil {
		c.fail(w, r, rq, l.Repo, crumbs, err)
		return
	}
	q := r.URL.Query()
	v := repositoryView{Loc: l, Info: info, Query: q.Get("q"), Format: q.Get("f"), Formats: domain.Formats}
	for _, u := range info.Repository.Upstreams {
		v.Upstreams = append(v.Upstreams, loc{Domain: l.Domain, Owner: l.Owner, Repo: u.Name})
	}
	// Endpoints and the client set-up to copy.
	if err := c.authorize(ctx, rq, "GetRepositoryEndpoint", service.ResourceRepository, l); err != nil {
		v.EndpointErr = errorView(c.o.Log, err)
	} else {
		base := c.o.PublicURL.PathStyleBase(r.Host)
		for _, f := range domain.Formats {
			ep, err := c.o.Service.RepositoryEndpoint(ctx, rq.caller, c.o.PublicURL, l.Domain, l.Owner, l.Repo, f)
			if err != nil {
				v.EndpointErr = errorView(c.o.Log, err)
				break
			}
			v.Endpoints = append(v.Endpoints, endpointRow{Format: f, Endpoint: ep,
				Setup: clientSetup(f, info.Domain.Name, info.Domain.Owner, l.Repo, base)})
		}
	}
	// Retention rules, read-only (the service authorizes the listing).
	rules, err := c.o.Service.ListRetentionRules(ctx, rq.caller, l.Domain, l.Owner, l.Repo)
	if err != nil {
		v.RulesErr = errorView(c.o.Log, err)
	}
	for _, ri := range rules {
		v.Rules = append(v.Rules, ruleRowOf(ri.Rule))
	}
	// Packages, paged.
	ns, prefix, f := packageQuery(v.Query, domain.Format(v.Format))
	if err := c.authorize(ctx, rq, "ListPackages", service.ResourceRepository, l); err != nil {
		v.PackagesErr = errorView(c.o.Log, err)
	} else {
		ps, next, err := c.o.Service.ListPackages(ctx, rq.caller, service.ListPackagesInput{Domain: l.Domain, DomainOwner: l.Owner,
			Repository: l.Repo, Format: f, Namespace: ns, PackagePrefix: prefix}, store.Page{After: q.Get("next"), Limit: pageSize})
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) && !errors.Is(err, domain.ErrDenied) {
				c.fail(w, r, rq, l.Repo, crumbs, err)
				return
			}
			v.PackagesErr = errorView(c.o.Log, err)
		}
		for _, p := range ps {
			v.Packages = append(v.Packages, pkgRow{Loc: loc{Domain: l.Domain, Owner: l.Owner, Repo: l.Repo, Format: p.Format,
				Namespace: p.Namespace, Package: p.Name}})
		}
		if next != "" {
			v.Next = l.link("repository", "q", v.Query, "f", v.Format, "next", next)
		}
	}
	c.render(w, r, rq, http.StatusOK, "repository", view{Title: "Repository " + l.Repo, Crumbs: crumbs, Body: v})
}

func ruleRowOf(rule domain.RetentionRule) ruleRow {
	row := ruleRow{ID: rule.ID, Action: rule.Action, Created: rule.CreatedTime.UTC().Format("2006-01-02")}
	var filter []string
	if rule.Format != "" {
		filter = append(filter, "format "+string(rule.Format))
	}
	if rule.Namespace != "" {
		filter = append(filter, "namespace "+rule.Namespace)
	}
	if rule.PackagePrefix != "" {
		filter = append(filter, "names starting with "+rule.PackagePrefix)
	}
	if rule.PackageGroup != "" {
		filter = append(filter, "package group "+rule.PackageGroup)
	}
	if len(filter) == 0 {
		filter = append(filter, "every package")
	}
	row.Filter = strings.Join(filter, ", ")
	var keeps []string
	if rule.KeepNewest > 0 {
		keeps = append(keeps, "newest "+strconv.Itoa(rule.KeepNewest))
	}
	if rule.KeepDays > 0 {
		keeps = append(keeps, "published in the last "+strconv.Itoa(rule.KeepDays)+" days")
	}
	if rule.KeepDownloadedDays > 0 {
		keeps = append(keeps, "downloaded in the last "+strconv.Itoa(rule.KeepDownloadedDays)+" days")
	}
	// A version any criterion keeps stays.
	row.Keeps = strings.Join(keeps, "; ")
	var ex []string
	for _, s := range rule.ExemptStatuses {
		ex = append(ex, string(s))
	}
	row.Exempts = strings.Join(ex, ", ")
	return row
}

// clientSetup is how each format's clients are pointed at a repository:
// `aws codeartifact login` where the AWS CLI has a --tool for it,
// `artifactd login` for cargo, gem and bundler.
func clientSetup(f domain.Format, d, owner, repo, endpointURL string) []string {
	common := " --domain " + d + " --domain-owner " + owner + " --repository " + repo + " --endpoint-url " + endpointURL
	aws := func(tool string) string { return "aws codeartifact login --tool " + tool + common }
	ad := func(tool string) string { return "artifactd login --tool " + tool + common }
	switch f {
	case domain.FormatNpm:
		return []string{aws("npm")}
	case domain.FormatPypi:
		return []string{aws("pip"), aws("twine")}
	case domain.FormatNuget:
		return []string{aws("dotnet"), aws("nuget")}
	case domain.FormatSwift:
		return []string{aws("swift")}
	case domain.FormatCargo:
		return []string{ad("cargo")}
	case domain.FormatRuby:
		return []string{ad("gem"), ad("bundler")}
	}
	return nil
}
