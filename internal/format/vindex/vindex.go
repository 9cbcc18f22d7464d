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

// Index is a package's index at one stamp: its items in order. An Index
// is never changed once built: Edit returns a new one, so readers of the
// old one need no lock.
type Index[T any] struct {
	PkgID int64
	Stamp string
	Items []Item[T]
}

// Build makes the index of a package's versions.
func Build[T any](pkgID int64, stamp string, versions []domain.PackageVersion, conv Convert[T]) *Index[T] {
	items := make([]Item[T], 0, len(versions))
	for _, v := range versions {
		if it, ok := conv(v); ok {
			it.Version = v.Version
			items = append(items, it)
		}
	}
	slices.SortFunc(items, compare)
	return &Index[T]{PkgID: pkgID, Stamp: stamp, Items: items}
}

// Edit returns the index at stamp, when changed names every version
// changed since ix's stamp and rows holds those that still exist, as
// they are now. It costs a copy of the item headers and one binary
// search per changed version: no version is converted again but those.
func (ix *Index[T]) Edit(stamp string, changed []string, rows []domain.PackageVersion, conv Convert[T]) *Index[T] {
	items := make([]Item[T], 0, len(ix.Items)+len(rows))
	if len(changed) == 0 {
		items = append(items, ix.Items...)
	} else {
		gone := make(map[string]bool, len(changed))
		for _, v := range changed {
			gone[v] = true
		}
		for _, it := range ix.Items {
			if !gone[it.Version] {
				items = append(items, it)
			}
		}
	}
	for _, v := range rows {
		it, ok := conv(v)
		if !ok {
			continue
		}
		it.Version = v.Version
		i, _ := slices.BinarySearchFunc(items, it, compare)
		items = slices.Insert(items, i, it)
	}
	return &Index[T]{PkgID: ix.PkgID, Stamp: stamp, Items: items}
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
	logOf func(domain.Package) Log, prev *Index[T], conv Convert[T]) (*Index[T], domain.Package, How, error) {
	if prev != nil && prev.PkgID == cur.ID {
		log := logOf(cur)
		if changed, ok := log.Since(prev.Stamp); ok {
			pkg, rows, err := r.PackageVersionsNamed(ctx, c, ref, changed)
			if err != nil {
				return nil, domain.Package{}, Built, err
			}
			// Changed again in between: the list read may be short.
			if pkg.ID == cur.ID && logOf(pkg).Stamp == log.Stamp {
				return prev.Edit(log.Stamp, changed, rows, conv), pkg, Edited, nil
			}
		}
	}
	pkg, versions, err := r.PackageVersions(ctx, c, ref)
	if err != nil {
		return nil, domain.Package{}, Built, err
	}
	return Build(pkg.ID, logOf(pkg).Stamp, versions, conv), pkg, Built, nil
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
