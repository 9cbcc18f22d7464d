package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// swiftResolve resolves the newest release of a package as SwiftPM does
// through a registry: list the releases (Registry.md 4.1), skip those
// with a problem ("A client SHOULD consider any releases with an
// associated problem to be unavailable"), take the highest precedence,
// fetch its metadata (4.2), manifest (4.3) and source archive (4.4), and
// verify the archive "using the checksum value for the associated
// source-archive resource" and the Digest header (4.4.1). It returns the
// version, or "" when no release is available.
func swiftResolve(t *testing.T, r *swiftRepo, scope, name string) string {
	t.Helper()
	resp, body := r.get(t, scope+"/"+name, swiftAcceptJSON)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list releases: %d %s", resp.StatusCode, body)
	}
	best := ""
	for _, rel := range swiftDecodeReleases(t, body) {
		if rel.Problem == nil && (best == "" || swiftNewer(rel.Version, best)) {
			best = rel.Version
		}
	}
	if best == "" {
		return ""
	}
	resp, body = r.get(t, scope+"/"+name+"/"+best, swiftAcceptJSON)
	var doc struct {
		Resources []struct{ Name, Checksum string } `json:"resources"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &doc) != nil || len(doc.Resources) != 1 {
		t.Fatalf("release metadata of %s: %d %s", best, resp.StatusCode, body)
	}
	if resp, body := r.get(t, scope+"/"+name+"/"+best+"/Package.swift", swiftAcceptSwift); resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "// swift-tools-version:") {
		t.Fatalf("manifest of %s: %d %s", best, resp.StatusCode, body)
	}
	resp, zip := r.get(t, scope+"/"+name+"/"+best+".zip", swiftAcceptZip)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("archive of %s: %d %s", best, resp.StatusCode, zip)
	}
	sum := sha256.Sum256(zip)
	if swiftSHA256(zip) != doc.Resources[0].Checksum || resp.Header.Get("Digest") != "sha-256="+base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("archive of %s: checksum %s, metadata says %s, Digest %s", best, swiftSHA256(zip), doc.Resources[0].Checksum, resp.Header.Get("Digest"))
	}
	return best
}

// swiftNewer compares the x.y.z versions of these tests.
func swiftNewer(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range pa {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x > y
		}
	}
	return false
}

// TestSwiftPublishResolveStatus is the lifecycle: publish →
// resolution → status changes through the control plane → resolution
// again, the list of releases following each change at once (the cached
// list is keyed on the package's stamp).
func TestSwiftPublishResolveStatus(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	harness.CreateDomain(t, s.Client(t), "acme")
	r := newSwiftRepo(t, s, "acme", "swift")
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if resp, body := r.publish(t, "mona", "LinkedList", v, swiftPackage(t, "LinkedList", v, nil), ""); resp.StatusCode != http.StatusCreated {
			t.Fatalf("publish %s: %d %s", v, resp.StatusCode, body)
		}
	}
	if got := swiftResolve(t, r, "mona", "LinkedList"); got != "1.1.0" {
		t.Fatalf("resolved %q, want 1.1.0", got)
	}
	list := func() string {
		_, body := r.get(t, "mona/LinkedList", swiftAcceptJSON)
		return swiftStrings(swiftDecodeReleases(t, body))
	}
	status := func(path string) int {
		resp, _ := r.get(t, path, swiftAcceptJSON)
		return resp.StatusCode
	}

	// Unlisted: in the list with a problem, so resolution skips it, but
	// still fetchable by version (as pip's yanked files are).
	r.setStatus(t, "mona", "linkedlist", types.PackageVersionStatusUnlisted, "1.1.0")
	if got := list(); got != "1.1.0(410) 1.0.0" {
		t.Errorf("after unlisting: %s", got)
	}
	if got := swiftResolve(t, r, "mona", "LinkedList"); got != "1.0.0" {
		t.Errorf("resolved %q after unlisting 1.1.0, want 1.0.0", got)
	}
	if st := status("mona/LinkedList/1.1.0"); st != http.StatusOK {
		t.Errorf("metadata of an unlisted release: %d", st)
	}
	if resp, _ := r.get(t, "mona/LinkedList/1.0.0", swiftAcceptJSON); !strings.Contains(resp.Header.Get("Link"), `/1.0.0>; rel="latest-version"`) {
		t.Errorf("latest-version after unlisting 1.1.0: %q", resp.Header.Get("Link"))
	}

	// Archived: listed as unavailable, and nothing of it is served.
	r.setStatus(t, "mona", "linkedlist", types.PackageVersionStatusArchived, "1.1.0")
	if got := list(); got != "1.1.0(410) 1.0.0" {
		t.Errorf("after archiving: %s", got)
	}
	for _, p := range []string{"mona/LinkedList/1.1.0", "mona/LinkedList/1.1.0.zip", "mona/LinkedList/1.1.0/Package.swift"} {
		resp, body := r.get(t, p, "")
		swiftProblem(t, "archived "+p, resp, body, http.StatusNotFound)
	}

	// Published again: resolved again.
	r.setStatus(t, "mona", "linkedlist", types.PackageVersionStatusPublished, "1.1.0")
	if got := swiftResolve(t, r, "mona", "LinkedList"); got != "1.1.0" {
		t.Errorf("resolved %q after republishing 1.1.0", got)
	}

	// Deleted: gone from the list; disposed: listed as removed.
	ctx := context.Background()
	if _, err := r.c.DeletePackageVersions(ctx, &codeartifact.DeletePackageVersionsInput{
		Domain: aws.String("acme"), Repository: aws.String("swift"), Format: types.PackageFormatSwift,
		Namespace: aws.String("mona"), Package: aws.String("linkedlist"), Versions: []string{"1.1.0"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.DisposePackageVersions(ctx, &codeartifact.DisposePackageVersionsInput{
		Domain: aws.String("acme"), Repository: aws.String("swift"), Format: types.PackageFormatSwift,
		Namespace: aws.String("mona"), Package: aws.String("linkedlist"), Versions: []string{"1.0.0"},
	}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "1.0.0(410)" {
		t.Errorf("after deleting 1.1.0 and disposing 1.0.0: %s", got)
	}
	if got := swiftResolve(t, r, "mona", "LinkedList"); got != "" {
		t.Errorf("resolved %q with no release available", got)
	}
	if resp, _ := r.get(t, "mona/LinkedList", swiftAcceptJSON); resp.Header.Get("Link") != "" {
		t.Errorf("latest-version with no published release: %q", resp.Header.Get("Link"))
	}

	// The real AWS CLI lists the package (the "Done when").
	out, stderr, code := s.CLI(t, "list-packages", "--domain", "acme", "--repository", "swift", "--format", "swift")
	if code != 0 || !strings.Contains(out, `"format": "swift"`) || !strings.Contains(out, `"namespace": "mona"`) || !strings.Contains(out, `"package": "linkedlist"`) {
		t.Errorf("aws codeartifact list-packages --format swift: %d %s %s", code, out, stderr)
	}
	// `aws codeartifact login --tool swift` gets the token and this
	// endpoint from us, then would write ~/.netrc and run swift (absent
	// here): its dry run shows what it would do.
	out, stderr, code = s.CLI(t, "login", "--tool", "swift", "--domain", "acme", "--repository", "swift", "--namespace", "mona", "--dry-run")
	host := strings.Split(strings.Split(r.endpoint, "://")[1], ":")[0]
	for _, want := range []string{"machine " + host + " login token password ", "swift package-registry set " + r.endpoint + " --scope mona", "swift package-registry login " + r.endpoint + "login"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("aws codeartifact login --tool swift --dry-run lacks %q: %d %s %s", want, code, out, stderr)
		}
	}
}

// TestSwiftThroughUpstream reads a package published in an upstream
// repository through its downstream (Swift has no external connection,
// as in AWS, but upstream repositories work): the releases, metadata and
// manifest come through, URLs name the downstream endpoint, and
// downloading the archive retains the release in the downstream, as
// CodeArtifact does.
func TestSwiftThroughUpstream(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	harness.CreateDomain(t, s.Client(t), "acme")
	up := newSwiftRepo(t, s, "acme", "up")
	down := newSwiftRepo(t, s, "acme", "down", "up")
	zip := swiftPackage(t, "Kit", "2.0.0", nil)
	if resp, body := up.publish(t, "tools", "Kit", "2.0.0", zip, ""); resp.StatusCode != http.StatusCreated {
		t.Fatalf("publish: %d %s", resp.StatusCode, body)
	}
	resp, body := down.get(t, "tools/Kit", swiftAcceptJSON)
	rs := swiftDecodeReleases(t, body)
	if resp.StatusCode != http.StatusOK || len(rs) != 1 || rs[0].URL != down.endpoint+"tools/kit/2.0.0" {
		t.Fatalf("releases through the upstream: %d %s", resp.StatusCode, body)
	}
	if got := swiftResolve(t, down, "tools", "Kit"); got != "2.0.0" {
		t.Fatalf("resolved %q through the upstream", got)
	}
	d, err := down.c.DescribePackageVersion(context.Background(), &codeartifact.DescribePackageVersionInput{
		Domain: aws.String("acme"), Repository: aws.String("down"), Format: types.PackageFormatSwift,
		Namespace: aws.String("tools"), Package: aws.String("kit"), PackageVersion: aws.String("2.0.0"),
	})
	if err != nil || d.PackageVersion.Status != types.PackageVersionStatusPublished {
		t.Fatalf("the release is not retained in the downstream: %v", err)
	}
	// Publishing through the downstream the version the upstream has is
	// the 409 of Registry.md 4.6 once retained.
	resp, body = down.publish(t, "tools", "Kit", "2.0.0", zip, "")
	swiftProblem(t, "republish through the downstream", resp, body, http.StatusConflict)
}
