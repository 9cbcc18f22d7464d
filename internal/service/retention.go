package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// RetentionExempt is an optional FormatRules capability: versions of p a
// retention rule never acts on (npm: every dist-tagged version).
type RetentionExempt interface {
	RetentionExempt(p domain.Package) []string
}

// RetentionRuleInput is a rule as an operator writes it.
type RetentionRuleInput struct {
	Domain, DomainOwner, Repository string
	Format                          domain.Format
	Namespace, PackagePrefix        string
	// PackageGroup is the pattern of a package group of the domain: the
	// rule selects the repository's packages associated with it (their
	// most specific group), instead of Format, Namespace and PackagePrefix.
	PackageGroup                             string
	KeepNewest, KeepDays, KeepDownloadedDays int
	ExemptStatuses                           []domain.Status
	Action                                   domain.RetentionAction
}

// RetentionRuleInfo is a stored rule with the repository it belongs to.
type RetentionRuleInfo struct {
	Rule                            domain.RetentionRule
	Domain, DomainOwner, Repository string
}

// RetentionPlan is what a rule would change, per package: the dry run,
// and what ApplyRetention acts on (exactly that, nothing else).
type RetentionPlan struct {
	RuleID      int64                  `json:"ruleId"`
	Domain      string                 `json:"domain"`
	DomainOwner string                 `json:"domainOwner"`
	Repository  string                 `json:"repository"`
	Action      domain.RetentionAction `json:"action"`
	PlannedAt   time.Time              `json:"plannedAt"`
	Packages    []RetentionPackagePlan `json:"packages"`
}

// RetentionPackagePlan is one package's versions in a plan.
type RetentionPackagePlan struct {
	Format    domain.Format      `json:"format"`
	Namespace string             `json:"namespace,omitempty"`
	Package   string             `json:"package"`
	Versions  []RetentionVersion `json:"versions"`
}

// RetentionVersion is a version a plan acts on, as it was when planned.
type RetentionVersion struct {
	Version       string        `json:"version"`
	Revision      string        `json:"revision"`
	Status        domain.Status `json:"status"`
	PublishedTime time.Time     `json:"publishedTime"`
	// LastDownloaded is the version's last download as of the plan
	// (zero: never, or not flushed yet).
	LastDownloaded time.Time `json:"lastDownloadedTime,omitzero"`
	Why            string    `json:"why"`
}

// Count is how many versions the plan acts on.
func (p RetentionPlan) Count() int {
	n := 0
	for _, pk := range p.Packages {
		n += len(pk.Versions)
	}
	return n
}

// RetentionResult is what ApplyRetention did.
type RetentionResult struct {
	Applied int // versions acted on
	// Skipped are the plan's versions left alone because they changed
	// since the plan (or are gone): "package/version" -> reason.
	Skipped map[string]string
}

func validateRetention(in RetentionRuleInput) error {
	switch in.Action {
	case domain.RetentionArchive, domain.RetentionDispose, domain.RetentionDelete:
	default:
		return domain.Invalid("action must be Archive, Dispose or Delete, got %q", in.Action)
	}
	if in.KeepNewest < 0 || in.KeepDays < 0 || in.KeepDownloadedDays < 0 {
		return domain.Invalid("keepNewest, keepDays and downloadedWithinDays must not be negative")
	}
	// A rule that keeps nothing would empty every package it matches.
	if in.KeepNewest == 0 && in.KeepDays == 0 && in.KeepDownloadedDays == 0 {
		return domain.Invalid("a retention rule must keep something: set keepNewest, keepDays or downloadedWithinDays")
	}
	if in.PackageGroup != "" {
		if in.Format != "" || in.Namespace != "" || in.PackagePrefix != "" {
			return domain.Invalid("a retention rule selects packages by package group or by format, namespace and prefix, not both")
		}
		if _, err := parsePattern(in.PackageGroup); err != nil {
			return err
		}
	}
	for _, st := range in.ExemptStatuses {
		switch st {
		case domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived, domain.StatusDisposed:
		default:
			return domain.Invalid("exempt status must be Published, Unlisted, Archived or Disposed, got %q", st)
		}
	}
	if in.Format != "" {
		if !slices.Contains(domain.Formats, in.Format) {
			return domain.Invalid("unknown format %q", in.Format)
		}
	}
	return nil
}

