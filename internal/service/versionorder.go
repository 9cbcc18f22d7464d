package service

import (
	"context"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/versionkey"
)

// VersionOrderer is an optional FormatRules capability: the format's
// version order, as keys whose byte order is that order (see
// internal/versionkey). Formats without it get the natural order (digit
// runs as numbers). ListPackageVersions lists by these keys, newest first,
// from an index (issue #16).
type VersionOrderer interface {
	VersionSortKey(version string) []byte
}

// versionSortKey returns the key function of format f.
func (s *Service) versionSortKey(f domain.Format) func(string) []byte {
	if o, ok := s.formatRules(f).(VersionOrderer); ok {
		return o.VersionSortKey
	}
	return versionkey.Natural
}

// keyingStore is the store as the service uses it: every version created
// through it gets its format's sort key (publish, upstream and external
// keeps, copies, Maven's deploys: every path, here once). A key computed
// once stays right, since a version string never changes.
type keyingStore struct {
	store.Store
	s *Service
}

func (k keyingStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	return k.Store.Write(ctx, func(tx store.Tx) error { return fn(keyingTx{tx, k.s}) })
}

// keyingLeaderStore keeps the Leader capability of a shared store visible.
type keyingLeaderStore struct {
	keyingStore
	store.Leader
}

// withSortKeys wraps st for s.
func withSortKeys(st store.Store, s *Service) store.Store {
	k := keyingStore{st, s}
	if l, ok := st.(store.Leader); ok {
		return keyingLeaderStore{k, l}
	}
	return k
}

type keyingTx struct {
	store.Tx
	s *Service
}

func (t keyingTx) Versions() store.Versions { return keyingVersions{t.Tx.Versions(), t} }

type keyingVersions struct {
	store.Versions
	tx keyingTx
}

// Create keys a version that has no key yet; a copy keeps its source's
// (the same format's).
func (v keyingVersions) Create(ctx context.Context, pv *domain.PackageVersion) error {
	if pv.SortKey == nil {
		p, err := v.tx.Tx.Packages().GetByID(ctx, pv.PackageID)
		if err != nil {
			return err
		}
		pv.SortKey = v.tx.s.versionSortKey(p.Format)(pv.Version)
	}
	return v.Versions.Create(ctx, pv)
}

// sortKeyBatch is how many versions one transaction of fillSortKeys keys.
const sortKeyBatch = 1000

// fillSortKeys gives the versions of a package stored before sort keys
// existed (migration 0009) their format's key, a batch per write
// transaction. It runs once per package, when the package is first listed
// in version order: until then the package's keyless versions are out of
// that order, and nothing else reads it. Nodes that fill the same package
// at once do the same writes; the second finds nothing left.
func (s *Service) fillSortKeys(ctx context.Context, pkg domain.Package) error {
	key := s.versionSortKey(pkg.Format)
	for {
		var n int
		err := s.store.Write(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.Versions().FillSortKeys(ctx, pkg.ID, sortKeyBatch, key)
			return err
		})
		if err != nil || n < sortKeyBatch {
			return err
		}
	}
}
