package npm

import (
	"errors"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"

	"github.com/artifactd/artifactd/internal/semver"
)

// state is npm's package-level state, kept in domain.Package.Metadata.
type state struct {
	// DistTags maps tag names to versions. Every tag names a Published
	// version; PackageChanged keeps it so.
	DistTags map[string]string `json:"dist-tags"`
	// Stamp changes (to a fresh random value) with every change to the
	// package or its versions. Packument caches are keyed on it, so every
	// node sharing the database sees a change at once.
	Stamp string `json:"stamp,omitempty"`
	// Versions is the log of the package's versions (vindex.Log): its
	// stamp changes with Stamp, except when only the dist-tags change (a
	// packument rendered at one state is then the next one's but for its
	// head), and it lists the versions publishes changed since, which a
	// packument of an earlier stamp reads again to become the current one
	// (Format.fromCached). Every other change of versions clears the list.
	Versions vindex.Log `json:"versionsLog,omitzero"`
	// Modified is when Stamp last changed.
	Modified time.Time `json:"modified,omitzero"`
}

// loadState decodes a package's npm state; anything unreadable counts as
// no state at all.
func loadState(p domain.Package) state {
	st := domain.PackageState[state](p)
	if st.DistTags == nil {
		st.DistTags = map[string]string{}
	}
	return st
}

// save writes st into p with a new stamp, after a change that may touch
// any version.
func (st state) save(p *domain.Package, now time.Time) error {
	st.Versions.Renew(nil)
	return st.saveTags(p, now)
}

// saveTouched is save after a change of one version alone (a publish),
// which the versions' log records.
func (st state) saveTouched(p *domain.Package, now time.Time, version string) error {
	st.Versions.Renew([]string{version})
	return st.saveTags(p, now)
}

// saveTags writes st into p with a new stamp after a change of its
// dist-tags alone: the versions stamp stays.
func (st state) saveTags(p *domain.Package, now time.Time) error {
	if st.Versions.Stamp == "" {
		st.Versions.Renew(nil)
	}
	st.Stamp = domain.NewStamp()
	st.Modified = now.UTC()
	return domain.SetPackageState(p, st)
}

// visible reports whether npm clients see a version in packuments.
func visible(s domain.Status) bool { return s == domain.StatusPublished }

// downloadable reports whether a version's tarball is served by URL:
// Unlisted versions are hidden from packuments but stay installable by
// exact tarball URL, as on CodeArtifact.
func downloadable(s domain.Status) bool {
	return s == domain.StatusPublished || s == domain.StatusUnlisted
}

// fixTags returns the dist-tags that are valid for versions: tags naming
// a version that is gone or not Published are dropped, and `latest` moves
// to the highest Published version (releases before prereleases) when it
// would otherwise be missing. tags is not modified.
func fixTags(tags map[string]string, versions []domain.PackageVersion) map[string]string {
	published := map[string]bool{}
	for _, v := range versions {
		if visible(v.Status) {
			published[v.Version] = true
		}
	}
	return publishedTags(tags, published)
}

// highest returns the highest release in set by SemVer precedence, or the
// highest prerelease when there is no release.
func highest(set map[string]bool) string {
	var best string
	bestRelease := false
	for v := range set {
		sv, ok := semver.Parse(v)
		release := ok && len(sv.Pre) == 0
		switch {
		case best == "",
			release && !bestRelease,
			release == bestRelease && semver.Compare(v, best) > 0:
			best, bestRelease = v, release
		}
	}
	return best
}

// fixTagsIn is fixTags reading the package's versions through r: it looks
// at the tagged versions only, and at every Published one only when
// latest has to move (its version left Published).
func fixTagsIn(tags map[string]string, r service.VersionReader) (map[string]string, error) {
	out := make(map[string]string, len(tags)+1)
	published := map[string]bool{} // of the tagged versions
	for tag, v := range tags {
		pub, seen := published[v]
		if !seen {
			pv, err := r.Get(v)
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
			pub = err == nil && visible(pv.Status)
			published[v] = pub
		}
		if pub {
			out[tag] = v
		}
	}
	if _, ok := out["latest"]; ok {
		return out, nil
	}
	all := map[string]bool{}
	if err := r.Each(domain.StatusPublished, func(v domain.PackageVersion) error {
		all[v.Version] = true
		return nil
	}); err != nil {
		return nil, err
	}
	if best := highest(all); best != "" {
		out["latest"] = best
	}
	return out, nil
}

// Rules keeps npm's package-level state right when the control plane
// changes versions (service.FormatRules).
type Rules struct {
	now func() time.Time
}

// NewRules returns npm's format rules for the service.
func NewRules() *Rules { return &Rules{now: time.Now} }

// PackageChanged fixes the dist-tags after a status change, dispose,
// delete or copy, and renews the package's stamp so that every packument
// cache forgets it. It runs inside the control plane's transaction.
func (r *Rules) PackageChanged(p *domain.Package, versions service.VersionReader, _ []string) error {
	st := loadState(*p)
	tags, err := fixTagsIn(st.DistTags, versions)
	if err != nil {
		return err
	}
	st.DistTags = tags
	return st.save(p, r.now())
}

// VersionsCopied copies, as CodeArtifact does, the source's dist-tags that
// name a copied version, replacing same-named tags in the destination.
// PackageChanged then drops any that name a version the destination does
// not publish.
func (r *Rules) VersionsCopied(src domain.Package, dst *domain.Package, versions []string) error {
	from, to := loadState(src), loadState(*dst)
	copied := map[string]bool{}
	for _, v := range versions {
		copied[v] = true
	}
	for tag, v := range from.DistTags {
		if copied[v] {
			to.DistTags[tag] = v
		}
	}
	return to.save(dst, r.now())
}

// DefaultDisplayVersion is what ListPackageVersions reports as the
// package's default version: the latest dist-tag (kept on a Published
// version by PackageChanged), as on CodeArtifact.
func (r *Rules) DefaultDisplayVersion(p domain.Package) string {
	return loadState(p).DistTags["latest"]
}

// RetentionExempt keeps every dist-tagged version from retention rules
// (service.RetentionExempt): a tag names a version clients install.
func (r *Rules) RetentionExempt(p domain.Package) []string {
	var out []string
	for _, v := range loadState(p).DistTags {
		out = append(out, v)
	}
	return out
}
