// Package vindex keeps the per-package indexes that formats serve (a PyPI
// project page, a Cargo index file, a NuGet registration, Swift's release
// list...) as one item per version, in the index's order, so that a change
// of a few versions edits a cached index instead of reading and rendering
// every version again.
//
// A format keeps a Log in its package state. Every change of versions
// renews the log's stamp in the change's transaction and records which
// versions it touched; an index built at an earlier stamp of the same log
// becomes the current one by reading those versions again (Load), one row
// each, whatever the number of versions the package has.
package vindex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// Log is the part of a format's package state that names the state of
// the package's versions. Embedded in the format's state struct, its
// fields sit beside the format's own (stamp keeps the name formats used
// before the log existed, so older states read as stamps without a list).
type Log struct {
	// Stamp changes (to a fresh random value) with every change of the
	// package's versions. Caches are keyed on it, so every node sharing
	// the database sees a change at once; "" means "do not cache".
	Stamp string `json:"stamp,omitempty"`
	// Touched names the versions changed since the stamp TouchedFrom, each with
	// the stamp its change left. A change that may have touched any
	// version clears it.
	TouchedFrom string  `json:"touchedFrom,omitempty"`
	Touched     []Touch `json:"touched,omitempty"`
}

// Touch is one version's change in Log.Touched.
type Touch struct {
	Version string `json:"v"`
	Stamp   string `json:"s"` // the stamp after it
}

// maxChanges bounds Log.Touched (the state is read with every request):
// an index more changes behind is built again from every version.
const maxChanges = 32

// Renew gives l a new stamp after a change of versions: nil when any
// version may have changed, empty when none did (package-level state).
func (l *Log) Renew(versions []string) {
	prev := l.Stamp
	l.Stamp = domain.NewStamp()
	if prev == "" || versions == nil {
		l.TouchedFrom, l.Touched = "", nil
		return
	}
	if len(l.Touched) == 0 {
		l.TouchedFrom = prev
	}
	changed := slices.Clip(l.Touched)
	if len(versions) == 0 {
		// No version to list: the new stamp names the same versions.
		changed = append(changed, Touch{"", l.Stamp})
	}
	for _, v := range versions {
		changed = append(changed, Touch{v, l.Stamp})
	}
	// Forget the oldest changes, a stamp's changes at a time.
	for len(changed) > maxChanges {
		l.TouchedFrom = changed[0].Stamp
		i := 0
		for i < len(changed) && changed[i].Stamp == l.TouchedFrom {
			i++
		}
		changed = changed[i:]
	}
	if len(changed) == 0 {
		l.TouchedFrom = ""
		changed = nil
	}
	l.Touched = changed
}

// Since returns the versions changed between the stamp from and l's, when
// l knows them (ok false: any version may have changed).
func (l Log) Since(from string) (versions []string, ok bool) {
	if from == "" || l.Stamp == "" {
		return nil, false
	}
	if from == l.Stamp {
		return []string{}, true
	}
	i := -1 // the first change after from
	if l.TouchedFrom == from {
		i = 0
	} else {
		for j, c := range l.Touched {
			if c.Stamp == from {
				i = j + 1
			}
		}
	}
	if i < 0 || i >= len(l.Touched) {
		return nil, false
	}
	versions = []string{}
	for _, c := range l.Touched[i:] {
		if c.Version != "" && !slices.Contains(versions, c.Version) {
			versions = append(versions, c.Version)
		}
	}
	return versions, true
}

// Item is what one version puts in an index.
type Item[T any] struct {
	Version string
	// Key orders the index: items sort by Key, then by Version.
	Key []byte
	Val T
}

func compare[T any](a, b Item[T]) int {
	if c := bytes.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Version, b.Version)
}

// Convert makes a version's item; ok is false when the version has no
// place in the index (not listed, say). It sets Key and Val; Version is
// set by the caller.
type Convert[T any] func(v domain.PackageVersion) (item Item[T], ok bool)

// Section is one run of the index's document made of each item's part
// in order (from the last item when Reverse), separated by Sep (the files
// of a PyPI page, with ","): the index keeps it joined per group of items
// (Index.Joined).
type Section[T any] struct {
	Part    func(T) []byte
	Sep     []byte
	Reverse bool
}

