package npm

import (
	"slices"
	"sort"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

// Editing a cached document's groups of versions (verGroup) after
// publishes, at the cost of the groups they touch: a version finds its
// group by binary search over the groups' last versions.

// touchGroups applies the touched versions to groups: each is taken out
// of the group it is in and, when it is now Published (rows), put where
// SemVer puts it. It returns the edited groups' versions by index, and
// the earliest publish time given the one before (created); recount is
// whether a version that had it went out.
func touchGroups(groups []verGroup, touched []string, rows map[string]domain.PackageVersion, created time.Time) (edited map[int][]groupHead, earliest time.Time, recount bool) {
	edited = map[int][]groupHead{}
	for _, v := range touched {
		k := newVersionKey(v)
		gi := groupOf(groups, &k)
		hs, ok := edited[gi]
		if !ok {
			hs = slices.Clone(groups[gi].heads)
		}
		j, found := slices.BinarySearchFunc(hs, &k, compareHead)
		if found {
			recount = recount || hs[j].published.Equal(created)
			hs = slices.Delete(hs, j, j+1)
		}
		if pv, ok := rows[v]; ok {
			hs = slices.Insert(hs, j, groupHead{id: pv.ID, revision: pv.Revision, version: pv.Version, published: pv.PublishedTime})
			if created.IsZero() || pv.PublishedTime.Before(created) {
				created = pv.PublishedTime
			}
		}
		edited[gi] = hs
	}
	return edited, created, recount
}

// regroup returns groups with the edited ones (their versions by index)
// split where their versions end a group, taking the next group along
// when an edited one no longer ends where a group ends, and rendered by
// r; every other group is kept as it is.
func regroup(groups []verGroup, edited map[int][]groupHead, r *groupRenderer) ([]verGroup, error) {
	var out []verGroup
	var carry []groupHead // versions of edited groups not yet in a group
	for i := range groups {
		hs, dirty := edited[i]
		if !dirty && len(carry) == 0 {
			out = append(out, groups[i])
			continue
		}
		if !dirty {
			hs = groups[i].heads
		}
		carry = append(carry, hs...)
		start := 0
		for j := range carry {
			if !vindex.EndsGroup(carry[j].version) && !(i == len(groups)-1 && j == len(carry)-1) {
				continue // the last group ends with the last version
			}
			g, err := r.group(pendingVersions(carry[start : j+1]))
			if err != nil {
				return nil, err
			}
			out = append(out, g)
			start = j + 1
		}
		carry = slices.Clone(carry[start:])
	}
	return out, nil
}

// earliest returns the earliest publish time of the groups' versions.
func earliest(groups []verGroup) time.Time {
	var t time.Time
	for _, g := range groups {
		for _, h := range g.heads {
			if t.IsZero() || h.published.Before(t) {
				t = h.published
			}
		}
	}
	return t
}

// groupOf returns the index of the group a version goes in: the first
// whose last version is not before it, or the last group.
func groupOf(groups []verGroup, k *versionKey) int {
	i := sort.Search(len(groups), func(i int) bool {
		hs := groups[i].heads
		last := newVersionKey(hs[len(hs)-1].version)
		return last.compare(k) >= 0
	})
	return min(i, len(groups)-1)
}

// compareHead orders a group's versions against a version (SemVer order).
func compareHead(h groupHead, k *versionKey) int {
	hk := newVersionKey(h.version)
	return hk.compare(k)
}

// hasVersion reports whether the groups show a version.
func hasVersion(groups []verGroup, k *versionKey) bool {
	if len(groups) == 0 {
		return false
	}
	_, found := slices.BinarySearchFunc(groups[groupOf(groups, k)].heads, k, compareHead)
	return found
}

// pendingVersions are versions to render, their manifests to be fetched.
func pendingVersions(heads []groupHead) []docVersion {
	out := make([]docVersion, len(heads))
	for i, h := range heads {
		out[i] = docVersion{id: h.id, revision: h.revision, version: h.version, published: h.published, pending: true}
	}
	return out
}
