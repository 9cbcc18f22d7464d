// Package mavenrepo generates a static folder in Maven's repository layout,
// standing in for a public Maven repository in tests and benchmarks: a
// dependency tree of artifacts whose POMs depend on one another, so that a
// consumer of the root resolves every artifact transitively.
//
// Every artifact has its own groupId (org.standin.libN) and artifactId
// (libN). Its newest version's jar holds META-INF/MANIFEST.MF, one valid
// (empty) class file org/standin/libN/LibN.class that a consumer can name
// in its source, and incompressible filler entries up to a size drawn
// between Options.MinSize and Options.MaxSize (log-uniform: many small jars,
// a few large ones). Some artifacts also have an older version, listed in
// their maven-metadata.xml but not depended on by anything. Every file has
// its .sha1 and .md5 beside it (lowercase hex, as the public repositories
// write them). The output depends only on the options: the same options
// give the same bytes.
package mavenrepo

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"html"
	"math"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options says what to generate. Zero fields take the defaults.
type Options struct {
	Count    int    // artifacts in the tree (default 10)
	Seed     uint64 // drives the tree's shape, versions and sizes (default 1)
	MinSize  int    // smallest jar in bytes (default 5 KB)
	MaxSize  int    // largest jar in bytes (default 2 MB)
	MaxDeps  int    // most dependencies a POM declares (default 3)
	TwoEvery int    // every TwoEvery-th artifact also has an older version (default 3; <0: none)
}

func (o Options) withDefaults() Options {
	if o.Count <= 0 {
		o.Count = 10
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.MinSize <= 0 {
		o.MinSize = 5 << 10
	}
	if o.MaxSize <= 0 {
		o.MaxSize = 2 << 20
	}
	if o.MaxSize < o.MinSize {
		o.MaxSize = o.MinSize
	}
	if o.MaxDeps <= 0 {
		o.MaxDeps = 3
	}
	if o.TwoEvery == 0 {
		o.TwoEvery = 3
	}
	return o
}

// Coord is a Maven artifact's coordinates.
type Coord struct {
	GroupID, ArtifactID, Version string
}

// String is groupId:artifactId:version.
func (c Coord) String() string { return c.GroupID + ":" + c.ArtifactID + ":" + c.Version }

// ArtifactDir is the artifact's folder, groupId/as/path/artifactId.
func (c Coord) ArtifactDir() string {
	return strings.ReplaceAll(c.GroupID, ".", "/") + "/" + c.ArtifactID
}

// Dir is the version's folder, {ArtifactDir}/{version}.
func (c Coord) Dir() string { return c.ArtifactDir() + "/" + c.Version }

// FileName is artifactId-version.ext.
func (c Coord) FileName(ext string) string { return c.ArtifactID + "-" + c.Version + "." + ext }

// Path is the file's path in the repository, {Dir}/{FileName}.
func (c Coord) Path(ext string) string { return c.Dir() + "/" + c.FileName(ext) }

// Class is the fully qualified name of the class in the artifact's jar.
func (c Coord) Class() string {
	pkg := c.GroupID
	return pkg + "." + strings.ToUpper(c.ArtifactID[:1]) + c.ArtifactID[1:]
}

// Artifact is one groupId:artifactId of the tree.
type Artifact struct {
	GroupID, ArtifactID string
	Versions            []string // ascending; the last is the one the tree depends on
	Deps                []Coord  // what every version's POM depends on (compile scope)
	JarSize             int      // size of the newest version's jar
}

// Latest is the coordinates of the newest version.
func (a Artifact) Latest() Coord {
	return Coord{a.GroupID, a.ArtifactID, a.Versions[len(a.Versions)-1]}
}

// File is one file written, with its digests (lowercase hex). Checksum
// files (.sha1, .md5) are not listed.
type File struct {
	Path                      string // slash-separated, relative to the folder
	Size                      int64
	MD5, SHA1, SHA256, SHA512 string
}

// Tree is what Generate wrote.
type Tree struct {
	Dir       string
	Artifacts []Artifact // Artifacts[0] is the root
	Files     []File     // every file (jars, POMs, maven-metadata.xml), by path
	// Root is what a consumer depends on: it resolves every artifact's
	// newest version, and nothing else.
	Root Coord
}

// Resolved is every coordinate a consumer of Root resolves (each
// artifact's newest version), root first.
func (t *Tree) Resolved() []Coord {
	var cs []Coord
	for _, a := range t.Artifacts {
		cs = append(cs, a.Latest())
	}
	return cs
}

// File finds a file by path.
func (t *Tree) File(p string) (File, bool) {
	i, ok := slices.BinarySearchFunc(t.Files, p, func(f File, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return File{}, false
	}
	return t.Files[i], true
}

// TotalSize is the sum of the files' sizes.
func (t *Tree) TotalSize() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Size
	}
	return n
}