// Spec says how a format's index is made: each version's item, the
// sections of its document kept joined, and optionally which item is
// best (Index.Best: Better(a, b) reports whether a beats b).
type Spec[T any] struct {
	Convert  Convert[T]
	Sections []Section[T]
	Better   func(a, b T) bool
}

// Index is a package's index at one stamp: its items in order, in groups
// of about groupSpan items. Where a group ends depends on the items alone
// (after an item whose version hashes to 0 mod groupSpan), so an edit
// changes the groups of the items it touches and leaves every other
// group, and the joined sections it keeps, as they were. An Index is
// never changed once built: Edit returns a new one sharing the untouched
// groups, so readers of the old one need no lock.
type Index[T any] struct {
	PkgID  int64
	Stamp  string
	groups []*group[T]
	n      int
	spec   Spec[T]
}

// group is a run of an index's items and its sections joined.
type group[T any] struct {
	items  []Item[T]
	names  []string // the items' versions, sorted: a version is found without looking at every item
	joined [][]byte // per section of the Spec
	best   int      // the group's best item (Spec.Better), the first of equals
}

// groupSpan is the mean number of items of a group.
const groupSpan = 64

// EndsGroup reports whether a group ends after the item of version v:
// about one version in groupSpan, chosen by FNV-1a of its name, so that
// where groups end depends on the versions alone (npm's packuments cut
// their groups the same way).
func EndsGroup(v string) bool {
	h := uint32(2166136261)
	for i := 0; i < len(v); i++ {
		h ^= uint32(v[i])
		h *= 16777619
	}
	return h%groupSpan == 0
}

// Len is the number of items.
func (ix *Index[T]) Len() int { return ix.n }

// Items returns the items in order (a copy: it costs every item, for
// the formats that use them all).
func (ix *Index[T]) Items() []Item[T] {
	out := make([]Item[T], 0, ix.n)
	for _, g := range ix.groups {
		out = append(out, g.items...)
	}
	return out
}

// Joined returns section s of the index as parts to write one after the
// other: each group's parts joined, from the last group for a Reverse
// section, with the section's separator between groups. It costs the
// number of groups.
func (ix *Index[T]) Joined(s int) [][]byte {
	sec := ix.spec.Sections[s]
	out := make([][]byte, 0, 2*len(ix.groups))
	for i := range ix.groups {
		g := ix.groups[i]
		if sec.Reverse {
			g = ix.groups[len(ix.groups)-1-i]
		}
		if i > 0 && len(sec.Sep) > 0 {
			out = append(out, sec.Sep)
		}
		out = append(out, g.joined[s])
	}
	return out
}

// Best returns the best item by the Spec's Better (the first of equals);
// ok is false for an empty index or a Spec without Better. It costs the
// number of groups.
func (ix *Index[T]) Best() (best Item[T], ok bool) {
	if ix.spec.Better == nil {
		return best, false
	}
	for _, g := range ix.groups {
		it := g.items[g.best]
		if !ok || ix.spec.Better(it.Val, best.Val) {
			best, ok = it, true
		}
	}
	return best, ok
}

// Get returns the item of version.
func (ix *Index[T]) Get(version string) (Item[T], bool) {
	gi := ix.find(version, nil, false)
	if gi < 0 {
		return Item[T]{}, false
	}
	for _, it := range ix.groups[gi].items {
		if it.Version == version {
			return it, true
		}
	}
	return Item[T]{}, false
}

// Walk calls fn with the items after version (forward) or before it, in
// that direction, until fn returns true; from the first item (forward)
// or the last one when version is "". It costs the items fn sees and a
// search for version.
func (ix *Index[T]) Walk(version string, forward bool, fn func(Item[T]) bool) {
	gi, i := 0, -1
	if !forward {
		gi = len(ix.groups) - 1
		if gi >= 0 {
			i = len(ix.groups[gi].items)
		}
	}
	if version != "" {
		if gi = ix.find(version, nil, false); gi < 0 {
			return
		}
		i = slices.IndexFunc(ix.groups[gi].items, func(it Item[T]) bool { return it.Version == version })
	}
	step := 1
	if !forward {
		step = -1
	}
	for gi >= 0 && gi < len(ix.groups) {
		items := ix.groups[gi].items
		for i += step; i >= 0 && i < len(items); i += step {
			if fn(items[i]) {
				return
			}
		}
		gi += step
		if gi >= 0 && gi < len(ix.groups) {
			i = -1
			if !forward {
				i = len(ix.groups[gi].items)
			}
		}
	}
}

