package service

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/pkggroup"
	"github.com/artifactd/artifactd/internal/store"
)

// RootPattern is the pattern of every domain's root package group.
const RootPattern = "/*"

// PackageGroupARN is the ARN of a package group.
func PackageGroupARN(d domain.Domain, pattern string) string {
	return fmt.Sprintf("arn:aws:codeartifact:%s:%s:package-group/%s%s", d.Region, d.Owner, d.Name, pkggroup.EncodePattern(pattern))
}

// Restriction is one origin restriction of a group as the API shows it.
type Restriction struct {
	Mode, EffectiveMode domain.RestrictionMode
	// InheritedFrom is the group the effective mode comes from (nil when
	// the group sets it itself).
	InheritedFrom     *domain.PackageGroup
	RepositoriesCount int
}

// PackageGroupInfo is a package group with what responses show of it.
type PackageGroupInfo struct {
	Domain       domain.Domain
	Group        domain.PackageGroup
	Parent       *domain.PackageGroup
	Restrictions map[domain.RestrictionType]Restriction
}

// rootGroup is the group CreateDomain makes: every origin allowed.
func rootGroup(d domain.Domain) domain.PackageGroup {
	return domain.PackageGroup{DomainID: d.ID, Pattern: RootPattern, WeakKey: pkggroup.WeakKey(RootPattern), CreatedTime: d.CreatedTime,
		Modes: map[domain.RestrictionType]domain.RestrictionMode{
			domain.RestrictPublish: domain.ModeAllow, domain.RestrictExternalUpstream: domain.ModeAllow, domain.RestrictInternalUpstream: domain.ModeAllow,
		}}
}

// parsePattern validates a pattern from a request.
func parsePattern(pattern string) (pkggroup.Pattern, error) {
	p, err := pkggroup.Parse(pattern)
	if err != nil {
		return p, domain.Invalid("Invalid package group pattern %q: %v", domain.TruncateMessage(pattern), err)
	}
	return p, nil
}

func groupNotFound(pattern string) error {
	return domain.NotFound(domain.ResPackageGroup, pattern, "Package group not found: %s", pattern)
}

// getGroup finds a group by pattern in a domain the caller may address.
func (s *Service) getGroup(ctx context.Context, tx store.Tx, c Caller, domainName, domainOwner, pattern string) (domain.Domain, domain.PackageGroup, error) {
	if _, err := parsePattern(pattern); err != nil {
		return domain.Domain{}, domain.PackageGroup{}, err
	}
	d, err := getDomain(ctx, tx, c, domainName, domainOwner)
	if err != nil {
		return d, domain.PackageGroup{}, err
	}
	g, err := tx.PackageGroups().Get(ctx, d.ID, pattern)
	if errors.Is(err, domain.ErrNotFound) {
		return d, g, groupNotFound(pattern)
	}
	return d, g, err
}

// groupInfo adds parent and effective restrictions to a group.
func groupInfo(ctx context.Context, tx store.Tx, d domain.Domain, g domain.PackageGroup) (PackageGroupInfo, error) {
	info := PackageGroupInfo{Domain: d, Group: g, Restrictions: map[domain.RestrictionType]Restriction{}}
	if g.ParentID != 0 {
		p, err := tx.PackageGroups().GetByID(ctx, g.ParentID)
		if err != nil {
			return info, err
		}
		info.Parent = &p
	}
	for _, t := range domain.RestrictionTypes {
		mode, from, err := effectiveMode(ctx, tx, g, t)
		if err != nil {
			return info, err
		}
		r := Restriction{Mode: modeOf(g, t), EffectiveMode: mode}
		if from.ID != g.ID {
			r.InheritedFrom = &from
		}
		if mode == domain.ModeAllowSpecificRepositories {
			if r.RepositoriesCount, err = tx.PackageGroups().CountAllowed(ctx, from.ID, t); err != nil {
				return info, err
			}
		}
		info.Restrictions[t] = r
	}
	return info, nil
}

func modeOf(g domain.PackageGroup, t domain.RestrictionType) domain.RestrictionMode {
	if m, ok := g.Modes[t]; ok && m != "" {
		return m
	}
	return domain.ModeInherit
}

