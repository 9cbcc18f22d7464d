package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// Per-version error codes of the batch operations.
const (
	CodeAlreadyExists      = "ALREADY_EXISTS"
	CodeMismatchedRevision = "MISMATCHED_REVISION"
	CodeMismatchedStatus   = "MISMATCHED_STATUS"
	CodeNotAllowed         = "NOT_ALLOWED"
	CodeNotFound           = "NOT_FOUND"
	CodeSkipped            = "SKIPPED"
)

// MaxBatchVersions is the model's limit on versions per batch request.
const MaxBatchVersions = 100

// VersionResult is a version a batch acted on.
type VersionResult struct {
	Revision string
	Status   domain.Status
}

// VersionError is a version a batch did not act on.
type VersionError struct {
	Code    string
	Message string
}

// BatchResult is the outcome of a batch operation.
type BatchResult struct {
	Successful map[string]VersionResult
	Failed     map[string]VersionError
}

// BatchInput names the versions of a batch and its preconditions.
type BatchInput struct {
	Versions         []string
	VersionRevisions map[string]string
	ExpectedStatus   domain.Status // "" = any
}

// targets returns the batch's versions, each once, in request order.
func (in BatchInput) targets() ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, v := range in.Versions {
		add(v)
	}
	for _, v := range sortedKeys(in.VersionRevisions) {
		add(v)
	}
	if len(out) == 0 {
		return nil, domain.Invalid("At least one package version must be specified")
	}
	if len(out) > MaxBatchVersions {
		return nil, domain.Invalid("At most %d package versions can be specified", MaxBatchVersions)
	}
	return out, nil
}

// precheck applies the preconditions every batch shares.
func (in BatchInput) precheck(v domain.PackageVersion) *VersionError {
	if in.ExpectedStatus != "" && v.Status != in.ExpectedStatus {
		return &VersionError{CodeMismatchedStatus, fmt.Sprintf("current status: %s, expected status: %s", v.Status, in.ExpectedStatus)}
	}
	if want, ok := in.VersionRevisions[v.Version]; ok && want != v.Revision {
		return &VersionError{CodeMismatchedRevision, fmt.Sprintf("current revision: %s, expected revision: %s", v.Revision, want)}
	}
	return nil
}

// versionsOf finds versions of one package (runBatch's usual lookup).
func versionsOf(ctx context.Context, tx store.Tx, pkg domain.Package) func(string) (domain.PackageVersion, error) {
	return func(name string) (domain.PackageVersion, error) { return tx.Versions().Get(ctx, pkg.ID, name) }
}

// runBatch loads every target version with find (domain.ErrNotFound: no
// such version), checks it, and only when all pass applies the change to
// each, all inside tx: the batch is never half-applied. check may add
// operation-specific refusals.
func runBatch(ctx context.Context, tx store.Tx, find func(string) (domain.PackageVersion, error), in BatchInput,
	check func(domain.PackageVersion) *VersionError,
	apply func(*domain.PackageVersion) (*VersionResult, error)) (BatchResult, error) {
	res := BatchResult{Successful: map[string]VersionResult{}, Failed: map[string]VersionError{}}
	targets, err := in.targets()
	if err != nil {
		return res, err
	}
	found := make([]domain.PackageVersion, 0, len(targets))
	for _, name := range targets {
		v, err := find(name)
		if errors.Is(err, domain.ErrNotFound) {
			res.Failed[name] = VersionError{CodeNotFound, "Could not find version " + name}
			continue
		}
		if err != nil {
			return res, err
		}
		if e := in.precheck(v); e != nil {
			res.Failed[name] = *e
		} else if e := check(v); e != nil {
			res.Failed[name] = *e
		}
		found = append(found, v)
	}
	if len(res.Failed) > 0 {
		skipRest(res, targets)
		return res, nil
	}
	for i := range found {
		r, err := apply(&found[i])
		if err != nil {
			return res, err
		}
		if r != nil { // nil: nothing to report (an identical copy)
			res.Successful[found[i].Version] = *r
		}
	}
	return res, nil
}

// skipRest reports every target that has not failed as SKIPPED.
func skipRest(res BatchResult, targets []string) {
	for _, name := range targets {
		if _, failed := res.Failed[name]; !failed {
			res.Failed[name] = VersionError{CodeSkipped, "version " + name + " is skipped"}
		}
	}
}

