package swift

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
)

// identifiers serves GET identifiers?url={url} (Registry.md 4.5): the
// packages of the repository whose releases declared the URL among their
// metadata's repositoryURLs (4.5.1), matched in canonical form. Each
// package keeps the URLs of its releases in its own state; the
// repository's map from URL to identifiers is built from them and kept
// while the repository's listing stamp of Swift packages is unchanged, so
// a lookup reads one row, whatever the number of packages.
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
	byURL, err := f.urls.Get(r.Context(), repo, func(ctx context.Context) (map[string][]string, int64, error) {
		byURL := map[string][]string{}
		size := int64(0)
		err := f.urls.Each(ctx, repo, func(p domain.Package) error {
			id := p.Namespace + "." + p.Name
			for _, u := range slices.Compact(slices.Sorted(slices.Values(loadState(p).URLs))) {
				byURL[u] = append(byURL[u], id)
				size += int64(len(u)+len(id)) + 48
			}
			return nil
		})
		for _, ids := range byURL {
			sort.Strings(ids)
		}
		return byURL, size, err
	})
	if err != nil {
		f.writeError(w, err)
		return
	}
	ids := byURL[want]
	if len(ids) == 0 {
		writeProblem(w, http.StatusNotFound, "no package identifiers are registered for "+quote(raw))
		return
	}
	body, _ := json.Marshal(map[string][]string{"identifiers": ids})
	writeJSON(w, append(body, '\n'))
}
