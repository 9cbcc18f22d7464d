package conformance

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// artifactdRetention runs `artifactd retention SUB ARGS` as an operator
// would, with creds as the AWS credentials of the environment.
func artifactdRetention(t *testing.T, s *harness.Server, creds aws.Credentials, sub string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(harness.Binary(t), append([]string{"retention", sub, "--endpoint-url", s.URL, "--region", s.Region}, args...)...)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		exit, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("artifactd retention %s: %v", sub, err)
		}
		code = exit.ExitCode()
	}
	return string(out), code
}

func retentionMust(t *testing.T, s *harness.Server, sub string, args ...string) string {
	t.Helper()
	out, code := artifactdRetention(t, s, s.Credentials(), sub, args...)
	if code != 0 {
		t.Fatalf("artifactd retention %s %v: exit %d\n%s", sub, args, code, out)
	}
	return out
}

// planLines returns the "ACTION FORMAT PACKAGE VERSION" of a plan's output, sorted.
func planLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 5 && strings.HasPrefix(f[4], "(") && slices.Contains([]string{"archive", "dispose", "delete"}, f[0]) {
			lines = append(lines, strings.Join(f[:4], " "))
		}
	}
	slices.Sort(lines)
	return lines
}

func versionStatuses(t *testing.T, c *codeartifact.Client, domain, repo string, f types.PackageFormat, ns *string, pkg string) map[string]string {
	t.Helper()
	out, err := c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{Domain: aws.String(domain),
		Repository: aws.String(repo), Format: f, Namespace: ns, Package: aws.String(pkg)})
	if err != nil {
		t.Fatalf("ListPackageVersions %s: %v", pkg, err)
	}
	m := map[string]string{}
	for _, v := range out.Versions {
		m[aws.ToString(v.Version)] = string(v.Status)
	}
	return m
}

