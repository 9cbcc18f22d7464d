package conformance

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// mvnDebianRepo is Debian's Maven repository (packaged plugins and
// libraries), the tests' stand-in for Maven Central.
const mvnDebianRepo = "/usr/share/maven-repo"

// mvnServerID is the id of the artifactd repository in settings.xml and in
// the projects' distributionManagement.
const mvnServerID = "artifactd"

// mavenRepo is a server with a domain, a repository, a token and the
// repository's Maven endpoint.
type mavenRepo struct {
	s        *harness.Server
	c        *codeartifact.Client
	domain   string
	repo     string
	token    string
	endpoint string // ends in "/"
	work     string
}

func newMavenRepo(t *testing.T, opts ...harness.Option) *mavenRepo {
	t.Helper()
	s := harness.Start(t, opts...)
	c := s.Client(t)
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "mvn")
	tok, err := c.GetAuthorizationToken(context.Background(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.GetRepositoryEndpoint(context.Background(), &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String("acme"), Repository: aws.String("mvn"), Format: types.PackageFormatMaven,
	})
	if err != nil {
		t.Fatalf("GetRepositoryEndpoint --format maven: %v", err)
	}
	endpoint := aws.ToString(ep.RepositoryEndpoint)
	if want := s.URL + "/maven/d/acme-" + s.Account + "/mvn/"; endpoint != want {
		t.Fatalf("maven endpoint = %q, want %q", endpoint, want)
	}
	return &mavenRepo{s: s, c: c, domain: "acme", repo: "mvn", token: aws.ToString(tok.AuthorizationToken),
		endpoint: endpoint, work: t.TempDir()}
}

// ---- the control plane ----

// mvnCoords are the control-plane coordinates of a Maven package.
func (m *mavenRepo) coords(group, artifact string) (*string, *string, types.PackageFormat, *string, *string) {
	return aws.String(m.domain), aws.String(m.repo), types.PackageFormatMaven, aws.String(group), aws.String(artifact)
}

// versions returns version → status of a package (every status).
func (m *mavenRepo) versions(t testing.TB, group, artifact string) map[string]types.PackageVersionStatus {
	t.Helper()
	d, r, f, ns, p := m.coords(group, artifact)
	got := map[string]types.PackageVersionStatus{}
	in := &codeartifact.ListPackageVersionsInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p}
	for {
		out, err := m.c.ListPackageVersions(context.Background(), in)
		if err != nil {
			t.Fatalf("ListPackageVersions %s:%s: %v", group, artifact, err)
		}
		for _, v := range out.Versions {
			got[aws.ToString(v.Version)] = v.Status
		}
		if out.NextToken == nil {
			return got
		}
		in.NextToken = out.NextToken
	}
}

// assets returns asset name → asset of a package version.
func (m *mavenRepo) assets(t testing.TB, group, artifact, version string) map[string]types.AssetSummary {
	t.Helper()
	d, r, f, ns, p := m.coords(group, artifact)
	got := map[string]types.AssetSummary{}
	in := &codeartifact.ListPackageVersionAssetsInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, PackageVersion: aws.String(version)}
	for {
		out, err := m.c.ListPackageVersionAssets(context.Background(), in)
		if err != nil {
			t.Fatalf("ListPackageVersionAssets %s:%s:%s: %v", group, artifact, version, err)
		}
		for _, a := range out.Assets {
			got[aws.ToString(a.Name)] = a
		}
		if out.NextToken == nil {
			return got
		}
		in.NextToken = out.NextToken
	}
}

// expectAssets checks that a version has exactly the named assets, with
// the sizes and four hashes of the given bytes.
func (m *mavenRepo) expectAssets(t testing.TB, group, artifact, version string, want map[string][]byte) {
	t.Helper()
	got := m.assets(t, group, artifact, version)
	if g, w := strings.Join(harness.SortedKeys(got), " "), strings.Join(harness.SortedKeys(want), " "); g != w {
		t.Errorf("%s:%s:%s assets = [%s], want [%s]", group, artifact, version, g, w)
	}
	for name, b := range want {
		a, ok := got[name]
		if !ok {
			continue
		}
		if aws.ToInt64(a.Size) != int64(len(b)) {
			t.Errorf("%s size = %d, want %d", name, aws.ToInt64(a.Size), len(b))
		}
		for alg, h := range mvnHashes(b) {
			if a.Hashes[string(alg)] != h {
				t.Errorf("%s %s = %q, want %q", name, alg, a.Hashes[string(alg)], h)
			}
		}
	}
}

