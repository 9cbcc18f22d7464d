package console

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// Search across a domain walks its repositories in name order and asks
// each for the packages whose name starts with the prefix
// (ListPackages, the API's own query, with its index): a page costs one
// query per repository it touches plus the repository list, never a scan
// of the packages. The cursor is the repository to resume in and that
// repository's own next token.

type pkgRow struct {
	Loc loc
}

type searchView struct {
	Loc      loc
	Query    string
	Format   string
	Status   string
	Formats  []domain.Format
	Statuses []domain.Status
	Rows     []pkgRow
	Next     string
	Skipped  []string // repositories the identity may not list
	Searched bool
}

func encodeCursor(repo, token string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(repo + "\x00" + token))
}

func decodeCursor(s string) (repo, token string, err error) {
	if s == "" {
		return "", "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", domain.Invalid("The next token is not valid")
	}
	repo, token, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return "", "", domain.Invalid("The next token is not valid")
	}
	return repo, token, nil
}

// packageQuery splits what was typed into a namespace and a name prefix:
// npm's "@scope/na" searches scope "scope" for names starting with "na".
func packageQuery(q string, f domain.Format) (ns, prefix string, format domain.Format) {
	if rest, ok := strings.CutPrefix(q, "@"); ok && (f == "" || f == domain.FormatNpm) {
		if scope, name, ok := strings.Cut(rest, "/"); ok {
			return scope, name, domain.FormatNpm
		}
	}
	return "", q, f
}

func (c *Console) searchPage(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	l = loc{Domain: l.Domain, Owner: l.Owner}
	q := r.URL.Query()
	v := searchView{Loc: l, Query: q.Get("q"), Format: q.Get("f"), Status: q.Get("status"), Formats: domain.Formats,
		Statuses: []domain.Status{domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived, domain.StatusDisposed, domain.StatusUnfinished},
		Searched: true}
	crumbs := append(l.crumbs(), crumb{"Search", ""})
	rows, next, skipped, err := c.search(r.Context(), rq, l, v.Query, domain.Format(v.Format), domain.Status(v.Status), q.Get("next"))
	if err != nil {
		c.fail(w, r, rq, "Search", crumbs, err)
		return
	}
	v.Rows, v.Skipped = rows, skipped
	if next != "" {
		v.Next = l.link("search", "q", v.Query, "f", v.Format, "status", v.Status, "next", next)
	}
	c.render(w, r, rq, http.StatusOK, "search", view{Title: "Packages in " + l.Domain, Crumbs: crumbs, Body: v})
}

// search returns one page of the domain's packages matching the query.
func (c *Console) search(ctx context.Context, rq *request, l loc, query string, f domain.Format, status domain.Status, cursor string) (rows []pkgRow, next string, skipped []string, err error) {
	startRepo, after, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", nil, err
	}
	ns, prefix, f := packageQuery(query, f)
	if err := c.authorize(ctx, rq, "ListRepositoriesInDomain", service.ResourceDomain, l); err != nil {
		return nil, "", nil, err
	}
	var repos []string
	for tok := ""; ; {
		rs, n, err := c.o.Service.ListRepositoriesInDomain(ctx, rq.caller, l.Domain, l.Owner, "", "", store.Page{After: tok, Limit: 1000})
		if err != nil {
			return nil, "", nil, err
		}
		for _, x := range rs {
			if x.Repository.Name >= startRepo {
				repos = append(repos, x.Repository.Name)
			}
		}
		if tok = n; tok == "" {
			break
		}
	}
	budget := pageSize // packages this page may look at
	for i, repo := range repos {
		rl := loc{Domain: l.Domain, Owner: l.Owner, Repo: repo}
		if err := c.authorize(ctx, rq, "ListPackages", service.ResourceRepository, rl); err != nil {
			if errors.Is(err, domain.ErrDenied) {
				skipped = append(skipped, repo)
				continue
			}
			return nil, "", nil, err
		}
		if repo != startRepo {
			after = ""
		}
		ps, n, err := c.o.Service.ListPackages(ctx, rq.caller, service.ListPackagesInput{Domain: l.Domain, DomainOwner: l.Owner,
			Repository: repo, Format: f, Namespace: ns, PackagePrefix: prefix}, store.Page{After: after, Limit: budget})
		if err != nil {
			return nil, "", nil, err
		}
		for _, p := range ps {
			pl := loc{Domain: l.Domain, Owner: l.Owner, Repo: repo, Format: p.Format, Namespace: p.Namespace, Package: p.Name}
			if status != "" && !c.hasStatus(ctx, rq, pl, status) {
				continue
			}
			rows = append(rows, pkgRow{Loc: pl})
		}
		budget -= len(ps)
		switch {
		case n != "":
			return rows, encodeCursor(repo, n), skipped, nil
		case budget <= 0 && i+1 < len(repos):
			// The page is full and this repository is done.
			return rows, encodeCursor(repos[i+1], ""), skipped, nil
		}
	}
	return rows, "", skipped, nil
}

// hasStatus reports whether the package has a version in status st (one
// indexed query of at most one row).
func (c *Console) hasStatus(ctx context.Context, rq *request, l loc, st domain.Status) bool {
	if c.authorize(ctx, rq, "ListPackageVersions", service.ResourcePackage, l) != nil {
		return false
	}
	list, err := c.o.Service.ListPackageVersions(ctx, rq.caller, l.ref(), service.ListVersionsInput{Status: st, Sort: store.SortByVersion},
		store.Page{Limit: 1})
	return err == nil && len(list.Versions) > 0
}
