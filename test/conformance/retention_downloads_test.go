package conformance

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
	_ "modernc.org/sqlite" // database/sql driver "sqlite": backdating versions

	"github.com/artifactd/artifactd/test/harness"
)

// backdateVersions stops the server, moves the publish time of every
// package version 30 days back in its database, and the time it began
// recording downloads too (as if all had happened a month ago), and
// starts it again.
func backdateVersions(t *testing.T, s *harness.Server) {
	t.Helper()
	s.Stop(t)
	backdateDB(t, s)
	s.Start(t)
}

// backdateDB is backdateVersions' change, made in the database as it is
// (servers on PostgreSQL keep no publish time in memory that retention
// reads).
func backdateDB(t *testing.T, s *harness.Server) {
	t.Helper()
	var db *sql.DB
	var err error
	if name := s.DatabaseName(); name != "" {
		u, perr := url.Parse(os.Getenv(harness.PostgresDSNEnv))
		if perr != nil {
			t.Fatal(perr)
		}
		u.Path, u.RawPath = "/"+name, ""
		db, err = sql.Open("pgx", u.String())
	} else {
		db, err = sql.Open("sqlite", filepath.Join(s.DataDir, "artifactd.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	month := int64(30 * 24 * time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, table := range []string{"package_versions SET published_ns = published_ns", "download_times_since SET since_ns = since_ns"} {
		if _, err := db.ExecContext(ctx, "UPDATE "+table+" - "+strconv.FormatInt(month, 10)); err != nil {
			t.Fatalf("backdating %s: %v", table, err)
		}
	}
}

// curlGet downloads url with curl and a bearer token, failing the test
// unless it answers 200.
func curlGet(t *testing.T, url, token string) {
	t.Helper()
	out, err := exec.Command("curl", "-sS", "-f", "-o", os.DevNull, "-H", "Authorization: Bearer "+token, url).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", url, err, out)
	}
}

// TestRetentionDownloadedWithinDays: versions published a month ago
// (backdated in the database), some of them downloaded by the real
// clients (npm install, curl of the generic data plane,
// GetPackageVersionAsset); once the server has written the download
// times (--download-flush-interval), a rule keeping the versions
// downloaded in the last 7 days plans exactly the others, and apply
// deletes exactly those. A rule naming a package group acts only on the
// packages of that group.
func TestRetentionDownloadedWithinDays(t *testing.T) {
	t.Parallel()
	e := npmStart(t, harness.WithArgs("--download-flush-interval", "200ms"))
	s := e.srv
	base := []string{"--domain", e.domain, "--repository", e.repo}
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4"} {
		e.httpPublish(t, "dllib", v, nil)
	}
	for _, pkg := range []string{"gen", "other"} {
		for _, v := range []string{"1", "2", "3", "4"} {
			publishGeneric(t, e.c, e.domain, e.repo, "ns", pkg, v, "a.bin", []byte(pkg+" "+v), false)
		}
	}
	for _, v := range []string{"1", "2", "3"} {
		publishGeneric(t, e.c, e.domain, e.repo, "grp", "tool", v, "a.bin", []byte("tool "+v), false)
	}
	backdateVersions(t, s)
	e.token = e.newToken(t, e.domain)
	npmWriteRC(t, e.npmrc, e.endpoint, e.token)

	// Downloads: npm installs dllib@1.0.1 (its packument and that
	// tarball); curl fetches ns/gen 2 and grp/tool 2; the API's
	// GetPackageVersionAsset fetches ns/gen 3.
	e.install(t, "dllib@1.0.1")
	generic := mnEndpoint(t, e.c, e.domain, e.repo, types.PackageFormatGeneric)
	curlGet(t, generic+"ns/gen/2/a.bin", e.token)
	curlGet(t, generic+"grp/tool/2/a.bin", e.token)
	out, err := e.c.GetPackageVersionAsset(t.Context(), &codeartifact.GetPackageVersionAssetInput{
		Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String("ns"), Package: aws.String("gen"), PackageVersion: aws.String("3"), Asset: aws.String("a.bin")})
	if err != nil {
		t.Fatalf("GetPackageVersionAsset: %v", err)
	}
	out.Asset.Close()

	ruleID := func(out string) string {
		t.Helper()
		m := regexp.MustCompile(`rule (\d+):`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("put said:\n%s", out)
		}
		return m[1]
	}
	// The latest releases (dllib 1.0.4, gen 4) are kept as always.
	id := ruleID(retentionMust(t, s, "put", append(base, "--downloaded-within-days", "7", "--format", "npm", "--action", "Delete")...))
	gid := ruleID(retentionMust(t, s, "put", append(base, "--downloaded-within-days", "7", "--namespace", "ns", "--package-prefix", "gen", "--action", "Delete")...))
	if out := retentionMust(t, s, "list", base...); !strings.Contains(out, "keep those downloaded in the last 7 days; delete the rest") {
		t.Errorf("list said:\n%s", out)
	}
	wantNpm := []string{"delete npm dllib 1.0.0", "delete npm dllib 1.0.2", "delete npm dllib 1.0.3"}
	wantGen := []string{"delete generic ns/gen 1"}
	// The download times reach the database within the flush interval
	// (npm's and the generic ones are not always in the same flush).
	deadline := time.Now().Add(20 * time.Second)
	var planOut, genOut string
	for {
		planOut = retentionMust(t, s, "plan", append(base, "--id", id)...)
		genOut = retentionMust(t, s, "plan", append(base, "--id", gid)...)
		if slices.Equal(planLines(planOut), wantNpm) && slices.Equal(planLines(genOut), wantGen) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := planLines(planOut); !slices.Equal(got, wantNpm) {
		t.Fatalf("npm plan = %v, want %v\n%s", got, wantNpm, planOut)
	}
	if !strings.Contains(planOut, "never downloaded, published") {
		t.Errorf("npm plan does not say why:\n%s", planOut)
	}
	if got := planLines(genOut); !slices.Equal(got, wantGen) {
		t.Errorf("generic plan = %v, want %v", got, wantGen)
	}
	if out := retentionMust(t, s, "apply", append(base, "--id", id)...); !strings.Contains(out, "applied: 3 versions") {
		t.Errorf("npm apply said:\n%s", out)
	}
	if out := retentionMust(t, s, "apply", append(base, "--id", gid)...); !strings.Contains(out, "applied: 1 versions") {
		t.Errorf("generic apply said:\n%s", out)
	}
	if got, want := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatNpm, nil, "dllib"),
		map[string]string{"1.0.1": "Published", "1.0.4": "Published"}; !mapsEqualStr(got, want) {
		t.Errorf("dllib after apply: %v, want %v", got, want)
	}
	if got, want := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatGeneric, aws.String("ns"), "gen"),
		map[string]string{"2": "Published", "3": "Published", "4": "Published"}; !mapsEqualStr(got, want) {
		t.Errorf("ns/gen after apply: %v, want %v", got, want)
	}

	// A package group's rule: grp/tool is the group's; ns/other is not.
	if _, err := e.c.CreatePackageGroup(t.Context(), &codeartifact.CreatePackageGroupInput{
		Domain: aws.String(e.domain), PackageGroup: aws.String("/generic/grp/*")}); err != nil {
		t.Fatalf("CreatePackageGroup: %v", err)
	}
	if out, code := artifactdRetention(t, s, s.Credentials(), "put", append(base, "--package-group", "/generic/nope/*",
		"--keep-newest", "1", "--action", "Archive")...); code == 0 || !strings.Contains(out, "not found") {
		t.Errorf("put with a missing group: exit %d\n%s", code, out)
	}
	pid := ruleID(retentionMust(t, s, "put", append(base, "--package-group", "/generic/grp/*", "--downloaded-within-days", "7", "--action", "Archive")...))
	out2 := retentionMust(t, s, "plan", append(base, "--id", pid)...)
	if got, want := planLines(out2), []string{"archive generic grp/tool 1"}; !slices.Equal(got, want) {
		t.Errorf("group plan = %v, want %v\n%s", got, want, out2)
	}
	if out := retentionMust(t, s, "apply", append(base, "--id", pid)...); !strings.Contains(out, "applied: 1 versions") {
		t.Errorf("group apply said:\n%s", out)
	}
	if got, want := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatGeneric, aws.String("grp"), "tool"),
		map[string]string{"1": "Archived", "2": "Published", "3": "Published"}; !mapsEqualStr(got, want) {
		t.Errorf("grp/tool after apply: %v, want %v", got, want)
	}
	if got, want := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatGeneric, aws.String("ns"), "other"),
		map[string]string{"1": "Published", "2": "Published", "3": "Published", "4": "Published"}; !mapsEqualStr(got, want) {
		t.Errorf("ns/other, not in the group: %v, want %v", got, want)
	}
}

