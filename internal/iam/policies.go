package iam

import (
	"context"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/store"
)

// Inline policies of users and roles share their rules; policyKind holds
// what differs.
type policyKind struct {
	kind      string // domain.PrincipalUser or domain.PrincipalRole
	field     string // the owner's parameter: userName or roleName
	maxName   int
	quota     int    // aggregate size of the owner's inline policies
	actionFor string // "User" or "Role": iam:PutUserPolicy, ...
}

var (
	userPolicies = policyKind{domain.PrincipalUser, "userName", maxUserName, UserPolicySize, "User"}
	rolePolicies = policyKind{domain.PrincipalRole, "roleName", maxRoleName, RolePolicySize, "Role"}
)

// owner loads the user or role of c's account named name for the action
// verb ("Put", "Get", "List", "Delete") and returns its row id and name.
func (pk policyKind) owner(ctx context.Context, s *Service, tx store.Tx, c *Credential, verb, name string) (int64, string, error) {
	action := "iam:" + verb + pk.actionFor + "Policy"
	if verb == "List" {
		action = "iam:List" + pk.actionFor + "Policies"
	}
	if pk.kind == domain.PrincipalUser {
		u, err := s.user(ctx, tx, c, action, name)
		return u.ID, u.Name, err
	}
	r, err := s.role(ctx, tx, c, action, name)
	return r.ID, r.Name, err
}

func (pk policyKind) notFound(policyName string) error {
	return noSuchEntity("The %s policy with name %s cannot be found.", pk.kind, policyName)
}

func (pk policyKind) put(ctx context.Context, s *Service, c *Credential, ownerName, policyName, document string) error {
	if c == nil {
		return errNoCaller
	}
	var v validator
	v.name(pk.field, ownerName, pk.maxName)
	v.name("policyName", policyName, maxPolicyName)
	v.document("policyDocument", document)
	if err := v.err(); err != nil {
		return err
	}
	var owner string
	err := s.st.Write(ctx, func(tx store.Tx) error {
		id, name, err := pk.owner(ctx, s, tx, c, "Put", ownerName)
		if err != nil {
			return err
		}
		owner = name
		p, err := iampolicy.Parse(document)
		if err == nil {
			err = p.Validate(iampolicy.IdentityPolicy)
		}
		if err != nil {
			return malformed(err.Error())
		}
		// The quota bounds all of the owner's inline policies together;
		// the one replaced does not count.
		ids := tx.Identities()
		docs, err := ids.PolicyDocuments(ctx, pk.kind, id)
		if err != nil {
			return err
		}
		total := policySize(document)
		for _, d := range docs {
			total += policySize(d)
		}
		old, err := ids.GetPolicy(ctx, pk.kind, id, policyName)
		switch {
		case err == nil:
			total -= policySize(old)
		case !errors.Is(err, domain.ErrNotFound):
			return err
		}
		if total > pk.quota {
			return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", pk.quota, pk.kind, name)
		}
		return ids.PutPolicy(ctx, pk.kind, id, policyName, document)
	})
	if err != nil {
		return failure(err)
	}
	s.log.Info("iam: inline policy put", "account", c.Principal.Account, pk.kind, owner, "policy", policyName, "by", c.Principal.ARN)
	return nil
}

func (pk policyKind) get(ctx context.Context, s *Service, c *Credential, ownerName, policyName string) (string, error) {
	if c == nil {
		return "", errNoCaller
	}
	var v validator
	v.name(pk.field, ownerName, pk.maxName)
	v.name("policyName", policyName, maxPolicyName)
	if err := v.err(); err != nil {
		return "", err
	}
	var doc string
	err := s.st.Read(ctx, func(tx store.Tx) error {
		id, _, err := pk.owner(ctx, s, tx, c, "Get", ownerName)
		if err != nil {
			return err
		}
		doc, err = tx.Identities().GetPolicy(ctx, pk.kind, id, policyName)
		if errors.Is(err, domain.ErrNotFound) {
			return pk.notFound(policyName)
		}
		return err
	})
	return doc, failure(err)
}

