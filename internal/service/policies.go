package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/store"
)

// Permissions policies are stored, versioned and returned as CodeArtifact
// does, and evaluated with every request (authz.go).

// policyTarget is the resource a policy operation addresses.
type policyTarget struct {
	arn, resType, name string
}

func domainPolicyTarget(d domain.Domain) policyTarget {
	return policyTarget{arn: DomainARN(d), resType: domain.ResDomain, name: d.Name}
}

func repositoryPolicyTarget(d domain.Domain, repo string) policyTarget {
	return policyTarget{arn: RepositoryARN(d, repo), resType: domain.ResRepository, name: repo}
}

// PutDomainPermissionsPolicy sets a domain's policy. A non-empty revision
// must be the current policy's (optimistic locking).
func (s *Service) PutDomainPermissionsPolicy(ctx context.Context, c Caller, domainName, domainOwner, revision, document string) (domain.ResourcePolicy, error) {
	return s.writePolicy(ctx, c, domainName, domainOwner, "", func(tx store.Tx, t policyTarget) (domain.ResourcePolicy, error) {
		return putPolicy(ctx, tx, t, revision, document)
	})
}

// PutRepositoryPermissionsPolicy sets a repository's policy.
func (s *Service) PutRepositoryPermissionsPolicy(ctx context.Context, c Caller, domainName, domainOwner, repo, revision, document string) (domain.ResourcePolicy, error) {
	return s.writePolicy(ctx, c, domainName, domainOwner, repo, func(tx store.Tx, t policyTarget) (domain.ResourcePolicy, error) {
		return putPolicy(ctx, tx, t, revision, document)
	})
}

// DeleteDomainPermissionsPolicy removes a domain's policy and returns it.
func (s *Service) DeleteDomainPermissionsPolicy(ctx context.Context, c Caller, domainName, domainOwner, revision string) (domain.ResourcePolicy, error) {
	return s.writePolicy(ctx, c, domainName, domainOwner, "", func(tx store.Tx, t policyTarget) (domain.ResourcePolicy, error) {
		return deletePolicy(ctx, tx, t, revision)
	})
}

// DeleteRepositoryPermissionsPolicy removes a repository's policy and
// returns it.
func (s *Service) DeleteRepositoryPermissionsPolicy(ctx context.Context, c Caller, domainName, domainOwner, repo, revision string) (domain.ResourcePolicy, error) {
	return s.writePolicy(ctx, c, domainName, domainOwner, repo, func(tx store.Tx, t policyTarget) (domain.ResourcePolicy, error) {
		return deletePolicy(ctx, tx, t, revision)
	})
}

// GetDomainPermissionsPolicy returns a domain's policy.
func (s *Service) GetDomainPermissionsPolicy(ctx context.Context, c Caller, domainName, domainOwner string) (domain.ResourcePolicy, error) {
	return s.readPolicy(ctx, c, domainName, domainOwner, "")
}

// GetRepositoryPermissionsPolicy returns a repository's policy.
func (s *Service) GetRepositoryPermissionsPolicy(ctx context.Context, c Caller, domainName, domainOwner, repo string) (domain.ResourcePolicy, error) {
	return s.readPolicy(ctx, c, domainName, domainOwner, repo)
}

// policyTargetOf finds the domain, or the repository when repo is not "".
func policyTargetOf(ctx context.Context, tx store.Tx, c Caller, domainName, domainOwner, repo string) (policyTarget, error) {
	if repo == "" {
		d, err := getDomain(ctx, tx, c, domainName, domainOwner)
		return domainPolicyTarget(d), err
	}
	d, _, err := getRepository(ctx, tx, c, domainName, domainOwner, repo)
	return repositoryPolicyTarget(d, repo), err
}

func (s *Service) writePolicy(ctx context.Context, c Caller, domainName, domainOwner, repo string, fn func(store.Tx, policyTarget) (domain.ResourcePolicy, error)) (domain.ResourcePolicy, error) {
	var p domain.ResourcePolicy
	err := s.store.Write(ctx, func(tx store.Tx) error {
		t, err := policyTargetOf(ctx, tx, c, domainName, domainOwner, repo)
		if err != nil {
			return err
		}
		p, err = fn(tx, t)
		return err
	})
	return p, err
}

func (s *Service) readPolicy(ctx context.Context, c Caller, domainName, domainOwner, repo string) (domain.ResourcePolicy, error) {
	var p domain.ResourcePolicy
	err := s.store.Read(ctx, func(tx store.Tx) error {
		t, err := policyTargetOf(ctx, tx, c, domainName, domainOwner, repo)
		if err != nil {
			return err
		}
		p, err = currentPolicy(ctx, tx, t)
		return err
	})
	return p, err
}

// currentPolicy returns the target's policy, or ResourceNotFound.
func currentPolicy(ctx context.Context, tx store.Tx, t policyTarget) (domain.ResourcePolicy, error) {
	p, err := tx.Policies().Get(ctx, t.arn)
	if errors.Is(err, domain.ErrNotFound) {
		return p, domain.NotFound(t.resType, t.name, "No permissions policy is attached to %s %s", t.resType, t.name)
	}
	return p, err
}

func putPolicy(ctx context.Context, tx store.Tx, t policyTarget, revision, document string) (domain.ResourcePolicy, error) {
	if err := checkPolicyDocument(document); err != nil {
		return domain.ResourcePolicy{}, err
	}
	if revision != "" {
		cur, err := tx.Policies().Get(ctx, t.arn)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return cur, err
		}
		if err != nil || cur.Revision != revision {
			return cur, revisionMismatch(t, revision)
		}
	}
	p := domain.ResourcePolicy{ResourceARN: t.arn, Revision: newPolicyRevision(), Document: document}
	return p, tx.Policies().Put(ctx, p)
}

func deletePolicy(ctx context.Context, tx store.Tx, t policyTarget, revision string) (domain.ResourcePolicy, error) {
	cur, err := currentPolicy(ctx, tx, t)
	if err != nil {
		return cur, err
	}
	if revision != "" && cur.Revision != revision {
		return cur, revisionMismatch(t, revision)
	}
	return cur, tx.Policies().Delete(ctx, t.arn)
}

func revisionMismatch(t policyTarget, revision string) error {
	return domain.Conflict(t.resType, t.name, "Policy revision %s is not the current revision of the permissions policy of %s %s", revision, t.resType, t.name)
}

// checkPolicyDocument accepts a resource-based policy in IAM's grammar
// (the API layer has checked length and characters).
func checkPolicyDocument(document string) error {
	p, err := iampolicy.Parse(document)
	if err == nil {
		err = p.Validate(iampolicy.ResourcePolicy)
	}
	if err != nil {
		return domain.Invalid("The policy document is not valid: %v", err)
	}
	return nil
}

// newPolicyRevision returns a fresh opaque revision (44 characters of
// base64, like CodeArtifact's).
func newPolicyRevision() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
