package nuget

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// Search bounds, the public gallery's: take at most 1000, skip at most 3000.
const (
	maxTake     = 1000
	maxSkip     = 3000
	defaultTake = 20
)

// searchParams are the query parameters of SearchQueryService and
// SearchAutocompleteService ("Search" and "Autocomplete" documents).
type searchParams struct {
	prefix     string // lowercased ID prefix, "" = every package
	exact      bool   // packageid:X: that ID only
	skip, take int
	prerelease bool
	semver2    bool
}

func parseSearch(r *http.Request) (searchParams, string) {
	q := r.URL.Query()
	p := searchParams{take: defaultTake}
	term := strings.TrimSpace(q.Get("q"))
	if k, v, ok := strings.Cut(term, ":"); ok && (strings.EqualFold(k, "packageid") || strings.EqualFold(k, "id")) {
		term, p.exact = strings.TrimSpace(v), strings.EqualFold(k, "packageid")
	}
	if f := strings.Fields(term); len(f) > 0 {
		term = f[0]
	}
	p.prefix = strings.ToLower(term)
	var err error
	if s := q.Get("skip"); s != "" {
		if p.skip, err = strconv.Atoi(s); err != nil || p.skip < 0 || p.skip > maxSkip {
			return p, "skip must be a number from 0 to " + strconv.Itoa(maxSkip)
		}
	}
	if s := q.Get("take"); s != "" {
		if p.take, err = strconv.Atoi(s); err != nil || p.take < 0 || p.take > maxTake {
			return p, "take must be a number from 0 to " + strconv.Itoa(maxTake)
		}
	}
	p.prerelease = strings.EqualFold(q.Get("prerelease"), "true")
	if lv := q.Get("semVerLevel"); lv != "" {
		v, ok := ParseVersion(lv)
		p.semver2 = ok && v.Parts[0] >= 2
	}
	return p, ""
}

// shown reports whether a search shows a version: listed, and a
// pre-release or SemVer 2.0.0 version only when asked for.
func (p searchParams) shown(v *modelVersion) bool {
	return listedStatus(v.status) && (p.prerelease || !v.parsed.IsPrerelease()) && (p.semver2 || !v.doc.SemVer2)
}

// match is a package a search found, with the versions it shows.
type match struct {
	model    *pkgModel
	versions []*modelVersion
}

// find walks the repository's packages in ID order from the prefix (the
// store's index: a keyset seek, not a scan of the repository), skipping
// packages with no version to show, until skip+take+1 matches: the cost
// is the matches skipped and returned, not the repository. more reports
// a match beyond the page.
func (f *Format) find(ctx context.Context, repo dataplane.Repo, p searchParams) (out []match, more bool, err error) {
	in := service.ListPackagesInput{Domain: repo.Domain, DomainOwner: repo.Owner, Repository: repo.Repository,
		Format: domain.FormatNuget, PackagePrefix: p.prefix}
	if p.prefix != "" && !ValidID(p.prefix) && !ValidID(strings.TrimRight(p.prefix, ".-")) {
		return nil, false, nil
	}
	page := store.Page{Limit: min(p.skip+p.take+1, 200)}
	seen := 0
	for {
		ps, next, err := f.svc.ListPackages(ctx, repo.Caller, in, page)
		if err != nil {
			return nil, false, err
		}
		for _, pkg := range ps {
			if p.exact && pkg.Name != p.prefix {
				continue
			}
			m, err := f.model(ctx, repo, pkg.Name)
			if err != nil {
				if errors.Is(err, domain.ErrNotFound) {
					continue
				}
				return nil, false, err
			}
			var vs []*modelVersion
			for _, v := range m.versions {
				if p.shown(v) {
					vs = append(vs, v)
				}
			}
			if len(vs) == 0 {
				continue
			}
			seen++
			switch {
			case seen <= p.skip:
			case len(out) < p.take:
				out = append(out, match{m, vs})
			default:
				return out, true, nil
			}
		}
		if next == "" {
			return out, false, nil
		}
		page.After = next
	}
}

// search serves SearchQueryService: packages whose ID starts with q
// (packageid:X for one ID), their latest shown version's metadata and
// every shown version. totalHits counts the packages skipped and
// returned, plus one when more follow (counting every match would read
// every matching package).
func (f *Format) search(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	p, bad := parseSearch(r)
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	found, more, err := f.find(r.Context(), repo, p)
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	h := hives[0]
	if p.semver2 {
		h = hives[2]
	}
	data := make([]map[string]any, 0, len(found))
	for _, m := range found {
		u := newURLs(repo, h, m.model.id)
		latest := m.versions[len(m.versions)-1]
		d := latest.doc
		versions := make([]map[string]any, 0, len(m.versions))
		for _, v := range m.versions {
			versions = append(versions, map[string]any{"version": v.doc.Version, "downloads": 0, "@id": u.leaf(lowerVersion(v))})
		}
		tags, authors := d.Tags, d.Authors
		if tags == nil {
			tags = []string{}
		}
		if authors == nil {
			authors = []string{}
		}
		data = append(data, map[string]any{
			"@id": u.index(), "@type": "Package", "registration": u.index(),
			"id": d.ID, "version": d.Version, "description": d.Description, "summary": d.Summary, "title": d.Title,
			"iconUrl": d.IconURL, "licenseUrl": d.LicenseURL, "projectUrl": d.ProjectURL,
			"tags": tags, "authors": authors, "totalDownloads": 0, "verified": false,
			"packageTypes": []map[string]string{{"name": "Dependency"}},
			"versions":     versions,
		})
	}
	total := p.skip + len(found)
	if more {
		total++
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"totalHits": total, "data": data}, false)
}

// autocomplete serves SearchAutocompleteService: package IDs starting
// with q, or with id= the shown versions of one package.
func (f *Format) autocomplete(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	p, bad := parseSearch(r)
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	data := []string{}
	if id := strings.TrimSpace(r.URL.Query().Get("id")); id != "" {
		if ValidID(id) {
			m, err := f.model(r.Context(), repo, id)
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				f.writeServiceError(w, err)
				return
			}
			if m != nil {
				for _, v := range m.versions {
					if p.shown(v) {
						data = append(data, v.doc.Version)
					}
				}
			}
		}
		writeJSON(w, r, http.StatusOK, map[string]any{"totalHits": len(data), "data": data}, false)
		return
	}
	found, more, err := f.find(r.Context(), repo, p)
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	for _, m := range found {
		data = append(data, m.versions[len(m.versions)-1].doc.ID)
	}
	total := p.skip + len(found)
	if more {
		total++
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"totalHits": total, "data": data}, false)
}