// packages lists every package of the repository as "format:namespace:name".
func (m *mavenRepo) packages(t testing.TB) []string {
	t.Helper()
	var names []string
	in := &codeartifact.ListPackagesInput{Domain: aws.String(m.domain), Repository: aws.String(m.repo)}
	for {
		out, err := m.c.ListPackages(context.Background(), in)
		if err != nil {
			t.Fatalf("ListPackages: %v", err)
		}
		for _, p := range out.Packages {
			names = append(names, string(p.Format)+":"+aws.ToString(p.Namespace)+":"+aws.ToString(p.Package))
		}
		if out.NextToken == nil {
			sort.Strings(names)
			return names
		}
		in.NextToken = out.NextToken
	}
}

// mvnHashes are the four hashes CodeArtifact computes, lowercase hex.
func mvnHashes(b []byte) map[types.HashAlgorithm]string {
	m5, s1, s256, s512 := md5.Sum(b), sha1.Sum(b), sha256.Sum256(b), sha512.Sum512(b)
	return map[types.HashAlgorithm]string{
		types.HashAlgorithmMd5: hex.EncodeToString(m5[:]), types.HashAlgorithmSha1: hex.EncodeToString(s1[:]),
		types.HashAlgorithmSha256: hex.EncodeToString(s256[:]), types.HashAlgorithmSha512: hex.EncodeToString(s512[:]),
	}
}

// mvnChecksumExt maps Maven's checksum extensions to the hash algorithms.
var mvnChecksumExt = map[string]types.HashAlgorithm{
	".md5": types.HashAlgorithmMd5, ".sha1": types.HashAlgorithmSha1,
	".sha256": types.HashAlgorithmSha256, ".sha512": types.HashAlgorithmSha512,
}

func mvnSHA1(b []byte) string { return mvnHashes(b)[types.HashAlgorithmSha1] }

// ---- raw HTTP ----

var mvnHTTP = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// mvnAuth says how a raw request authenticates.
type mvnAuth int

const (
	mvnBasic  mvnAuth = iota // Basic aws:TOKEN, as mvn sends it
	mvnBearer                // Bearer TOKEN
	mvnNoAuth                // no Authorization header
)

// request sends method to the endpoint + rel, rel sent exactly as written
// (no cleaning, no escaping: the path tests depend on it).
func (m *mavenRepo) request(t testing.TB, method, rel string, body []byte, auth mvnAuth, header ...string) (*http.Response, []byte) {
	t.Helper()
	u, err := url.Parse(m.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, m.endpoint, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = u.EscapedPath() + rel
	switch auth {
	case mvnBasic:
		req.SetBasicAuth("aws", m.token)
	case mvnBearer:
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := mvnHTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rel, err)
	}
	return resp, harness.ReadBody(t, resp)
}

// get GETs rel with Basic auth.
func (m *mavenRepo) get(t testing.TB, rel string, header ...string) (*http.Response, []byte) {
	t.Helper()
	return m.request(t, http.MethodGet, rel, nil, mvnBasic, header...)
}

// put PUTs body to rel with Basic auth.
func (m *mavenRepo) put(t testing.TB, rel string, body []byte) (*http.Response, []byte) {
	t.Helper()
	return m.request(t, http.MethodPut, rel, body, mvnBasic)
}

// mustPut PUTs and fails the test unless the server answers 201.
func (m *mavenRepo) mustPut(t testing.TB, rel string, body []byte) {
	t.Helper()
	if resp, b := m.put(t, rel, body); resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s: %d %s", rel, resp.StatusCode, b)
	}
}

// putWithChecksums PUTs a file then its .sha1 and .md5, as mvn deploys.
func (m *mavenRepo) putWithChecksums(t testing.TB, rel string, body []byte) {
	t.Helper()
	m.mustPut(t, rel, body)
	h := mvnHashes(body)
	m.mustPut(t, rel+".sha1", []byte(h[types.HashAlgorithmSha1]))
	m.mustPut(t, rel+".md5", []byte(h[types.HashAlgorithmMd5]))
}

// mvnMetadata is an artifact-level maven-metadata.xml as mvn uploads it.
func mvnMetadata(group, artifact string, versions ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n  <groupId>%s</groupId>\n  <artifactId>%s</artifactId>\n  <versioning>\n", group, artifact)
	if len(versions) > 0 {
		last := versions[len(versions)-1]
		fmt.Fprintf(&b, "    <latest>%s</latest>\n", last)
		if !strings.HasSuffix(last, "-SNAPSHOT") {
			fmt.Fprintf(&b, "    <release>%s</release>\n", last)
		}
	}
	b.WriteString("    <versions>\n")
	for _, v := range versions {
		fmt.Fprintf(&b, "      <version>%s</version>\n", v)
	}
	b.WriteString("    </versions>\n    <lastUpdated>20261201101010</lastUpdated>\n  </versioning>\n</metadata>\n")
	return []byte(b.String())
}