// maxGroupDepth bounds the walk up a hierarchy (a cycle would be a bug).
const maxGroupDepth = 64

// effectiveMode is a group's mode for t, following INHERIT up to the first
// ancestor that sets one; from is the group that sets it.
func effectiveMode(ctx context.Context, tx store.Tx, g domain.PackageGroup, t domain.RestrictionType) (domain.RestrictionMode, domain.PackageGroup, error) {
	for range maxGroupDepth {
		if m := modeOf(g, t); m != domain.ModeInherit {
			return m, g, nil
		}
		if g.ParentID == 0 {
			return domain.ModeAllow, g, nil
		}
		p, err := tx.PackageGroups().GetByID(ctx, g.ParentID)
		if err != nil {
			return "", g, err
		}
		g = p
	}
	return "", g, fmt.Errorf("package group %s: hierarchy deeper than %d", g.Pattern, maxGroupDepth)
}

// CreatePackageGroupInput is a CreatePackageGroup request.
type CreatePackageGroupInput struct {
	Domain, DomainOwner, Pattern, ContactInfo, Description string
	Tags                                                   []domain.Tag
}

func checkGroupText(what, v string) error {
	if utf8.RuneCountInString(v) > 1000 {
		return domain.Invalid("Invalid %s: it must have at most 1000 characters", what)
	}
	return nil
}

// CreatePackageGroup creates a group under the most specific existing
// group that contains its pattern, and moves under it the existing
// children of that parent that it contains.
func (s *Service) CreatePackageGroup(ctx context.Context, c Caller, in CreatePackageGroupInput) (PackageGroupInfo, error) {
	p, err := parsePattern(in.Pattern)
	if err != nil {
		return PackageGroupInfo{}, err
	}
	for what, v := range map[string]string{"contactInfo": in.ContactInfo, "description": in.Description} {
		if err := checkGroupText(what, v); err != nil {
			return PackageGroupInfo{}, err
		}
	}
	var info PackageGroupInfo
	err = s.store.Write(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, in.Domain, in.DomainOwner)
		if err != nil {
			return err
		}
		if err := s.checkTagCount(len(in.Tags), PackageGroupARN(d, in.Pattern)); err != nil {
			return err
		}
		if p.String() == RootPattern {
			return domain.Conflict(domain.ResPackageGroup, in.Pattern, "Package group %s already exists in domain %s: every domain has it", RootPattern, d.Name)
		}
		parent, err := closestGroup(ctx, tx, d.ID, pkggroup.Ancestors(p))
		if err != nil {
			return err
		}
		g := domain.PackageGroup{DomainID: d.ID, Pattern: p.String(), WeakKey: pkggroup.WeakKey(p.String()), ParentID: parent.ID,
			Description: in.Description, ContactInfo: in.ContactInfo, CreatedTime: s.now().UTC(),
			Modes: map[domain.RestrictionType]domain.RestrictionMode{}}
		if err := tx.PackageGroups().Create(ctx, &g); err != nil {
			if errors.Is(err, domain.ErrConflict) {
				return domain.Conflict(domain.ResPackageGroup, in.Pattern, "Package group %s already exists in domain %s", in.Pattern, d.Name)
			}
			return err
		}
		if err := adoptChildren(ctx, tx, parent.ID, g, p); err != nil {
			return err
		}
		if err := tx.Tags().Put(ctx, PackageGroupARN(d, g.Pattern), in.Tags); err != nil {
			return err
		}
		info, err = groupInfo(ctx, tx, d, g)
		return err
	})
	return info, err
}

// closestGroup returns the existing group whose pattern comes first in
// patterns (most specific first); the root always exists.
func closestGroup(ctx context.Context, tx store.Tx, domainID int64, patterns []string) (domain.PackageGroup, error) {
	found, err := tx.PackageGroups().Find(ctx, domainID, patterns)
	if err != nil {
		return domain.PackageGroup{}, err
	}
	byPattern := make(map[string]domain.PackageGroup, len(found))
	for _, g := range found {
		byPattern[g.Pattern] = g
	}
	for _, pat := range patterns {
		if g, ok := byPattern[pat]; ok {
			return g, nil
		}
	}
	return domain.PackageGroup{}, fmt.Errorf("the domain has no root package group %s", RootPattern)
}

