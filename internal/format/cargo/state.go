package cargo

import (
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

// state is Cargo's package-level state, kept in domain.Package.Metadata.
type state struct {
	// Stamp changes (to a fresh random value) with every change to the
	// crate's versions: publishes, yanks, status changes through the
	// control plane, disposals, deletions, copies. Cached index files are
	// keyed on it, so every node sharing the database sees a change at
	// once. "" means "do not cache".
	Stamp string `json:"stamp,omitempty"`
	// Changed is when the stamp last changed: the index file's
	// Last-Modified.
	Changed time.Time `json:"changed,omitzero"`
	// Name is the spelling the crate was first published under; crates-io
	// refuses another spelling of the same crate.
	Name string `json:"name,omitempty"`
}

// loadState decodes a package's Cargo state; anything unreadable counts as
// no state at all.
func loadState(p domain.Package) state {
	return domain.PackageState[state](p)
}

// renewStamp gives p a new stamp, and the crate's spelling when it has
// none yet and name is not "".
func renewStamp(p *domain.Package, name string) error {
	st := loadState(*p)
	st.Stamp = domain.NewStamp()
	st.Changed = time.Now().UTC().Truncate(time.Second)
	if st.Name == "" {
		st.Name = name
	}
	return domain.SetPackageState(p, st)
}
