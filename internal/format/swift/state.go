package swift

import (
	"slices"

	"github.com/artifactd/artifactd/internal/domain"
)

// state is Swift's package-level state, kept in domain.Package.Metadata.
type state struct {
	// Stamp changes with every change to the package's versions; cached
	// release lists are keyed on it, so every node sharing the database
	// sees a change at once. "" means "do not cache".
	Stamp string `json:"stamp,omitempty"`
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

// updateState gives p a new stamp and adds urls (canonical) to the ones
// it is found by.
func updateState(p *domain.Package, urls []string) error {
	st := loadState(*p)
	st.Stamp = domain.NewStamp()
	for _, u := range urls {
		if !slices.Contains(st.URLs, u) && len(st.URLs) < maxPackageURLs {
			st.URLs = append(st.URLs, u)
		}
	}
	return domain.SetPackageState(p, st)
}