// Fixed is the modification time of every zip entry and the lastUpdated of
// every maven-metadata.xml.
var Fixed = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// Generate writes the tree into dir (created if missing).
func Generate(dir string, opts Options) (*Tree, error) {
	o := opts.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x6d6176656e))
	t := &Tree{Dir: dir}
	width := len(fmt.Sprint(o.Count - 1))
	if width < 3 {
		width = 3
	}
	for i := range o.Count {
		name := fmt.Sprintf("lib%0*d", width, i)
		a := Artifact{GroupID: "org.standin." + name, ArtifactID: name}
		major := 1 + rng.IntN(3)
		minor := rng.IntN(10)
		if o.TwoEvery > 0 && i%o.TwoEvery == o.TwoEvery-1 {
			a.Versions = append(a.Versions, fmt.Sprintf("%d.%d.0", major, minor))
			minor++
		}
		a.Versions = append(a.Versions, fmt.Sprintf("%d.%d.%d", major, minor, rng.IntN(5)))
		// log-uniform between MinSize and MaxSize
		lo, hi := math.Log(float64(o.MinSize)), math.Log(float64(o.MaxSize))
		a.JarSize = int(math.Exp(lo + rng.Float64()*(hi-lo)))
		t.Artifacts = append(t.Artifacts, a)
	}
	// Each artifact after the first has a parent before it, so everything
	// is reachable from the root; a few more edges downward make it a DAG
	// with shared dependencies.
	deps := make([][]int, o.Count)
	for j := 1; j < o.Count; j++ {
		p := rng.IntN(j)
		if len(deps[p]) >= o.MaxDeps { // keep the fan-out bounded: move to a free one
			for k := j - 1; k >= 0; k-- {
				if len(deps[k]) < o.MaxDeps {
					p = k
					break
				}
			}
		}
		deps[p] = append(deps[p], j)
	}
	for i := range o.Count - 1 {
		for range rng.IntN(2) {
			j := i + 1 + rng.IntN(o.Count-i-1)
			if len(deps[i]) < o.MaxDeps && !slices.Contains(deps[i], j) {
				deps[i] = append(deps[i], j)
			}
		}
	}
	for i := range t.Artifacts {
		slices.Sort(deps[i])
		for _, j := range deps[i] {
			t.Artifacts[i].Deps = append(t.Artifacts[i].Deps, t.Artifacts[j].Latest())
		}
	}
	t.Root = t.Artifacts[0].Latest()

	for _, a := range t.Artifacts {
		for k, v := range a.Versions {
			c := Coord{a.GroupID, a.ArtifactID, v}
			f, err := WriteFile(dir, c.Path("pom"), POM(c, a.Deps))
			if err != nil {
				return nil, err
			}
			t.Files = append(t.Files, f)
			size := a.JarSize
			if k < len(a.Versions)-1 {
				size = o.MinSize // older versions: small
			}
			jar, err := Jar(c, size, o.Seed^uint64(len(t.Files)))
			if err != nil {
				return nil, err
			}
			if f, err = WriteFile(dir, c.Path("jar"), jar); err != nil {
				return nil, err
			}
			t.Files = append(t.Files, f)
		}
		f, err := WriteFile(dir, a.Latest().ArtifactDir()+"/maven-metadata.xml", Metadata(a.GroupID, a.ArtifactID, a.Versions))
		if err != nil {
			return nil, err
		}
		t.Files = append(t.Files, f)
	}
	slices.SortFunc(t.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return t, nil
}

// Digests computes a File's digests.
func Digests(rel string, data []byte) File {
	m := md5.Sum(data)
	s1 := sha1.Sum(data)
	s256 := sha256.Sum256(data)
	s512 := sha512.Sum512(data)
	return File{Path: rel, Size: int64(len(data)), MD5: hex.EncodeToString(m[:]), SHA1: hex.EncodeToString(s1[:]),
		SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:])}
}

