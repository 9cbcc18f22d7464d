package iam

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/store"
)

// Credential is what an access key stands for; Lookup returns it as
// sigv4.Key.Principal. A *Credential is shared by every request resolved
// at the same stamp: it must not be modified.
type Credential struct {
	Principal iampolicy.Principal
	// Policies are the compiled inline policies of the user or role; nil
	// for the administrator.
	Policies     []*iampolicy.Policy
	AccessKeyID  string
	SessionToken string    // role sessions only
	Expires      time.Time // role sessions only
	// Stamp is the AuthzStamp this was resolved at: the caller's other
	// caches use it.
	Stamp int64
}

// IsAdministrator reports whether c is the installation administrator (its
// account's root).
func (c *Credential) IsAdministrator() bool { return c.Principal.Root }

// IsRoleSession reports whether c is an assumed role's session.
func (c *Credential) IsRoleSession() bool { return c.SessionToken != "" }

// Lookup implements sigv4.Keys: the administrator's keys first, then IAM
// users' keys (Active only), then role sessions' keys (ASIA...: the session
// token must be the one issued with the key, the session unexpired, and
// its role must still exist as it was). Key.Secret is the clear secret,
// Key.Principal a *Credential.
//
// Unknown, inactive or deleted keys, and keys presented with a token that
// is not theirs (long-term keys take none), are sigv4.ErrUnknownKey; an
// expired session is sigv4.ErrExpiredToken. Any other error is a failure
// to look the key up.
//
// Results are cached on this node under the store's AuthzStamp, read once
// per call: a deleted user, a deactivated key or a changed policy takes
// effect at the next request on every node. A cached lookup allocates
// nothing.
func (s *Service) Lookup(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Key, error) {
	e, err := s.resolve(ctx, accessKeyID, sessionToken, false)
	if err != nil {
		return sigv4.Key{}, err
	}
	return sigv4.Key{Secret: e.secret, Account: e.cred.Principal.Account, Principal: e.cred}, nil
}

// Credential resolves an access key (and its session token) the way Lookup
// does and returns what it stands for now: data-plane tokens use it to act
// as the identity that minted them.
func (s *Service) Credential(ctx context.Context, accessKeyID, sessionToken string) (*Credential, error) {
	e, err := s.resolve(ctx, accessKeyID, sessionToken, false)
	if err != nil {
		return nil, err
	}
	return e.cred, nil
}

// TokenCredential is Credential for the key that minted an authorization
// token: a role session's expiry does not end it, since on AWS a token
// outlives the session that minted it (its own expiry governs; a token
// minted with duration 0 expires with the session). Deleting or
// re-creating the role still ends it.
func (s *Service) TokenCredential(ctx context.Context, accessKeyID, sessionToken string) (*Credential, error) {
	e, err := s.resolve(ctx, accessKeyID, sessionToken, true)
	if err != nil {
		return nil, err
	}
	return e.cred, nil
}

// entry is a resolved key.
type entry struct {
	secret string
	cred   *Credential
}

// maxKeyID bounds the key ids worth looking up in the store (IAM's are ≤
// 128 characters); the administrator's configured ids may be anything.
const maxKeyID = 128

// resolve finds what key id (with its session token) stands for.
// pastExpiry resolves a role session after its expiry too.
func (s *Service) resolve(ctx context.Context, id, token string, pastExpiry bool) (*entry, error) {
	if id == "" || len(id) > maxKeyID && !s.admin.Has(id) {
		return nil, sigv4.ErrUnknownKey
	}
	stamp, err := s.st.AuthzStamp(ctx)
	if err != nil {
		return nil, fmt.Errorf("iam: read the authorization stamp: %w", err)
	}
	e, negative := s.keys.get(id, stamp)
	if negative {
		return nil, sigv4.ErrUnknownKey
	}
	if e == nil {
		if e, err = s.load(ctx, id, token, stamp, pastExpiry); err != nil {
			return nil, err
		}
	}
	// The key's token (none for long-term keys) and, for sessions,
	// expiry are checked on every request.
	if !equalString(e.cred.SessionToken, token) {
		return nil, sigv4.ErrUnknownKey
	}
	if !pastExpiry && !e.cred.Expires.IsZero() && !s.now().Before(e.cred.Expires) {
		return nil, sigv4.ErrExpiredToken
	}
	return e, nil
}

// errInactive marks an inactive key while it is being loaded.
var errInactive = errors.New("inactive access key")