// authorizeRetention lets only the domain owner's account, allowed to
// delete the repository's package versions, manage its retention.
func (s *Service) authorizeRetention(ctx context.Context, c Caller, domainName, domainOwner, repo string) error {
	if domainName == "" || repo == "" {
		return domain.Invalid("a domain and a repository are required")
	}
	if domainOwner != "" && domainOwner != c.Account {
		return domain.Denied("retention rules of domain %s are managed by its owner's account only", domainName)
	}
	return s.Authorize(ctx, c, Access{Action: "DeletePackageVersions", Kind: ResourceRepository,
		Domain: domainName, DomainOwner: domainOwner, Repository: repo})
}

// PutRetentionRule stores a new rule for a repository.
func (s *Service) PutRetentionRule(ctx context.Context, c Caller, in RetentionRuleInput) (RetentionRuleInfo, error) {
	if err := validateRetention(in); err != nil {
		return RetentionRuleInfo{}, err
	}
	if err := s.authorizeRetention(ctx, c, in.Domain, in.DomainOwner, in.Repository); err != nil {
		return RetentionRuleInfo{}, err
	}
	info := RetentionRuleInfo{Domain: in.Domain, Repository: in.Repository}
	err := s.store.Write(ctx, func(tx store.Tx) error {
		d, r, err := getRepository(ctx, tx, c, in.Domain, in.DomainOwner, in.Repository)
		if err != nil {
			return err
		}
		info.DomainOwner = d.Owner
		if in.PackageGroup != "" {
			if _, err := tx.PackageGroups().Get(ctx, d.ID, in.PackageGroup); errors.Is(err, domain.ErrNotFound) {
				return groupNotFound(in.PackageGroup)
			} else if err != nil {
				return err
			}
		}
		info.Rule = domain.RetentionRule{RepositoryID: r.ID, Format: in.Format, Namespace: in.Namespace,
			PackagePrefix: in.PackagePrefix, PackageGroup: in.PackageGroup, KeepNewest: in.KeepNewest, KeepDays: in.KeepDays,
			KeepDownloadedDays: in.KeepDownloadedDays, ExemptStatuses: slices.Clone(in.ExemptStatuses), Action: in.Action,
			CreatedTime: s.now().UTC()}
		return tx.RetentionRules().Create(ctx, &info.Rule)
	})
	return info, err
}

// ListRetentionRules lists a repository's rules, by id.
func (s *Service) ListRetentionRules(ctx context.Context, c Caller, domainName, domainOwner, repo string) ([]RetentionRuleInfo, error) {
	if err := s.authorizeRetention(ctx, c, domainName, domainOwner, repo); err != nil {
		return nil, err
	}
	var out []RetentionRuleInfo
	err := s.store.Read(ctx, func(tx store.Tx) error {
		d, r, err := getRepository(ctx, tx, c, domainName, domainOwner, repo)
		if err != nil {
			return err
		}
		p := store.Page{Limit: 100}
		for {
			rules, next, err := tx.RetentionRules().List(ctx, r.ID, p)
			if err != nil {
				return err
			}
			for _, rule := range rules {
				out = append(out, RetentionRuleInfo{Rule: rule, Domain: d.Name, DomainOwner: d.Owner, Repository: r.Name})
			}
			if next == "" {
				return nil
			}
			p.After = next
		}
	})
	return out, err
}

