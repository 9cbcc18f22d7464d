package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type groupsTx struct{ t *tx }

const groupCols = `id, domain_id, pattern, weak_key, parent_id, description, contact_info, created_ns,
	publish_mode, external_upstream_mode, internal_upstream_mode`

func scanGroup(sc scanner) (domain.PackageGroup, error) {
	var g domain.PackageGroup
	var parent sql.NullInt64
	var created int64
	var publish, external, internal string
	if err := sc.Scan(&g.ID, &g.DomainID, &g.Pattern, &g.WeakKey, &parent, &g.Description, &g.ContactInfo,
		&created, &publish, &external, &internal); err != nil {
		return domain.PackageGroup{}, err
	}
	g.ParentID = parent.Int64
	g.CreatedTime = fromNS(created)
	g.Modes = map[domain.RestrictionType]domain.RestrictionMode{
		domain.RestrictPublish:          domain.RestrictionMode(publish),
		domain.RestrictExternalUpstream: domain.RestrictionMode(external),
		domain.RestrictInternalUpstream: domain.RestrictionMode(internal),
	}
	return g, nil
}

// groupModes returns the publish, external-upstream and internal-upstream
// modes of m: a missing (or empty) mode is INHERIT; unknown restriction
// types and modes are domain.ErrInvalid.
func groupModes(m map[domain.RestrictionType]domain.RestrictionMode) (publish, external, internal string, err error) {
	publish, external, internal = string(domain.ModeInherit), string(domain.ModeInherit), string(domain.ModeInherit)
	for t, mode := range m {
		switch mode {
		case "":
			mode = domain.ModeInherit
		case domain.ModeAllow, domain.ModeBlock, domain.ModeAllowSpecificRepositories, domain.ModeInherit:
		default:
			return "", "", "", domain.Invalid("unknown origin restriction mode %q", mode)
		}
		switch t {
		case domain.RestrictPublish:
			publish = string(mode)
		case domain.RestrictExternalUpstream:
			external = string(mode)
		case domain.RestrictInternalUpstream:
			internal = string(mode)
		default:
			return "", "", "", domain.Invalid("unknown origin restriction type %q", t)
		}
	}
	return publish, external, internal, nil
}

func checkRestrictionType(t domain.RestrictionType) error {
	switch t {
	case domain.RestrictPublish, domain.RestrictExternalUpstream, domain.RestrictInternalUpstream:
		return nil
	}
	return domain.Invalid("unknown origin restriction type %q", t)
}

func groupIDNotFound(id int64) error {
	return domain.NotFound(domain.ResPackageGroup, strconv.FormatInt(id, 10), "package group %d not found", id)
}

// nullID stores id 0 (no parent) as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (x groupsTx) Create(ctx context.Context, g *domain.PackageGroup) error {
	created, err := toNS("package group creation time", g.CreatedTime)
	if err != nil {
		return err
	}
	publish, external, internal, err := groupModes(g.Modes)
	if err != nil {
		return err
	}
	var id int64
	err = x.t.queryRow(ctx, `INSERT INTO package_groups (domain_id, pattern, weak_key, parent_id, description,
		contact_info, created_ns, publish_mode, external_upstream_mode, internal_upstream_mode)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		g.DomainID, g.Pattern, g.WeakKey, nullID(g.ParentID), g.Description, g.ContactInfo, created,
		publish, external, internal).Scan(&id)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrNotFound, ResourceType: domain.ResDomain, ResourceID: strconv.FormatInt(g.DomainID, 10),
				Msg: "domain " + strconv.FormatInt(g.DomainID, 10) + " or parent package group " +
					strconv.FormatInt(g.ParentID, 10) + " not found", Err: err}
		}
		return x.t.conflict("create package group", err, domain.ResPackageGroup, g.Pattern,
			"package group "+g.Pattern+" already exists")
	}
	g.ID = id
	return x.t.renewGroupStamp(ctx)
}

// renewGroupStamp changes the package group stamp, in the transaction of a
// write that changes groups.
func (t *tx) renewGroupStamp(ctx context.Context) error {
	if _, err := t.exec(ctx, `UPDATE package_group_stamp SET stamp = stamp + 1`); err != nil {
		return t.fail("renew package group stamp", err)
	}
	return nil
}

func (x groupsTx) Stamp(ctx context.Context) (int64, error) {
	var stamp int64
	if err := x.t.queryRow(ctx, `SELECT stamp FROM package_group_stamp`).Scan(&stamp); err != nil {
		return 0, x.t.fail("read package group stamp", err)
	}
	return stamp, nil
}

func (x groupsTx) get(ctx context.Context, where string, notFound func() error, args ...any) (domain.PackageGroup, error) {
	g, err := scanGroup(x.t.queryRow(ctx, `SELECT `+groupCols+` FROM package_groups WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.PackageGroup{}, notFound()
	}
	if err != nil {
		return domain.PackageGroup{}, x.t.fail("get package group", err)
	}
	return g, nil
}

