package mavenrepo

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type pomDoc struct {
	GroupID      string `xml:"groupId"`
	ArtifactID   string `xml:"artifactId"`
	Version      string `xml:"version"`
	Dependencies []struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
		Scope      string `xml:"scope"`
		Optional   string `xml:"optional"`
	} `xml:"dependencies>dependency"`
}

type metadataDoc struct {
	GroupID    string   `xml:"groupId"`
	ArtifactID string   `xml:"artifactId"`
	Latest     string   `xml:"versioning>latest"`
	Release    string   `xml:"versioning>release"`
	Versions   []string `xml:"versioning>versions>version"`
}

func read(t *testing.T, root, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTreeIsComplete: every dependency a POM declares exists (POM and
// jar), the root reaches every artifact, every file's .sha1 and .md5 are
// right, metadata lists exactly the versions on disk, jars are sound jars
// of the sizes asked for, and nothing else is in the folder.
func TestTreeIsComplete(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"defaults", Options{}},
		{"200 small", Options{Count: 200, Seed: 7, MinSize: 2000, MaxSize: 40000}},
		{"one", Options{Count: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tree, err := Generate(dir, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			o := tc.opts.withDefaults()
			if len(tree.Artifacts) != o.Count {
				t.Fatalf("%d artifacts, want %d", len(tree.Artifacts), o.Count)
			}
			if tree.Root != tree.Artifacts[0].Latest() {
				t.Errorf("root %v", tree.Root)
			}

			// Every file on disk: listed (or a checksum of a listed one), with
			// the digests listed and right checksum files beside it.
			listed := map[string]bool{}
			for _, f := range tree.Files {
				listed[f.Path] = true
			}
			var onDisk []string
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Fatal(err)
				}
				if !d.IsDir() {
					rel, _ := filepath.Rel(dir, p)
					onDisk = append(onDisk, filepath.ToSlash(rel))
				}
				return nil
			})
			if len(onDisk) != 3*len(tree.Files) {
				t.Errorf("%d files on disk, want 3 × %d", len(onDisk), len(tree.Files))
			}
			for _, p := range onDisk {
				base := strings.TrimSuffix(strings.TrimSuffix(p, ".sha1"), ".md5")
				if !listed[base] {
					t.Errorf("%s on disk is not listed", p)
				}
			}
			for _, f := range tree.Files {
				b := read(t, dir, f.Path)
				s1, m5 := sha1.Sum(b), md5.Sum(b)
				if int64(len(b)) != f.Size || hex.EncodeToString(s1[:]) != f.SHA1 || hex.EncodeToString(m5[:]) != f.MD5 || Digests(f.Path, b) != f {
					t.Errorf("%s: listed digests do not match the bytes", f.Path)
				}
				if got := string(read(t, dir, f.Path+".sha1")); got != f.SHA1 {
					t.Errorf("%s.sha1 = %q, want %q", f.Path, got, f.SHA1)
				}
				if got := string(read(t, dir, f.Path+".md5")); got != f.MD5 {
					t.Errorf("%s.md5 = %q, want %q", f.Path, got, f.MD5)
				}
				if g, ok := tree.File(f.Path); !ok || g != f {
					t.Errorf("File(%s) = %v %v", f.Path, g, ok)
				}
			}
			if _, ok := tree.File("org/none.jar"); ok {
				t.Error("File finds a file not written")
			}

			// POMs and metadata; the tree from the root.
			byKey := map[string]Artifact{}
			twoVersions := 0
			for _, a := range tree.Artifacts {
				byKey[a.GroupID+":"+a.ArtifactID] = a
				if len(a.Versions) > 1 {
					twoVersions++
				}
				var md metadataDoc
				mdPath := a.Latest().ArtifactDir() + "/maven-metadata.xml"
				if err := xml.Unmarshal(read(t, dir, mdPath), &md); err != nil {
					t.Fatalf("%s: %v", mdPath, err)
				}
				latest := a.Versions[len(a.Versions)-1]
				if md.GroupID != a.GroupID || md.ArtifactID != a.ArtifactID || !slices.Equal(md.Versions, a.Versions) ||
					md.Latest != latest || md.Release != latest {
					t.Errorf("%s: %+v, want versions %v", mdPath, md, a.Versions)
				}
				entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(a.Latest().ArtifactDir())))
				if err != nil {
					t.Fatal(err)
				}
				var dirs []string
				for _, e := range entries {
					if e.IsDir() {
						dirs = append(dirs, e.Name())
					}
				}
				if slices.Sort(dirs); !slices.Equal(dirs, slices.Sorted(slices.Values(a.Versions))) {
					t.Errorf("%s: version folders %v, metadata %v", a.ArtifactID, dirs, a.Versions)
				}
				for _, v := range a.Versions {
					c := Coord{a.GroupID, a.ArtifactID, v}
					var pom pomDoc
					if err := xml.Unmarshal(read(t, dir, c.Path("pom")), &pom); err != nil {
						t.Fatalf("%s: %v", c.Path("pom"), err)
					}
					if pom.GroupID != c.GroupID || pom.ArtifactID != c.ArtifactID || pom.Version != c.Version {
						t.Errorf("%s declares %s:%s:%s", c.Path("pom"), pom.GroupID, pom.ArtifactID, pom.Version)
					}
					var deps []Coord
					for _, d := range pom.Dependencies {
						if d.Scope != "" || d.Optional != "" {
							t.Errorf("%s: dependency %+v is not plain compile scope", c, d)
						}
						deps = append(deps, Coord{d.GroupID, d.ArtifactID, d.Version})
						for _, ext := range []string{"pom", "jar"} {
							if _, ok := tree.File(Coord{d.GroupID, d.ArtifactID, d.Version}.Path(ext)); !ok {
								t.Errorf("%s depends on %s:%s:%s, whose %s is missing", c, d.GroupID, d.ArtifactID, d.Version, ext)
							}
						}
					}
					if !slices.Equal(deps, a.Deps) {
						t.Errorf("%s: POM dependencies %v, Deps %v", c, deps, a.Deps)
					}
					if len(deps) > o.MaxDeps {
						t.Errorf("%s: %d dependencies", c, len(deps))
					}
					checkJar(t, dir, c, a, o)
				}
			}
			if o.Count >= 3 && twoVersions == 0 {
				t.Error("no artifact has two versions")
			}
			// Transitive closure from the root: every artifact, at its newest
			// version only (one version of each in the tree: nothing for
			// Maven's nearest-wins to choose between).
			seen := map[Coord]bool{}
			queue := []Coord{tree.Root}
			for len(queue) > 0 {
				c := queue[0]
				queue = queue[1:]
				if seen[c] {
					continue
				}
				seen[c] = true
				a := byKey[c.GroupID+":"+c.ArtifactID]
				if c != a.Latest() {
					t.Errorf("the tree reaches %s, not the newest %s", c, a.Latest())
				}
				queue = append(queue, a.Deps...)
			}
			if len(seen) != o.Count {
				t.Errorf("the root reaches %d artifacts, want %d", len(seen), o.Count)
			}
			for _, c := range tree.Resolved() {
				if !seen[c] {
					t.Errorf("Resolved lists %s, which the root does not reach", c)
				}
			}
			if rf := tree.ResolvedFiles(); len(rf) != 2*o.Count {
				t.Errorf("ResolvedFiles: %d, want %d", len(rf), 2*o.Count)
			}
		})
	}
}

