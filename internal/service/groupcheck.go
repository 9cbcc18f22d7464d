package service

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// groupDecisionsBytes bounds the memory of the publishes' cached group
// decisions (a few hundred bytes each).
const groupDecisionsBytes = 4 << 20

// groupDecisionKey is what a group decision depends on: the groups as of a
// stamp, the repository, the package and the kind of origin.
type groupDecisionKey struct {
	stamp           int64
	domainID        int64
	repository      string
	format          domain.Format
	namespace, name string
	t               domain.RestrictionType
}

// cachedGroupAllows is groupAllows for the publish path, which asks twice
// per publish (before the body, and in the write): the answer is kept under
// the package group stamp, so while no group changes (on any node) a check
// reads one row. Only answers read in a read transaction are kept (fill):
// a write transaction may see, under a stamp of its own, groups that its
// batch's commit could still lose. Backend errors are never kept.
func (s *Service) cachedGroupAllows(ctx context.Context, tx store.Tx, repo domain.Repository, ref PackageRef, t domain.RestrictionType, fill bool) error {
	stamp, err := tx.PackageGroups().Stamp(ctx)
	if err != nil {
		return err
	}
	k := groupDecisionKey{stamp, repo.DomainID, repo.Name, ref.Format, ref.Namespace, ref.Package, t}
	if answer, ok := s.groupDecisions.Get(k); ok {
		return answer
	}
	answer := groupAllows(ctx, tx, repo, ref, t)
	if fill && (answer == nil || errors.Is(answer, domain.ErrDenied)) {
		s.groupDecisions.Add(k, answer, int64(128+len(repo.Name)+len(ref.Namespace)+len(ref.Package)))
	}
	return answer
}

// groupAllows applies the package groups: whether repository repo may take
// a version of ref by origin t (PUBLISH: a direct publish or a copy into
// repo; INTERNAL_UPSTREAM: retaining from an upstream repository, judged
// for the repository that keeps the version; EXTERNAL_UPSTREAM: ingesting
// through the external connection repo holds). nil means allowed; a
// refusal is a Denied error that says which group refuses and why. The
// per-package origin configuration is checked separately: both must
// allow (a BLOCK on either side wins).
func groupAllows(ctx context.Context, tx store.Tx, repo domain.Repository, ref PackageRef, t domain.RestrictionType) error {
	a, err := associatedGroup(ctx, tx, repo.DomainID, ref.Format, ref.Namespace, ref.Package, nil)
	if err != nil {
		return err
	}
	if a.Weak {
		return domain.Denied("Package %s matches package group %s only as a variation of its pattern (case, separators or look-alike characters): "+
			"such weakly associated packages are blocked for every origin", packageName(ref), a.Group.Pattern)
	}
	mode, from, err := effectiveMode(ctx, tx, a.Group, t)
	if err != nil {
		return err
	}
	switch mode {
	case domain.ModeAllow:
		return nil
	case domain.ModeAllowSpecificRepositories:
		ok, err := tx.PackageGroups().IsAllowed(ctx, from.ID, t, repo.Name)
		if err != nil || ok {
			return err
		}
		return domain.Denied("Package group %s (of package %s) allows %s only for specific repositories, and %s is not one of them",
			from.Pattern, packageName(ref), t, repo.Name)
	}
	return domain.Denied("Package group %s (of package %s) blocks %s in repository %s", from.Pattern, packageName(ref), t, repo.Name)
}

// groupPermits is groupAllows as a yes or no; only backend errors are
// errors.
func groupPermits(ctx context.Context, tx store.Tx, repo domain.Repository, ref PackageRef, t domain.RestrictionType) (bool, error) {
	err := groupAllows(ctx, tx, repo, ref, t)
	if errors.Is(err, domain.ErrDenied) {
		return false, nil
	}
	return err == nil, err
}
