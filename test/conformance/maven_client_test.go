package conformance

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// mvnLibProject is com.example:lib:VERSION, a class using commons-lang3,
// with POM metadata and dependencies of every scope, deployed to endpoint.
// extra goes into the class body (to vary the bytes).
func mvnLibProject(endpoint, version, extra string) mvnProject {
	path, src := mvnClass("com.example.lib", "Greeter", "import org.apache.commons.lang3.StringUtils;\n",
		`    public static String greet(String name) { return "Hello, " + StringUtils.capitalize(name); }`+"\n"+extra)
	return mvnProject{
		Group: "com.example", Artifact: "lib", Version: version,
		Name: "Example Library", Description: "A small library for the Maven tests",
		URL: "https://example.com/lib", License: "Apache-2.0", LicenseURL: "https://www.apache.org/licenses/LICENSE-2.0",
		SCM: "https://github.com/example/lib",
		Deps: []mvnDep{
			{Group: "org.apache.commons", Artifact: "commons-lang3", Version: "3.12.0"},
			{Group: "junit", Artifact: "junit", Version: "4.13.2", Scope: "test"},
			{Group: "commons-io", Artifact: "commons-io", Version: "2.11.0", Scope: "runtime"},
			{Group: "commons-codec", Artifact: "commons-codec", Version: "1.15", Scope: "provided"},
			{Group: "org.apache.commons", Artifact: "commons-text", Version: "1.10.0", Optional: true},
		},
		Sources: mvnSources(path, src),
		Deploy:  endpoint,
	}
}

// mvnDeployLib deploys com.example:lib:1.0 and returns its jar and POM.
func (m *mavenRepo) deployLib(t *testing.T, settings string) (jar, pom []byte) {
	t.Helper()
	dir := m.projectDir(t, "lib")
	mvnLibProject(m.endpoint, "1.0", "").write(t, dir)
	m.mvnOK(t, settings, dir, "deploy")
	return mvnReadFile(t, filepath.Join(dir, "target", "lib-1.0.jar")), mvnReadFile(t, filepath.Join(dir, "pom.xml"))
}