// Each calls fn with every item in order (it costs them all).
func (ix *Index[T]) Each(fn func(Item[T])) {
	for _, g := range ix.groups {
		for _, it := range g.items {
			fn(it)
		}
	}
}

// Build makes the index of a package's versions.
func Build[T any](pkgID int64, stamp string, versions []domain.PackageVersion, spec Spec[T]) *Index[T] {
	items := make([]Item[T], 0, len(versions))
	for _, v := range versions {
		if it, ok := spec.Convert(v); ok {
			it.Version = v.Version
			items = append(items, it)
		}
	}
	slices.SortFunc(items, compare)
	return &Index[T]{PkgID: pkgID, Stamp: stamp, groups: split(items, true, spec), n: len(items), spec: spec}
}

// split cuts items into groups; the last one ends at the end of items
// when last is true (the index's end), else it must end a group.
func split[T any](items []Item[T], last bool, spec Spec[T]) []*group[T] {
	var out []*group[T]
	start := 0
	for i, it := range items {
		if EndsGroup(it.Version) || (last && i == len(items)-1) {
			out = append(out, newGroup(slices.Clip(items[start:i+1]), spec))
			start = i + 1
		}
	}
	if start < len(items) { // not reached when the caller keeps its promise
		out = append(out, newGroup(slices.Clip(items[start:]), spec))
	}
	return out
}

func newGroup[T any](items []Item[T], spec Spec[T]) *group[T] {
	g := &group[T]{items: items, names: make([]string, len(items)), joined: make([][]byte, len(spec.Sections))}
	for i, it := range items {
		g.names[i] = it.Version
	}
	slices.Sort(g.names)
	for s, sec := range spec.Sections {
		var b []byte
		for i := range items {
			it := items[i]
			if sec.Reverse {
				it = items[len(items)-1-i]
			}
			if i > 0 {
				b = append(b, sec.Sep...)
			}
			b = append(b, sec.Part(it.Val)...)
		}
		g.joined[s] = b
	}
	if spec.Better != nil {
		for i := range items {
			if spec.Better(items[i].Val, items[g.best].Val) {
				g.best = i
			}
		}
	}
	return g
}

// groupFor is the index of the group an item belongs in: the first whose
// last item is not before it (the last group for an item after them all).
func (ix *Index[T]) groupFor(it Item[T]) int {
	i := sort.Search(len(ix.groups), func(i int) bool {
		g := ix.groups[i].items
		return compare(g[len(g)-1], it) >= 0
	})
	return min(i, len(ix.groups)-1)
}

// find returns the group holding version, guided by key when the item
// kept it; -1 when the index has no such version.
func (ix *Index[T]) find(version string, key []byte, haveKey bool) int {
	if haveKey && len(ix.groups) > 0 {
		gi := ix.groupFor(Item[T]{Version: version, Key: key})
		if _, ok := slices.BinarySearch(ix.groups[gi].names, version); ok {
			return gi
		}
	}
	// A new version, a deleted one, or one whose key changed (a PyPI
	// version published again): a binary search in every group.
	for gi, g := range ix.groups {
		if _, ok := slices.BinarySearch(g.names, version); ok {
			return gi
		}
	}
	return -1
}

