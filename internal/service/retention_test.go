package service_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// tagRules stands for a format with dist-tags (npm): version "2" of
// every package is tagged, so retention never touches it.
type tagRules struct{}

func (tagRules) PackageChanged(*domain.Package, service.VersionReader, []string) error { return nil }
func (tagRules) RetentionExempt(domain.Package) []string                               { return []string{"2"} }

type retentionEnv struct {
	t   testing.TB
	ctx context.Context
	svc *service.Service
	st  store.Store
	now time.Time
	// since is when the service's store says it began recording
	// downloads: zero (these tests publish versions back in time).
	since *time.Time
}

var (
	retCaller = service.Caller{Account: "000000000000", Region: "us-east-1"}
	retP      = service.PackageRef{Domain: "d", Repository: "r", Format: domain.FormatGeneric, Namespace: "ns", Package: "p"}
	retQ      = service.PackageRef{Domain: "d", Repository: "r", Format: domain.FormatGeneric, Namespace: "other", Package: "q"}
)

// newRetentionEnv: package ns/p with versions 1..9, version i published
// 20-2i days ago (1: 18 days, 9: 2 days); other/q with versions 1..5,
// published 30 days ago.
func newRetentionEnv(t testing.TB) *retentionEnv {
	st, bs, _ := newStorage(t)
	since := new(time.Time)
	e := &retentionEnv{t: t, ctx: context.Background(), st: st, now: time.Now().UTC(), since: since,
		svc: service.New(sinceStore{st, since}, bs, service.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil)),
			map[domain.Format]service.FormatRules{domain.FormatGeneric: tagRules{}})}
	if _, err := e.svc.CreateDomain(e.ctx, retCaller, "d", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateRepository(e.ctx, retCaller, "d", "", "r", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 9; i++ {
		e.publish(retP, string(rune('0'+i)), e.now.Add(-time.Duration(20-2*i)*24*time.Hour))
	}
	for i := 1; i <= 5; i++ {
		e.publish(retQ, string(rune('0'+i)), e.now.Add(-30*24*time.Hour+time.Duration(i)*time.Minute))
	}
	return e
}

func (e *retentionEnv) publish(ref service.PackageRef, version string, at time.Time) {
	e.t.Helper()
	if _, err := e.svc.PublishPackageVersion(e.ctx, retCaller, ref, version,
		service.NewAsset{Name: "a.bin", Content: bytes.NewReader([]byte(ref.Package + version))}, false); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.Write(e.ctx, func(tx store.Tx) error {
		d, err := tx.Domains().Get(e.ctx, "us-east-1", retCaller.Account, "d")
		if err != nil {
			return err
		}
		r, err := tx.Repositories().Get(e.ctx, d.ID, "r")
		if err != nil {
			return err
		}
		p, err := tx.Packages().Get(e.ctx, r.ID, ref.Format, ref.Namespace, ref.Package)
		if err != nil {
			return err
		}
		v, err := tx.Versions().Get(e.ctx, p.ID, version)
		if err != nil {
			return err
		}
		v.PublishedTime = at
		return tx.Versions().Update(e.ctx, v)
	}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *retentionEnv) put(in service.RetentionRuleInput) service.RetentionRuleInfo {
	e.t.Helper()
	in.Domain, in.Repository = "d", "r"
	info, err := e.svc.PutRetentionRule(e.ctx, retCaller, in)
	if err != nil {
		e.t.Fatalf("PutRetentionRule(%+v): %v", in, err)
	}
	return info
}

// plan returns the plan and its versions as "namespace/package/version", sorted.
func (e *retentionEnv) plan(info service.RetentionRuleInfo) (service.RetentionPlan, []string) {
	e.t.Helper()
	plan, err := e.svc.PlanRetentionRule(e.ctx, retCaller, "d", "", "r", info.Rule.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, pk := range plan.Packages {
		for _, v := range pk.Versions {
			out = append(out, pk.Namespace+"/"+pk.Package+"/"+v.Version)
		}
	}
	slices.Sort(out) // the plan lists each package's versions newest first
	return plan, out
}

func (e *retentionEnv) statuses(ref service.PackageRef) map[string]domain.Status {
	e.t.Helper()
	out, err := e.svc.ListPackageVersions(e.ctx, retCaller, ref, service.ListVersionsInput{}, store.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]domain.Status{}
	for _, v := range out.Versions {
		m[v.Version] = v.Status
	}
	return m
}

func TestRetentionPlan(t *testing.T) {
	e := newRetentionEnv(t)
	// 5 Unlisted: kept by the rules exempting Unlisted.
	if _, err := e.svc.UpdatePackageVersionsStatus(e.ctx, retCaller, retP, service.BatchInput{Versions: []string{"5"}}, domain.StatusUnlisted); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   service.RetentionRuleInput
		want []string
	}{
		// Newest 3 (7, 8, 9) kept, 2 tagged; 9 is the latest release anyway.
		{"keepNewest", service.RetentionRuleInput{KeepNewest: 3, PackagePrefix: "p", Action: domain.RetentionArchive},
			[]string{"ns/p/1", "ns/p/3", "ns/p/4", "ns/p/5", "ns/p/6"}},
		{"exempt status", service.RetentionRuleInput{KeepNewest: 3, Namespace: "ns", ExemptStatuses: []domain.Status{domain.StatusUnlisted},
			Action: domain.RetentionArchive}, []string{"ns/p/1", "ns/p/3", "ns/p/4", "ns/p/6"}},
		// Published over 11 days ago: 1 (18), 3 (14), 4 (12); 5 is 10 days old.
		{"keepDays", service.RetentionRuleInput{KeepDays: 11, Namespace: "ns", Action: domain.RetentionDispose},
			[]string{"ns/p/1", "ns/p/3", "ns/p/4"}},
		// Union: beyond the newest 6 (1..3) and older than 11 days.
		{"keepNewest and keepDays", service.RetentionRuleInput{KeepNewest: 6, KeepDays: 11, Namespace: "ns", Action: domain.RetentionDelete},
			[]string{"ns/p/1", "ns/p/3"}},
		// Every package of the repository: q keeps 4, 5 and its tagged 2.
		{"no filter", service.RetentionRuleInput{KeepNewest: 2, Format: domain.FormatGeneric, Action: domain.RetentionDelete},
			[]string{"ns/p/1", "ns/p/3", "ns/p/4", "ns/p/5", "ns/p/6", "ns/p/7", "other/q/1", "other/q/3"}},
		{"namespace filter is exact", service.RetentionRuleInput{KeepNewest: 1, Namespace: "n", Action: domain.RetentionDelete}, nil},
		{"other format", service.RetentionRuleInput{KeepNewest: 1, Format: domain.FormatNpm, Action: domain.RetentionDelete}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := e.plan(e.put(tc.in))
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan = %v, want %v", got, tc.want)
			}
		})
	}
	// The latest release is kept even when not among the newest: make 1
	// the newest published.
	e.publish(retQ, "1", e.now.Add(-time.Hour))
	_, got := e.plan(e.put(service.RetentionRuleInput{KeepNewest: 1, PackagePrefix: "q", Action: domain.RetentionArchive}))
	if want := []string{"other/q/3", "other/q/4"}; !slices.Equal(got, want) {
		t.Errorf("with 1 the latest release: plan = %v, want %v", got, want)
	}
}

