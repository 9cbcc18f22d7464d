package npm

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

func TestLooksLikeRange(t *testing.T) {
	for _, tag := range []string{"", "1", "1.2.3", "^1", "~1.2", ">=2", "*", "x", "v1", "=1.0.0"} {
		if !looksLikeRange(tag) {
			t.Errorf("looksLikeRange(%q) = false", tag)
		}
	}
	for _, tag := range []string{"latest", "beta", "next-2", "canary", "vnext", "lts"} {
		if looksLikeRange(tag) {
			t.Errorf("looksLikeRange(%q) = true", tag)
		}
	}
}

func TestSplitName(t *testing.T) {
	cases := []struct {
		path       string
		want       pkgName
		rest       []string
		ok         bool
		publishErr bool
	}{
		{"lodash", pkgName{Name: "lodash"}, []string{}, true, false},
		{"@types%2fnode", pkgName{Scope: "types", Name: "node"}, []string{}, true, false},
		{"@types%2Fnode/-/node-1.0.0.tgz", pkgName{Scope: "types", Name: "node"}, []string{"-", "node-1.0.0.tgz"}, true, false},
		{"@types/node/-/node-1.0.0.tgz", pkgName{Scope: "types", Name: "node"}, []string{"-", "node-1.0.0.tgz"}, true, false},
		{"%40types%2fnode", pkgName{Scope: "types", Name: "node"}, []string{}, true, false},
		{"pkg/-rev/1-abc", pkgName{Name: "pkg"}, []string{"-rev", "1-abc"}, true, false},
		{"pkg/1.0.0", pkgName{Name: "pkg"}, []string{"1.0.0"}, true, false},
		{"Upper", pkgName{Name: "Upper"}, []string{}, true, true},
		{"_private", pkgName{Name: "_private"}, []string{}, true, true},
		{"@scope", pkgName{}, nil, false, false},
		{"@%2fname", pkgName{}, nil, false, false},
		{"", pkgName{}, nil, false, false},
		{"bad%zz", pkgName{}, nil, false, false},
		{"a%20b", pkgName{}, nil, false, false},
	}
	for _, c := range cases {
		got, rest, ok := splitName(c.path)
		if ok != c.ok || got != c.want || (ok && !reflect.DeepEqual(rest, c.rest)) {
			t.Errorf("splitName(%q) = %+v %q %v, want %+v %q %v", c.path, got, rest, ok, c.want, c.rest, c.ok)
		}
		if ok {
			if err := checkPublishName(got); (err != nil) != c.publishErr {
				t.Errorf("checkPublishName(%v) = %v, want error %v", got, err, c.publishErr)
			}
		}
	}
	if err := checkPublishName(pkgName{Name: strings.Repeat("a", 215)}); err == nil {
		t.Errorf("a 215-character name was accepted")
	}
	if got := (pkgName{Scope: "acme", Name: "ui"}).String(); got != "@acme/ui" {
		t.Errorf("String() = %q", got)
	}
	if got := (pkgName{Scope: "acme", Name: "ui"}).tarballFile("1.0.0"); got != "ui-1.0.0.tgz" {
		t.Errorf("tarballFile = %q", got)
	}
}