// retentionRule loads rule id of the addressed repository.
func (s *Service) retentionRule(ctx context.Context, c Caller, domainName, domainOwner, repo string, id int64) (RetentionRuleInfo, error) {
	var info RetentionRuleInfo
	err := s.store.Read(ctx, func(tx store.Tx) error {
		d, r, err := getRepository(ctx, tx, c, domainName, domainOwner, repo)
		if err != nil {
			return err
		}
		rule, err := tx.RetentionRules().Get(ctx, id)
		if err == nil && rule.RepositoryID != r.ID {
			err = domain.NotFound("retention-rule", fmt.Sprint(id), "retention rule %d not found in repository %s", id, repo)
		}
		info = RetentionRuleInfo{Rule: rule, Domain: d.Name, DomainOwner: d.Owner, Repository: r.Name}
		return err
	})
	return info, err
}

// DeleteRetentionRule deletes rule id of the addressed repository.
func (s *Service) DeleteRetentionRule(ctx context.Context, c Caller, domainName, domainOwner, repo string, id int64) error {
	if err := s.authorizeRetention(ctx, c, domainName, domainOwner, repo); err != nil {
		return err
	}
	if _, err := s.retentionRule(ctx, c, domainName, domainOwner, repo, id); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return tx.RetentionRules().Delete(ctx, id) })
}

// PlanRetentionRule plans rule id of the addressed repository (the dry run).
func (s *Service) PlanRetentionRule(ctx context.Context, c Caller, domainName, domainOwner, repo string, id int64) (RetentionPlan, error) {
	if err := s.authorizeRetention(ctx, c, domainName, domainOwner, repo); err != nil {
		return RetentionPlan{}, err
	}
	info, err := s.retentionRule(ctx, c, domainName, domainOwner, repo, id)
	if err != nil {
		return RetentionPlan{}, err
	}
	return s.PlanRetention(ctx, c, info)
}

// actsOn reports whether action can change a version of status st.
func actsOn(action domain.RetentionAction, st domain.Status) bool {
	switch st {
	case domain.StatusPublished, domain.StatusUnlisted:
		return true
	case domain.StatusArchived:
		return action != domain.RetentionArchive
	case domain.StatusDisposed:
		return action == domain.RetentionDelete
	}
	return false // Unfinished: a publish in progress
}

// retentionCutoffs are the times before which a rule keeps nothing by
// publish time (published) and by last use (downloaded); zero: the rule
// has no such criterion. since is when the store began recording
// downloads: every version counts as used then at the latest.
type retentionCutoffs struct{ published, downloaded, since time.Time }