// Edit returns the index at stamp, when changed names every version
// changed since ix's stamp and rows holds those that still exist, as
// they are now. Only the groups holding the changed versions (and the
// next one, when a group's last item leaves) are made again: it costs
// those groups and a copy of the list of groups, whatever the number of
// items; finding a version not where its key puts it (a new one, a
// deleted one) costs a binary search in each group.
func (ix *Index[T]) Edit(stamp string, changed []string, rows []domain.PackageVersion, spec Spec[T]) *Index[T] {
	fresh := make(map[string]Item[T], len(rows))
	for _, v := range rows {
		if it, ok := spec.Convert(v); ok {
			it.Version = v.Version
			fresh[v.Version] = it
		}
	}
	dirty := map[int]bool{}
	gone := map[string]bool{}
	for _, v := range changed {
		it, ok := fresh[v]
		if gi := ix.find(v, it.Key, ok); gi >= 0 {
			dirty[gi] = true
			gone[v] = true
			if g := ix.groups[gi].items; g[len(g)-1].Version == v && gi+1 < len(ix.groups) {
				dirty[gi+1] = true // the group may no longer end there
			}
		}
	}
	adds := map[int][]Item[T]{}
	for _, v := range changed {
		it, ok := fresh[v]
		if !ok {
			continue
		}
		gi := 0
		if len(ix.groups) > 0 {
			gi = ix.groupFor(it)
		}
		dirty[gi] = true
		adds[gi] = append(adds[gi], it)
	}
	if len(ix.groups) == 0 {
		var items []Item[T]
		for _, it := range adds[0] {
			items = append(items, it)
		}
		slices.SortFunc(items, compare)
		return &Index[T]{PkgID: ix.PkgID, Stamp: stamp, groups: split(items, true, spec), n: len(items), spec: spec}
	}
	out := &Index[T]{PkgID: ix.PkgID, Stamp: stamp, groups: make([]*group[T], 0, len(ix.groups)+len(adds)), spec: spec}
	for gi := 0; gi < len(ix.groups); {
		if !dirty[gi] {
			out.groups = append(out.groups, ix.groups[gi])
			out.n += len(ix.groups[gi].items)
			gi++
			continue
		}
		// A run of dirty groups: their items, edited, cut again.
		var items []Item[T]
		for ; gi < len(ix.groups) && dirty[gi]; gi++ {
			for _, it := range ix.groups[gi].items {
				if !gone[it.Version] {
					items = append(items, it)
				}
			}
			items = append(items, adds[gi]...)
		}
		slices.SortFunc(items, compare)
		// The run ends a group unless it reaches the end of the index
		// (its last item, a group's end, left only with the next group
		// marked dirty).
		out.groups = append(out.groups, split(items, gi == len(ix.groups), spec)...)
		out.n += len(items)
	}
	return out
}

// Reader reads what Load needs; *service.Service is one.
type Reader interface {
	PackageVersions(ctx context.Context, c service.Caller, ref service.PackageRef) (domain.Package, []domain.PackageVersion, error)
	PackageVersionsNamed(ctx context.Context, c service.Caller, ref service.PackageRef, names []string) (domain.Package, []domain.PackageVersion, error)
}

// How says how Load made an index.
type How int

const (
	Built  How = iota // from every version
	Edited            // from an earlier index and the versions changed since
)

// Load returns the index of a package as read just before (cur: its ID
// and log, which logOf reads from its state). It edits prev, an index of
// the same package at an earlier stamp, when cur's log names the versions
// changed since; otherwise it reads every version. The package returned
// is the one read in the same transaction as the versions the index shows.
func Load[T any](ctx context.Context, r Reader, c service.Caller, ref service.PackageRef, cur domain.Package,
	logOf func(domain.Package) Log, prev *Index[T], spec Spec[T]) (*Index[T], domain.Package, How, error) {
	if prev != nil && prev.PkgID == cur.ID {
		log := logOf(cur)
		if changed, ok := log.Since(prev.Stamp); ok {
			pkg, rows, err := r.PackageVersionsNamed(ctx, c, ref, changed)
			if err != nil {
				return nil, domain.Package{}, Built, err
			}
			// Changed again in between: the list read may be short.
			if pkg.ID == cur.ID && logOf(pkg).Stamp == log.Stamp {
				return prev.Edit(log.Stamp, changed, rows, spec), pkg, Edited, nil
			}
		}
	}
	pkg, versions, err := r.PackageVersions(ctx, c, ref)
	if err != nil {
		return nil, domain.Package{}, Built, err
	}
	return Build(pkg.ID, logOf(pkg).Stamp, versions, spec), pkg, Built, nil
}

// ETag names a document rendered from one package state: the stamp never
// names two states, so hashing what names the rendering is enough (hashing
// a document of many megabytes costs milliseconds). parts should hold a
// rendering version (changed with the code that renders), the cache key
// and the stamp.
func ETag(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return `"s` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}
