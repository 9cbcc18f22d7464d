package iam

import (
	"context"
	"errors"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/store"
)

// authorize decides whether c may do action on resource, an ARN of c's own
// account: c's identity-based policies decide (the administrator may do
// everything in its account). A denial is AccessDenied with AWS's message.
func authorize(c *Credential, action, resource string) error {
	req := iampolicy.Request{Principal: c.Principal, Action: action, Resource: resource}
	d := iampolicy.Evaluate(req, c.Policies, nil, c.Principal.Account)
	if d.Allowed() {
		return nil
	}
	return accessDenied(d.Message(req))
}

// errNoCaller is returned for a nil credential: the wire layer resolves one
// for every signed request.
var errNoCaller = accessDenied("The request is not signed by a known identity.")

// ownUserName returns the user an operation addresses: name, or for ""
// the caller's own user. ok is false for the administrator with "" (the
// account's root, which is no IAM user).
func ownUserName(c *Credential, name string) (user string, root bool, err error) {
	switch {
	case name != "":
		return name, false, nil
	case c.Principal.Username != "":
		return c.Principal.Username, false, nil
	case c.Principal.Root:
		return "", true, nil
	}
	return "", false, validationError("Must specify userName when calling with non-User credentials")
}

// user loads the user name of c's account for action, authorized on its
// ARN (on arn:...:user/{name} when there is no such user, so that the
// caller learns whether it exists only when it may do action).
func (s *Service) user(ctx context.Context, tx store.Tx, c *Credential, action, name string) (domain.IAMUser, error) {
	acct := c.Principal.Account
	u, err := tx.Identities().GetUser(ctx, acct, name)
	found := err == nil
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.IAMUser{}, err
	}
	arn := userARN(acct, "/", name)
	if found {
		arn = UserARN(u)
	}
	if err := authorize(c, action, arn); err != nil {
		return domain.IAMUser{}, err
	}
	if !found {
		return domain.IAMUser{}, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// CreateUser creates an IAM user in the caller's account (path "" = "/").
func (s *Service) CreateUser(ctx context.Context, c *Credential, name, path string) (domain.IAMUser, error) {
	if c == nil {
		return domain.IAMUser{}, errNoCaller
	}
	if path == "" {
		path = "/"
	}
	var v validator
	v.name("userName", name, maxUserName)
	v.path("path", path)
	if err := v.err(); err != nil {
		return domain.IAMUser{}, err
	}
	acct := c.Principal.Account
	if err := authorize(c, "iam:CreateUser", userARN(acct, path, name)); err != nil {
		return domain.IAMUser{}, err
	}
	u := domain.IAMUser{Account: acct, Name: name, Path: path, UserID: newUserID(), Created: s.now().UTC().Truncate(time.Second)}
	err := s.st.Write(ctx, func(tx store.Tx) error { return tx.Identities().CreateUser(ctx, &u) })
	if errors.Is(err, domain.ErrConflict) {
		return domain.IAMUser{}, alreadyExists("User with name %s already exists.", name)
	}
	if err != nil {
		return domain.IAMUser{}, failure(err)
	}
	s.log.Info("iam: user created", "account", acct, "user", UserARN(u), "by", c.Principal.ARN)
	return u, nil
}

// GetUser returns a user of the caller's account; name "" is the caller
// itself. For the administrator that is the account's root, as IAM
// answers its root user: IAMUser{Account, UserID: account}, no name, its
// ARN c.Principal.ARN.
func (s *Service) GetUser(ctx context.Context, c *Credential, name string) (domain.IAMUser, error) {
	if c == nil {
		return domain.IAMUser{}, errNoCaller
	}
	name, root, err := ownUserName(c, name)
	if err != nil {
		return domain.IAMUser{}, err
	}
	if root {
		return domain.IAMUser{Account: c.Principal.Account, UserID: c.Principal.Account}, nil
	}
	var v validator
	v.name("userName", name, maxUserName)
	if err := v.err(); err != nil {
		return domain.IAMUser{}, err
	}
	var u domain.IAMUser
	err = s.st.Read(ctx, func(tx store.Tx) (err error) {
		u, err = s.user(ctx, tx, c, "iam:GetUser", name)
		return err
	})
	return u, failure(err)
}

// ListUsers lists the caller's account's users whose path starts with
// pathPrefix ("" = "/"), by name. marker is the nextMarker of the previous
// page ("" for the first); maxItems 0 is 100. nextMarker is "" on the last
// page.
func (s *Service) ListUsers(ctx context.Context, c *Credential, pathPrefix, marker string, maxItems int) (users []domain.IAMUser, nextMarker string, err error) {
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
	if err := authorize(c, "iam:ListUsers", "arn:aws:iam::"+acct+":user"+pathPrefix); err != nil {
		return nil, "", err
	}
	err = s.st.Read(ctx, func(tx store.Tx) (err error) {
		users, nextMarker, err = tx.Identities().ListUsers(ctx, acct, pathPrefix, store.Page{After: marker, Limit: n})
		return err
	})
	if err != nil {
		return nil, "", listFailure(err)
	}
	return users, nextMarker, nil
}

// listFailure maps a listing's error: a marker the store does not
// recognize is the caller's mistake.
func listFailure(err error) error {
	if errors.Is(err, domain.ErrInvalid) {
		return validationError("Invalid Marker.")
	}
	return failure(err)
}

// DeleteUser deletes a user of the caller's account. As in IAM, a user
// that still has access keys or inline policies is a DeleteConflict.
func (s *Service) DeleteUser(ctx context.Context, c *Credential, name string) error {
	if c == nil {
		return errNoCaller
	}
	var v validator
	v.name("userName", name, maxUserName)
	if err := v.err(); err != nil {
		return err
	}
	var deleted domain.IAMUser
	err := s.st.Write(ctx, func(tx store.Tx) error {
		u, err := s.user(ctx, tx, c, "iam:DeleteUser", name)
		if err != nil {
			return err
		}
		ids := tx.Identities()
		keys, err := ids.ListAccessKeys(ctx, u.ID)
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			return deleteConflict("Cannot delete entity, must delete access keys first.")
		}
		n, err := ids.CountPolicies(ctx, domain.PrincipalUser, u.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return deleteConflict("Cannot delete entity, must delete policies first.")
		}
		deleted = u
		return ids.DeleteUser(ctx, u.ID)
	})
	if err != nil {
		return failure(err)
	}
	s.log.Info("iam: user deleted", "account", deleted.Account, "user", UserARN(deleted), "by", c.Principal.ARN)
	return nil
}