// adoptChildren moves under g the children of parentID that g contains.
// Every pattern g contains starts with g's pattern less its suffix
// ("/npm/acme/" for "/npm/acme/*"), so only those are read, not every
// child of the parent (the root may have thousands).
func adoptChildren(ctx context.Context, tx store.Tx, parentID int64, g domain.PackageGroup, p pkggroup.Pattern) error {
	if p.Kind == pkggroup.Exact {
		return nil // contains no other pattern
	}
	prefix := g.Pattern[:len(g.Pattern)-1]
	var move []domain.PackageGroup
	page := store.Page{Limit: 1000}
	for {
		gs, next, err := tx.PackageGroups().List(ctx, g.DomainID, prefix, page)
		if err != nil {
			return err
		}
		for _, k := range gs {
			if k.ID == g.ID || k.ParentID != parentID {
				continue
			}
			kp, err := pkggroup.Parse(k.Pattern)
			if err == nil && pkggroup.Contains(p, kp) {
				move = append(move, k)
			}
		}
		if next == "" {
			break
		}
		page.After = next
	}
	for _, k := range move {
		k.ParentID = g.ID
		if err := tx.PackageGroups().Update(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// DescribePackageGroup returns a group.
func (s *Service) DescribePackageGroup(ctx context.Context, c Caller, domainName, domainOwner, pattern string) (info PackageGroupInfo, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		d, g, err := s.getGroup(ctx, tx, c, domainName, domainOwner, pattern)
		if err != nil {
			return err
		}
		info, err = groupInfo(ctx, tx, d, g)
		return err
	})
	return info, err
}

// UpdatePackageGroup changes a group's contact information and description.
func (s *Service) UpdatePackageGroup(ctx context.Context, c Caller, domainName, domainOwner, pattern string, contactInfo, description *string) (info PackageGroupInfo, err error) {
	for what, v := range map[string]*string{"contactInfo": contactInfo, "description": description} {
		if v != nil {
			if err := checkGroupText(what, *v); err != nil {
				return info, err
			}
		}
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		d, g, err := s.getGroup(ctx, tx, c, domainName, domainOwner, pattern)
		if err != nil {
			return err
		}
		if contactInfo != nil {
			g.ContactInfo = *contactInfo
		}
		if description != nil {
			g.Description = *description
		}
		if err := tx.PackageGroups().Update(ctx, g); err != nil {
			return err
		}
		info, err = groupInfo(ctx, tx, d, g)
		return err
	})
	return info, err
}

// DeletePackageGroup deletes a group (never the root): its children move
// to its parent, its packages to whichever group now matches them.
func (s *Service) DeletePackageGroup(ctx context.Context, c Caller, domainName, domainOwner, pattern string) (info PackageGroupInfo, err error) {
	err = s.store.Write(ctx, func(tx store.Tx) error {
		d, g, err := s.getGroup(ctx, tx, c, domainName, domainOwner, pattern)
		if err != nil {
			return err
		}
		if g.ParentID == 0 {
			return domain.Invalid("The root package group %s cannot be deleted", RootPattern)
		}
		if info, err = groupInfo(ctx, tx, d, g); err != nil {
			return err
		}
		var kids []domain.PackageGroup
		page := store.Page{Limit: 1000}
		for {
			ks, next, err := tx.PackageGroups().Children(ctx, g.ID, page)
			if err != nil {
				return err
			}
			kids = append(kids, ks...)
			if next == "" {
				break
			}
			page.After = next
		}
		for _, k := range kids {
			k.ParentID = g.ParentID
			if err := tx.PackageGroups().Update(ctx, k); err != nil {
				return err
			}
		}
		if err := tx.PackageGroups().Delete(ctx, g.ID); err != nil {
			return err
		}
		return tx.Tags().DeleteAll(ctx, PackageGroupARN(d, g.Pattern))
	})
	return info, err
}

