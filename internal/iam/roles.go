package iam

import (
	"context"
	"errors"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/store"
)

// RoleInput is what CreateRole takes.
type RoleInput struct {
	Name, Path, TrustPolicy, Description string
	MaxSessionDuration                   int // seconds, 3600–43200; 0 = 3600
}

// role loads the role name of c's account for action, authorized on its
// ARN (on arn:...:role/{name} when there is no such role).
func (s *Service) role(ctx context.Context, tx store.Tx, c *Credential, action, name string) (domain.IAMRole, error) {
	acct := c.Principal.Account
	r, err := tx.Identities().GetRole(ctx, acct, name)
	found := err == nil
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.IAMRole{}, err
	}
	arn := roleARN(acct, "/", name)
	if found {
		arn = RoleARN(r)
	}
	if err := authorize(c, action, arn); err != nil {
		return domain.IAMRole{}, err
	}
	if !found {
		return domain.IAMRole{}, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

// checkTrustPolicy parses and validates a role's trust policy.
func checkTrustPolicy(doc string) error {
	p, err := iampolicy.Parse(doc)
	if err == nil {
		err = p.Validate(iampolicy.TrustPolicy)
	}
	if err != nil {
		return malformed(err.Error())
	}
	if policySize(doc) > TrustPolicySize {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", TrustPolicySize)
	}
	return nil
}

// CreateRole creates a role in the caller's account with its trust policy
// (who may assume it).
func (s *Service) CreateRole(ctx context.Context, c *Credential, in RoleInput) (domain.IAMRole, error) {
	if c == nil {
		return domain.IAMRole{}, errNoCaller
	}
	if in.Path == "" {
		in.Path = "/"
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = DefaultSessionDuration
	}
	var v validator
	v.name("roleName", in.Name, maxRoleName)
	v.path("path", in.Path)
	v.document("assumeRolePolicyDocument", in.TrustPolicy)
	if v.length("description", in.Description, true, 0, maxDescription) {
		v.pattern("description", in.Description, true, validDescription(in.Description), patDescription)
	}
	v.intRange("maxSessionDuration", in.MaxSessionDuration, MinMaxSessionDuration, MaxMaxSessionDuration)
	if err := v.err(); err != nil {
		return domain.IAMRole{}, err
	}
	acct := c.Principal.Account
	if err := authorize(c, "iam:CreateRole", roleARN(acct, in.Path, in.Name)); err != nil {
		return domain.IAMRole{}, err
	}
	if err := checkTrustPolicy(in.TrustPolicy); err != nil {
		return domain.IAMRole{}, err
	}
	r := domain.IAMRole{
		Account: acct, Name: in.Name, Path: in.Path, RoleID: newRoleID(),
		TrustPolicy: in.TrustPolicy, Description: in.Description, MaxSessionDuration: in.MaxSessionDuration,
		Created: s.now().UTC().Truncate(time.Second),
	}
	err := s.st.Write(ctx, func(tx store.Tx) error { return tx.Identities().CreateRole(ctx, &r) })
	if errors.Is(err, domain.ErrConflict) {
		return domain.IAMRole{}, alreadyExists("Role with name %s already exists.", in.Name)
	}
	if err != nil {
		return domain.IAMRole{}, failure(err)
	}
	s.log.Info("iam: role created", "account", acct, "role", RoleARN(r), "by", c.Principal.ARN)
	return r, nil
}

// GetRole returns a role of the caller's account.
func (s *Service) GetRole(ctx context.Context, c *Credential, name string) (domain.IAMRole, error) {
	if c == nil {
		return domain.IAMRole{}, errNoCaller
	}
	var v validator
	v.name("roleName", name, maxRoleName)
	if err := v.err(); err != nil {
		return domain.IAMRole{}, err
	}
	var r domain.IAMRole
	err := s.st.Read(ctx, func(tx store.Tx) (err error) {
		r, err = s.role(ctx, tx, c, "iam:GetRole", name)
		return err
	})
	return r, failure(err)
}

// ListRoles lists the caller's account's roles whose path starts with
// pathPrefix ("" = "/"), by name, as ListUsers does users.
func (s *Service) ListRoles(ctx context.Context, c *Credential, pathPrefix, marker string, maxItems int) ([]domain.IAMRole, string, error) {
	if c == nil {
		return nil, "", errNoCaller
	}
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	var v validator
	v.pathPrefix("pathPrefix", pathPrefix)
	v.marker(marker)
	n := v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	acct := c.Principal.Account
	if err := authorize(c, "iam:ListRoles", "arn:aws:iam::"+acct+":role"+pathPrefix); err != nil {
		return nil, "", err
	}
	var (
		roles []domain.IAMRole
		next  string
	)
	err := s.st.Read(ctx, func(tx store.Tx) (err error) {
		roles, next, err = tx.Identities().ListRoles(ctx, acct, pathPrefix, store.Page{After: marker, Limit: n})
		return err
	})
	if err != nil {
		return nil, "", listFailure(err)
	}
	return roles, next, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy. Sessions already
// issued stay valid until they expire, as in AWS.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c *Credential, roleName, document string) error {
	if c == nil {
		return errNoCaller
	}
	var v validator
	v.name("roleName", roleName, maxRoleName)
	v.document("policyDocument", document)
	if err := v.err(); err != nil {
		return err
	}
	var arn string
	err := s.st.Write(ctx, func(tx store.Tx) error {
		r, err := s.role(ctx, tx, c, "iam:UpdateAssumeRolePolicy", roleName)
		if err != nil {
			return err
		}
		if err := checkTrustPolicy(document); err != nil {
			return err
		}
		arn = RoleARN(r)
		r.TrustPolicy = document
		return tx.Identities().UpdateRole(ctx, r)
	})
	if err != nil {
		return failure(err)
	}
	s.log.Info("iam: role trust policy updated", "account", c.Principal.Account, "role", arn, "by", c.Principal.ARN)
	return nil
}

// DeleteRole deletes a role of the caller's account; its sessions stop
// working at their next request. As in IAM, a role that still has inline
// policies is a DeleteConflict.
func (s *Service) DeleteRole(ctx context.Context, c *Credential, name string) error {
	if c == nil {
		return errNoCaller
	}
	var v validator
	v.name("roleName", name, maxRoleName)
	if err := v.err(); err != nil {
		return err
	}
	var arn string
	err := s.st.Write(ctx, func(tx store.Tx) error {
		r, err := s.role(ctx, tx, c, "iam:DeleteRole", name)
		if err != nil {
			return err
		}
		ids := tx.Identities()
		n, err := ids.CountPolicies(ctx, domain.PrincipalRole, r.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return deleteConflict("Cannot delete entity, must delete policies first.")
		}
		arn = RoleARN(r)
		return ids.DeleteRole(ctx, r.ID)
	})
	if err != nil {
		return failure(err)
	}
	s.log.Info("iam: role deleted", "account", c.Principal.Account, "role", arn, "by", c.Principal.ARN)
	return nil
}