func (x groupsTx) Get(ctx context.Context, domainID int64, pattern string) (domain.PackageGroup, error) {
	return x.get(ctx, `domain_id = ? AND pattern = ?`, func() error {
		return domain.NotFound(domain.ResPackageGroup, pattern, "package group %s not found", pattern)
	}, domainID, pattern)
}

func (x groupsTx) GetByID(ctx context.Context, id int64) (domain.PackageGroup, error) {
	return x.get(ctx, `id = ?`, func() error { return groupIDNotFound(id) }, id)
}

// findIn returns the domain's groups whose col is one of values, with one
// statement on the index (domain_id, col).
func (x groupsTx) findIn(ctx context.Context, domainID int64, col string, values []string) ([]domain.PackageGroup, error) {
	if len(values) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(values)+1)
	args = append(args, domainID)
	for _, v := range values {
		args = append(args, v)
	}
	marks := strings.Repeat(", ?", len(values))[2:]
	return queryAll(ctx, x.t, "find package groups", `SELECT `+groupCols+` FROM package_groups
		WHERE domain_id = ? AND `+col+` IN (`+marks+`)`, scanGroup, args...)
}

func (x groupsTx) Find(ctx context.Context, domainID int64, patterns []string) ([]domain.PackageGroup, error) {
	return x.findIn(ctx, domainID, "pattern", patterns)
}

func (x groupsTx) FindWeak(ctx context.Context, domainID int64, keys []string) ([]domain.PackageGroup, error) {
	return x.findIn(ctx, domainID, "weak_key", keys)
}

// listByPattern pages through the groups matching w whose pattern starts
// with prefix, ordered by pattern. Of the cursor and the prefix, only the
// greater lower bound is given, so that it bounds the index range.
func (x groupsTx) listByPattern(ctx context.Context, w conds, prefix, kind string, p store.Page) ([]domain.PackageGroup, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	after := ""
	if p.After != "" {
		c, err := decodeCursor(p.After, kind, 1, 0)
		if err != nil {
			return nil, "", err
		}
		after = c.S[0]
	}
	switch {
	case after == "" || after < prefix:
		w.prefix("pattern", prefix)
	default:
		if upper, ok := prefixSuccessor(prefix); ok && prefix != "" {
			w.add("pattern < ?", upper)
		}
		w.add("pattern > ?", after)
	}
	out, err := queryAll(ctx, x.t, "list package groups", `SELECT `+groupCols+` FROM package_groups`+w.where()+
		` ORDER BY pattern LIMIT ?`, scanGroup, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, p, func(g domain.PackageGroup) string { return encodeCursor(kind, []string{g.Pattern}, nil) })
	return out, next, nil
}

func (x groupsTx) List(ctx context.Context, domainID int64, prefix string, p store.Page) ([]domain.PackageGroup, string, error) {
	var w conds
	w.add("domain_id = ?", domainID)
	return x.listByPattern(ctx, w, prefix, kindGroups, p)
}

func (x groupsTx) Children(ctx context.Context, parentID int64, p store.Page) ([]domain.PackageGroup, string, error) {
	var w conds
	w.add("parent_id = ?", parentID)
	return x.listByPattern(ctx, w, "", kindGroupChildren, p)
}

func (x groupsTx) Update(ctx context.Context, g domain.PackageGroup) error {
	publish, external, internal, err := groupModes(g.Modes)
	if err != nil {
		return err
	}
	res, err := x.t.exec(ctx, `UPDATE package_groups SET description = ?, contact_info = ?, parent_id = ?,
		publish_mode = ?, external_upstream_mode = ?, internal_upstream_mode = ? WHERE id = ?`,
		g.Description, g.ContactInfo, nullID(g.ParentID), publish, external, internal, g.ID)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrNotFound, ResourceType: domain.ResPackageGroup,
				ResourceID: strconv.FormatInt(g.ParentID, 10),
				Msg:        "parent package group " + strconv.FormatInt(g.ParentID, 10) + " not found", Err: err}
		}
		return x.t.fail("update package group", err)
	}
	if err := affected(res, func() error { return groupIDNotFound(g.ID) }); err != nil {
		return err
	}
	return x.t.renewGroupStamp(ctx)
}

