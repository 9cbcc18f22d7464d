package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type identitiesTx struct{ t *tx }

// authzStampQuery reads the stamp; bumpAuthz changes it.
const authzStampQuery = `SELECT stamp FROM authz_stamp WHERE id = 1`

// cachedStamp is an AuthzStamp read at write generation gen.
type cachedStamp struct {
	gen   uint64
	stamp int64
}

// AuthzStamp runs one prepared SELECT on the read pool, outside any
// transaction, like Resolve. With CacheResolves (this Store is the only
// writer) the value is remembered until the next Write, exactly as
// Resolve answers are: one read per write instead of one per request.
func (s *Store) AuthzStamp(ctx context.Context) (int64, error) {
	if s.cache == nil {
		return s.readAuthzStamp(ctx)
	}
	gen := s.writes.Load() // before the statement starts
	quiet := s.committing.Load() == 0
	if c := s.stamp.Load(); quiet && c != nil && c.gen == gen {
		return c.stamp, nil
	}
	stamp, err := s.readAuthzStamp(ctx)
	// Remember it only if no commit started or ended meanwhile. A racing
	// store of an older generation's value is harmless: it never matches.
	if err == nil && quiet && s.committing.Load() == 0 && s.writes.Load() == gen {
		s.stamp.Store(&cachedStamp{gen: gen, stamp: stamp})
	}
	return stamp, err
}

func (s *Store) readAuthzStamp(ctx context.Context) (int64, error) {
	if s.d.InProcess {
		ctx = context.WithoutCancel(ctx) // as in resolve: no watcher goroutine
	}
	st, err := s.prepared(ctx, authzStampQuery)
	if err != nil {
		return 0, fmt.Errorf("%s: authz stamp: prepare: %w", s.d.Name, err)
	}
	var stamp int64
	if err := st.QueryRowContext(ctx).Scan(&stamp); err != nil {
		return 0, fmt.Errorf("%s: authz stamp: %w", s.d.Name, err)
	}
	return stamp, nil
}

// bumpAuthz changes the authorization stamp in t: every write that can
// change an authorization decision calls it, in the same transaction.
func (t *tx) bumpAuthz(ctx context.Context) error {
	if _, err := t.exec(ctx, `UPDATE authz_stamp SET stamp = stamp + 1 WHERE id = 1`); err != nil {
		return t.fail("bump authz stamp", err)
	}
	return nil
}

// lowerName is the key names are unique under. IAM names are ASCII; Go's
// lower-casing is the same on every database, unlike SQL LOWER.
func lowerName(name string) string { return strings.ToLower(name) }

// Listing kinds of identities (see cursor.go).
const (
	kindIAMUsers    = "iu"
	kindIAMRoles    = "ir"
	kindIAMPolicies = "ip"
)

// listIAM pages through the rows of table matching w whose path starts with
// pathPrefix (when not ""), by name_lower.
func listIAM[T any](ctx context.Context, t *tx, p store.Page, w conds, kind, table, cols, pathPrefix string,
	scan func(scanner) (T, error), name func(T) string) ([]T, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	w.prefix("path", pathPrefix)
	if p.After != "" {
		c, err := decodeCursor(p.After, kind, 1, 0)
		if err != nil {
			return nil, "", err
		}
		w.add("name_lower > ?", c.S[0])
	}
	out, err := queryAll(ctx, t, "list "+table, `SELECT `+cols+` FROM `+table+w.where()+
		` ORDER BY name_lower LIMIT ?`, scan, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, p, func(v T) string { return encodeCursor(kind, []string{lowerName(name(v))}, nil) })
	return out, next, nil
}

// Users.

const userCols = `id, account, name, path, user_id, created_ns`

func scanUser(sc scanner) (domain.IAMUser, error) {
	var u domain.IAMUser
	var created int64
	if err := sc.Scan(&u.ID, &u.Account, &u.Name, &u.Path, &u.UserID, &created); err != nil {
		return domain.IAMUser{}, err
	}
	u.Created = fromNS(created)
	return u, nil
}