// load resolves a key from the keyring or the store and caches it.
func (s *Service) load(ctx context.Context, id, token string, stamp int64, pastExpiry bool) (*entry, error) {
	if k, ok := s.admin.Get(id); ok {
		e := &entry{secret: k.SecretAccessKey, cred: &Credential{
			Principal:   administrator(k.Account),
			AccessKeyID: id,
			Stamp:       stamp,
		}}
		s.keys.put(id, stamp, e)
		return e, nil
	}
	if strings.HasPrefix(id, prefixSessionKey) {
		return s.loadSession(ctx, id, token, stamp, pastExpiry)
	}

	var (
		k    domain.AccessKey
		u    domain.IAMUser
		docs []string
	)
	err := s.st.Read(ctx, func(tx store.Tx) (err error) {
		ids := tx.Identities()
		if k, err = ids.GetAccessKey(ctx, id); err != nil {
			return err
		}
		if k.Status != domain.KeyActive {
			return errInactive
		}
		if u, err = ids.GetUserByID(ctx, k.UserRowID); err != nil {
			return err
		}
		docs, err = ids.PolicyDocuments(ctx, domain.PrincipalUser, u.ID)
		return err
	})
	switch {
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, errInactive):
		s.keys.put(id, stamp, nil)
		return nil, sigv4.ErrUnknownKey
	case err != nil:
		return nil, fmt.Errorf("iam: look up access key %s: %w", id, err)
	}
	secret, err := s.unsealSecret(id, k.SealedSecret)
	if err != nil {
		s.log.Error("iam: an access key's secret does not open under the seal key: is ARTIFACTD_SECRETS_KEY the key this database was sealed with?",
			"access_key_id", id, "account", k.Account)
		return nil, fmt.Errorf("iam: access key %s: %w", id, err)
	}
	policies, err := s.compile(docs)
	if err != nil {
		return nil, fmt.Errorf("iam: the inline policies of user %s in account %s: %w", u.Name, u.Account, err)
	}
	e := &entry{secret: secret, cred: &Credential{
		Principal: iampolicy.Principal{
			Account:  u.Account,
			ARN:      UserARN(u),
			Username: u.Name,
			UserID:   u.UserID,
		},
		Policies:    policies,
		AccessKeyID: id,
		Stamp:       stamp,
	}}
	s.keys.put(id, stamp, e)
	return e, nil
}

// loadSession resolves a role session's key. Failures are not cached: a
// forged token must not shadow the real one.
func (s *Service) loadSession(ctx context.Context, id, token string, stamp int64, pastExpiry bool) (*entry, error) {
	cl, ok := s.openSession(id, token)
	if !ok {
		return nil, sigv4.ErrUnknownKey
	}
	expires := time.Unix(cl.Expires, 0).UTC()
	if !pastExpiry && !s.now().Before(expires) {
		return nil, sigv4.ErrExpiredToken
	}
	var (
		role domain.IAMRole
		docs []string
	)
	err := s.st.Read(ctx, func(tx store.Tx) (err error) {
		ids := tx.Identities()
		if role, err = ids.GetRole(ctx, cl.Account, cl.Role); err != nil {
			return err
		}
		if role.RoleID != cl.RoleID {
			return domain.ErrNotFound // deleted, and another made under its name
		}
		docs, err = ids.PolicyDocuments(ctx, domain.PrincipalRole, role.ID)
		return err
	})
	var policies []*iampolicy.Policy
	switch {
	case errors.Is(err, domain.ErrNotFound):
		// The implicit OrganizationAccountAccessRole, while no real role
		// of that name exists.
		if !isOrgRole(cl.Role) || cl.RoleID != s.orgRoleID(cl.Account) || role.ID != 0 {
			return nil, sigv4.ErrUnknownKey
		}
		role = s.orgRole(cl.Account)
		policies = []*iampolicy.Policy{allowAll}
	case err != nil:
		return nil, fmt.Errorf("iam: look up the role of session key %s: %w", id, err)
	default:
		if policies, err = s.compile(docs); err != nil {
			return nil, fmt.Errorf("iam: the inline policies of role %s in account %s: %w", role.Name, role.Account, err)
		}
	}
	e := &entry{secret: cl.Secret, cred: &Credential{
		Principal: iampolicy.Principal{
			Account: cl.Account,
			ARN:     assumedRoleARN(cl.Account, cl.Role, cl.Session),
			RoleARN: RoleARN(role),
			UserID:  role.RoleID + ":" + cl.Session,
		},
		Policies:     policies,
		AccessKeyID:  id,
		SessionToken: token,
		Expires:      expires,
		Stamp:        stamp,
	}}
	s.keys.put(id, stamp, e)
	return e, nil
}