// TestRetentionDownloadsTwoNodes: two nodes on one database each write
// the downloads they served; the plan, on either node, keeps both.
func TestRetentionDownloadsTwoNodes(t *testing.T) {
	harness.RequireSharedStorage(t)
	t.Parallel()
	a := harness.Start(t, harness.WithPostgresS3(), harness.WithArgs("--download-flush-interval", "200ms"))
	b := harness.Start(t, harness.WithShared(a), harness.WithArgs("--download-flush-interval", "200ms"))
	ca, cb := a.Client(t), b.Client(t)
	harness.CreateDomain(t, ca, "dl2")
	harness.CreateRepository(t, ca, "dl2", "repo")
	for _, v := range []string{"1", "2", "3", "4", "5"} {
		publishGeneric(t, ca, "dl2", "repo", "ns", "tool", v, "a.bin", []byte("tool "+v), false)
	}
	backdateDB(t, a)
	token := mnToken(t, ca, "dl2")
	// 2 through A, 3 through B, 4 through both.
	curlGet(t, mnEndpoint(t, ca, "dl2", "repo", types.PackageFormatGeneric)+"ns/tool/2/a.bin", token)
	curlGet(t, mnEndpoint(t, cb, "dl2", "repo", types.PackageFormatGeneric)+"ns/tool/3/a.bin", token)
	for _, c := range []*codeartifact.Client{ca, cb} {
		curlGet(t, mnEndpoint(t, c, "dl2", "repo", types.PackageFormatGeneric)+"ns/tool/4/a.bin", token)
	}
	base := []string{"--domain", "dl2", "--repository", "repo"}
	out := retentionMust(t, a, "put", append(base, "--downloaded-within-days", "7", "--action", "Archive")...)
	id := regexp.MustCompile(`rule (\d+):`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("put said:\n%s", out)
	}
	want := []string{"archive generic ns/tool 1"} // 5 is the latest release
	for _, s := range []*harness.Server{a, b} {
		deadline := time.Now().Add(20 * time.Second)
		for {
			out = retentionMust(t, s, "plan", append(base, "--id", id[1])...)
			if slices.Equal(planLines(out), want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got := planLines(out); !slices.Equal(got, want) {
			t.Errorf("plan on %s = %v, want %v\n%s", s.URL, got, want, out)
		}
	}
}