func (x identitiesTx) CreateUser(ctx context.Context, u *domain.IAMUser) error {
	created, err := toNS("user creation time", u.Created)
	if err != nil {
		return err
	}
	var id int64
	err = x.t.queryRow(ctx, `INSERT INTO iam_users (account, name, name_lower, path, user_id, created_ns)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Account, u.Name, lowerName(u.Name), u.Path, u.UserID, created).Scan(&id)
	if err != nil {
		return x.t.conflict("create user", err, "", u.Name, "User with name "+u.Name+" already exists.")
	}
	u.ID = id
	return x.t.bumpAuthz(ctx)
}

func (x identitiesTx) getUser(ctx context.Context, where string, notFound func() error, args ...any) (domain.IAMUser, error) {
	u, err := scanUser(x.t.queryRow(ctx, `SELECT `+userCols+` FROM iam_users WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.IAMUser{}, notFound()
	}
	if err != nil {
		return domain.IAMUser{}, x.t.fail("get user", err)
	}
	return u, nil
}

func (x identitiesTx) GetUser(ctx context.Context, account, name string) (domain.IAMUser, error) {
	return x.getUser(ctx, `account = ? AND name_lower = ?`, func() error {
		return domain.NotFound("", name, "The user with name %s cannot be found.", name)
	}, account, lowerName(name))
}

func userIDNotFound(id int64) error {
	return domain.NotFound("", strconv.FormatInt(id, 10), "user %d not found", id)
}

func (x identitiesTx) GetUserByID(ctx context.Context, id int64) (domain.IAMUser, error) {
	return x.getUser(ctx, `id = ?`, func() error { return userIDNotFound(id) }, id)
}

func (x identitiesTx) ListUsers(ctx context.Context, account, pathPrefix string, p store.Page) ([]domain.IAMUser, string, error) {
	var w conds
	w.add("account = ?", account)
	return listIAM(ctx, x.t, p, w, kindIAMUsers, "iam_users", userCols, pathPrefix, scanUser,
		func(u domain.IAMUser) string { return u.Name })
}

// DeleteUser removes the user and, should any be left, its inline
// policies; a user that still has access keys stays (ErrConflict).
func (x identitiesTx) DeleteUser(ctx context.Context, id int64) error {
	return x.deleteOwner(ctx, "iam_users", domain.PrincipalUser, id, func() error { return userIDNotFound(id) })
}

// deleteOwner deletes the user or role id of table, then its inline
// policies (in that order: a refused delete leaves them alone).
func (x identitiesTx) deleteOwner(ctx context.Context, table, kind string, id int64, notFound func() error) error {
	res, err := x.t.exec(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrConflict, ResourceID: strconv.FormatInt(id, 10),
				Msg: "Cannot delete entity, must delete access keys first.", Err: err}
		}
		return x.t.fail("delete "+kind, err)
	}
	if err := affected(res, notFound); err != nil {
		return err
	}
	if _, err := x.t.exec(ctx, `DELETE FROM iam_inline_policies WHERE kind = ? AND owner_id = ?`, kind, id); err != nil {
		return x.t.fail("delete "+kind+" policies", err)
	}
	return x.t.bumpAuthz(ctx)
}

// Roles.

const roleCols = `id, account, name, path, role_id, trust_policy, description, max_session_duration, created_ns`

func scanRole(sc scanner) (domain.IAMRole, error) {
	var r domain.IAMRole
	var maxSession, created int64
	if err := sc.Scan(&r.ID, &r.Account, &r.Name, &r.Path, &r.RoleID, &r.TrustPolicy, &r.Description,
		&maxSession, &created); err != nil {
		return domain.IAMRole{}, err
	}
	r.MaxSessionDuration = int(maxSession)
	r.Created = fromNS(created)
	return r, nil
}

func roleIDNotFound(id int64) error {
	return domain.NotFound("", strconv.FormatInt(id, 10), "role %d not found", id)
}

