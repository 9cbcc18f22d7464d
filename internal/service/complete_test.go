package service_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// newMavenService is a service over fresh embedded storage with one
// domain and repository.
func newMavenService(t testing.TB) (*service.Service, service.PackageRef) {
	t.Helper()
	ctx := context.Background()
	st, bs, _ := newStorage(t)
	svc := service.New(st, bs, service.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if _, err := svc.CreateDomain(ctx, faultCaller, "d", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRepository(ctx, faultCaller, "d", "", "r", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	return svc, service.PackageRef{Domain: "d", Repository: "r", Format: domain.FormatMaven, Namespace: "com.example", Package: "lib"}
}

func putUnfinished(t *testing.T, svc *service.Service, ref service.PackageRef, version, file, content string) {
	t.Helper()
	_, err := svc.PublishVersion(context.Background(), faultCaller, service.VersionPublish{
		Package: ref, Version: version, Unfinished: true, AddToPublished: true,
		Assets: []service.NewAsset{{Name: file, Content: strings.NewReader(content)}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func statusOf(t *testing.T, svc *service.Service, ref service.PackageRef, version string) domain.Status {
	t.Helper()
	vi, err := svc.DescribePackageVersion(context.Background(), faultCaller, ref, version)
	if err != nil {
		t.Fatal(err)
	}
	return vi.Version.Status
}

func TestPublishUnfinished(t *testing.T) {
	svc, ref := newMavenService(t)
	ctx := context.Background()
	putUnfinished(t, svc, ref, "1.0", "lib-1.0.jar", "one")
	putUnfinished(t, svc, ref, "2.0", "lib-2.0.jar", "two")
	putUnfinished(t, svc, ref, "3.0", "lib-3.0.jar", "three")
	if _, err := svc.UpdatePackageVersionsStatus(ctx, faultCaller, ref, service.BatchInput{Versions: []string{"3.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}

	got, err := svc.PublishUnfinished(ctx, faultCaller, ref, []string{"0.9", "1.0", "3.0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "1.0" {
		t.Errorf("published %v, want [1.0]: only listed Unfinished versions", got)
	}
	for v, want := range map[string]domain.Status{"1.0": domain.StatusPublished, "2.0": domain.StatusUnfinished, "3.0": domain.StatusArchived} {
		if st := statusOf(t, svc, ref, v); st != want {
			t.Errorf("%s is %s, want %s", v, st, want)
		}
	}
	// A Published version takes new files and stays Published.
	putUnfinished(t, svc, ref, "1.0", "lib-1.0-sources.jar", "src")
	if st := statusOf(t, svc, ref, "1.0"); st != domain.StatusPublished {
		t.Errorf("after a new file 1.0 is %s", st)
	}
	other := ref
	other.Package = "missing"
	if _, err := svc.PublishUnfinished(ctx, faultCaller, other, []string{"1.0"}, nil); !strings.Contains(errString(err), "not found") {
		t.Errorf("missing package: err = %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return strings.ToLower(err.Error())
}

func TestSplitVersion(t *testing.T) {
	svc, ref := newMavenService(t)
	ctx := context.Background()
	const snap = "1.0-SNAPSHOT"
	files := map[string]string{
		"lib-1.0-20261201.101010-1.jar": "build one jar", "lib-1.0-20261201.101010-1.pom": "build one pom",
		"lib-1.0-20261202.101010-2.jar": "build two jar", "lib-1.0-20261202.101010-2.pom": "build two pom",
	}
	for name, content := range files {
		putUnfinished(t, svc, ref, snap, name, content)
	}
	route := func(asset string) string {
		if strings.Contains(asset, "-20261201.101010-1") {
			return "1.0-20261201.101010-1"
		}
		return ""
	}
	err := svc.SplitVersion(ctx, faultCaller, ref, snap, service.VersionSplit{Route: route, Status: domain.StatusUnlisted,
		Update: func(v *domain.PackageVersion) error { v.Metadata = []byte(`{"build":"20261202.101010-2"}`); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	assetsOf := func(version string) []string {
		out, err := svc.ListPackageVersionAssets(ctx, faultCaller, ref, version, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range out.Assets {
			names = append(names, a.Name)
		}
		sort.Strings(names)
		return names
	}
	if got := strings.Join(assetsOf(snap), ","); got != "lib-1.0-20261202.101010-2.jar,lib-1.0-20261202.101010-2.pom" {
		t.Errorf("%s keeps %s", snap, got)
	}
	if got := strings.Join(assetsOf("1.0-20261201.101010-1"), ","); got != "lib-1.0-20261201.101010-1.jar,lib-1.0-20261201.101010-1.pom" {
		t.Errorf("the earlier build has %s", got)
	}
	if st := statusOf(t, svc, ref, "1.0-20261201.101010-1"); st != domain.StatusUnlisted {
		t.Errorf("the earlier build is %s, want Unlisted", st)
	}
	vi, _ := svc.DescribePackageVersion(ctx, faultCaller, ref, snap)
	if string(vi.Version.Metadata) != `{"build":"20261202.101010-2"}` {
		t.Errorf("metadata = %s", vi.Version.Metadata)
	}
	// The moved bytes survive collection and still read back.
	svc.CollectOrphans(ctx)
	for version, name := range map[string]string{"1.0-20261201.101010-1": "lib-1.0-20261201.101010-1.jar", snap: "lib-1.0-20261202.101010-2.jar"} {
		dl, err := svc.OpenAsset(ctx, faultCaller, ref, version, name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(dl.Content)
		dl.Content.Close()
		if !bytes.Equal(b, []byte(files[name])) {
			t.Errorf("%s/%s = %q after collection", version, name, b)
		}
	}
	// Splitting again moves nothing and keeps everything.
	if err := svc.SplitVersion(ctx, faultCaller, ref, snap, service.VersionSplit{Route: route, Status: domain.StatusUnlisted}); err != nil {
		t.Fatal(err)
	}
	if n := len(assetsOf(snap)); n != 2 {
		t.Errorf("after a second split %s has %d assets", snap, n)
	}
}
