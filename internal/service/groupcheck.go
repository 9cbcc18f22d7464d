package service

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

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
