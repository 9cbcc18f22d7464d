package pypi

import (
	"github.com/artifactd/artifactd/internal/domain"
)

// state is PyPI's package-level state, kept in domain.Package.Metadata.
type state struct {
	// Stamp changes (to a fresh random value) with every change to the
	// package's versions: uploads, status changes, disposals, deletions,
	// copies and metadata updates. Caches of rendered simple pages are
	// keyed on it, so every node sharing the database sees a change at
	// once. "" (packages from before stamps) means "do not cache".
	Stamp string `json:"stamp,omitempty"`
}

// loadState decodes a package's PyPI state; anything unreadable counts as
// no state at all.
func loadState(p domain.Package) state {
	return domain.PackageState[state](p)
}

// renewStamp gives p a new stamp.
func renewStamp(p *domain.Package) error {
	st := loadState(*p)
	st.Stamp = domain.NewStamp()
	return domain.SetPackageState(p, st)
}
