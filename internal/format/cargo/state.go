package cargo

import (
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

// state is Cargo's package-level state, kept in domain.Package.Metadata.
type state struct {
	// Log's stamp changes with every change to the crate's versions:
	// publishes, yanks, status changes through the control plane,
	// disposals, deletions, copies; the log names the versions changed.
	// Cached index files are keyed on the stamp, so every node sharing the
	// database sees a change at once, and the file of an earlier stamp is
	// edited into the current one (vindex.Load).
	vindex.Log
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

func logOf(p domain.Package) vindex.Log { return loadState(p).Log }

// renewStamp gives p a new stamp after a change of versions (nil: any),
// and the crate's spelling when it has none yet and name is not "".
func renewStamp(p *domain.Package, name string, versions []string) error {
	st := loadState(*p)
	st.Renew(versions)
	st.Changed = time.Now().UTC().Truncate(time.Second)
	if st.Name == "" {
		st.Name = name
	}
	return domain.SetPackageState(p, st)
}