// Delete removes the group; its allowed-repository lists go with it (ON
// DELETE CASCADE). A group that is still some group's parent stays.
func (x groupsTx) Delete(ctx context.Context, id int64) error {
	var n int64
	if err := x.t.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM package_groups WHERE parent_id = ? LIMIT 1) c`,
		id).Scan(&n); err != nil {
		return x.t.fail("delete package group", err)
	}
	if n > 0 {
		return domain.Conflict(domain.ResPackageGroup, strconv.FormatInt(id, 10), "package group %d still has child groups", id)
	}
	res, err := x.t.exec(ctx, `DELETE FROM package_groups WHERE id = ?`, id)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrConflict, ResourceType: domain.ResPackageGroup, ResourceID: strconv.FormatInt(id, 10),
				Msg: "package group " + strconv.FormatInt(id, 10) + " still has child groups", Err: err}
		}
		return x.t.fail("delete package group", err)
	}
	if err := affected(res, func() error { return groupIDNotFound(id) }); err != nil {
		return err
	}
	return x.t.renewGroupStamp(ctx)
}

func (x groupsTx) Allowed(ctx context.Context, groupID int64, t domain.RestrictionType, p store.Page) ([]string, string, error) {
	if err := checkRestrictionType(t); err != nil {
		return nil, "", err
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var w conds
	w.add("group_id = ?", groupID)
	w.add("restriction_type = ?", string(t))
	if p.After != "" {
		c, err := decodeCursor(p.After, kindAllowed, 1, 0)
		if err != nil {
			return nil, "", err
		}
		w.add("repository_name > ?", c.S[0])
	}
	out, err := queryAll(ctx, x.t, "list allowed repositories", `SELECT repository_name
		FROM package_group_allowed_repositories`+w.where()+` ORDER BY repository_name LIMIT ?`,
		func(sc scanner) (string, error) {
			var name string
			err := sc.Scan(&name)
			return name, err
		}, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, p, func(name string) string { return encodeCursor(kindAllowed, []string{name}, nil) })
	return out, next, nil
}

func (x groupsTx) CountAllowed(ctx context.Context, groupID int64, t domain.RestrictionType) (int, error) {
	if err := checkRestrictionType(t); err != nil {
		return 0, err
	}
	return x.t.count(ctx, "allowed repositories", `SELECT COUNT(*) FROM package_group_allowed_repositories
		WHERE group_id = ? AND restriction_type = ?`, groupID, string(t))
}

func (x groupsTx) IsAllowed(ctx context.Context, groupID int64, t domain.RestrictionType, repository string) (bool, error) {
	if err := checkRestrictionType(t); err != nil {
		return false, err
	}
	n, err := x.t.count(ctx, "allowed repository", `SELECT COUNT(*) FROM package_group_allowed_repositories
		WHERE group_id = ? AND restriction_type = ? AND repository_name = ?`, groupID, string(t), repository)
	return n > 0, err
}

func (x groupsTx) SetAllowed(ctx context.Context, groupID int64, t domain.RestrictionType, repository string, allowed bool) (bool, error) {
	if err := checkRestrictionType(t); err != nil {
		return false, err
	}
	var res sql.Result
	var err error
	if allowed {
		res, err = x.t.exec(ctx, `INSERT INTO package_group_allowed_repositories (group_id, restriction_type, repository_name)
			VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, groupID, string(t), repository)
	} else {
		res, err = x.t.exec(ctx, `DELETE FROM package_group_allowed_repositories
			WHERE group_id = ? AND restriction_type = ? AND repository_name = ?`, groupID, string(t), repository)
	}
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return false, &domain.Error{Kind: domain.ErrNotFound, ResourceType: domain.ResPackageGroup,
				ResourceID: strconv.FormatInt(groupID, 10), Msg: "package group " + strconv.FormatInt(groupID, 10) + " not found", Err: err}
		}
		return false, x.t.fail("set allowed repository", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, x.t.fail("set allowed repository", err)
	}
	if n == 0 {
		return false, nil
	}
	return true, x.t.renewGroupStamp(ctx)
}