// ListPackageGroups lists a domain's groups by pattern.
func (s *Service) ListPackageGroups(ctx context.Context, c Caller, domainName, domainOwner, prefix string, p store.Page) (out []PackageGroupInfo, next string, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, domainName, domainOwner)
		if err != nil {
			return err
		}
		gs, n, err := tx.PackageGroups().List(ctx, d.ID, prefix, p)
		if err != nil {
			return err
		}
		next = n
		out, err = groupInfos(ctx, tx, d, gs)
		return err
	})
	return out, next, err
}

func groupInfos(ctx context.Context, tx store.Tx, d domain.Domain, gs []domain.PackageGroup) ([]PackageGroupInfo, error) {
	out := make([]PackageGroupInfo, 0, len(gs))
	for _, g := range gs {
		info, err := groupInfo(ctx, tx, d, g)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// ListSubPackageGroups lists a group's direct children.
func (s *Service) ListSubPackageGroups(ctx context.Context, c Caller, domainName, domainOwner, pattern string, p store.Page) (out []PackageGroupInfo, next string, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		d, g, err := s.getGroup(ctx, tx, c, domainName, domainOwner, pattern)
		if err != nil {
			return err
		}
		gs, n, err := tx.PackageGroups().Children(ctx, g.ID, p)
		if err != nil {
			return err
		}
		next = n
		out, err = groupInfos(ctx, tx, d, gs)
		return err
	})
	return out, next, err
}

// AllowedRepository names a repository in a restriction's allowed list.
type AllowedRepository struct {
	Repository string
	Type       domain.RestrictionType
}

// OriginConfigurationUpdate is an UpdatePackageGroupOriginConfiguration request.
type OriginConfigurationUpdate struct {
	Domain, DomainOwner, Pattern string
	Restrictions                 map[domain.RestrictionType]domain.RestrictionMode
	Add, Remove                  []AllowedRepository
}

// AllowedRepositoryUpdates reports, per restriction type, the repositories
// an update added to and removed from the allowed lists.
type AllowedRepositoryUpdates map[domain.RestrictionType]map[string][]string

func validRestriction(t domain.RestrictionType) bool {
	for _, k := range domain.RestrictionTypes {
		if k == t {
			return true
		}
	}
	return false
}

// UpdatePackageGroupOriginConfiguration sets modes and edits the allowed
// repository lists of a group.
func (s *Service) UpdatePackageGroupOriginConfiguration(ctx context.Context, c Caller, in OriginConfigurationUpdate) (info PackageGroupInfo, updates AllowedRepositoryUpdates, err error) {
	for t, m := range in.Restrictions {
		if !validRestriction(t) {
			return info, nil, domain.Invalid("Invalid origin restriction type %s: it must be PUBLISH, EXTERNAL_UPSTREAM or INTERNAL_UPSTREAM", t)
		}
		switch m {
		case domain.ModeAllow, domain.ModeBlock, domain.ModeAllowSpecificRepositories, domain.ModeInherit:
		default:
			return info, nil, domain.Invalid("Invalid origin restriction mode %s for %s: it must be ALLOW, BLOCK, ALLOW_SPECIFIC_REPOSITORIES or INHERIT", m, t)
		}
	}
	for _, a := range append(append([]AllowedRepository{}, in.Add...), in.Remove...) {
		if !validRestriction(a.Type) {
			return info, nil, domain.Invalid("Invalid origin restriction type %s: it must be PUBLISH, EXTERNAL_UPSTREAM or INTERNAL_UPSTREAM", a.Type)
		}
		if n := len(a.Repository); n < 2 || n > 100 {
			return info, nil, domain.Invalid("Invalid repository name %q: it must have 2 to 100 characters", domain.TruncateMessage(a.Repository))
		}
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		updates = AllowedRepositoryUpdates{}
		d, g, err := s.getGroup(ctx, tx, c, in.Domain, in.DomainOwner, in.Pattern)
		if err != nil {
			return err
		}
		for t, m := range in.Restrictions {
			if g.ParentID == 0 && m == domain.ModeInherit {
				return domain.Invalid("The root package group %s has no parent to inherit %s from", RootPattern, t)
			}
			if g.Modes == nil {
				g.Modes = map[domain.RestrictionType]domain.RestrictionMode{}
			}
			g.Modes[t] = m
		}
		if err := tx.PackageGroups().Update(ctx, g); err != nil {
			return err
		}
		record := func(a AllowedRepository, allowed bool) error {
			if allowed {
				if _, err := tx.Repositories().Get(ctx, d.ID, a.Repository); err != nil {
					if errors.Is(err, domain.ErrNotFound) {
						return domain.NotFound(domain.ResRepository, a.Repository, "Repository not found. Repository: %s, Domain: %s", a.Repository, d.Name)
					}
					return err
				}
			}
			changed, err := tx.PackageGroups().SetAllowed(ctx, g.ID, a.Type, a.Repository, allowed)
			if err != nil || !changed {
				return err
			}
			key := "ADDED"
			if !allowed {
				key = "REMOVED"
			}
			if updates[a.Type] == nil {
				updates[a.Type] = map[string][]string{}
			}
			updates[a.Type][key] = append(updates[a.Type][key], a.Repository)
			return nil
		}
		for _, a := range in.Add {
			if err := record(a, true); err != nil {
				return err
			}
		}
		for _, a := range in.Remove {
			if err := record(a, false); err != nil {
				return err
			}
		}
		info, err = groupInfo(ctx, tx, d, g)
		return err
	})
	return info, updates, err
}

