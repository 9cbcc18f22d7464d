package swift

import (
	"slices"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

// state is Swift's package-level state, kept in domain.Package.Metadata.
type state struct {
	// Log's stamp changes with every change to the package's versions and
	// the log names the versions changed: cached release lists are keyed
	// on the stamp, so every node sharing the database sees a change at
	// once, and edited from one stamp to the next (vindex.Load).
	vindex.Log
	// URLs are the canonical repository URLs (canonicalURL) the package's
	// releases declared in their metadata's repositoryURLs: the index of
	// GET identifiers?url=.
	URLs []string `json:"urls,omitempty"`
}

// maxPackageURLs bounds the URLs a package keeps for identifier lookup.
const maxPackageURLs = 100

func loadState(p domain.Package) state {
	return domain.PackageState[state](p)
}

func logOf(p domain.Package) vindex.Log { return loadState(p).Log }

// updateState gives p a new stamp after a change of versions (nil: any)
// and adds urls (canonical) to the ones it is found by.
func updateState(p *domain.Package, versions, urls []string) error {
	st := loadState(*p)
	st.Renew(versions)
	for _, u := range urls {
		if !slices.Contains(st.URLs, u) && len(st.URLs) < maxPackageURLs {
			st.URLs = append(st.URLs, u)
		}
	}
	return domain.SetPackageState(p, st)
}