// mvnSnapshotMetadata is a version-level maven-metadata.xml naming build
// "timestamp-buildNumber" with the given extensions.
func mvnSnapshotMetadata(group, artifact, version, timestamp string, build int, exts ...string) []byte {
	value := strings.TrimSuffix(version, "-SNAPSHOT") + "-" + timestamp + "-" + fmt.Sprint(build)
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata modelVersion=\"1.1.0\">\n  <groupId>%s</groupId>\n  <artifactId>%s</artifactId>\n  <version>%s</version>\n  <versioning>\n", group, artifact, version)
	fmt.Fprintf(&b, "    <snapshot>\n      <timestamp>%s</timestamp>\n      <buildNumber>%d</buildNumber>\n    </snapshot>\n    <lastUpdated>%s</lastUpdated>\n    <snapshotVersions>\n", timestamp, build, strings.ReplaceAll(timestamp, ".", ""))
	for _, e := range exts {
		fmt.Fprintf(&b, "      <snapshotVersion>\n        <extension>%s</extension>\n        <value>%s</value>\n        <updated>%s</updated>\n      </snapshotVersion>\n", e, value, strings.ReplaceAll(timestamp, ".", ""))
	}
	b.WriteString("    </snapshotVersions>\n  </versioning>\n</metadata>\n")
	return []byte(b.String())
}