// ListAllowedRepositoriesForGroup lists a group's allowed repositories for
// one restriction type.
func (s *Service) ListAllowedRepositoriesForGroup(ctx context.Context, c Caller, domainName, domainOwner, pattern string, t domain.RestrictionType, p store.Page) (repos []string, next string, err error) {
	if !validRestriction(t) {
		return nil, "", domain.Invalid("Invalid origin restriction type %q: it must be PUBLISH, EXTERNAL_UPSTREAM or INTERNAL_UPSTREAM", t)
	}
	err = s.store.Read(ctx, func(tx store.Tx) error {
		_, g, err := s.getGroup(ctx, tx, c, domainName, domainOwner, pattern)
		if err != nil {
			return err
		}
		repos, next, err = tx.PackageGroups().Allowed(ctx, g.ID, t, p)
		return err
	})
	return repos, next, err
}

// Association is the group a package is associated with.
type Association struct {
	Group domain.PackageGroup
	Weak  bool // the package matches the group's pattern only as a variation
}

// associatedGroup finds the one group a package is associated with: the
// most specific group whose pattern matches it, as written (STRONG) or as
// a variation (WEAK), by exact lookups of the patterns that could match
// (never a scan of the domain's groups). extra, when not nil, takes part
// as if it existed (ListAssociatedPackages' preview).
func associatedGroup(ctx context.Context, tx store.Tx, domainID int64, format domain.Format, namespace, name string, extra *domain.PackageGroup) (Association, error) {
	candidates := pkggroup.CandidatePatterns(format, namespace, name)
	strong, err := tx.PackageGroups().Find(ctx, domainID, candidates)
	if err != nil {
		return Association{}, err
	}
	weak, err := tx.PackageGroups().FindWeak(ctx, domainID, pkggroup.WeakCandidates(format, namespace, name))
	if err != nil {
		return Association{}, err
	}
	type match struct {
		g    domain.PackageGroup
		p    pkggroup.Pattern
		weak bool
	}
	var all []match
	add := func(g domain.PackageGroup) {
		p, err := pkggroup.Parse(g.Pattern)
		if err != nil {
			return
		}
		switch p.Match(format, namespace, name) {
		case pkggroup.Strong:
			all = append(all, match{g, p, false})
		case pkggroup.Weak:
			all = append(all, match{g, p, true})
		}
	}
	for _, g := range strong {
		add(g)
	}
	for _, g := range weak {
		add(g)
	}
	if extra != nil {
		add(*extra)
	}
	if len(all) == 0 {
		return Association{}, fmt.Errorf("no package group matches %s (the root %s is missing)", format, RootPattern)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if pkggroup.MoreSpecific(all[i].p, all[j].p) != pkggroup.MoreSpecific(all[j].p, all[i].p) {
			return pkggroup.MoreSpecific(all[i].p, all[j].p)
		}
		return !all[i].weak && all[j].weak // a STRONG match wins a tie
	})
	return Association{Group: all[0].g, Weak: all[0].weak}, nil
}