func TestRetentionApplyExactlyThePlan(t *testing.T) {
	e := newRetentionEnv(t)
	info := e.put(service.RetentionRuleInput{KeepNewest: 3, PackagePrefix: "p", Action: domain.RetentionArchive})
	plan, got := e.plan(info)
	if want := []string{"ns/p/1", "ns/p/3", "ns/p/4", "ns/p/5", "ns/p/6"}; !slices.Equal(got, want) {
		t.Fatalf("plan = %v, want %v", got, want)
	}
	// Changed between plan and apply: 3 unlisted, 4 gone.
	if _, err := e.svc.UpdatePackageVersionsStatus(e.ctx, retCaller, retP, service.BatchInput{Versions: []string{"3"}}, domain.StatusUnlisted); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeletePackageVersions(e.ctx, retCaller, retP, []string{"4"}, ""); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.ApplyRetention(e.ctx, retCaller, plan)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 3 || len(res.Skipped) != 2 || res.Skipped["ns/p/3"] == "" || res.Skipped["ns/p/4"] == "" {
		t.Errorf("apply = %+v, want 3 applied, ns/p/3 and ns/p/4 skipped", res)
	}
	want := map[string]domain.Status{"1": domain.StatusArchived, "2": domain.StatusPublished, "3": domain.StatusUnlisted,
		"5": domain.StatusArchived, "6": domain.StatusArchived, "7": domain.StatusPublished, "8": domain.StatusPublished, "9": domain.StatusPublished}
	if got := e.statuses(retP); !mapsEqual(got, want) {
		t.Errorf("after apply: %v, want %v", got, want)
	}
	// A version republished since the plan (a new revision) is skipped by
	// a Delete too.
	del := e.put(service.RetentionRuleInput{KeepNewest: 2, PackagePrefix: "q", Action: domain.RetentionDelete})
	plan, got = e.plan(del)
	if want := []string{"other/q/1", "other/q/3"}; !slices.Equal(got, want) {
		t.Fatalf("delete plan = %v, want %v", got, want)
	}
	for i := range plan.Packages[0].Versions {
		if plan.Packages[0].Versions[i].Version == "3" {
			plan.Packages[0].Versions[i].Revision = "stale"
		}
	}
	if res, err := e.svc.ApplyRetention(e.ctx, retCaller, plan); err != nil || res.Applied != 1 || res.Skipped["other/q/3"] == "" {
		t.Errorf("delete apply = %+v, %v; want 1 applied, other/q/3 skipped", res, err)
	}
	if got := e.statuses(retQ); len(got) != 4 || got["1"] != "" {
		t.Errorf("q after delete: %v, want 2, 3, 4, 5", got)
	}
	// The background run applies every rule: the Archive rule now has
	// only 3 left (Unlisted, not exempt), the Delete rule 3.
	e.svc.RunRetention(e.ctx)
	if got := e.statuses(retP)["3"]; got != domain.StatusArchived {
		t.Errorf("3 after RunRetention: %s, want Archived", got)
	}
	if got := e.statuses(retQ); len(got) != 3 {
		t.Errorf("q after RunRetention: %v, want 2, 4, 5", got)
	}
}