func checkJar(t *testing.T, dir string, c Coord, a Artifact, o Options) {
	t.Helper()
	b := read(t, dir, c.Path("jar"))
	want := o.MinSize
	if c.Version == a.Latest().Version {
		want = a.JarSize
		if want < o.MinSize || want > o.MaxSize {
			t.Errorf("%s: JarSize %d outside [%d, %d]", c, want, o.MinSize, o.MaxSize)
		}
	}
	// Within 1% (or 600 bytes, for the fixed entries of tiny jars).
	if d := len(b) - want; d > max(want/100, 600) || -d > max(want/100, 600) {
		t.Errorf("%s: jar of %d bytes, want about %d", c, len(b), want)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", c.Path("jar"), err)
	}
	names := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", c.Path("jar"), f.Name, err)
		}
		names[f.Name] = data
	}
	if mf := string(names["META-INF/MANIFEST.MF"]); !strings.HasPrefix(mf, "Manifest-Version: 1.0\r\n") || !strings.Contains(mf, "Implementation-Version: "+c.Version+"\r\n") {
		t.Errorf("%s: manifest %q", c, mf)
	}
	cls := strings.ReplaceAll(c.Class(), ".", "/")
	if got := names[cls+".class"]; !bytes.Equal(got, ClassFile(cls)) || !bytes.HasPrefix(got, []byte{0xCA, 0xFE, 0xBA, 0xBE}) ||
		!bytes.Contains(got, []byte(cls)) {
		t.Errorf("%s: class %s: % x", c, cls, got)
	}
}

// TestDeterministic: the same options write the same bytes; another seed
// another tree.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	opts := Options{Count: 20, Seed: 3, MinSize: 1000, MaxSize: 100000}
	a, err := Generate(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Files, b.Files) || !slices.EqualFunc(a.Artifacts, b.Artifacts, func(x, y Artifact) bool {
		return x.GroupID == y.GroupID && slices.Equal(x.Versions, y.Versions) && slices.Equal(x.Deps, y.Deps) && x.JarSize == y.JarSize
	}) {
		t.Error("the same options gave different trees")
	}
	opts.Seed = 4
	c, err := Generate(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Files, c.Files) {
		t.Error("another seed gave the same tree")
	}
}

// TestSizesSpread: with the default sizes, 200 jars spread between 5 KB
// and 2 MB, most of them small.
func TestSizesSpread(t *testing.T) {
	t.Parallel()
	tree, err := Generate(t.TempDir(), Options{Count: 200, MinSize: 5 << 10, MaxSize: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var small, large int
	for _, a := range tree.Artifacts {
		switch {
		case a.JarSize < 100<<10:
			small++
		case a.JarSize > 500<<10:
			large++
		}
	}
	if small < 60 || large < 20 {
		t.Errorf("%d jars under 100 KB, %d over 500 KB: not a spread", small, large)
	}
}

// TestConsumer: the consumer project depends on the root and names the
// class of every resolved artifact.
func TestConsumer(t *testing.T) {
	t.Parallel()
	tree, err := Generate(t.TempDir(), Options{Count: 5, MaxSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tree.WriteConsumer(dir); err != nil {
		t.Fatal(err)
	}
	var pom pomDoc
	if err := xml.Unmarshal(read(t, dir, "pom.xml"), &pom); err != nil {
		t.Fatal(err)
	}
	if len(pom.Dependencies) != 1 || pom.Dependencies[0].GroupID != tree.Root.GroupID || pom.Dependencies[0].Version != tree.Root.Version {
		t.Errorf("consumer dependencies %+v", pom.Dependencies)
	}
	src := string(read(t, dir, "src/main/java/consumer/App.java"))
	for _, c := range tree.Resolved() {
		if !strings.Contains(src, c.Class()+".class") {
			t.Errorf("App.java does not name %s", c.Class())
		}
	}
}
