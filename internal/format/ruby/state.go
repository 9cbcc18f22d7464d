package ruby

import (
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

// state is RubyGems's package-level state, kept in domain.Package.Metadata.
type state struct {
	// Log's stamp changes with every change to the package's versions:
	// uploads, status changes, disposals, deletions, copies and metadata
	// updates; the log names the versions changed. Caches of index files
	// (info, quick gemspecs) and the repository-wide files built from
	// them are keyed on the stamp, so every node sharing the database sees
	// a change at once; a package's index of an earlier stamp is edited
	// into the current one (vindex.Load).
	vindex.Log
}

// loadState decodes a package's RubyGems state; anything unreadable counts as
// no state at all.
func loadState(p domain.Package) state {
	return domain.PackageState[state](p)
}

func logOf(p domain.Package) vindex.Log { return loadState(p).Log }

// renewStamp gives p a new stamp after a change of versions (nil: any).
func renewStamp(p *domain.Package, versions []string) error {
	st := loadState(*p)
	st.Renew(versions)
	return domain.SetPackageState(p, st)
}