// WriteFile writes data at rel (slash-separated) under root, with its .sha1
// and .md5 beside it, and returns its digests.
func WriteFile(root, rel string, data []byte) (File, error) {
	f := Digests(rel, data)
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return File{}, err
	}
	for name, body := range map[string][]byte{p: data, p + ".sha1": []byte(f.SHA1), p + ".md5": []byte(f.MD5)} {
		if err := os.WriteFile(name, body, 0o644); err != nil {
			return File{}, err
		}
	}
	return f, nil
}

// POM is a version's pom.xml, declaring deps in compile scope.
func POM(c Coord, deps []Coord) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>%s</groupId>
  <artifactId>%s</artifactId>
  <version>%s</version>
  <packaging>jar</packaging>
  <name>Stand-in %s</name>
  <description>A generated stand-in library, %s</description>
  <url>https://standin.invalid/%s</url>
  <licenses>
    <license>
      <name>Apache-2.0</name>
      <url>https://standin.invalid/licenses/apache-2.0</url>
    </license>
  </licenses>
  <scm>
    <url>https://standin.invalid/scm/%s</url>
  </scm>
`, x(c.GroupID), x(c.ArtifactID), x(c.Version), x(c.ArtifactID), x(c.String()), x(c.ArtifactID), x(c.ArtifactID))
	if len(deps) > 0 {
		b.WriteString("  <dependencies>\n")
		for _, d := range deps {
			fmt.Fprintf(&b, "    <dependency>\n      <groupId>%s</groupId>\n      <artifactId>%s</artifactId>\n      <version>%s</version>\n    </dependency>\n",
				x(d.GroupID), x(d.ArtifactID), x(d.Version))
		}
		b.WriteString("  </dependencies>\n")
	}
	b.WriteString("</project>\n")
	return b.Bytes()
}

// Metadata is an artifact-level maven-metadata.xml listing versions
// (ascending; the last is latest and, unless a SNAPSHOT, release).
func Metadata(groupID, artifactID string, versions []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n  <groupId>%s</groupId>\n  <artifactId>%s</artifactId>\n  <versioning>\n",
		x(groupID), x(artifactID))
	if n := len(versions); n > 0 {
		fmt.Fprintf(&b, "    <latest>%s</latest>\n", x(versions[n-1]))
		for i := n - 1; i >= 0; i-- {
			if !strings.HasSuffix(versions[i], "-SNAPSHOT") {
				fmt.Fprintf(&b, "    <release>%s</release>\n", x(versions[i]))
				break
			}
		}
	}
	b.WriteString("    <versions>\n")
	for _, v := range versions {
		fmt.Fprintf(&b, "      <version>%s</version>\n", x(v))
	}
	fmt.Fprintf(&b, "    </versions>\n    <lastUpdated>%s</lastUpdated>\n  </versioning>\n</metadata>\n", Fixed.Format("20060102150405"))
	return b.Bytes()
}

func x(s string) string { return html.EscapeString(s) }

// Jar builds a jar of about size bytes (never less than its fixed
// entries): a manifest, the class file of c.Class(), and stored entries
// of random bytes drawn from seed.
func Jar(c Coord, size int, seed uint64) ([]byte, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6a6172))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, method uint16, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: Fixed})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	manifest := fmt.Sprintf("Manifest-Version: 1.0\r\nCreated-By: mavenrepo (artifactd tests)\r\nImplementation-Title: %s\r\nImplementation-Version: %s\r\nAutomatic-Module-Name: %s\r\n\r\n",
		c.ArtifactID, c.Version, c.GroupID)
	if err := add("META-INF/MANIFEST.MF", zip.Deflate, []byte(manifest)); err != nil {
		return nil, err
	}
	cls := strings.ReplaceAll(c.Class(), ".", "/")
	if err := add(cls+".class", zip.Deflate, ClassFile(cls)); err != nil {
		return nil, err
	}
	dir := path.Dir(cls) + "/data/"
	// zip.Writer writes, per entry, a local header (30 bytes + name), the
	// data and a data descriptor (16), and at Close a central directory
	// entry (46 + name) per entry and a 22-byte end record.
	directory := 22
	for _, n := range []string{"META-INF/MANIFEST.MF", cls + ".class"} {
		directory += 46 + len(n)
	}
	for k := 0; ; k++ {
		name := fmt.Sprintf("%sblob-%04d.bin", dir, k)
		left := size - buf.Len() - directory - (30 + 16 + 46 + 2*len(name))
		if left <= 0 {
			break
		}
		n := min(left, 256<<10)
		data := make([]byte, n)
		for i := 0; i < n; i += 8 {
			var w [8]byte
			binary.LittleEndian.PutUint64(w[:], rng.Uint64())
			copy(data[i:], w[:])
		}
		if err := add(name, zip.Store, data); err != nil {
			return nil, err
		}
		if err := zw.Flush(); err != nil {
			return nil, err
		}
		directory += 46 + len(name)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ClassFile is a minimal valid class file (Java 8) declaring the public
// class name (slash-separated, e.g. org/standin/lib000/Lib000) extending
// java.lang.Object, with no members: a consumer can write Name.class.
func ClassFile(name string) []byte {
	var b bytes.Buffer
	u16 := func(v int) { b.WriteByte(byte(v >> 8)); b.WriteByte(byte(v)) }
	utf8 := func(s string) { b.WriteByte(1); u16(len(s)); b.WriteString(s) }
	b.Write([]byte{0xCA, 0xFE, 0xBA, 0xBE})
	u16(0)  // minor
	u16(52) // major: Java 8
	u16(5)  // constant pool count (entries 1-4)
	b.WriteByte(7)
	u16(2) // #1 Class #2
	utf8(name)
	b.WriteByte(7)
	u16(4) // #3 Class #4
	utf8("java/lang/Object")
	u16(0x0021) // ACC_PUBLIC | ACC_SUPER
	u16(1)      // this
	u16(3)      // super
	u16(0)      // interfaces
	u16(0)      // fields
	u16(0)      // methods
	u16(0)      // attributes
	return b.Bytes()
}

// ConsumerPlugins are the versions of the build plugins the consumer
// project pins: those Debian's maven-repo (/usr/share/maven-repo) ships,
// so that `mvn dependency:go-offline`, which resolves every plugin of the
// lifecycle, finds them all there (Maven's defaults name some it lacks).
var ConsumerPlugins = [][2]string{
	{"maven-clean-plugin", "3.2.0"}, {"maven-resources-plugin", "3.3.0"}, {"maven-compiler-plugin", "3.10.1"},
	{"maven-surefire-plugin", "2.22.3"}, {"maven-jar-plugin", "3.3.0"}, {"maven-install-plugin", "3.1.0"},
	{"maven-deploy-plugin", "3.0.0"}, {"maven-site-plugin", "3.12.1"},
}

// WriteConsumer writes a Maven project in dir (pom.xml, and
// src/main/java/consumer/App.java) that depends on the tree's Root only
// and whose source names the class of every artifact the tree resolves:
// `mvn compile` succeeds only when every jar of the tree was resolved and
// is a sound jar. The project names no repository (the settings do); it
// pins ConsumerPlugins.
func (t *Tree) WriteConsumer(dir string) error {
	var plugins strings.Builder
	for _, p := range ConsumerPlugins {
		fmt.Fprintf(&plugins, "        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>%s</artifactId><version>%s</version></plugin>\n",
			x(p[0]), x(p[1]))
	}
	pom := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.consumer</groupId>
  <artifactId>consumer</artifactId>
  <version>1.0</version>
  <packaging>jar</packaging>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <maven.compiler.source>1.8</maven.compiler.source>
    <maven.compiler.target>1.8</maven.compiler.target>
  </properties>
  <dependencies>
    <dependency>
      <groupId>%s</groupId>
      <artifactId>%s</artifactId>
      <version>%s</version>
    </dependency>
  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
%s      </plugins>
    </pluginManagement>
  </build>
</project>
`, x(t.Root.GroupID), x(t.Root.ArtifactID), x(t.Root.Version), plugins.String())
	var src strings.Builder
	src.WriteString("package consumer;\n\npublic class App {\n    public static final Class<?>[] ALL = {\n")
	for _, c := range t.Resolved() {
		fmt.Fprintf(&src, "        %s.class,\n", c.Class())
	}
	src.WriteString("    };\n\n    public static void main(String[] args) {\n        System.out.println(ALL.length);\n    }\n}\n")
	if err := os.MkdirAll(filepath.Join(dir, "src", "main", "java", "consumer"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "pom.xml"), []byte(pom), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "src", "main", "java", "consumer", "App.java"), []byte(src.String()), 0o644)
}

// ResolvedFiles is the files a consumer of Root downloads: the POM and jar
// of every coordinate of Resolved.
func (t *Tree) ResolvedFiles() []File {
	var fs []File
	for _, c := range t.Resolved() {
		for _, ext := range []string{"pom", "jar"} {
			if f, ok := t.File(c.Path(ext)); ok {
				fs = append(fs, f)
			}
		}
	}
	return fs
}