// PlanRetention lists, per package the rule selects, the versions it
// would change. It reads one page of packages and one package's versions
// at a time; the plan holds only the versions it acts on. A rule of a
// package group reads the packages its pattern may match as written, and
// keeps those whose associated group it is (two indexed lookups each).
func (s *Service) PlanRetention(ctx context.Context, c Caller, info RetentionRuleInfo) (RetentionPlan, error) {
	rule := info.Rule
	now := s.now().UTC()
	plan := RetentionPlan{RuleID: rule.ID, Domain: info.Domain, DomainOwner: info.DomainOwner, Repository: info.Repository,
		Action: rule.Action, PlannedAt: now}
	var cut retentionCutoffs
	if rule.KeepDays > 0 {
		cut.published = now.Add(-time.Duration(rule.KeepDays) * 24 * time.Hour)
	}
	if rule.KeepDownloadedDays > 0 {
		cut.downloaded = now.Add(-time.Duration(rule.KeepDownloadedDays) * 24 * time.Hour)
		if err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			cut.since, err = tx.Versions().DownloadsSince(ctx)
			return err
		}); err != nil {
			return plan, err
		}
	}
	filter := store.PackageFilter{RepositoryID: rule.RepositoryID, Format: rule.Format, Namespace: rule.Namespace, NamePrefix: rule.PackagePrefix}
	exactNamespace, exactName := rule.Namespace, ""
	var group domain.PackageGroup
	if rule.PackageGroup != "" {
		pat, err := parsePattern(rule.PackageGroup)
		if err != nil {
			return plan, err
		}
		if err := s.store.Read(ctx, func(tx store.Tx) error {
			r, err := tx.Repositories().GetByID(ctx, rule.RepositoryID)
			if err != nil {
				return err
			}
			group, err = tx.PackageGroups().Get(ctx, r.DomainID, rule.PackageGroup)
			if errors.Is(err, domain.ErrNotFound) {
				return groupNotFound(rule.PackageGroup)
			}
			return err
		}); err != nil {
			return plan, err
		}
		cf := coordinateFilter(pat)
		filter.Format, filter.Namespace, filter.NamePrefix = cf.Format, cf.NamespacePrefix, cf.NamePrefix
		if cf.Namespace != nil {
			filter.Namespace, exactNamespace = *cf.Namespace, *cf.Namespace
		}
		if cf.Name != nil {
			filter.NamePrefix, exactName = *cf.Name, *cf.Name
		}
	}
	p := store.Page{Limit: 100}
	for {
		var pkgs []domain.Package
		var next string
		err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			var page []domain.Package
			page, next, err = tx.Packages().List(ctx, filter, p)
			if err != nil {
				return err
			}
			pkgs = pkgs[:0]
			for _, pkg := range page {
				switch {
				case exactNamespace != "" && pkg.Namespace != exactNamespace:
					continue // the store's namespace filter is a prefix
				case exactName != "" && pkg.Name != exactName:
					continue
				}
				if group.ID != 0 {
					a, err := associatedGroup(ctx, tx, group.DomainID, pkg.Format, pkg.Namespace, pkg.Name, nil)
					if err != nil {
						return err
					}
					if a.Group.ID != group.ID {
						continue // a more specific group's package
					}
				}
				pkgs = append(pkgs, pkg)
			}
			return nil
		})
		if err != nil {
			return plan, err
		}
		for _, pkg := range pkgs {
			pp, err := s.planPackage(ctx, c, info, pkg, cut)
			if err != nil {
				return plan, err
			}
			if len(pp.Versions) > 0 {
				plan.Packages = append(plan.Packages, pp)
			}
		}
		if next == "" {
			return plan, nil
		}
		p.After = next
	}
}

func (s *Service) planPackage(ctx context.Context, c Caller, info RetentionRuleInfo, pkg domain.Package, cut retentionCutoffs) (RetentionPackagePlan, error) {
	rule := info.Rule
	ref := PackageRef{Domain: info.Domain, DomainOwner: info.DomainOwner, Repository: info.Repository,
		Format: pkg.Format, Namespace: pkg.Namespace, Package: pkg.Name}
	pp := RetentionPackagePlan{Format: pkg.Format, Namespace: pkg.Namespace, Package: pkg.Name}
	exempt := map[string]string{}
	if ex, ok := s.formatRules(pkg.Format).(RetentionExempt); ok {
		for _, v := range ex.RetentionExempt(pkg) {
			exempt[v] = "tagged"
		}
	}
	counted := 0
	p := store.Page{Limit: 1000}
	for {
		out, err := s.ListPackageVersions(ctx, c, ref, ListVersionsInput{Sort: store.SortByVersionOrder}, p)
		if err != nil {
			return pp, err
		}
		if p.After == "" && out.DefaultDisplayVersion != "" {
			if _, ok := exempt[out.DefaultDisplayVersion]; !ok {
				exempt[out.DefaultDisplayVersion] = "latest"
			}
		}
		for _, v := range out.Versions {
			newest := false
			switch v.Status {
			case domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived:
				counted++
				newest = counted <= rule.KeepNewest
			}
			switch {
			case newest, !actsOn(rule.Action, v.Status), slices.Contains(rule.ExemptStatuses, v.Status):
				continue
			case exempt[v.Version] != "":
				continue
			case !cut.published.IsZero() && !v.PublishedTime.Before(cut.published):
				continue
			case !cut.downloaded.IsZero() && !lastUse(v, cut.since).Before(cut.downloaded):
				continue
			}
			pp.Versions = append(pp.Versions, RetentionVersion{Version: v.Version, Revision: v.Revision, Status: v.Status,
				PublishedTime: v.PublishedTime, LastDownloaded: v.LastDownloadedTime, Why: why(rule, v)})
		}
		if out.Next == "" {
			return pp, nil
		}
		p.After = out.Next
	}
}