// administrator returns the principal of the installation administrator
// in its account: the account's root.
func administrator(account string) iampolicy.Principal {
	return iampolicy.Principal{Account: account, ARN: rootARN(account), UserID: account, Root: true}
}

// The implicit role through which the administrator enters any account.
const orgRoleName = "OrganizationAccountAccessRole"

func isOrgRole(name string) bool { return strings.EqualFold(name, orgRoleName) }

// orgRoleID is the implicit role's unique id in an account: stable across
// nodes sharing the seal key, different per account.
func (s *Service) orgRoleID(account string) string {
	m := hmac.New(sha256.New, s.orgRoleKey)
	m.Write([]byte(account))
	sum := m.Sum(nil)
	b := make([]byte, 17)
	for i := range b {
		b[i] = idAlphabet[int(sum[i])%len(idAlphabet)]
	}
	return prefixRoleID + string(b)
}

func (s *Service) orgRole(account string) domain.IAMRole {
	return domain.IAMRole{
		Account: account, Name: orgRoleName, Path: "/", RoleID: s.orgRoleID(account),
		MaxSessionDuration: DefaultSessionDuration,
	}
}

// allowAll is the implicit role's permissions: everything in its account.
var allowAll = func() *iampolicy.Policy {
	p, err := iampolicy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	if err != nil {
		panic(err)
	}
	return p
}()

// Cache sizes. A full cache is emptied (and refilled as keys are used).
const (
	maxCachedKeys     = 1 << 14
	maxCachedUnknown  = 1 << 12
	maxCachedPolicies = 1 << 12
)

// keyCache holds the keys resolved at one AuthzStamp. An entry is served
// only to a request that read the same stamp; a newer stamp empties it.
type keyCache struct {
	mu      sync.RWMutex
	stamp   int64
	keys    map[string]*entry
	unknown map[string]struct{} // long-term key ids found unknown or inactive
	// hits and misses count lookups, for the metrics (KeyCacheStats).
	hits, misses atomic.Uint64
}

// get returns the entry of id at stamp, or reports that id is known to be
// unknown at stamp.
func (c *keyCache) get(id string, stamp int64) (e *entry, unknown bool) {
	c.mu.RLock()
	if c.stamp == stamp && c.keys != nil {
		if e = c.keys[id]; e == nil {
			_, unknown = c.unknown[id]
		}
	}
	c.mu.RUnlock()
	if e != nil || unknown {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return e, unknown
}

// put caches e (nil: id is unknown) as resolved at stamp. A resolution
// made at an older stamp than the cache's is not kept: stamps only grow.
func (c *keyCache) put(id string, stamp int64, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.keys == nil || stamp > c.stamp:
		c.stamp = stamp
		c.keys = make(map[string]*entry)
		c.unknown = make(map[string]struct{})
	case stamp < c.stamp:
		return
	}
	if e == nil {
		if len(c.unknown) >= maxCachedUnknown {
			clear(c.unknown)
		}
		c.unknown[id] = struct{}{}
		return
	}
	if len(c.keys) >= maxCachedKeys {
		clear(c.keys)
	}
	c.keys[id] = e
}

// policyCache keeps compiled policies by document: a stamp change (any
// policy write anywhere) re-resolves keys without re-parsing documents.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*iampolicy.Policy
}

// compile parses stored identity-policy documents (validated when they
// were put).
func (s *Service) compile(docs []string) ([]*iampolicy.Policy, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	out := make([]*iampolicy.Policy, len(docs))
	c := &s.compiled
	for i, doc := range docs {
		c.mu.Lock()
		p := c.m[doc]
		c.mu.Unlock()
		if p == nil {
			var err error
			if p, err = iampolicy.Parse(doc); err != nil {
				return nil, err
			}
			c.mu.Lock()
			if c.m == nil || len(c.m) >= maxCachedPolicies {
				c.m = make(map[string]*iampolicy.Policy)
			}
			c.m[doc] = p
			c.mu.Unlock()
		}
		out[i] = p
	}
	return out, nil
}