func (pk policyKind) list(ctx context.Context, s *Service, c *Credential, ownerName, marker string, maxItems int) ([]string, string, error) {
	if c == nil {
		return nil, "", errNoCaller
	}
	var v validator
	v.name(pk.field, ownerName, pk.maxName)
	v.marker(marker)
	n := v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	var (
		names []string
		next  string
	)
	err := s.st.Read(ctx, func(tx store.Tx) error {
		id, _, err := pk.owner(ctx, s, tx, c, "List", ownerName)
		if err != nil {
			return err
		}
		names, next, err = tx.Identities().ListPolicies(ctx, pk.kind, id, store.Page{After: marker, Limit: n})
		return err
	})
	if err != nil {
		return nil, "", listFailure(err)
	}
	return names, next, nil
}

func (pk policyKind) delete(ctx context.Context, s *Service, c *Credential, ownerName, policyName string) error {
	if c == nil {
		return errNoCaller
	}
	var v validator
	v.name(pk.field, ownerName, pk.maxName)
	v.name("policyName", policyName, maxPolicyName)
	if err := v.err(); err != nil {
		return err
	}
	var owner string
	err := s.st.Write(ctx, func(tx store.Tx) error {
		id, name, err := pk.owner(ctx, s, tx, c, "Delete", ownerName)
		if err != nil {
			return err
		}
		owner = name
		err = tx.Identities().DeletePolicy(ctx, pk.kind, id, policyName)
		if errors.Is(err, domain.ErrNotFound) {
			return pk.notFound(policyName)
		}
		return err
	})
	if err != nil {
		return failure(err)
	}
	s.log.Info("iam: inline policy deleted", "account", c.Principal.Account, pk.kind, owner, "policy", policyName, "by", c.Principal.ARN)
	return nil
}

// PutUserPolicy creates or replaces an inline policy of a user of the
// caller's account. The document must be a valid identity-based policy
// (MalformedPolicyDocument), and the user's inline policies together at
// most 2048 characters, whitespace not counted (LimitExceeded).
func (s *Service) PutUserPolicy(ctx context.Context, c *Credential, userName, policyName, document string) error {
	return userPolicies.put(ctx, s, c, userName, policyName, document)
}

// GetUserPolicy returns an inline policy's document, as it was put.
func (s *Service) GetUserPolicy(ctx context.Context, c *Credential, userName, policyName string) (document string, err error) {
	return userPolicies.get(ctx, s, c, userName, policyName)
}

// ListUserPolicies lists the names of a user's inline policies, by name.
func (s *Service) ListUserPolicies(ctx context.Context, c *Credential, userName, marker string, maxItems int) (names []string, nextMarker string, err error) {
	return userPolicies.list(ctx, s, c, userName, marker, maxItems)
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, c *Credential, userName, policyName string) error {
	return userPolicies.delete(ctx, s, c, userName, policyName)
}

// PutRolePolicy creates or replaces an inline policy of a role of the
// caller's account: a valid identity-based policy, the role's inline
// policies together at most 10240 characters, whitespace not counted.
func (s *Service) PutRolePolicy(ctx context.Context, c *Credential, roleName, policyName, document string) error {
	return rolePolicies.put(ctx, s, c, roleName, policyName, document)
}

// GetRolePolicy returns an inline policy's document, as it was put.
func (s *Service) GetRolePolicy(ctx context.Context, c *Credential, roleName, policyName string) (document string, err error) {
	return rolePolicies.get(ctx, s, c, roleName, policyName)
}

// ListRolePolicies lists the names of a role's inline policies, by name.
func (s *Service) ListRolePolicies(ctx context.Context, c *Credential, roleName, marker string, maxItems int) (names []string, nextMarker string, err error) {
	return rolePolicies.list(ctx, s, c, roleName, marker, maxItems)
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, c *Credential, roleName, policyName string) error {
	return rolePolicies.delete(ctx, s, c, roleName, policyName)
}