func noCheck(domain.PackageVersion) *VersionError { return nil }

// UpdatePackageVersionsStatus moves versions to Published, Unlisted or Archived.
func (s *Service) UpdatePackageVersionsStatus(ctx context.Context, c Caller, ref PackageRef, in BatchInput, target domain.Status) (res BatchResult, err error) {
	switch target {
	case domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived:
	default:
		return res, domain.Invalid("Invalid target status %s: the target status must be Published, Unlisted or Archived", target)
	}
	// A data-plane caller (NuGet's unlist and relist) needs the action
	// itself; control-plane callers were authorized for it already.
	if err := s.authorizeData(ctx, c, "UpdatePackageVersionsStatus", ref); err != nil {
		return res, err
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		_, pkg, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		res, err = runBatch(ctx, tx, versionsOf(ctx, tx, pkg), s.normalizeBatch(ref.Format, in),
			func(v domain.PackageVersion) *VersionError {
				if v.Status == domain.StatusDisposed {
					return &VersionError{CodeNotAllowed, fmt.Sprintf("cannot change status of version %s from %s to %s", v.Version, v.Status, target)}
				}
				return nil
			},
			func(v *domain.PackageVersion) (*VersionResult, error) {
				if v.Status != target {
					if v.Status == domain.StatusUnfinished && target == domain.StatusPublished {
						v.PublishedTime = s.now().UTC()
					}
					v.Status = target
					if err := tx.Versions().Update(ctx, *v); err != nil {
						return nil, err
					}
				}
				return &VersionResult{Revision: v.Revision, Status: target}, nil
			})
		if err == nil && len(res.Successful) > 0 {
			err = s.packageChanged(ctx, tx, pkg, sortedKeys(res.Successful))
		}
		return err
	})
	return res, err
}

// DisposePackageVersions deletes versions' assets and keeps their records
// with status Disposed.
func (s *Service) DisposePackageVersions(ctx context.Context, c Caller, ref PackageRef, in BatchInput) (res BatchResult, err error) {
	err = s.store.Write(ctx, func(tx store.Tx) error {
		_, pkg, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		res, err = runBatch(ctx, tx, versionsOf(ctx, tx, pkg), s.normalizeBatch(ref.Format, in), noCheck, func(v *domain.PackageVersion) (*VersionResult, error) {
			if err := tx.Assets().DeleteAll(ctx, v.ID); err != nil {
				return nil, err
			}
			v.Status = domain.StatusDisposed
			return &VersionResult{Revision: v.Revision, Status: domain.StatusDisposed}, tx.Versions().Update(ctx, *v)
		})
		if err == nil && len(res.Successful) > 0 {
			err = s.packageChanged(ctx, tx, pkg, sortedKeys(res.Successful))
		}
		return err
	})
	if err == nil && len(res.Successful) > 0 {
		s.WakeCollector()
	}
	return res, err
}

// DeletePackageVersions deletes versions and their assets for good. The
// package record stays, even when its last version goes.
func (s *Service) DeletePackageVersions(ctx context.Context, c Caller, ref PackageRef, versions []string, expected domain.Status) (res BatchResult, err error) {
	if err := s.authorizeData(ctx, c, "DeletePackageVersions", ref); err != nil {
		return BatchResult{}, err
	}
	return s.deletePackageVersions(ctx, c, ref, BatchInput{Versions: versions, ExpectedStatus: expected})
}

// deletePackageVersions is DeletePackageVersions with revisions too
// (retention deletes only versions unchanged since its plan).
func (s *Service) deletePackageVersions(ctx context.Context, c Caller, ref PackageRef, in BatchInput) (res BatchResult, err error) {
	in = s.normalizeBatch(ref.Format, in)
	err = s.store.Write(ctx, func(tx store.Tx) error {
		_, pkg, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		res, err = runBatch(ctx, tx, versionsOf(ctx, tx, pkg), in, noCheck, func(v *domain.PackageVersion) (*VersionResult, error) {
			return &VersionResult{Revision: v.Revision, Status: domain.StatusDeleted}, tx.Versions().Delete(ctx, v.ID)
		})
		if err == nil && len(res.Successful) > 0 {
			err = s.packageChanged(ctx, tx, pkg, sortedKeys(res.Successful))
		}
		return err
	})
	if err == nil && len(res.Successful) > 0 {
		s.WakeCollector()
	}
	return res, err
}