// lastUse is when a version was last downloaded or, if it never was
// since, published: a version uploaded a minute ago is as used as one
// downloaded a minute ago. A version published before the store recorded
// downloads (since: an upgrade) may have been downloaded without a
// record: it counts as used then, so an upgrade does not make every old
// version look unused.
func lastUse(v domain.PackageVersion, since time.Time) time.Time {
	t := v.PublishedTime
	if v.LastDownloadedTime.After(t) {
		t = v.LastDownloadedTime
	}
	if since.After(t) {
		t = since
	}
	return t
}

func why(rule domain.RetentionRule, v domain.PackageVersion) string {
	var parts []string
	if rule.KeepNewest > 0 {
		parts = append(parts, fmt.Sprintf("not among the newest %d", rule.KeepNewest))
	}
	if rule.KeepDays > 0 {
		parts = append(parts, fmt.Sprintf("published %s, over %d days ago", v.PublishedTime.Format("2006-01-02"), rule.KeepDays))
	}
	if rule.KeepDownloadedDays > 0 {
		switch {
		case v.LastDownloadedTime.IsZero():
			parts = append(parts, fmt.Sprintf("never downloaded, published %s, over %d days ago", v.PublishedTime.Format("2006-01-02"), rule.KeepDownloadedDays))
		case v.LastDownloadedTime.After(v.PublishedTime):
			parts = append(parts, fmt.Sprintf("last downloaded %s, over %d days ago", v.LastDownloadedTime.Format("2006-01-02"), rule.KeepDownloadedDays))
		default:
			parts = append(parts, fmt.Sprintf("not downloaded since published %s, over %d days ago", v.PublishedTime.Format("2006-01-02"), rule.KeepDownloadedDays))
		}
	}
	return strings.Join(parts, "; ")
}

// ApplyRetention acts on exactly the plan's versions, through the batch
// operations, each version on condition that its revision and status are
// still those planned: a version changed since is skipped, not acted on.
func (s *Service) ApplyRetention(ctx context.Context, c Caller, plan RetentionPlan) (RetentionResult, error) {
	res := RetentionResult{Skipped: map[string]string{}}
	if err := s.authorizeRetention(ctx, c, plan.Domain, plan.DomainOwner, plan.Repository); err != nil {
		return res, err
	}
	switch plan.Action {
	case domain.RetentionArchive, domain.RetentionDispose, domain.RetentionDelete:
	default:
		return res, domain.Invalid("plan action must be Archive, Dispose or Delete, got %q", plan.Action)
	}
	for _, pk := range plan.Packages {
		ref := PackageRef{Domain: plan.Domain, DomainOwner: plan.DomainOwner, Repository: plan.Repository,
			Format: pk.Format, Namespace: pk.Namespace, Package: pk.Package}
		name := pk.Package
		if pk.Namespace != "" {
			name = pk.Namespace + "/" + pk.Package
		}
		// One batch per status (a batch has one expected status) and at
		// most MaxBatchVersions versions.
		byStatus := map[string][]RetentionVersion{}
		for _, v := range pk.Versions {
			byStatus[string(v.Status)] = append(byStatus[string(v.Status)], v)
		}
		for _, st := range sortedKeys(byStatus) {
			vs := byStatus[st]
			for len(vs) > 0 {
				n := min(len(vs), MaxBatchVersions)
				in := BatchInput{VersionRevisions: map[string]string{}, ExpectedStatus: domain.Status(st)}
				for _, v := range vs[:n] {
					in.VersionRevisions[v.Version] = v.Revision
				}
				vs = vs[n:]
				done, err := s.applyBatch(ctx, c, ref, plan.Action, in, func(version, reason string) {
					res.Skipped[name+"/"+version] = reason
				})
				res.Applied += done
				if err != nil {
					if errors.Is(err, domain.ErrNotFound) { // the package is gone
						for v := range in.VersionRevisions {
							res.Skipped[name+"/"+v] = err.Error()
						}
						continue
					}
					return res, err
				}
			}
		}
	}
	return res, nil
}

