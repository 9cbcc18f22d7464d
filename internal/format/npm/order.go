package npm

import "github.com/artifactd/artifactd/internal/semver"

// VersionSortKey orders versions as semver.Compare does (SemVer 2.0.0
// precedence, valid versions after anything else), as bytes: the store
// indexes it for ListPackageVersions (issue #16).
func (*Rules) VersionSortKey(version string) []byte { return semver.Key(version) }
