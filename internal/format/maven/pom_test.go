package maven

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

const fullPOM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.example</groupId>
    <artifactId>parent</artifactId>
    <version>7</version>
    <relativePath/>
  </parent>
  <groupId>org.example.app</groupId>
  <artifactId>demo</artifactId>
  <version>${revision}${changelist}</version>
  <packaging>jar</packaging>
  <name>Demo ${project.artifactId}</name>
  <description>
    A demo &amp; nothing more.
  </description>
  <url>https://example.org/${project.artifactId}/${project.version}</url>
  <licenses>
    <license>
      <name>Apache License, Version 2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0.txt</url>
      <distribution>repo</distribution>
    </license>
    <license><name>MIT</name></license>
    <license><comments>nothing useful</comments></license>
  </licenses>
  <scm>
    <connection>scm:git:https://github.com/example/demo.git</connection>
    <url>https://github.com/example/demo</url>
  </scm>
  <properties>
    <revision>1.2.0</revision>
    <changelist>-SNAPSHOT</changelist>
    <junit.version>5.10.0</junit.version>
    <guava.version>
      33.0-jre
    </guava.version>
    <with.nested><a>x</a></with.nested>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>managed</groupId>
        <artifactId>only</artifactId>
        <version>1</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>com.google.guava</groupId>
      <artifactId>guava</artifactId>
      <version>${guava.version}</version>
    </dependency>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>${junit.version}</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>${project.groupId}</groupId>
      <artifactId>demo-core</artifactId>
      <version>${project.version}</version>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>jakarta.servlet</groupId>
      <artifactId>jakarta.servlet-api</artifactId>
      <scope>provided</scope>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>[2.0,3.0)</version>
      <optional>true</optional>
    </dependency>
    <dependency>
      <groupId>sys</groupId>
      <artifactId>tools</artifactId>
      <version>1.0</version>
      <scope>system</scope>
      <systemPath>${java.home}/lib/tools.jar</systemPath>
      <optional>false</optional>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <dependencies>
          <dependency><groupId>plugin</groupId><artifactId>dep</artifactId></dependency>
        </dependencies>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <id>extra</id>
      <dependencies>
        <dependency><groupId>profile</groupId><artifactId>dep</artifactId></dependency>
      </dependencies>
    </profile>
  </profiles>
</project>
`

func TestParsePOMFull(t *testing.T) {
	got, err := ParsePOM([]byte(fullPOM))
	if err != nil {
		t.Fatal(err)
	}
	want := POM{
		GroupID: "org.example.app", ArtifactID: "demo", Version: "1.2.0-SNAPSHOT", Packaging: "jar",
		Name: "Demo demo", Description: "A demo & nothing more.", URL: "https://example.org/demo/1.2.0-SNAPSHOT",
		Licenses: []domain.License{
			{Name: "Apache License, Version 2.0", URL: "https://www.apache.org/licenses/LICENSE-2.0.txt"},
			{Name: "MIT"},
		},
		SCM:    "https://github.com/example/demo",
		Parent: &Coordinates{GroupID: "org.example", ArtifactID: "parent", Version: "7"},
		Dependencies: []domain.Dependency{
			{Namespace: "org.example", Package: "parent", VersionRequirement: "7", DependencyType: "parent"},
			{Namespace: "com.google.guava", Package: "guava", VersionRequirement: "33.0-jre", DependencyType: "compile"},
			{Namespace: "org.junit.jupiter", Package: "junit-jupiter", VersionRequirement: "5.10.0", DependencyType: "test"},
			{Namespace: "org.example.app", Package: "demo-core", VersionRequirement: "1.2.0-SNAPSHOT", DependencyType: "runtime"},
			{Namespace: "jakarta.servlet", Package: "jakarta.servlet-api", DependencyType: "provided"},
			{Namespace: "org.slf4j", Package: "slf4j-api", VersionRequirement: "[2.0,3.0)", DependencyType: "optional"},
			{Namespace: "sys", Package: "tools", VersionRequirement: "1.0", DependencyType: "system"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n  %+v\nwant\n  %+v", got, want)
		if !reflect.DeepEqual(got.Dependencies, want.Dependencies) {
			t.Errorf("dependencies:\n  %+v\nwant\n  %+v", got.Dependencies, want.Dependencies)
		}
	}
}

func TestParsePOM(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     POM
	}{
		{"minimal, no name space", `<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version></project>`,
			POM{GroupID: "g", ArtifactID: "a", Version: "1"}},
		{"inherits groupId and version", `<project>
  <parent><groupId>org.p</groupId><artifactId>p</artifactId><version>2.0</version></parent>
  <artifactId>child</artifactId>
  <name>${project.groupId}:${project.artifactId}:${project.version}</name>
  <url>${pom.version}/${version}/${project.parent.version}/${parent.groupId}/${groupId}/${artifactId}</url>