// GetAssociatedPackageGroup returns the group a package is associated
// with, whether or not any repository has the package.
func (s *Service) GetAssociatedPackageGroup(ctx context.Context, c Caller, domainName, domainOwner string, format domain.Format, namespace, name string) (info PackageGroupInfo, weak bool, err error) {
	ref := PackageRef{Domain: domainName, DomainOwner: domainOwner, Repository: "x", Format: format, Namespace: namespace, Package: name}
	if err := checkRef(ref); err != nil {
		return info, false, err
	}
	ref = s.normalize(ref)
	err = s.store.Read(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, domainName, domainOwner)
		if err != nil {
			return err
		}
		a, err := associatedGroup(ctx, tx, d.ID, ref.Format, ref.Namespace, ref.Package, nil)
		if err != nil {
			return err
		}
		weak = a.Weak
		info, err = groupInfo(ctx, tx, d, a.Group)
		return err
	})
	return info, weak, err
}

// AssociatedPackage is a package ListAssociatedPackages reports.
type AssociatedPackage struct {
	Coordinate store.PackageCoordinate
	Weak       bool
}

// ListAssociatedPackages lists the packages of the domain associated with
// a group (preview: with a group of that pattern if it were created).
// Packages are read in pages of coordinates that could match the
// pattern; a page may hold fewer packages than asked when some of those
// belong to more specific groups.
func (s *Service) ListAssociatedPackages(ctx context.Context, c Caller, domainName, domainOwner, pattern string, preview bool, p store.Page) (out []AssociatedPackage, next string, err error) {
	pat, err := parsePattern(pattern)
	if err != nil {
		return nil, "", err
	}
	err = s.store.Read(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, domainName, domainOwner)
		if err != nil {
			return err
		}
		g, err := tx.PackageGroups().Get(ctx, d.ID, pattern)
		var extra *domain.PackageGroup
		switch {
		case errors.Is(err, domain.ErrNotFound) && preview:
			g = domain.PackageGroup{ID: -1, DomainID: d.ID, Pattern: pat.String(), WeakKey: pkggroup.WeakKey(pat.String())}
			extra = &g
		case errors.Is(err, domain.ErrNotFound):
			return groupNotFound(pattern)
		case err != nil:
			return err
		}
		coords, n, err := tx.Packages().ListCoordinates(ctx, d.ID, coordinateFilter(pat), p)
		if err != nil {
			return err
		}
		next = n
		for _, pc := range coords {
			a, err := associatedGroup(ctx, tx, d.ID, pc.Format, pc.Namespace, pc.Name, extra)
			if err != nil {
				return err
			}
			if a.Group.ID == g.ID {
				out = append(out, AssociatedPackage{Coordinate: pc, Weak: a.Weak})
			}
		}
		return nil
	})
	return out, next, err
}

// coordinateFilter narrows the packages read for a pattern to those it
// may match as written.
func coordinateFilter(p pkggroup.Pattern) store.CoordinateFilter {
	f := store.CoordinateFilter{Format: p.Format}
	switch {
	case p.Format == "":
	case !p.HasNamespace:
	case p.Kind == pkggroup.Prefix && p.Name == "":
		f.NamespacePrefix = p.Namespace
	default:
		ns := p.Namespace
		f.Namespace = &ns
		switch p.Kind {
		case pkggroup.Prefix:
			f.NamePrefix = p.Name
		case pkggroup.Exact:
			name := p.Name
			f.Name = &name
		}
	}
	return f
}

// deleteGroupTags removes the tags of a domain's groups (the groups go
// with the domain).
func deleteGroupTags(ctx context.Context, tx store.Tx, d domain.Domain) error {
	page := store.Page{Limit: 1000}
	for {
		gs, next, err := tx.PackageGroups().List(ctx, d.ID, "", page)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if err := tx.Tags().DeleteAll(ctx, PackageGroupARN(d, g.Pattern)); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.After = next
	}
}