// errAdministratorKey refuses key management of the administrator's own
// keys: they live in the server's key file, not in IAM.
var errAdministratorKey = validationError("The installation administrator's access keys are kept in the server's key file " +
	"and cannot be managed through IAM: specify userName to manage an IAM user's keys.")

// CreateAccessKey creates an access key for a user of the caller's
// account ("" = the caller's own user) and returns it, the user's name and
// the secret, in clear this once: only its sealed form is stored. A user
// has at most two keys (LimitExceeded).
func (s *Service) CreateAccessKey(ctx context.Context, c *Credential, userName string) (k domain.AccessKey, user string, secret string, err error) {
	if c == nil {
		return domain.AccessKey{}, "", "", errNoCaller
	}
	name, root, err := ownUserName(c, userName)
	if err != nil {
		return domain.AccessKey{}, "", "", err
	}
	if root {
		return domain.AccessKey{}, "", "", errAdministratorKey
	}
	var v validator
	v.name("userName", name, maxUserName)
	if err := v.err(); err != nil {
		return domain.AccessKey{}, "", "", err
	}
	secret = newSecret()
	err = s.st.Write(ctx, func(tx store.Tx) error {
		u, err := s.user(ctx, tx, c, "iam:CreateAccessKey", name)
		if err != nil {
			return err
		}
		ids := tx.Identities()
		keys, err := ids.ListAccessKeys(ctx, u.ID)
		if err != nil {
			return err
		}
		if len(keys) >= AccessKeysPerUser {
			return limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", AccessKeysPerUser)
		}
		user = u.Name
		for attempt := 0; ; attempt++ {
			id := newAccessKeyID()
			k = domain.AccessKey{
				AccessKeyID: id, Account: u.Account, UserRowID: u.ID, SealedSecret: s.sealSecret(id, secret),
				Status: domain.KeyActive, Created: s.now().UTC(), // full precision: keys list by creation
			}
			err := ids.CreateAccessKey(ctx, k)
			if errors.Is(err, domain.ErrConflict) && attempt < 3 {
				continue // an id drawn twice (2^80 of them)
			}
			return err
		}
	})
	if err != nil {
		return domain.AccessKey{}, "", "", failure(err)
	}
	s.log.Info("iam: access key created", "account", k.Account, "user", user, "access_key_id", k.AccessKeyID, "by", c.Principal.ARN)
	return k, user, secret, nil
}