</project>`, POM{GroupID: "org.p", ArtifactID: "child", Version: "2.0", Name: "org.p:child:2.0", URL: "2.0/2.0/2.0/org.p/org.p/child",
			Parent:       &Coordinates{GroupID: "org.p", ArtifactID: "p", Version: "2.0"},
			Dependencies: []domain.Dependency{{Namespace: "org.p", Package: "p", VersionRequirement: "2.0", DependencyType: "parent"}}}},
		{"own values win over the parent's", `<project>
  <parent><groupId>org.p</groupId><artifactId>p</artifactId><version>2.0</version></parent>
  <groupId>org.c</groupId><artifactId>c</artifactId><version>3.0</version>
  <name>${project.parent.version} ${project.version}</name>
</project>`, POM{GroupID: "org.c", ArtifactID: "c", Version: "3.0", Name: "2.0 3.0",
			Parent:       &Coordinates{GroupID: "org.p", ArtifactID: "p", Version: "2.0"},
			Dependencies: []domain.Dependency{{Namespace: "org.p", Package: "p", VersionRequirement: "2.0", DependencyType: "parent"}}}},
		{"ci-friendly parent version", `<project>
  <parent><groupId>g</groupId><artifactId>p</artifactId><version>${revision}</version></parent>
  <artifactId>c</artifactId>
  <properties><revision>4.1</revision></properties>
</project>`, POM{GroupID: "g", ArtifactID: "c", Version: "4.1",
			Parent:       &Coordinates{GroupID: "g", ArtifactID: "p", Version: "4.1"},
			Dependencies: []domain.Dependency{{Namespace: "g", Package: "p", VersionRequirement: "4.1", DependencyType: "parent"}}}},
		{"model values before properties, properties before bare names", `<project>
  <groupId>g</groupId><artifactId>a</artifactId><version>1</version>
  <properties><project.version>nope</project.version><version>prop</version></properties>
  <name>${project.version} ${version}</name>
</project>`, POM{GroupID: "g", ArtifactID: "a", Version: "1", Name: "1 prop"}},
		{"unresolvable stays as written", `<project>
  <groupId>g</groupId><artifactId>a</artifactId><version>${missing}</version>
  <name>${env.HOME} ${project.description} ${ broken ${x</name>
  <description>${settings.localRepository}</description>
</project>`, POM{GroupID: "g", ArtifactID: "a", Version: "${missing}",
			Name: "${env.HOME} ${settings.localRepository} ${ broken ${x", Description: "${settings.localRepository}"}},
		{"cycles stay as written", `<project>
  <groupId>g</groupId><artifactId>a</artifactId><version>${project.version}</version>
  <properties><a>${b}</a><b>${a}</b><c>x${c}</c></properties>
  <name>${a}|${c}</name>
</project>`, POM{GroupID: "g", ArtifactID: "a", Version: "${project.version}", Name: "${a}|x${c}"}},
		{"packaging default for references only", `<project><artifactId>a</artifactId><name>${project.packaging}</name></project>`,
			POM{ArtifactID: "a", Name: "jar"}},
		{"scm connection prefixes", `<project><scm><connection>scm:git:git@github.com:ex/demo.git</connection></scm></project>`,
			POM{SCM: "git@github.com:ex/demo.git"}},
		{"scm pipe delimiter", `<project><scm><connection>scm|svn|http://svn.example.org/repo</connection></scm></project>`,
			POM{SCM: "http://svn.example.org/repo"}},
		{"scm without prefix", `<project><scm><connection>https://example.org/r.git</connection></scm></project>`,
			POM{SCM: "https://example.org/r.git"}},
		{"scm developer connection only", `<project><scm><developerConnection>scm:git:x</developerConnection></scm></project>`, POM{}},
		{"scm url property", `<project><artifactId>a</artifactId><scm><url>https://h/${project.artifactId}</url></scm></project>`,
			POM{ArtifactID: "a", SCM: "https://h/a"}},
		{"empty parent", `<project><parent/><artifactId>a</artifactId></project>`, POM{ArtifactID: "a", Parent: &Coordinates{},
			Dependencies: []domain.Dependency{{DependencyType: "parent"}}}},
		{"optional wins over scope, case-insensitively", `<project><dependencies>
  <dependency><groupId>g</groupId><artifactId>x</artifactId><scope>test</scope><optional>TRUE</optional></dependency>
  <dependency><groupId>g</groupId><artifactId>y</artifactId><scope>${s}</scope><optional>${o}</optional></dependency>
</dependencies><properties><s>runtime</s><o>false</o></properties></project>`, POM{Dependencies: []domain.Dependency{
			{Namespace: "g", Package: "x", DependencyType: "optional"},
			{Namespace: "g", Package: "y", DependencyType: "runtime"},
		}}},
		{"latin-1 POM", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project><name>Andr\xe9</name></project>",
			POM{Name: "André"}},
		{"comments and processing instructions", `<?xml version="1.0"?><!-- c --><project><!-- c --><name>n<!-- c -->m</name></project>`,
			POM{Name: "nm"}},
	} {
		got, err := ParsePOM([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got\n  %+v\nwant\n  %+v", tc.name, got, tc.want)
		}
	}
}

func TestParsePOMErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, msg string }{
		{"empty", "", "no root element"},
		{"doctype with entities", `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<project><name>&lol2;</name></project>`, "DOCTYPE"},
		{"external entity", `<!DOCTYPE project SYSTEM "file:///etc/passwd"><project/>`, "DOCTYPE"},
		{"undeclared entity", `<project><name>&nbsp;</name></project>`, "entity"},
		{"metadata is not a POM", `<metadata><groupId>g</groupId></metadata>`, "root element is <metadata>"},
		{"truncated", `<project><dependencies><dependency>`, "unexpected EOF"},
		{"unsupported encoding", `<?xml version="1.0" encoding="UTF-16"?><project/>`, "UTF-16"},
		{"too large", "<project>" + strings.Repeat(" ", mdxmlMaxDocument) + "</project>", "larger than"},
	} {
		_, err := ParsePOM([]byte(tc.in))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "invalid POM: ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q, want one containing %q", tc.name, err, tc.msg)
		}
	}
}

// Properties that refer to each other many times over must neither hang
// nor exhaust memory: past a budget the values stay as written.
func TestParsePOMExpansionBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("<project><properties><p0>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</p0>")
	for i := 1; i < 40; i++ {
		ref := "${p" + strconv.Itoa(i-1) + "}"
		b.WriteString("<p" + strconv.Itoa(i) + ">" + strings.Repeat(ref, 10) + "</p" + strconv.Itoa(i) + ">")
	}
	b.WriteString("</properties><name>${p39}</name><description>${p2}</description><url>${p39}${p39}</url></project>")
	start := time.Now()
	p, err := ParsePOM([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if p.Name != "${p39}" {
		t.Errorf("name expanded to %d bytes", len(p.Name))
	}
	if len(p.Description) > pomMaxExpansion || len(p.URL) > pomMaxExpansion {
		t.Errorf("expansion exceeded the budget: %d, %d", len(p.Description), len(p.URL))
	}
}

func TestStripSCMPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"scm:git:https://github.com/x/y.git": "https://github.com/x/y.git",
		"scm:svn:http://svn/x":               "http://svn/x",
		"SCM:hg:http://hg/x":                 "http://hg/x",
		"scm|git|https://x":                  "https://x",
		"scm:git":                            "scm:git",
		"scm:":                               "scm:",
		"https://x":                          "https://x",
		"":                                   "",
		"scmx:git:y":                         "scmx:git:y",
	} {
		if got := pomStripSCM(in); got != want {
			t.Errorf("pomStripSCM(%q) = %q, want %q", in, got, want)
		}
	}
}
