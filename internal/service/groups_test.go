package service_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

func TestPackageGroupHierarchy(t *testing.T) {
	svc, _ := newMavenService(t)
	ctx := context.Background()
	create := func(pattern string) service.PackageGroupInfo {
		t.Helper()
		info, err := svc.CreatePackageGroup(ctx, faultCaller, service.CreatePackageGroupInput{Domain: "d", Pattern: pattern})
		if err != nil {
			t.Fatalf("create %s: %v", pattern, err)
		}
		return info
	}
	parentOf := func(pattern string) string {
		t.Helper()
		info, err := svc.DescribePackageGroup(ctx, faultCaller, "d", "", pattern)
		if err != nil {
			t.Fatal(err)
		}
		if info.Parent == nil {
			return ""
		}
		return info.Parent.Pattern
	}
	create("/npm/acme/ui~")
	create("/npm/acme/*")
	create("/npm/other/*")
	create("/npm/*") // adopts both scopes
	for pattern, want := range map[string]string{"/npm/acme/ui~": "/npm/acme/*", "/npm/acme/*": "/npm/*", "/npm/other/*": "/npm/*", "/npm/*": "/*", "/*": ""} {
		if got := parentOf(pattern); got != want {
			t.Errorf("parent of %s = %q, want %q", pattern, got, want)
		}
	}

	// Inheritance follows the parent, and a deleted group's children
	// move up and inherit from there.
	set := func(pattern string, mode domain.RestrictionMode) {
		t.Helper()
		_, _, err := svc.UpdatePackageGroupOriginConfiguration(ctx, faultCaller, service.OriginConfigurationUpdate{
			Domain: "d", Pattern: pattern, Restrictions: map[domain.RestrictionType]domain.RestrictionMode{domain.RestrictPublish: mode}})
		if err != nil {
			t.Fatal(err)
		}
	}
	effective := func(pattern string) (domain.RestrictionMode, string) {
		t.Helper()
		info, err := svc.DescribePackageGroup(ctx, faultCaller, "d", "", pattern)
		if err != nil {
			t.Fatal(err)
		}
		r := info.Restrictions[domain.RestrictPublish]
		from := pattern
		if r.InheritedFrom != nil {
			from = r.InheritedFrom.Pattern
		}
		return r.EffectiveMode, from
	}
	set("/npm/*", domain.ModeBlock)
	if m, from := effective("/npm/acme/ui~"); m != domain.ModeBlock || from != "/npm/*" {
		t.Errorf("ui~ PUBLISH = %s from %s, want BLOCK from /npm/*", m, from)
	}
	if _, err := svc.DeletePackageGroup(ctx, faultCaller, "d", "", "/npm/*"); err != nil {
		t.Fatal(err)
	}
	if got := parentOf("/npm/acme/*"); got != "/*" {
		t.Errorf("after deleting /npm/*, parent of /npm/acme/* = %q", got)
	}
	if m, from := effective("/npm/acme/ui~"); m != domain.ModeAllow || from != "/*" {
		t.Errorf("after deleting /npm/*, ui~ PUBLISH = %s from %s, want ALLOW from /*", m, from)
	}
	if _, err := svc.DeletePackageGroup(ctx, faultCaller, "d", "", "/*"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("deleting the root: %v, want a validation error", err)
	}
}

func TestPackageGroupBlocksPublish(t *testing.T) {
	svc, ref := newMavenService(t)
	ctx := context.Background()
	if _, err := svc.CreatePackageGroup(ctx, faultCaller, service.CreatePackageGroupInput{Domain: "d", Pattern: "/maven/com.example~"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.UpdatePackageGroupOriginConfiguration(ctx, faultCaller, service.OriginConfigurationUpdate{Domain: "d", Pattern: "/maven/com.example~",
		Restrictions: map[domain.RestrictionType]domain.RestrictionMode{domain.RestrictPublish: domain.ModeBlock}}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.PublishVersion(ctx, faultCaller, service.VersionPublish{Package: ref, Version: "1.0",
		Assets: []service.NewAsset{{Name: "lib-1.0.jar", Content: strings.NewReader("jar")}}})
	if !errors.Is(err, domain.ErrDenied) || !strings.Contains(err.Error(), "/maven/com.example~") {
		t.Fatalf("publish under PUBLISH=BLOCK: %v, want a denial naming the group", err)
	}
	if _, err := svc.DescribePackage(ctx, faultCaller, ref); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the refused publish left a package: %v", err)
	}
	other := ref
	other.Namespace = "org.example" // another group (the root): allowed
	if _, err := svc.PublishVersion(ctx, faultCaller, service.VersionPublish{Package: other, Version: "1.0",
		Assets: []service.NewAsset{{Name: "lib-1.0.jar", Content: strings.NewReader("jar")}}}); err != nil {
		t.Fatal(err)
	}
}

// Publishes keep group decisions under the package group stamp: a change
// made through another service on the same store (another node) binds the
// next publish at once, whichever way it goes.
func TestGroupDecisionsFollowChanges(t *testing.T) {
	ctx := context.Background()
	st, bs, _ := newStorage(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := service.New(st, bs, service.DefaultLimits(), log, nil)
	b := service.New(st, bs, service.DefaultLimits(), log, nil)
	if _, err := a.CreateDomain(ctx, faultCaller, "faults", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateRepository(ctx, faultCaller, "faults", "", "repo", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	publish := func(version string) error {
		_, err := a.PublishPackageVersion(ctx, faultCaller, faultRef, version,
			service.NewAsset{Name: "a.bin", Content: strings.NewReader("bytes of " + version)}, false)
		return err
	}
	const pattern = "/generic/ns/p$"
	set := func(mode domain.RestrictionMode, add, remove []service.AllowedRepository) {
		t.Helper()
		if _, _, err := b.UpdatePackageGroupOriginConfiguration(ctx, faultCaller, service.OriginConfigurationUpdate{
			Domain: "faults", Pattern: pattern, Restrictions: map[domain.RestrictionType]domain.RestrictionMode{domain.RestrictPublish: mode},
			Add: add, Remove: remove}); err != nil {
			t.Fatal(err)
		}
	}
	repo := []service.AllowedRepository{{Repository: "repo", Type: domain.RestrictPublish}}
	steps := []struct {
		change  func()
		allowed bool
	}{
		{func() {}, true},
		{func() {
			if _, err := b.CreatePackageGroup(ctx, faultCaller, service.CreatePackageGroupInput{Domain: "faults", Pattern: pattern}); err != nil {
				t.Fatal(err)
			}
			set(domain.ModeBlock, nil, nil)
		}, false},
		{func() { set(domain.ModeAllowSpecificRepositories, repo, nil) }, true},
		{func() { set(domain.ModeAllowSpecificRepositories, nil, repo) }, false},
		{func() {
			if _, err := b.DeletePackageGroup(ctx, faultCaller, "faults", "", pattern); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for i, s := range steps {
		s.change()
		for try := range 2 { // the second answer comes from the cache
			err := publish(fmt.Sprintf("1.%d.%d", i, try))
			if s.allowed && err != nil || !s.allowed && !errors.Is(err, domain.ErrDenied) {
				t.Errorf("step %d, publish %d: %v, want allowed %v", i, try, err, s.allowed)
			}
		}
	}
}