// ListAccessKeys lists the keys of a user of the caller's account ("" =
// the caller's own user), by creation, and returns the user's name. Their
// secrets stay sealed. For the administrator "" lists the key it signed
// with (its keys live in the key file), with no user name.
func (s *Service) ListAccessKeys(ctx context.Context, c *Credential, userName string) (keys []domain.AccessKey, user string, err error) {
	if c == nil {
		return nil, "", errNoCaller
	}
	name, root, err := ownUserName(c, userName)
	if err != nil {
		return nil, "", err
	}
	if root {
		return []domain.AccessKey{{AccessKeyID: c.AccessKeyID, Account: c.Principal.Account, Status: domain.KeyActive}}, "", nil
	}
	var v validator
	v.name("userName", name, maxUserName)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	err = s.st.Read(ctx, func(tx store.Tx) error {
		u, err := s.user(ctx, tx, c, "iam:ListAccessKeys", name)
		if err != nil {
			return err
		}
		user = u.Name
		keys, err = tx.Identities().ListAccessKeys(ctx, u.ID)
		return err
	})
	if err != nil {
		return nil, "", failure(err)
	}
	for i := range keys {
		keys[i].SealedSecret = nil // nothing above this layer needs it
	}
	return keys, user, nil
}

// userKey loads the access key id of a user of the caller's account ("" =
// the caller's own user) for action.
func (s *Service) userKey(ctx context.Context, tx store.Tx, c *Credential, action, userName, accessKeyID string) (domain.IAMUser, domain.AccessKey, error) {
	u, err := s.user(ctx, tx, c, action, userName)
	if err != nil {
		return domain.IAMUser{}, domain.AccessKey{}, err
	}
	k, err := tx.Identities().GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && (k.UserRowID != u.ID || k.Account != u.Account) {
		return domain.IAMUser{}, domain.AccessKey{}, noSuchEntity("The Access Key with id %s cannot be found.", accessKeyID)
	}
	if err != nil {
		return domain.IAMUser{}, domain.AccessKey{}, err
	}
	return u, k, nil
}

// keyOperation checks the arguments common to UpdateAccessKey and
// DeleteAccessKey.
func keyOperation(c *Credential, userName, accessKeyID string, v *validator) (string, error) {
	name, root, err := ownUserName(c, userName)
	if err != nil {
		return "", err
	}
	if root {
		v.accessKeyID(accessKeyID)
		if err := v.err(); err != nil {
			return "", err
		}
		return "", errAdministratorKey
	}
	v.name("userName", name, maxUserName)
	v.accessKeyID(accessKeyID)
	return name, v.err()
}

// UpdateAccessKey sets the status (Active or Inactive) of an access key of
// a user of the caller's account ("" = the caller's own user). An inactive
// key is refused from the next request on, on every node.
func (s *Service) UpdateAccessKey(ctx context.Context, c *Credential, userName, accessKeyID string, status domain.AccessKeyStatus) error {
	if c == nil {
		return errNoCaller
	}
	var v validator
	if status != domain.KeyActive && status != domain.KeyInactive {
		v.fail("status", string(status), true, "Member must satisfy enum value set: [Active, Inactive]")
	}
	name, err := keyOperation(c, userName, accessKeyID, &v)
	if err != nil {
		return err
	}
	var user string
	err = s.st.Write(ctx, func(tx store.Tx) error {
		u, k, err := s.userKey(ctx, tx, c, "iam:UpdateAccessKey", name, accessKeyID)
		if err != nil {
			return err
		}
		user = u.Name
		if k.Status == status {
			return nil
		}
		return tx.Identities().SetAccessKeyStatus(ctx, accessKeyID, status)
	})
	if err != nil {
		return failure(err)
	}
	s.log.Info("iam: access key status set", "account", c.Principal.Account, "user", user, "access_key_id", accessKeyID,
		"status", string(status), "by", c.Principal.ARN)
	return nil
}

// DeleteAccessKey deletes an access key of a user of the caller's account
// ("" = the caller's own user).
func (s *Service) DeleteAccessKey(ctx context.Context, c *Credential, userName, accessKeyID string) error {
	if c == nil {
		return errNoCaller
	}
	var v validator
	name, err := keyOperation(c, userName, accessKeyID, &v)
	if err != nil {
		return err
	}
	var user string
	err = s.st.Write(ctx, func(tx store.Tx) error {
		u, _, err := s.userKey(ctx, tx, c, "iam:DeleteAccessKey", name, accessKeyID)
		if err != nil {
			return err
		}
		user = u.Name
		return tx.Identities().DeleteAccessKey(ctx, accessKeyID)
	})
	if err != nil {
		return failure(err)
	}
	s.log.Info("iam: access key deleted", "account", c.Principal.Account, "user", user, "access_key_id", accessKeyID, "by", c.Principal.ARN)
	return nil
}