func TestReadTarball(t *testing.T) {
	pj := `{"name":"x","version":"1.0.0"}`
	t.Run("PackageJSONAndBestReadme", func(t *testing.T) {
		tgz := makeTgz(t,
			tarEntry{name: "package/readme.txt", body: "plain"},
			tarEntry{name: "package/README", body: "no extension"},
			tarEntry{name: "package/lib/README.md", body: "nested: ignored"},
			tarEntry{name: "other/package.json", body: `{"name":"evil"}`},
			tarEntry{name: "package/package.json", body: pj},
			tarEntry{name: "package/Readme.md", body: "# the readme"},
			tarEntry{name: "package/index.js", body: "x"},
		)
		files, err := readTarball(tgz)
		if err != nil {
			t.Fatal(err)
		}
		if string(files.PackageJSON) != pj || files.Readme != "# the readme" {
			t.Errorf("got package.json %q readme %q", files.PackageJSON, files.Readme)
		}
	})
	t.Run("DotSlashPrefix", func(t *testing.T) {
		files, err := readTarball(makeTgz(t, tarEntry{name: "./package/package.json", body: pj}))
		if err != nil || string(files.PackageJSON) != pj || files.Readme != "" {
			t.Errorf("got %q %q %v", files.PackageJSON, files.Readme, err)
		}
	})
	t.Run("SymlinkIgnored", func(t *testing.T) {
		_, err := readTarball(makeTgz(t, tarEntry{name: "package/package.json", body: "/etc/passwd", typ: tar.TypeSymlink}))
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("a symlinked package.json: err = %v, want invalid", err)
		}
	})
	t.Run("TraversalIgnored", func(t *testing.T) {
		_, err := readTarball(makeTgz(t, tarEntry{name: "package/../package.json", body: pj}))
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("err = %v, want invalid", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := readTarball(makeTgz(t, tarEntry{name: "package/index.js", body: "x"}))
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("err = %v, want invalid", err)
		}
	})
	t.Run("NotGzip", func(t *testing.T) {
		_, err := readTarball([]byte("plain text"))
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("err = %v, want invalid", err)
		}
	})
	t.Run("HugePackageJSON", func(t *testing.T) {
		_, err := readTarball(makeTgz(t, tarEntry{name: "package/package.json", body: strings.Repeat(" ", maxPackageJSON+1)}))
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("err = %v, want invalid", err)
		}
	})
	t.Run("LongReadmeCut", func(t *testing.T) {
		files, err := readTarball(makeTgz(t, tarEntry{name: "package/package.json", body: pj}, tarEntry{name: "package/README.md", body: strings.Repeat("r", maxReadme+10)}))
		if err != nil || len(files.Readme) != maxReadme {
			t.Errorf("readme length %d, err %v; want %d", len(files.Readme), err, maxReadme)
		}
	})
}