func TestRetentionRules(t *testing.T) {
	e := newRetentionEnv(t)
	for _, in := range []service.RetentionRuleInput{
		{Action: domain.RetentionArchive},
		{KeepNewest: 1, Action: "Shred"},
		{KeepNewest: -1, Action: domain.RetentionArchive},
		{KeepNewest: 1, Action: domain.RetentionArchive, ExemptStatuses: []domain.Status{"Deleted"}},
		{KeepNewest: 1, Action: domain.RetentionArchive, Format: "tarball"},
	} {
		in.Domain, in.Repository = "d", "r"
		if _, err := e.svc.PutRetentionRule(e.ctx, retCaller, in); err == nil {
			t.Errorf("PutRetentionRule(%+v) accepted", in)
		}
	}
	a := e.put(service.RetentionRuleInput{KeepNewest: 1, Action: domain.RetentionArchive})
	b := e.put(service.RetentionRuleInput{KeepDays: 9, Action: domain.RetentionDispose, ExemptStatuses: []domain.Status{domain.StatusUnlisted}})
	list, err := e.svc.ListRetentionRules(e.ctx, retCaller, "d", "", "r")
	if err != nil || len(list) != 2 || list[0].Rule.ID != a.Rule.ID || list[1].Rule.KeepDays != 9 {
		t.Fatalf("ListRetentionRules = %+v, %v", list, err)
	}
	if err := e.svc.DeleteRetentionRule(e.ctx, retCaller, "d", "", "r", a.Rule.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteRetentionRule(e.ctx, retCaller, "d", "", "r", a.Rule.ID); err == nil {
		t.Error("deleting a deleted rule: no error")
	}
	if list, _ := e.svc.ListRetentionRules(e.ctx, retCaller, "d", "", "r"); len(list) != 1 || list[0].Rule.ID != b.Rule.ID {
		t.Errorf("after delete: %+v", list)
	}
	if _, err := e.svc.ApplyRetention(e.ctx, retCaller, service.RetentionPlan{Action: domain.RetentionDelete}); err == nil {
		t.Error("a plan naming no repository was applied")
	}
	if _, err := e.svc.ApplyRetention(e.ctx, retCaller, service.RetentionPlan{Domain: "d", Repository: "r", Action: "Shred"}); err == nil {
		t.Error("a plan with an unknown action was applied")
	}
	// Another account may not manage the domain's rules.
	other := service.Caller{Account: "111111111111", Region: "us-east-1"}
	if _, err := e.svc.ListRetentionRules(e.ctx, other, "d", retCaller.Account, "r"); err == nil {
		t.Error("another account listed the rules")
	}
}

func mapsEqual(a, b map[string]domain.Status) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