// TestRetentionRules: a rule's dry run lists exactly what it would
// change, and apply changes exactly that (ListPackageVersions before and
// after): npm versions archived stop being offered in the packument,
// dist-tagged and latest versions are kept, a version changed between
// plan and apply is skipped; a Delete rule on generic packages deletes the
// planned versions; a caller without the right is refused.
func TestRetentionRules(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	s := e.srv
	base := []string{"--domain", e.domain, "--repository", e.repo}
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5"} {
		var tags map[string]string
		if v == "1.0.1" {
			tags = map[string]string{"beta": v}
		}
		e.httpPublish(t, "retlib", v, tags)
	}
	for _, v := range []string{"1", "2", "3", "4"} {
		publishGeneric(t, e.c, e.domain, e.repo, "ns", "gen", v, "a.bin", []byte("gen "+v), false)
	}

	// npm: keep the newest 2 (1.0.5, 1.0.4); 1.0.1 has a dist-tag.
	out := retentionMust(t, s, "put", append(base, "--format", "npm", "--keep-newest", "2", "--action", "Archive")...)
	id := regexp.MustCompile(`rule (\d+):`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("put said:\n%s", out)
	}
	if out := retentionMust(t, s, "list", base...); !strings.Contains(out, "rule "+id[1]+": ") || !strings.Contains(out, "keep the newest 2; archive the rest") {
		t.Errorf("list said:\n%s", out)
	}
	before := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatNpm, nil, "retlib")
	planFile := filepath.Join(t.TempDir(), "plan.json")
	out = retentionMust(t, s, "plan", append(base, "--id", id[1], "--out", planFile)...)
	want := []string{"archive npm retlib 1.0.0", "archive npm retlib 1.0.2", "archive npm retlib 1.0.3"}
	if got := planLines(out); !slices.Equal(got, want) {
		t.Fatalf("plan = %v, want %v\n%s", got, want, out)
	}
	if after := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatNpm, nil, "retlib"); !mapsEqualStr(before, after) {
		t.Errorf("the dry run changed versions: %v -> %v", before, after)
	}
	// Changed between plan and apply: skipped, not archived.
	e.setStatus(t, "retlib", types.PackageVersionStatusUnlisted, "1.0.3")
	out = retentionMust(t, s, "apply", "--plan-file", planFile)
	if !strings.Contains(out, "applied: 2 versions") || !strings.Contains(out, "skipped retlib/1.0.3: MISMATCHED_STATUS") {
		t.Errorf("apply said:\n%s", out)
	}
	got := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatNpm, nil, "retlib")
	wantStatus := map[string]string{"1.0.0": "Archived", "1.0.1": "Published", "1.0.2": "Archived", "1.0.3": "Unlisted", "1.0.4": "Published", "1.0.5": "Published"}
	if !mapsEqualStr(got, wantStatus) {
		t.Errorf("after apply: %v, want %v", got, wantStatus)
	}
	doc := e.packument(t, "retlib")
	if vs := npmVersionsOf(doc); !slices.Equal(vs, []string{"1.0.1", "1.0.4", "1.0.5"}) {
		t.Errorf("packument versions after apply: %v, want 1.0.1 1.0.4 1.0.5", vs)
	}
	if tags := npmTagsOf(doc); tags["latest"] != "1.0.5" || tags["beta"] != "1.0.1" {
		t.Errorf("dist-tags after apply: %v", tags)
	}

	// generic: keep the newest 1, delete the rest; apply plans again.
	out = retentionMust(t, s, "put", append(base, "--format", "generic", "--namespace", "ns", "--keep-newest", "1", "--action", "Delete")...)
	gid := regexp.MustCompile(`rule (\d+):`).FindStringSubmatch(out)
	out = retentionMust(t, s, "plan", append(base, "--id", gid[1])...)
	if got, want := planLines(out), []string{"delete generic ns/gen 1", "delete generic ns/gen 2", "delete generic ns/gen 3"}; !slices.Equal(got, want) {
		t.Fatalf("generic plan = %v, want %v\n%s", got, want, out)
	}
	out = retentionMust(t, s, "apply", append(base, "--id", gid[1])...)
	if !strings.Contains(out, "applied: 3 versions") {
		t.Errorf("generic apply said:\n%s", out)
	}
	if got := versionStatuses(t, e.c, e.domain, e.repo, types.PackageFormatGeneric, aws.String("ns"), "gen"); !mapsEqualStr(got, map[string]string{"4": "Published"}) {
		t.Errorf("generic after apply: %v, want only 4", got)
	}
	// Nothing left to do: the plan is empty.
	if out := retentionMust(t, s, "plan", append(base, "--id", gid[1])...); len(planLines(out)) != 0 || !strings.Contains(out, "would delete 0 versions") {
		t.Errorf("second plan:\n%s", out)
	}

	// A caller who may read but not delete package versions is refused.
	az := &azEnv{s: s, c: e.c, admin: s.Credentials(), domain: e.domain, dir: t.TempDir()}
	reader := az.createUser(t, az.admin, "retention-reader", azPolicy(azAllow("*", "codeartifact:Describe*", "codeartifact:List*", "codeartifact:Get*")))
	for _, sub := range [][]string{{"list"}, {"plan", "--id", id[1]}, {"delete", "--id", id[1]}} {
		out, code := artifactdRetention(t, s, reader, sub[0], append(base, sub[1:]...)...)
		if code == 0 || !strings.Contains(out, "not authorized") {
			t.Errorf("retention %v as a reader: exit %d\n%s", sub, code, out)
		}
	}
	out, code := artifactdRetention(t, s, reader, "apply", "--plan-file", planFile)
	if code == 0 || !strings.Contains(out, "not authorized") {
		t.Errorf("apply as a reader: exit %d\n%s", code, out)
	}
	// Bad input: a clear error, nothing stored.
	if out, code := artifactdRetention(t, s, s.Credentials(), "put", append(base, "--action", "Archive")...); code == 0 || !strings.Contains(out, "must keep something") {
		t.Errorf("put without keep: exit %d\n%s", code, out)
	}
	retentionMust(t, s, "delete", append(base, "--id", id[1])...)
	if out := retentionMust(t, s, "list", base...); strings.Contains(out, "rule "+id[1]+":") {
		t.Errorf("after delete, list said:\n%s", out)
	}
	var plan map[string]any
	data, _ := os.ReadFile(planFile)
	if err := json.Unmarshal(data, &plan); err != nil || plan["action"] != "Archive" {
		t.Errorf("plan file: %v %s", err, data)
	}
}

func mapsEqualStr(a, b map[string]string) bool {
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

// TestRetentionRunsInBackground: with --retention-interval, the server
// applies its rules by itself and logs what each did.
func TestRetentionRunsInBackground(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.WithArgs("--retention-interval", "500ms", "--metrics-token-env", "RET_METRICS"),
		harness.WithEnv("RET_METRICS=retention-metrics-token"))
	c := s.Client(t)
	harness.CreateDomain(t, c, "bg")
	harness.CreateRepository(t, c, "bg", "repo")
	for _, v := range []string{"1", "2", "3"} {
		publishGeneric(t, c, "bg", "repo", "ns", "old", v, "a.bin", []byte("old "+v), false)
	}
	retentionMust(t, s, "put", "--domain", "bg", "--repository", "repo", "--keep-newest", "1", "--action", "Archive")
	want := map[string]string{"1": "Archived", "2": "Archived", "3": "Published"}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := versionStatuses(t, c, "bg", "repo", types.PackageFormatGeneric, aws.String("ns"), "old")
		if mapsEqualStr(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: %v, want %v\n%s", got, want, s.Logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(s.Logs(), "retention: rule applied") || !strings.Contains(s.Logs(), "applied=2") {
		if time.Now().After(deadline) {
			t.Fatalf("no log line of the run:\n%s", s.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	req, err := http.NewRequest("GET", s.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer retention-metrics-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := harness.ReadBody(t, resp)
	if !strings.Contains(string(body), `artifactd_retention_versions_total{action="archive",result="applied"} 2`) {
		t.Errorf("metrics lack the run's count:\n%s", grepLines(string(body), "retention"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