// applyBatch runs one batch; a batch with a version that fails its
// preconditions is applied to none, so it is run again without the
// failed versions until none fails.
func (s *Service) applyBatch(ctx context.Context, c Caller, ref PackageRef, action domain.RetentionAction, in BatchInput, skip func(version, reason string)) (int, error) {
	for len(in.VersionRevisions) > 0 {
		var res BatchResult
		var err error
		switch action {
		case domain.RetentionArchive:
			res, err = s.UpdatePackageVersionsStatus(ctx, c, ref, in, domain.StatusArchived)
		case domain.RetentionDispose:
			res, err = s.DisposePackageVersions(ctx, c, ref, in)
		case domain.RetentionDelete:
			res, err = s.deletePackageVersions(ctx, c, ref, in)
		}
		if err != nil {
			return 0, err
		}
		if len(res.Failed) == 0 {
			return len(res.Successful), nil
		}
		removed := 0
		for v, e := range res.Failed {
			if _, ok := in.VersionRevisions[v]; ok && e.Code != CodeSkipped {
				skip(v, e.Code+": "+e.Message)
				delete(in.VersionRevisions, v)
				removed++
			}
		}
		if removed == 0 { // a refusal this loop cannot narrow down: act on none
			for v := range in.VersionRevisions {
				skip(v, "not applied: "+fmt.Sprint(res.Failed))
			}
			return 0, nil
		}
	}
	return 0, nil
}

// RunRetention plans and applies every rule, as the account
// administrator: the background job. It logs what each rule did.
func (s *Service) RunRetention(ctx context.Context) {
	p := store.Page{Limit: 100}
	for {
		var rules []domain.RetentionRule
		var next string
		if err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			rules, next, err = tx.RetentionRules().List(ctx, 0, p)
			return err
		}); err != nil {
			s.log.Warn("retention: listing rules", "err", err)
			return
		}
		for _, rule := range rules {
			if ctx.Err() != nil {
				return
			}
			s.runRule(ctx, rule)
		}
		if next == "" {
			return
		}
		p.After = next
	}
}

func (s *Service) runRule(ctx context.Context, rule domain.RetentionRule) {
	var info RetentionRuleInfo
	var region string
	err := s.store.Read(ctx, func(tx store.Tx) error {
		r, err := tx.Repositories().GetByID(ctx, rule.RepositoryID)
		if err != nil {
			return err
		}
		d, err := tx.Domains().GetByID(ctx, r.DomainID)
		info = RetentionRuleInfo{Rule: rule, Domain: d.Name, DomainOwner: d.Owner, Repository: r.Name}
		region = d.Region
		return err
	})
	if err != nil {
		s.log.Warn("retention: loading the rule's repository", "rule", rule.ID, "err", err)
		return
	}
	c := Caller{Account: info.DomainOwner, Region: region}
	plan, err := s.PlanRetention(ctx, c, info)
	if err == nil && plan.Count() > 0 {
		var res RetentionResult
		res, err = s.ApplyRetention(ctx, c, plan)
		if o, ok := s.obs.(RetentionObserver); ok {
			o.RetentionApplied(rule.Action, res.Applied, len(res.Skipped))
		}
		s.log.Info("retention: rule applied", "rule", rule.ID, "domain", info.Domain, "repository", info.Repository,
			"action", string(rule.Action), "planned", plan.Count(), "applied", res.Applied, "skipped", len(res.Skipped))
	}
	if err != nil {
		s.log.Warn("retention: running a rule", "rule", rule.ID, "err", err)
	}
}
