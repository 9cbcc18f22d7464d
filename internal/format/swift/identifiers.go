package swift

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// identifiers serves GET identifiers?url={url} (Registry.md 4.5): the
// packages of the repository whose releases declared the URL among their
// metadata's repositoryURLs (4.5.1), matched in canonical form. Each
// package keeps the URLs of its releases in its own state, so a lookup
// reads the repository's Swift package rows, a page at a time, and no
// versions.
func (f *Format) identifiers(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	raw := r.URL.Query().Get("url")
	if raw == "" {
		writeProblem(w, http.StatusBadRequest, "the url query parameter is required")
		return
	}
	want := canonicalURL(raw)
	if want == "" {
		writeProblem(w, http.StatusBadRequest, "the url query parameter "+quote(raw)+" is not a URL")
		return
	}
	ids := []string{}
	page := store.Page{Limit: 1000}
	for {
		ps, next, err := f.svc.ListPackages(r.Context(), repo.Caller, service.ListPackagesInput{
			Domain: repo.Domain, DomainOwner: repo.Owner, Repository: repo.Repository, Format: domain.FormatSwift,
		}, page)
		if err != nil {
			f.writeError(w, err)
			return
		}
		for _, p := range ps {
			if slices.Contains(loadState(p).URLs, want) {
				ids = append(ids, p.Namespace+"."+p.Name)
			}
		}
		if next == "" {
			break
		}
		page.After = next
	}
	if len(ids) == 0 {
		writeProblem(w, http.StatusNotFound, "no package identifiers are registered for "+quote(raw))
		return
	}
	sort.Strings(ids)
	body, _ := json.Marshal(map[string][]string{"identifiers": ids})
	writeJSON(w, append(body, '\n'))
}