func (x identitiesTx) CreateRole(ctx context.Context, r *domain.IAMRole) error {
	created, err := toNS("role creation time", r.Created)
	if err != nil {
		return err
	}
	var id int64
	err = x.t.queryRow(ctx, `INSERT INTO iam_roles (account, name, name_lower, path, role_id, trust_policy,
		description, max_session_duration, created_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Account, r.Name, lowerName(r.Name), r.Path, r.RoleID, r.TrustPolicy, r.Description,
		r.MaxSessionDuration, created).Scan(&id)
	if err != nil {
		return x.t.conflict("create role", err, "", r.Name, "Role with name "+r.Name+" already exists.")
	}
	r.ID = id
	return x.t.bumpAuthz(ctx)
}

func (x identitiesTx) GetRole(ctx context.Context, account, name string) (domain.IAMRole, error) {
	r, err := scanRole(x.t.queryRow(ctx, `SELECT `+roleCols+` FROM iam_roles WHERE account = ? AND name_lower = ?`,
		account, lowerName(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.IAMRole{}, domain.NotFound("", name, "The role with name %s cannot be found.", name)
	}
	if err != nil {
		return domain.IAMRole{}, x.t.fail("get role", err)
	}
	return r, nil
}

func (x identitiesTx) ListRoles(ctx context.Context, account, pathPrefix string, p store.Page) ([]domain.IAMRole, string, error) {
	var w conds
	w.add("account = ?", account)
	return listIAM(ctx, x.t, p, w, kindIAMRoles, "iam_roles", roleCols, pathPrefix, scanRole,
		func(r domain.IAMRole) string { return r.Name })
}

func (x identitiesTx) UpdateRole(ctx context.Context, r domain.IAMRole) error {
	res, err := x.t.exec(ctx, `UPDATE iam_roles SET trust_policy = ?, description = ?, max_session_duration = ?
		WHERE id = ?`, r.TrustPolicy, r.Description, r.MaxSessionDuration, r.ID)
	if err != nil {
		return x.t.fail("update role", err)
	}
	if err := affected(res, func() error { return roleIDNotFound(r.ID) }); err != nil {
		return err
	}
	return x.t.bumpAuthz(ctx)
}

// DeleteRole removes the role and, should any be left, its inline policies.
func (x identitiesTx) DeleteRole(ctx context.Context, id int64) error {
	return x.deleteOwner(ctx, "iam_roles", domain.PrincipalRole, id, func() error { return roleIDNotFound(id) })
}

// Inline policies.

func checkKind(kind string) error {
	if kind != domain.PrincipalUser && kind != domain.PrincipalRole {
		return domain.Invalid("unknown identity kind %q", kind)
	}
	return nil
}

func policyNotFound(kind, name string) error {
	return domain.NotFound("", name, "The %s policy with name %s cannot be found.", kind, name)
}

// PutPolicy keeps the name a policy was created with when a name differing
// only in case replaces its document.
func (x identitiesTx) PutPolicy(ctx context.Context, kind string, ownerID int64, name, document string) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	_, err := x.t.exec(ctx, `INSERT INTO iam_inline_policies (kind, owner_id, name, name_lower, document)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, owner_id, name_lower) DO UPDATE SET document = excluded.document`,
		kind, ownerID, name, lowerName(name), document)
	if err != nil {
		return x.t.fail("put "+kind+" policy", err)
	}
	return x.t.bumpAuthz(ctx)
}

func (x identitiesTx) GetPolicy(ctx context.Context, kind string, ownerID int64, name string) (string, error) {
	if err := checkKind(kind); err != nil {
		return "", err
	}
	var doc string
	err := x.t.queryRow(ctx, `SELECT document FROM iam_inline_policies WHERE kind = ? AND owner_id = ? AND name_lower = ?`,
		kind, ownerID, lowerName(name)).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", policyNotFound(kind, name)
	}
	if err != nil {
		return "", x.t.fail("get "+kind+" policy", err)
	}
	return doc, nil
}

func scanString(sc scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

func (x identitiesTx) ListPolicies(ctx context.Context, kind string, ownerID int64, p store.Page) ([]string, string, error) {
	if err := checkKind(kind); err != nil {
		return nil, "", err
	}
	var w conds
	w.add("kind = ?", kind)
	w.add("owner_id = ?", ownerID)
	return listIAM(ctx, x.t, p, w, kindIAMPolicies, "iam_inline_policies", "name", "", scanString,
		func(name string) string { return name })
}

func (x identitiesTx) PolicyDocuments(ctx context.Context, kind string, ownerID int64) ([]string, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	return queryAll(ctx, x.t, "read "+kind+" policies", `SELECT document FROM iam_inline_policies
		WHERE kind = ? AND owner_id = ? ORDER BY name_lower`, scanString, kind, ownerID)
}

func (x identitiesTx) DeletePolicy(ctx context.Context, kind string, ownerID int64, name string) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	res, err := x.t.exec(ctx, `DELETE FROM iam_inline_policies WHERE kind = ? AND owner_id = ? AND name_lower = ?`,
		kind, ownerID, lowerName(name))
	if err != nil {
		return x.t.fail("delete "+kind+" policy", err)
	}
	if err := affected(res, func() error { return policyNotFound(kind, name) }); err != nil {
		return err
	}
	return x.t.bumpAuthz(ctx)
}

func (x identitiesTx) CountPolicies(ctx context.Context, kind string, ownerID int64) (int, error) {
	if err := checkKind(kind); err != nil {
		return 0, err
	}
	return x.t.count(ctx, kind+" policies", `SELECT COUNT(*) FROM iam_inline_policies WHERE kind = ? AND owner_id = ?`,
		kind, ownerID)
}

// Access keys.

const keyCols = `access_key_id, account, user_row_id, sealed_secret, status, created_ns, last_used_ns`

func scanKey(sc scanner) (domain.AccessKey, error) {
	var k domain.AccessKey
	var status string
	var created, lastUsed int64
	if err := sc.Scan(&k.AccessKeyID, &k.Account, &k.UserRowID, &k.SealedSecret, &status, &created, &lastUsed); err != nil {
		return domain.AccessKey{}, err
	}
	k.Status = domain.AccessKeyStatus(status)
	k.Created, k.LastUsed = fromNS(created), fromNS(lastUsed)
	return k, nil
}

func checkKeyStatus(s domain.AccessKeyStatus) error {
	if s != domain.KeyActive && s != domain.KeyInactive {
		return domain.Invalid("unknown access key status %q", s)
	}
	return nil
}

func keyNotFound(id string) error {
	return domain.NotFound("", id, "The Access Key with id %s cannot be found.", id)
}

func (x identitiesTx) CreateAccessKey(ctx context.Context, k domain.AccessKey) error {
	if err := checkKeyStatus(k.Status); err != nil {
		return err
	}
	if len(k.SealedSecret) == 0 {
		return domain.Invalid("access key %s: empty sealed secret", k.AccessKeyID)
	}
	created, err := toNS("access key creation time", k.Created)
	if err != nil {
		return err
	}
	lastUsed, err := toNS("access key last use time", k.LastUsed)
	if err != nil {
		return err
	}
	_, err = x.t.exec(ctx, `INSERT INTO iam_access_keys (`+keyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.AccessKeyID, k.Account, k.UserRowID, k.SealedSecret, string(k.Status), created, lastUsed)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrNotFound, ResourceID: strconv.FormatInt(k.UserRowID, 10),
				Msg: "user " + strconv.FormatInt(k.UserRowID, 10) + " not found", Err: err}
		}
		return x.t.conflict("create access key", err, "", k.AccessKeyID, "access key "+k.AccessKeyID+" already exists")
	}
	return x.t.bumpAuthz(ctx)
}

func (x identitiesTx) GetAccessKey(ctx context.Context, accessKeyID string) (domain.AccessKey, error) {
	k, err := scanKey(x.t.queryRow(ctx, `SELECT `+keyCols+` FROM iam_access_keys WHERE access_key_id = ?`, accessKeyID))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.AccessKey{}, keyNotFound(accessKeyID)
	}
	if err != nil {
		return domain.AccessKey{}, x.t.fail("get access key", err)
	}
	return k, nil
}

func (x identitiesTx) ListAccessKeys(ctx context.Context, userRowID int64) ([]domain.AccessKey, error) {
	return queryAll(ctx, x.t, "list access keys", `SELECT `+keyCols+` FROM iam_access_keys
		WHERE user_row_id = ? ORDER BY created_ns, access_key_id`, scanKey, userRowID)
}

func (x identitiesTx) SetAccessKeyStatus(ctx context.Context, accessKeyID string, status domain.AccessKeyStatus) error {
	if err := checkKeyStatus(status); err != nil {
		return err
	}
	res, err := x.t.exec(ctx, `UPDATE iam_access_keys SET status = ? WHERE access_key_id = ?`, string(status), accessKeyID)
	if err != nil {
		return x.t.fail("set access key status", err)
	}
	if err := affected(res, func() error { return keyNotFound(accessKeyID) }); err != nil {
		return err
	}
	return x.t.bumpAuthz(ctx)
}

func (x identitiesTx) DeleteAccessKey(ctx context.Context, accessKeyID string) error {
	res, err := x.t.exec(ctx, `DELETE FROM iam_access_keys WHERE access_key_id = ?`, accessKeyID)
	if err != nil {
		return x.t.fail("delete access key", err)
	}
	if err := affected(res, func() error { return keyNotFound(accessKeyID) }); err != nil {
		return err
	}
	return x.t.bumpAuthz(ctx)
}