// TestMavenDeployRelease deploys a release with the real mvn, checks what
// the control plane shows, fetches it with dependency:get into a fresh
// local repository, and fails to overwrite it with other bytes.
func TestMavenDeployRelease(t *testing.T) {
	t.Parallel()
	mvnRequire(t)
	m := newMavenRepo(t)
	ctx := context.Background()
	settings, _ := m.newSettings(t)
	jar, pom := m.deployLib(t, settings)

	t.Run("control plane", func(t *testing.T) {
		if got := m.versions(t, "com.example", "lib"); len(got) != 1 || got["1.0"] != types.PackageVersionStatusPublished {
			t.Errorf("ListPackageVersions = %v, want 1.0 Published", got)
		}
		if got := m.packages(t); strings.Join(got, " ") != "maven:com.example:lib" {
			t.Errorf("ListPackages = %v", got)
		}
		m.expectAssets(t, "com.example", "lib", "1.0", map[string][]byte{"lib-1.0.jar": jar, "lib-1.0.pom": pom})

		d, r, f, ns, p := m.coords("com.example", "lib")
		dv, err := m.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, PackageVersion: aws.String("1.0")})
		if err != nil {
			t.Fatal(err)
		}
		v := dv.PackageVersion
		if aws.ToString(v.Namespace) != "com.example" || aws.ToString(v.PackageName) != "lib" || v.Format != types.PackageFormatMaven || v.Status != types.PackageVersionStatusPublished {
			t.Errorf("version = %s:%s %s %s", aws.ToString(v.Namespace), aws.ToString(v.PackageName), v.Format, v.Status)
		}
		if aws.ToString(v.Summary) != "A small library for the Maven tests" || aws.ToString(v.HomePage) != "https://example.com/lib" ||
			aws.ToString(v.SourceCodeRepository) != "https://github.com/example/lib" {
			t.Errorf("summary %q homePage %q sourceCodeRepository %q", aws.ToString(v.Summary), aws.ToString(v.HomePage), aws.ToString(v.SourceCodeRepository))
		}
		if len(v.Licenses) != 1 || aws.ToString(v.Licenses[0].Name) != "Apache-2.0" || aws.ToString(v.Licenses[0].Url) != "https://www.apache.org/licenses/LICENSE-2.0" {
			var ls []string
			for _, l := range v.Licenses {
				ls = append(ls, aws.ToString(l.Name)+" "+aws.ToString(l.Url))
			}
			t.Errorf("licenses = %q", ls)
		}

		ld, err := m.c.ListPackageVersionDependencies(ctx, &codeartifact.ListPackageVersionDependenciesInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, PackageVersion: aws.String("1.0")})
		if err != nil {
			t.Fatal(err)
		}
		var deps []string
		for _, dep := range ld.Dependencies {
			deps = append(deps, aws.ToString(dep.Namespace)+":"+aws.ToString(dep.Package)+"|"+aws.ToString(dep.DependencyType)+"|"+aws.ToString(dep.VersionRequirement))
		}
		sort.Strings(deps)
		want := []string{
			"commons-codec:commons-codec|provided|1.15",
			"commons-io:commons-io|runtime|2.11.0",
			"junit:junit|test|4.13.2",
			"org.apache.commons:commons-lang3|compile|3.12.0",
			"org.apache.commons:commons-text|optional|1.10.0",
		}
		if strings.Join(deps, "\n") != strings.Join(want, "\n") {
			t.Errorf("dependencies:\n%s\nwant:\n%s", strings.Join(deps, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("generated metadata lists the release", func(t *testing.T) {
		resp, body := m.get(t, "com/example/lib/maven-metadata.xml")
		versions, latest, release := mvnMetadataVersions(body)
		if resp.StatusCode != http.StatusOK || strings.Join(versions, ",") != "1.0" || latest != "1.0" || release != "1.0" {
			t.Errorf("maven-metadata.xml: %d versions %v latest %q release %q\n%s", resp.StatusCode, versions, latest, release, body)
		}
	})

	t.Run("dependency:get into a fresh local repository", func(t *testing.T) {
		settings2, local := m.newSettings(t)
		m.mvnOK(t, settings2, m.projectDir(t, "get"), "dependency:get", "-Dartifact=com.example:lib:1.0")
		if got := mvnReadFile(t, filepath.Join(local, "com/example/lib/1.0/lib-1.0.jar")); !bytes.Equal(got, jar) {
			t.Errorf("the fetched jar differs from the deployed one (%d vs %d bytes)", len(got), len(jar))
		}
		if got := mvnReadFile(t, filepath.Join(local, "com/example/lib/1.0/lib-1.0.pom")); !bytes.Equal(got, pom) {
			t.Errorf("the fetched POM differs from the deployed one:\n%s", got)
		}
		// The POM's compile dependency came along (from Debian's repository).
		if _, err := os.Stat(filepath.Join(local, "org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.jar")); err != nil {
			t.Errorf("transitive dependency not resolved: %v", err)
		}
	})

	t.Run("redeploying the release with other bytes fails", func(t *testing.T) {
		dir := m.projectDir(t, "lib-changed")
		mvnLibProject(m.endpoint, "1.0", "    public static int changed() { return 2; }").write(t, dir)
		out, code := m.mvn(t, settings, dir, "deploy")
		if code == 0 {
			t.Fatalf("mvn deploy of changed bytes under 1.0 succeeded:\n%s", mvnTail(out, 40))
		}
		if !strings.Contains(out, "409") {
			t.Errorf("mvn's failure does not show the 409:\n%s", mvnTail(out, 40))
		}
		m.expectAssets(t, "com.example", "lib", "1.0", map[string][]byte{"lib-1.0.jar": jar, "lib-1.0.pom": pom})
		if resp, got := m.get(t, "com/example/lib/1.0/lib-1.0.jar"); resp.StatusCode != http.StatusOK || !bytes.Equal(got, jar) {
			t.Errorf("after the refused redeploy: GET jar %d, %d bytes, equal to the original: %v", resp.StatusCode, len(got), bytes.Equal(got, jar))
		}
		if got := m.versions(t, "com.example", "lib"); len(got) != 1 || got["1.0"] != types.PackageVersionStatusPublished {
			t.Errorf("ListPackageVersions after the refused redeploy = %v", got)
		}
	})
}

// mvnSnapProject is com.example:snap:1.0-SNAPSHOT with the given methods.
func mvnSnapProject(endpoint string, methods ...string) mvnProject {
	var body []string
	for _, name := range methods {
		body = append(body, "    public static String "+name+"() { return \""+name+"\"; }")
	}
	path, src := mvnClass("com.example.snap", "Snap", "", strings.Join(body, "\n"))
	return mvnProject{Group: "com.example", Artifact: "snap", Version: "1.0-SNAPSHOT", Description: "snapshots",
		Sources: mvnSources(path, src), Deploy: endpoint}
}

// mvnSnapshotValue reads the build named by a version-level
// maven-metadata.xml for extension ext ("1.0-20261201.101010-1").
func mvnSnapshotValue(doc []byte, ext string) string {
	re := regexp.MustCompile(`<snapshotVersion>\s*(?:<classifier>[^<]*</classifier>\s*)?<extension>` + regexp.QuoteMeta(ext) + `</extension>\s*<value>([^<]+)</value>`)
	if m := re.FindSubmatch(doc); m != nil {
		return string(m[1])
	}
	return ""
}

var mvnBuildVersion = regexp.MustCompile(`^1\.0-\d{8}\.\d{6}-(\d+)$`)

// TestMavenSnapshotsAndConsumer deploys a release and two builds of a
// SNAPSHOT with the real mvn: the newer build is 1.0-SNAPSHOT, the older
// one an Unlisted version still downloadable by its timestamped name; then
// a consumer compiles against both from a fresh local repository.
func TestMavenSnapshotsAndConsumer(t *testing.T) {
	t.Parallel()
	mvnRequire(t)
	m := newMavenRepo(t)
	settings, _ := m.newSettings(t)
	libJar, _ := m.deployLib(t, settings)

	dir := m.projectDir(t, "snap")
	mvnSnapProject(m.endpoint, "build1").write(t, dir)
	m.mvnOK(t, settings, dir, "deploy")
	jar1 := mvnReadFile(t, filepath.Join(dir, "target", "snap-1.0-SNAPSHOT.jar"))
	resp, meta1 := m.get(t, "com/example/snap/1.0-SNAPSHOT/maven-metadata.xml")
	build1 := mvnSnapshotValue(meta1, "jar")
	if resp.StatusCode != http.StatusOK || !mvnBuildVersion.MatchString(build1) || !strings.HasSuffix(build1, "-1") {
		t.Fatalf("version-level metadata after the first deploy: %d, jar build %q\n%s", resp.StatusCode, build1, meta1)
	}

	mvnSnapProject(m.endpoint, "build1", "build2").write(t, dir)
	m.mvnOK(t, settings, dir, "deploy")
	jar2 := mvnReadFile(t, filepath.Join(dir, "target", "snap-1.0-SNAPSHOT.jar"))
	pom := mvnReadFile(t, filepath.Join(dir, "pom.xml"))
	if bytes.Equal(jar1, jar2) {
		t.Fatal("the two builds made identical jars")
	}
	resp, meta2 := m.get(t, "com/example/snap/1.0-SNAPSHOT/maven-metadata.xml")
	build2 := mvnSnapshotValue(meta2, "jar")
	if resp.StatusCode != http.StatusOK || !mvnBuildVersion.MatchString(build2) || !strings.HasSuffix(build2, "-2") ||
		mvnSnapshotValue(meta2, "pom") != build2 {
		t.Fatalf("version-level metadata after the second deploy: %d, jar build %q\n%s", resp.StatusCode, build2, meta2)
	}
	ts2 := strings.TrimPrefix(build2, "1.0-")
	if !strings.Contains(string(meta2), "<timestamp>"+strings.TrimSuffix(ts2, "-2")+"</timestamp>") || !strings.Contains(string(meta2), "<buildNumber>2</buildNumber>") {
		t.Errorf("version-level metadata does not name the current build in <snapshot>:\n%s", meta2)
	}

	t.Run("control plane", func(t *testing.T) {
		got := m.versions(t, "com.example", "snap")
		want := map[string]types.PackageVersionStatus{"1.0-SNAPSHOT": types.PackageVersionStatusPublished, build1: types.PackageVersionStatusUnlisted}
		if len(got) != len(want) || got["1.0-SNAPSHOT"] != want["1.0-SNAPSHOT"] || got[build1] != want[build1] {
			t.Errorf("ListPackageVersions = %v, want %v", got, want)
		}
		m.expectAssets(t, "com.example", "snap", build1, map[string][]byte{"snap-" + build1 + ".jar": jar1, "snap-" + build1 + ".pom": pom})
		m.expectAssets(t, "com.example", "snap", "1.0-SNAPSHOT", map[string][]byte{"snap-" + build2 + ".jar": jar2, "snap-" + build2 + ".pom": pom})
	})

	t.Run("the older build downloads by its timestamped name", func(t *testing.T) {
		for _, rel := range []string{
			"com/example/snap/1.0-SNAPSHOT/snap-" + build1 + ".jar",
			"com/example/snap/" + build1 + "/snap-" + build1 + ".jar",
		} {
			if resp, got := m.get(t, rel); resp.StatusCode != http.StatusOK || !bytes.Equal(got, jar1) {
				t.Errorf("GET %s: %d, %d bytes, equal to the first build: %v", rel, resp.StatusCode, len(got), bytes.Equal(got, jar1))
			}
		}
		rel := "com/example/snap/1.0-SNAPSHOT/snap-" + build2 + ".jar"
		if resp, got := m.get(t, rel); resp.StatusCode != http.StatusOK || !bytes.Equal(got, jar2) {
			t.Errorf("GET %s: %d, %d bytes, equal to the second build: %v", rel, resp.StatusCode, len(got), bytes.Equal(got, jar2))
		}
	})

	t.Run("a consumer compiles against the release and the SNAPSHOT", func(t *testing.T) {
		settings2, local := m.newSettings(t)
		path, src := mvnClass("com.example.app", "App", "import com.example.lib.Greeter;\nimport com.example.snap.Snap;\n",
			`    public static void main(String[] args) { System.out.println(Greeter.greet("maven") + Snap.build2()); }`)
		app := mvnProject{Group: "com.example", Artifact: "app", Version: "0.1",
			Deps: []mvnDep{
				{Group: "com.example", Artifact: "lib", Version: "1.0"},
				{Group: "com.example", Artifact: "snap", Version: "1.0-SNAPSHOT"},
			},
			Sources: mvnSources(path, src)}
		adir := m.projectDir(t, "app")
		app.write(t, adir)
		// Snap.build2 exists in the second build only.
		m.mvnOK(t, settings2, adir, "compile")
		if _, err := os.Stat(filepath.Join(adir, "target/classes/com/example/app/App.class")); err != nil {
			t.Errorf("App.class: %v", err)
		}
		if got := mvnReadFile(t, filepath.Join(local, "com/example/lib/1.0/lib-1.0.jar")); !bytes.Equal(got, libJar) {
			t.Errorf("the consumer's copy of lib-1.0.jar differs from the deployed one")
		}
		if got := mvnReadFile(t, filepath.Join(local, "com/example/snap/1.0-SNAPSHOT/snap-"+build2+".jar")); !bytes.Equal(got, jar2) {
			t.Errorf("the consumer's copy of the SNAPSHOT is not the second build")
		}
	})
}

// TestMavenDeployFileClassifiers deploys a jar with sources and javadoc
// with deploy:deploy-file: every file is an asset of the version.
func TestMavenDeployFileClassifiers(t *testing.T) {
	t.Parallel()
	mvnRequire(t)
	m := newMavenRepo(t)
	settings, _ := m.newSettings(t)
	dir := m.projectDir(t, "files")
	files := map[string][]byte{
		"files-2.0.jar":         mvnJar(t, "main"),
		"files-2.0-sources.jar": mvnJar(t, "sources"),
		"files-2.0-javadoc.jar": mvnJar(t, "javadoc"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m.mvnOK(t, settings, dir, "deploy:deploy-file",
		"-Dfile="+filepath.Join(dir, "files-2.0.jar"),
		"-Dsources="+filepath.Join(dir, "files-2.0-sources.jar"),
		"-Djavadoc="+filepath.Join(dir, "files-2.0-javadoc.jar"),
		"-DgroupId=com.example", "-DartifactId=files", "-Dversion=2.0", "-Dpackaging=jar",
		"-Durl="+m.endpoint, "-DrepositoryId="+mvnServerID)

	if got := m.versions(t, "com.example", "files"); len(got) != 1 || got["2.0"] != types.PackageVersionStatusPublished {
		t.Errorf("ListPackageVersions = %v, want 2.0 Published", got)
	}
	// deploy-file generated the POM: take it from the server.
	resp, pom := m.get(t, "com/example/files/2.0/files-2.0.pom")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(pom), "<artifactId>files</artifactId>") {
		t.Fatalf("GET the generated POM: %d\n%s", resp.StatusCode, pom)
	}
	want := map[string][]byte{"files-2.0.pom": pom}
	for name, b := range files {
		want[name] = b
		if resp, got := m.get(t, "com/example/files/2.0/"+name); resp.StatusCode != http.StatusOK || !bytes.Equal(got, b) {
			t.Errorf("GET %s: %d, equal: %v", name, resp.StatusCode, bytes.Equal(got, b))
		}
	}
	m.expectAssets(t, "com.example", "files", "2.0", want)
}

// TestMavenMultiModule deploys a parent with two modules (the second
// depends on the first, both inherit groupId and version), then a
// consumer compiles against the second module.
func TestMavenMultiModule(t *testing.T) {
	t.Parallel()
	mvnRequire(t)
	m := newMavenRepo(t)
	ctx := context.Background()
	settings, _ := m.newSettings(t)
	root := m.projectDir(t, "multi")
	parent := &mvnDep{Group: "com.example", Artifact: "multi-parent", Version: "1.0"}
	mvnProject{Group: "com.example", Artifact: "multi-parent", Version: "1.0", Packaging: "pom",
		Description: "the parent", Modules: []string{"multi-a", "multi-b"}, Deploy: m.endpoint}.write(t, root)
	pa, sa := mvnClass("com.example.multi.a", "A", "", `    public static int answer() { return 42; }`)
	mvnProject{Artifact: "multi-a", Parent: parent, Description: "module a", Sources: mvnSources(pa, sa)}.write(t, filepath.Join(root, "multi-a"))
	pb, sb := mvnClass("com.example.multi.b", "B", "import com.example.multi.a.A;\n", `    public static int twice() { return 2 * A.answer(); }`)
	mvnProject{Artifact: "multi-b", Parent: parent, Description: "module b",
		Deps:    []mvnDep{{Group: "com.example", Artifact: "multi-a", Version: "1.0"}},
		Sources: mvnSources(pb, sb)}.write(t, filepath.Join(root, "multi-b"))
	m.mvnOK(t, settings, root, "deploy")

	for _, a := range []string{"multi-parent", "multi-a", "multi-b"} {
		if got := m.versions(t, "com.example", a); len(got) != 1 || got["1.0"] != types.PackageVersionStatusPublished {
			t.Errorf("%s: ListPackageVersions = %v, want 1.0 Published", a, got)
		}
	}
	m.expectAssets(t, "com.example", "multi-parent", "1.0", map[string][]byte{"multi-parent-1.0.pom": mvnReadFile(t, filepath.Join(root, "pom.xml"))})
	for _, a := range []string{"multi-a", "multi-b"} {
		m.expectAssets(t, "com.example", a, "1.0", map[string][]byte{
			a + "-1.0.jar": mvnReadFile(t, filepath.Join(root, a, "target", a+"-1.0.jar")),
			a + "-1.0.pom": mvnReadFile(t, filepath.Join(root, a, "pom.xml")),
		})
	}
	d, r, f, ns, p := m.coords("com.example", "multi-b")
	ld, err := m.c.ListPackageVersionDependencies(ctx, &codeartifact.ListPackageVersionDependenciesInput{Domain: d, Repository: r, Format: f, Namespace: ns, Package: p, PackageVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	var deps []string
	for _, dep := range ld.Dependencies {
		deps = append(deps, aws.ToString(dep.Namespace)+":"+aws.ToString(dep.Package)+"|"+aws.ToString(dep.DependencyType)+"|"+aws.ToString(dep.VersionRequirement))
	}
	sort.Strings(deps)
	if want := "com.example:multi-a|compile|1.0\ncom.example:multi-parent|parent|1.0"; strings.Join(deps, "\n") != want {
		t.Errorf("multi-b dependencies:\n%s\nwant:\n%s", strings.Join(deps, "\n"), want)
	}

	settings2, local := m.newSettings(t)
	path, src := mvnClass("com.example.use", "Use", "import com.example.multi.a.A;\nimport com.example.multi.b.B;\n",
		`    public static int value() { return B.twice() + A.answer(); }`)
	use := m.projectDir(t, "use")
	mvnProject{Group: "com.example", Artifact: "use", Version: "0.1",
		Deps: []mvnDep{{Group: "com.example", Artifact: "multi-b", Version: "1.0"}}, Sources: mvnSources(path, src)}.write(t, use)
	m.mvnOK(t, settings2, use, "compile")
	// multi-b's POM named its parent: the consumer fetched it from artifactd.
	for _, rel := range []string{"com/example/multi-parent/1.0/multi-parent-1.0.pom", "com/example/multi-a/1.0/multi-a-1.0.jar", "com/example/multi-b/1.0/multi-b-1.0.jar"} {
		if _, err := os.Stat(filepath.Join(local, rel)); err != nil {
			t.Errorf("the consumer's local repository lacks %s: %v", rel, err)
		}
	}
}