// mvnPom is a minimal POM for raw uploads.
func mvnPom(group, artifact, version string) []byte {
	return []byte(fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>%s</groupId>\n  <artifactId>%s</artifactId>\n  <version>%s</version>\n</project>\n", group, artifact, version))
}

// mvnJar builds a small jar (a zip with a manifest and one entry) whose
// bytes depend on marker.
func mvnJar(t testing.TB, marker string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: artifactd-tests\r\n\r\n"},
		{"data/marker.txt", marker + "\n"},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mvnMetadataVersions extracts <versions>, <latest> and <release> from a
// generated maven-metadata.xml (the tests' documents are simple enough for
// string matching; the XML is parsed by mvn in the client tests).
func mvnMetadataVersions(doc []byte) (versions []string, latest, release string) {
	s := string(doc)
	between := func(s, open, close string) (string, string, bool) {
		i := strings.Index(s, open)
		if i < 0 {
			return "", s, false
		}
		rest := s[i+len(open):]
		j := strings.Index(rest, close)
		if j < 0 {
			return "", s, false
		}
		return html.UnescapeString(strings.TrimSpace(rest[:j])), rest[j+len(close):], true
	}
	latest, _, _ = between(s, "<latest>", "</latest>")
	release, _, _ = between(s, "<release>", "</release>")
	block, _, _ := between(s, "<versions>", "</versions>")
	for {
		v, rest, ok := between(block, "<version>", "</version>")
		if !ok {
			return versions, latest, release
		}
		versions = append(versions, v)
		block = rest
	}
}

// ---- mvn ----

// mvnRequire finds mvn and Debian's packaged plugins. Without them the test
// is skipped, except in CI (CI set), where it fails.
func mvnRequire(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("mvn")
	if err == nil {
		if _, err = os.Stat(filepath.Join(mvnDebianRepo, "org/apache/maven/plugins/maven-deploy-plugin")); err != nil {
			err = fmt.Errorf("Debian's Maven plugins are missing: %w", err)
		}
	}
	if err != nil {
		msg := fmt.Sprintf("mvn and Debian's plugins are needed (apt-get install -y maven libmaven-deploy-plugin-java "+
			"libmaven-dependency-plugin-java libmaven-install-plugin-java libmaven-resources-plugin-java "+
			"libmaven-compiler-plugin-java libmaven-jar-plugin-java libsurefire-java maven-debian-helper): %v", err)
		if os.Getenv("CI") == "" {
			t.Skip(msg)
		}
		t.Fatal(msg + " (CI is set, so this is a failure)")
	}
	return path
}

// newSettings writes a settings.xml with its own empty local repository
// (under the test's temp dir): Maven Central is Debian's repository, and
// the artifactd repository is reached with user aws and the token. It
// returns the settings file and the local repository.
func (m *mavenRepo) newSettings(t testing.TB) (settings, localRepo string) {
	t.Helper()
	return m.newSettingsWithToken(t, m.token)
}

func (m *mavenRepo) newSettingsWithToken(t testing.TB, token string) (settings, localRepo string) {
	t.Helper()
	dir, err := os.MkdirTemp(m.work, "settings-")
	if err != nil {
		t.Fatal(err)
	}
	localRepo = filepath.Join(dir, "repository")
	esc := html.EscapeString
	central := func(kind string) string {
		return fmt.Sprintf(`<%[1]s>
          <id>central</id>
          <url>file://%[2]s</url>
          <releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases>
          <snapshots><enabled>false</enabled></snapshots>
        </%[1]s>`, kind, mvnDebianRepo)
	}
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <localRepository>%s</localRepository>
  <interactiveMode>false</interactiveMode>
  <servers>
    <server>
      <id>%s</id>
      <username>aws</username>
      <password>%s</password>
    </server>
  </servers>
  <profiles>
    <profile>
      <id>artifactd</id>
      <repositories>
        %s
        <repository>
          <id>%s</id>
          <url>%s</url>
          <releases><enabled>true</enabled></releases>
          <snapshots><enabled>true</enabled><updatePolicy>always</updatePolicy></snapshots>
        </repository>
      </repositories>
      <pluginRepositories>
        %s
      </pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles>
    <activeProfile>artifactd</activeProfile>
  </activeProfiles>
</settings>
`, esc(localRepo), mvnServerID, esc(token), central("repository"), mvnServerID, esc(m.endpoint), central("pluginRepository"))
	settings = filepath.Join(dir, "settings.xml")
	if err := os.WriteFile(settings, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return settings, localRepo
}

// mvnEnv is a clean environment for mvn: HOME in the work dir, no Maven
// options from the machine, a JVM tuned for short runs.
func (m *mavenRepo) mvnEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "MAVEN_") || k == "M2_HOME" || k == "HOME" || k == "JAVA_TOOL_OPTIONS" || k == "_JAVA_OPTIONS" {
			continue
		}
		env = append(env, kv)
	}
	home := filepath.Join(m.work, "home")
	os.MkdirAll(home, 0o755)
	return append(env, "HOME="+home, "MAVEN_OPTS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
}

// mvnTimeout bounds one mvn run (each takes a few seconds; the suite runs
// many tests at once on small machines).
const mvnTimeout = 3 * time.Minute

// mvn runs `mvn -B -s settings ARGS` in dir and returns its output and
// exit code.
func (m *mavenRepo) mvn(t testing.TB, settings, dir string, args ...string) (string, int) {
	t.Helper()
	bin := mvnRequire(t)
	ctx, cancel := context.WithTimeout(context.Background(), mvnTimeout)
	defer cancel()
	full := append([]string{"-B", "-ntp", "-s", settings}, args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Dir = dir
	cmd.Env = m.mvnEnv()
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	text := strings.ReplaceAll(string(out), m.token, "<token>")
	t.Logf("mvn %s (in %s): %v, %d lines of output", strings.Join(args, " "), filepath.Base(dir), time.Since(start).Round(time.Millisecond), strings.Count(text, "\n"))
	if ctx.Err() != nil {
		t.Fatalf("mvn %s: timed out after %v; last lines:\n%s", strings.Join(args, " "), mvnTimeout, mvnTail(text, 60))
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return text, ee.ExitCode()
		}
		t.Fatalf("running mvn %s: %v", strings.Join(args, " "), err)
	}
	return text, 0
}

// mvnOK runs mvn and fails the test (with the end of the output and of the
// server's log) unless it succeeds.
func (m *mavenRepo) mvnOK(t testing.TB, settings, dir string, args ...string) string {
	t.Helper()
	out, code := m.mvn(t, settings, dir, args...)
	if code != 0 {
		t.Fatalf("mvn %s: exit %d; last lines:\n%s\nserver log (end):\n%s", strings.Join(args, " "), code, mvnTail(out, 60), mvnTail(m.s.Logs(), 30))
	}
	return out
}

// mvnTail is the last n lines of s.
func mvnTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- projects ----

// mvnDep is a dependency (or a parent: Group, Artifact, Version).
type mvnDep struct {
	Group, Artifact, Version string
	Scope                    string
	Optional                 bool
}

// mvnProject is a small Maven project the tests write and build.
type mvnProject struct {
	Group, Artifact, Version string // Group and Version may be "" in a module (inherited)
	Packaging                string // "" = jar
	Parent                   *mvnDep
	Name, Description, URL   string
	License, LicenseURL      string
	SCM                      string // scm url
	Deps                     []mvnDep
	Modules                  []string
	Sources                  map[string]string // path under src/main/java → content
	Deploy                   string            // distributionManagement URL ("" = none)
}

func (p mvnProject) pom() string {
	esc := html.EscapeString
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	b.WriteString("<project xmlns=\"http://maven.apache.org/POM/4.0.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n")
	b.WriteString("         xsi:schemaLocation=\"http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd\">\n")
	b.WriteString("  <modelVersion>4.0.0</modelVersion>\n")
	if p.Parent != nil {
		fmt.Fprintf(&b, "  <parent>\n    <groupId>%s</groupId>\n    <artifactId>%s</artifactId>\n    <version>%s</version>\n  </parent>\n",
			p.Parent.Group, p.Parent.Artifact, p.Parent.Version)
	}
	if p.Group != "" {
		fmt.Fprintf(&b, "  <groupId>%s</groupId>\n", p.Group)
	}
	fmt.Fprintf(&b, "  <artifactId>%s</artifactId>\n", p.Artifact)
	if p.Version != "" {
		fmt.Fprintf(&b, "  <version>%s</version>\n", p.Version)
	}
	if p.Packaging != "" {
		fmt.Fprintf(&b, "  <packaging>%s</packaging>\n", p.Packaging)
	}
	if p.Name != "" {
		fmt.Fprintf(&b, "  <name>%s</name>\n", esc(p.Name))
	}
	if p.Description != "" {
		fmt.Fprintf(&b, "  <description>%s</description>\n", esc(p.Description))
	}
	if p.URL != "" {
		fmt.Fprintf(&b, "  <url>%s</url>\n", esc(p.URL))
	}
	if p.License != "" {
		fmt.Fprintf(&b, "  <licenses>\n    <license>\n      <name>%s</name>\n      <url>%s</url>\n    </license>\n  </licenses>\n", esc(p.License), esc(p.LicenseURL))
	}
	if p.SCM != "" {
		fmt.Fprintf(&b, "  <scm>\n    <url>%s</url>\n  </scm>\n", esc(p.SCM))
	}
	if p.Parent == nil {
		// Debian's compiler plugin 3.1 defaults to Java 5, which JDK 17 refuses.
		b.WriteString("  <properties>\n    <maven.compiler.source>1.8</maven.compiler.source>\n    <maven.compiler.target>1.8</maven.compiler.target>\n")
		b.WriteString("    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n  </properties>\n")
	}
	if len(p.Modules) > 0 {
		b.WriteString("  <modules>\n")
		for _, mod := range p.Modules {
			fmt.Fprintf(&b, "    <module>%s</module>\n", mod)
		}
		b.WriteString("  </modules>\n")
	}
	if len(p.Deps) > 0 {
		b.WriteString("  <dependencies>\n")
		for _, d := range p.Deps {
			fmt.Fprintf(&b, "    <dependency>\n      <groupId>%s</groupId>\n      <artifactId>%s</artifactId>\n      <version>%s</version>\n", d.Group, d.Artifact, d.Version)
			if d.Scope != "" {
				fmt.Fprintf(&b, "      <scope>%s</scope>\n", d.Scope)
			}
			if d.Optional {
				b.WriteString("      <optional>true</optional>\n")
			}
			b.WriteString("    </dependency>\n")
		}
		b.WriteString("  </dependencies>\n")
	}
	if p.Deploy != "" {
		fmt.Fprintf(&b, "  <distributionManagement>\n    <repository>\n      <id>%[1]s</id>\n      <url>%[2]s</url>\n    </repository>\n"+
			"    <snapshotRepository>\n      <id>%[1]s</id>\n      <url>%[2]s</url>\n    </snapshotRepository>\n  </distributionManagement>\n", mvnServerID, esc(p.Deploy))
	}
	b.WriteString("</project>\n")
	return b.String()
}

// write writes the project (pom.xml and sources) into dir.
func (p mvnProject) write(t testing.TB, dir string) {
	t.Helper()
	files := map[string]string{"pom.xml": p.pom()}
	for path, src := range p.Sources {
		files[filepath.Join("src", "main", "java", path)] = src
	}
	for path, body := range files {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// mvnClass is the source of a public class with the given body.
func mvnClass(pkg, class, imports, body string) (string, string) {
	return filepath.Join(strings.Split(pkg, ".")...) + "/" + class + ".java",
		fmt.Sprintf("package %s;\n\n%s\npublic class %s {\n%s\n}\n", pkg, imports, class, body)
}

// sources builds a Sources map from mvnClass results.
func mvnSources(pairs ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out[pairs[i]] = pairs[i+1]
	}
	return out
}

// projectDir makes a new folder for a project under the work dir.
func (m *mavenRepo) projectDir(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(m.work, "projects", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readFile reads a file or fails the test.
func mvnReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