func TestVersionMetadata(t *testing.T) {
	pj, err := parsePackageJSON([]byte(`{
		"name": "@acme/ui", "version": "1.0.0", "description": " A UI kit ",
		"homepage": "https://acme.example", "repository": {"type": "git", "url": "git+https://example.com/ui.git"},
		"license": {"type": "MIT", "url": "https://mit.example"},
		"dependencies": {"react": "^18", "@acme/core": "~1.2.0", "bad": 5},
		"devDependencies": {"tap": "*"},
		"peerDependencies": {"react-dom": ">=18"},
		"optionalDependencies": {"fsevents": "2.x"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	m := versionMetadata(pkgName{Scope: "acme", Name: "ui"}, pj, "# readme", []byte(`{}`))
	if m.DisplayName != "@acme/ui" || m.Summary != "A UI kit" || m.HomePage != "https://acme.example" ||
		m.SourceCodeRepository != "git+https://example.com/ui.git" || m.Readme != "# readme" {
		t.Errorf("metadata = %+v", m)
	}
	if want := []domain.License{{Name: "MIT", URL: "https://mit.example"}}; !reflect.DeepEqual(m.Licenses, want) {
		t.Errorf("licenses = %+v, want %+v", m.Licenses, want)
	}
	want := []domain.Dependency{
		{Namespace: "acme", Package: "core", DependencyType: "regular", VersionRequirement: "~1.2.0"},
		{Package: "react", DependencyType: "regular", VersionRequirement: "^18"},
		{Package: "tap", DependencyType: "dev", VersionRequirement: "*"},
		{Package: "react-dom", DependencyType: "peer", VersionRequirement: ">=18"},
		{Package: "fsevents", DependencyType: "optional", VersionRequirement: "2.x"},
	}
	if !reflect.DeepEqual(m.Dependencies, want) {
		t.Errorf("dependencies =\n%+v\nwant\n%+v", m.Dependencies, want)
	}

	for _, c := range []struct {
		license, legacy string
		want            []domain.License
	}{
		{`"Apache-2.0"`, ``, []domain.License{{Name: "Apache-2.0"}}},
		{`"(MIT OR ISC)"`, ``, []domain.License{{Name: "(MIT OR ISC)"}}},
		{`["MIT", {"type": "BSD", "url": "u"}]`, ``, []domain.License{{Name: "MIT"}, {Name: "BSD", URL: "u"}}},
		{``, `[{"type": "GPL-2.0", "url": "g"}]`, []domain.License{{Name: "GPL-2.0", URL: "g"}}},
		{`42`, ``, nil},
	} {
		var l, lg json.RawMessage
		if c.license != "" {
			l = json.RawMessage(c.license)
		}
		if c.legacy != "" {
			lg = json.RawMessage(c.legacy)
		}
		if got := licenses(l, lg); !reflect.DeepEqual(got, c.want) {
			t.Errorf("licenses(%s, %s) = %+v, want %+v", c.license, c.legacy, got, c.want)
		}
	}
	if got := repositoryURL(json.RawMessage(`"github:acme/ui"`)); got != "github:acme/ui" {
		t.Errorf("repository shorthand = %q", got)
	}
	if _, err := parsePackageJSON([]byte(`{"name": 5}`)); err == nil {
		t.Errorf("a numeric name was accepted")
	}
}

func pv(version string, st domain.Status) domain.PackageVersion {
	return domain.PackageVersion{Version: version, Status: st, PublishedTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func TestFixTags(t *testing.T) {
	versions := []domain.PackageVersion{
		pv("1.0.0", domain.StatusPublished), pv("1.5.0", domain.StatusPublished), pv("2.0.0-rc.1", domain.StatusPublished),
		pv("1.9.0", domain.StatusUnlisted), pv("1.8.0", domain.StatusArchived), pv("1.7.0", domain.StatusDisposed),
	}
	tags := map[string]string{"latest": "3.0.0", "beta": "2.0.0-rc.1", "old": "1.8.0", "hidden": "1.9.0", "keep": "1.0.0"}
	got := fixTags(tags, versions)
	want := map[string]string{"latest": "1.5.0", "beta": "2.0.0-rc.1", "keep": "1.0.0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fixTags = %v, want %v", got, want)
	}
	if tags["latest"] != "3.0.0" {
		t.Errorf("fixTags modified its input")
	}
	// Only prereleases: latest goes to the highest one.
	got = fixTags(map[string]string{}, []domain.PackageVersion{pv("1.0.0-a", domain.StatusPublished), pv("1.0.0-b", domain.StatusPublished)})
	if got["latest"] != "1.0.0-b" {
		t.Errorf("latest over prereleases = %v", got)
	}
	// Nothing visible: no tags at all.
	got = fixTags(map[string]string{"latest": "1.0.0"}, []domain.PackageVersion{pv("1.0.0", domain.StatusArchived)})
	if len(got) != 0 {
		t.Errorf("tags without visible versions = %v", got)
	}
	// A valid latest stays even if it is not the highest.
	got = fixTags(map[string]string{"latest": "1.0.0"}, versions)
	if got["latest"] != "1.0.0" {
		t.Errorf("an explicit latest moved: %v", got)
	}
}

func TestRulesPackageChanged(t *testing.T) {
	r := NewRules()
	p := domain.Package{ID: 1, Metadata: []byte(`{"dist-tags":{"latest":"2.0.0","x":"2.0.0"},"stamp":"old"}`)}
	if err := r.PackageChanged(&p, service.VersionSlice{pv("1.0.0", domain.StatusPublished), pv("2.0.0", domain.StatusArchived)}, nil); err != nil {
		t.Fatal(err)
	}
	st := loadState(p)
	if !reflect.DeepEqual(st.DistTags, map[string]string{"latest": "1.0.0"}) {
		t.Errorf("tags = %v", st.DistTags)
	}
	if st.Stamp == "" || st.Stamp == "old" || st.Modified.IsZero() {
		t.Errorf("stamp not renewed: %+v", st)
	}
	// Garbage metadata is replaced, not an error.
	p.Metadata = []byte("not json")
	if err := r.PackageChanged(&p, service.VersionSlice(nil), nil); err != nil || loadState(p).Stamp == "" {
		t.Errorf("garbage metadata: %v %s", err, p.Metadata)
	}
}

func TestPackument(t *testing.T) {
	name := pkgName{Scope: "acme", Name: "ui"}
	ep := "http://host:1/npm/d/dom-000000000000/repo/"
	mk := func(v string, st domain.Status, manifest string) domain.PackageVersion {
		p := pv(v, st)
		p.Metadata = []byte(manifest)
		p.Readme = "readme of " + v
		return p
	}
	all := []domain.PackageVersion{
		mk("1.10.0", domain.StatusPublished, `{"name":"@acme/ui","version":"1.10.0","description":"d","scripts":{"postinstall":"x"},"dependencies":{"a":"1"},"dist":{"integrity":"sha512-x","shasum":"ab"},"deprecated":"","readme":"old"}`),
		mk("1.2.0", domain.StatusPublished, `{"name":"@acme/ui","version":"1.2.0","deprecated":"use 1.10","dist":{"shasum":"cd"}}`),
		mk("1.5.0", domain.StatusUnlisted, `{}`),
		mk("1.6.0", domain.StatusArchived, `{}`),
		mk("1.7.0", domain.StatusUnfinished, `{}`),
		mk("1.8.0", domain.StatusDisposed, `{}`),
		mk("0.1.0", domain.StatusPublished, ``), // no stored manifest
	}
	pkg := domain.Package{ID: 7, Metadata: []byte(`{"dist-tags":{"latest":"1.10.0","old":"1.5.0"},"stamp":"s1"}`)}
	v := newView(name, ep, pkg, all)
	if v.rev != "1-s1" {
		t.Errorf("rev = %q", v.rev)
	}

	full, ok := v.packument(false, all)
	if !ok {
		t.Fatal("no packument")
	}
	var doc struct {
		ID       string                    `json:"_id"`
		Rev      string                    `json:"_rev"`
		Name     string                    `json:"name"`
		Tags     map[string]string         `json:"dist-tags"`
		Versions map[string]map[string]any `json:"versions"`
		Time     map[string]string         `json:"time"`
		Readme   string                    `json:"readme"`
		Desc     string                    `json:"description"`
	}
	if err := json.Unmarshal(full, &doc); err != nil {
		t.Fatalf("full packument is not JSON: %v\n%s", err, full)
	}
	if doc.ID != "@acme/ui" || doc.Name != "@acme/ui" || doc.Rev != "1-s1" || doc.Readme != "readme of 1.10.0" || doc.Desc != "d" {
		t.Errorf("root = %+v", doc)
	}
	if !reflect.DeepEqual(doc.Tags, map[string]string{"latest": "1.10.0"}) {
		t.Errorf("dist-tags = %v", doc.Tags)
	}
	if got := sortedKeys(doc.Versions); !reflect.DeepEqual(got, []string{"0.1.0", "1.10.0", "1.2.0"}) {
		t.Errorf("versions = %v", got)
	}
	// Versions are in SemVer order in the document itself.
	if i, j := strings.Index(string(full), `"1.2.0":{`), strings.Index(string(full), `"1.10.0":{`); i < 0 || j < 0 || i > j {
		t.Errorf("versions not in SemVer order:\n%s", full)
	}
	v110 := doc.Versions["1.10.0"]
	dist := v110["dist"].(map[string]any)
	if dist["tarball"] != ep+"@acme/ui/-/ui-1.10.0.tgz" || dist["integrity"] != "sha512-x" {
		t.Errorf("dist = %v", dist)
	}
	if _, ok := v110["deprecated"]; ok {
		t.Errorf("an empty deprecation was kept")
	}
	if _, ok := v110["readme"]; ok {
		t.Errorf("readme kept in a version")
	}
	if v110["_id"] != "@acme/ui@1.10.0" {
		t.Errorf("_id = %v", v110["_id"])
	}
	if doc.Versions["1.2.0"]["deprecated"] != "use 1.10" {
		t.Errorf("deprecation lost: %v", doc.Versions["1.2.0"])
	}
	if m := doc.Versions["0.1.0"]; m["name"] != "@acme/ui" || m["version"] != "0.1.0" {
		t.Errorf("synthesized manifest = %v", m)
	}
	if doc.Time["1.10.0"] != "2024-01-02T03:04:05.000Z" || doc.Time["created"] == "" || doc.Time["modified"] == "" {
		t.Errorf("time = %v", doc.Time)
	}
	if _, ok := doc.Time["1.5.0"]; ok {
		t.Errorf("time lists an unlisted version")
	}

	abbr, _ := v.packument(true, all)
	var corgi struct {
		Name     string                    `json:"name"`
		Modified string                    `json:"modified"`
		Tags     map[string]string         `json:"dist-tags"`
		Versions map[string]map[string]any `json:"versions"`
	}
	if err := json.Unmarshal(abbr, &corgi); err != nil {
		t.Fatal(err)
	}
	if corgi.Name != "@acme/ui" || corgi.Modified == "" || len(corgi.Versions) != 3 {
		t.Errorf("abbreviated = %s", abbr)
	}
	a := corgi.Versions["1.10.0"]
	if a["hasInstallScript"] != true || a["description"] != nil || a["scripts"] != nil || a["dependencies"] == nil || a["dist"] == nil {
		t.Errorf("abbreviated version = %v", a)
	}
	var top map[string]any
	json.Unmarshal(abbr, &top)
	if keys := sortedKeys(top); !reflect.DeepEqual(keys, []string{"dist-tags", "modified", "name", "versions"}) {
		t.Errorf("abbreviated keys = %v", keys)
	}

	// Nothing visible: no packument.
	if _, ok := newView(name, ep, pkg, all[3:6]).packument(false, all[3:6]); ok {
		t.Errorf("a packument without visible versions")
	}
	// No stamp: the revision follows the versions.
	r1 := revision(state{}, all)
	all[0].Status = domain.StatusArchived
	if r2 := revision(state{}, all); r1 == r2 || !strings.HasPrefix(r1, "0-") {
		t.Errorf("stamp-less revisions %q %q", r1, r2)
	}
}

func TestWantsAbbreviated(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*": true,
		"application/json": false,
		"":                 false,
		"application/vnd.npm.install-v1+json;q=0, application/json": false,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		if got := wantsAbbreviated(r); got != want {
			t.Errorf("wantsAbbreviated(%q) = %v", accept, got)
		}
	}
}

func TestCheckDigests(t *testing.T) {
	tgz := makeTgz(t, tarEntry{name: "package/package.json", body: "{}"})
	h := hashing.New()
	h.Write(tgz)
	sums := h.Sums()
	doc := publishDoc(t, "x", "1.0.0", tgz, nil)
	var m struct {
		Dist struct{ Integrity, Shasum string }
	}
	json.Unmarshal(doc.Versions["1.0.0"], &m)
	if err := checkDigests(m.Dist.Integrity, m.Dist.Shasum)(sums); err != nil {
		t.Errorf("good digests refused: %v", err)
	}
	if err := checkDigests(m.Dist.Integrity+" sha384-AAAA", "")(sums); err != nil {
		t.Errorf("an extra sha384 was refused: %v", err)
	}
	for _, c := range [][2]string{
		{"sha512-" + strings.Repeat("A", 86) + "==", ""},
		{"", strings.Repeat("0", 40)},
		{"sha512-!!notbase64", ""},
		{"garbage", ""},
		{"sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=", ""},
	} {
		err := checkDigests(c[0], c[1])(sums)
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("checkDigests(%q, %q) = %v, want invalid", c[0], c[1], err)
		}
	}
}

func TestParsePublish(t *testing.T) {
	name := pkgName{Scope: "acme", Name: "ui"}
	tgz := makeTgz(t,
		tarEntry{name: "package/package.json", body: `{"name":"@acme/ui","version":"v1.0.0","license":"MIT","dependencies":{"@acme/core":"^1"}}`},
		tarEntry{name: "package/README.md", body: "# UI"},
	)
	good := publishDoc(t, "@acme/ui", "1.0.0", tgz, map[string]string{"latest": "1.0.0", "next": "1.0.0", "other": "0.1.0"})
	p, err := parsePublish(name, good)
	if err != nil {
		t.Fatal(err)
	}
	if p.version != "1.0.0" || !reflect.DeepEqual(p.tags, []string{"latest", "next"}) || p.meta.Readme != "# UI" ||
		p.meta.DisplayName != "@acme/ui" || len(p.meta.Dependencies) != 1 || p.meta.Licenses[0].Name != "MIT" {
		t.Errorf("parsed = %+v meta %+v", p, p.meta)
	}
	var stored map[string]any
	if err := json.Unmarshal(manifestJSON(p.meta.Raw), &stored); err != nil {
		t.Fatal(err)
	}
	dist := stored["dist"].(map[string]any)
	if dist["tarball"] != "" || !strings.HasPrefix(dist["integrity"].(string), "sha512-") || len(dist["shasum"].(string)) != 40 {
		t.Errorf("stored dist = %v", dist)
	}

	bad := func(what string, mutate func(d *document)) {
		t.Helper()
		d := publishDoc(t, "@acme/ui", "1.0.0", tgz, nil)
		mutate(&d)
		if _, err := parsePublish(name, d); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: err = %v, want invalid", what, err)
		}
	}
	bad("two versions", func(d *document) { d.Versions["2.0.0"] = d.Versions["1.0.0"] })
	bad("no attachment", func(d *document) { d.Attachments = nil })
	bad("wrong attachment name", func(d *document) {
		a := d.Attachments["@acme/ui-1.0.0.tgz"]
		d.Attachments = map[string]attachment{"other-1.0.0.tgz": a}
	})
	bad("no data", func(d *document) {
		d.Attachments["@acme/ui-1.0.0.tgz"] = attachment{}
	})
	bad("wrong length", func(d *document) {
		a := d.Attachments["@acme/ui-1.0.0.tgz"]
		n := int64(3)
		a.Length = &n
		d.Attachments["@acme/ui-1.0.0.tgz"] = a
	})
	bad("integrity mismatch", func(d *document) {
		d.Versions["1.0.0"] = json.RawMessage(`{"name":"@acme/ui","version":"1.0.0","dist":{"integrity":"sha512-` + strings.Repeat("A", 86) + `=="}}`)
	})
	bad("shasum mismatch", func(d *document) {
		d.Versions["1.0.0"] = json.RawMessage(`{"name":"@acme/ui","version":"1.0.0","dist":{"shasum":"` + strings.Repeat("0", 40) + `"}}`)
	})
	bad("manifest name", func(d *document) {
		d.Versions["1.0.0"] = json.RawMessage(`{"name":"@acme/other","version":"1.0.0"}`)
	})
	bad("invalid semver", func(d *document) {
		d.Versions = map[string]json.RawMessage{"1.0": json.RawMessage(`{}`)}
	})
	bad("tag that is a version", func(d *document) { d.DistTags = map[string]string{"1.0.0": "1.0.0"} })

	other := makeTgz(t, tarEntry{name: "package/package.json", body: `{"name":"@acme/ui","version":"2.0.0"}`})
	if _, err := parsePublish(name, publishDoc(t, "@acme/ui", "1.0.0", other, nil)); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("tarball version mismatch: %v", err)
	}
	evil := makeTgz(t, tarEntry{name: "package/package.json", body: `{"name":"@acme/evil","version":"1.0.0"}`})
	if _, err := parsePublish(name, publishDoc(t, "@acme/ui", "1.0.0", evil, nil)); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("tarball name mismatch: %v", err)
	}
	if _, err := parsePublish(pkgName{Name: "Upper"}, publishDoc(t, "Upper", "1.0.0", tgz, nil)); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("uppercase name: %v", err)
	}
}

func TestDeprecation(t *testing.T) {
	name := pkgName{Name: "x"}
	b, _ := setDeprecation([]byte(`{"name":"x","version":"1.0.0","main":"i.js"}`), name, "1.0.0", "gone")
	if deprecation(b) != "gone" || !strings.Contains(string(b), `"main":"i.js"`) {
		t.Errorf("set: %s", b)
	}
	b, _ = setDeprecation(b, name, "1.0.0", "")
	if deprecation(b) != "" || strings.Contains(string(b), "deprecated") {
		t.Errorf("unset: %s", b)
	}
	b, _ = setDeprecation(nil, name, "1.0.0", "m")
	var m map[string]string
	json.Unmarshal(b, &m)
	if m["name"] != "x" || m["version"] != "1.0.0" || m["deprecated"] != "m" {
		t.Errorf("from nothing: %s", b)
	}
}

func TestPackumentCache(t *testing.T) {
	c := newPackumentCache(4096)
	k := cacheKey{endpoint: "e/", name: "a"}
	c.put(cacheEntry{key: k, pkgID: 1, stamp: "s1", doc: wholeDoc([]byte("one"))})
	if e, ok := c.get(k, 1, "s1"); !ok || string(e.doc.bytes()) != "one" {
		t.Errorf("hit missed")
	}
	if _, ok := c.get(k, 1, "s2"); ok {
		t.Errorf("served an entry of another stamp")
	}
	if _, ok := c.get(k, 1, "s1"); !ok {
		t.Errorf("a reader with another stamp evicted the entry")
	}
	if _, ok := c.get(k, 2, "s1"); ok {
		t.Errorf("served an entry of another package id (recreated package)")
	}
	c.put(cacheEntry{key: k, pkgID: 1, stamp: "s2", doc: wholeDoc([]byte("two"))})
	if e, ok := c.get(k, 1, "s2"); !ok || string(e.doc.bytes()) != "two" || c.len() != 1 {
		t.Errorf("a newer rendering did not replace the old one")
	}
	c.put(cacheEntry{key: cacheKey{name: "other"}, pkgID: 1, doc: wholeDoc([]byte("no stamp"))})
	if c.len() != 1 {
		t.Errorf("cached an entry without a stamp")
	}
	// Eviction keeps the budget.
	for i := 0; i < 100; i++ {
		c.put(cacheEntry{key: cacheKey{name: strings.Repeat("n", i)}, pkgID: 1, stamp: "s", doc: wholeDoc(make([]byte, 200))})
	}
	if c.bytes() > c.maxBytes || c.len() == 0 {
		t.Errorf("cache holds %d bytes in %d entries, budget %d", c.bytes(), c.len(), c.maxBytes)
	}
	var nilCache *packumentCache
	nilCache.put(cacheEntry{key: k, stamp: "s"})
	if _, ok := nilCache.get(k, 1, "s"); ok {
		t.Errorf("nil cache hit")
	}

}

func TestGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip, deflate": true, "deflate, gzip;q=0.5": true, "GZIP": true,
		"": false, "deflate": false, "gzip;q=0": false, "br, gzip; q=0.0": false,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v", header, got)
		}
	}
	if newLazyGzip(wholeDoc([]byte("small")), nil) != nil {
		t.Errorf("a small document was compressed")
	}
	big := []byte(strings.Repeat(`{"name":"x"}`, 200))
	if z, ok := newLazyGzip(wholeDoc(big), nil).bytes(); !ok || z.size >= len(big) {
		t.Errorf("a large document was not compressed")
	}
}

func TestStatusRules(t *testing.T) {
	for st, want := range map[domain.Status][2]bool{
		domain.StatusPublished:  {true, true},
		domain.StatusUnlisted:   {false, true},
		domain.StatusArchived:   {false, false},
		domain.StatusDisposed:   {false, false},
		domain.StatusUnfinished: {false, false},
		domain.StatusDeleted:    {false, false},
	} {
		if visible(st) != want[0] || downloadable(st) != want[1] {
			t.Errorf("%s: visible %v downloadable %v, want %v", st, visible(st), downloadable(st), want)
		}
	}
}

func TestPublishBodyLimit(t *testing.T) {
	f := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), "", WithMaxPublishBytes(50))
	w := httptest.NewRecorder()
	r := httptest.NewRequest("PUT", "/x", strings.NewReader(`{"a":"`+strings.Repeat("b", 100)+`"}`))
	f.putPackage(w, r, dataplane.Repo{}, service.PackageRef{}, pkgName{Name: "x"}, "")
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), `"error"`) {
		t.Errorf("oversized body: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	r = httptest.NewRequest("PUT", "/x", strings.NewReader(`{"name":"other"}`))
	f.putPackage(w, r, dataplane.Repo{}, service.PackageRef{}, pkgName{Name: "x"}, "")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "other") {
		t.Errorf("small body: %d %s", w.Code, w.Body)
	}
}

func TestPackumentCacheConcurrent(t *testing.T) {
	c := newPackumentCache(8 << 10)
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 500; i++ {
				k := cacheKey{name: string(rune('a' + (i+g)%5))}
				stamp := string(rune('0' + i%3))
				if e, ok := c.get(k, 1, stamp); ok && e.stamp != stamp {
					t.Errorf("got stamp %s for %s", e.stamp, stamp)
				}
				c.put(cacheEntry{key: k, pkgID: 1, stamp: stamp, doc: wholeDoc(make([]byte, 100))})
			}
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	if c.bytes() > c.maxBytes {
		t.Errorf("over budget: %d", c.bytes())
	}
}

func TestRulesVersionsCopied(t *testing.T) {
	r := &Rules{now: time.Now}
	var src, dst domain.Package
	if err := (state{DistTags: map[string]string{"latest": "2.0.0", "beta": "3.0.0-b", "old": "1.0.0"}}).save(&src, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := (state{DistTags: map[string]string{"latest": "0.9.0", "beta": "0.9.1"}}).save(&dst, time.Now()); err != nil {
		t.Fatal(err)
	}
	before := loadState(dst).Stamp
	if err := r.VersionsCopied(src, &dst, []string{"2.0.0", "3.0.0-b"}); err != nil {
		t.Fatal(err)
	}
	got := loadState(dst)
	want := map[string]string{"latest": "2.0.0", "beta": "3.0.0-b"}
	if !reflect.DeepEqual(got.DistTags, want) {
		t.Errorf("dist-tags after copy = %v, want %v", got.DistTags, want)
	}
	if got.Stamp == before {
		t.Error("copy kept the stamp")
	}
}
