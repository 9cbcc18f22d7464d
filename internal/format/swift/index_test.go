package swift

import (
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

func TestBuildIndex(t *testing.T) {
	pkg := domain.Package{ID: 7, Namespace: "mona", Name: "linkedlist"}
	if err := updateState(&pkg, nil, []string{"git.example.com/mona/linkedlist"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	v := func(version string, st domain.Status) domain.PackageVersion {
		at = at.Add(time.Hour)
		return domain.PackageVersion{Version: version, Status: st, DisplayName: "LinkedList", PublishedTime: at,
			Metadata: versionDoc{Checksum: "c-" + version, Manifests: map[string]string{"Package.swift": "5.9"}}.encode()}
	}
	key := indexKey{endpoint: "https://h/swift/d/acme-123456789012/r/", scope: "mona", name: "linkedlist"}
	e, err := buildIndex(key, pkg, []domain.PackageVersion{
		v("1.0.0", domain.StatusPublished), v("1.10.0", domain.StatusUnlisted), v("1.2.0", domain.StatusPublished),
		v("2.0.0-rc.1", domain.StatusArchived), v("0.9.0", domain.StatusUnfinished), v("0.8.0", domain.StatusDeleted),
		v("0.7.0", domain.StatusDisposed), v("not-semver", domain.StatusPublished),
	})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	e.ix.Walk("", false, func(it vindex.Item[listedRelease]) bool {
		order = append(order, it.Version)
		return false
	})
	if strings.Join(order, " ") != "2.0.0-rc.1 1.10.0 1.2.0 1.0.0 0.7.0" || e.latest != "1.2.0" || e.name != "LinkedList" {
		t.Errorf("releases %v latest %q name %q", order, e.latest, e.name)
	}
	if s, p := e.neighbours("1.2.0"); s != "" || p != "1.0.0" {
		t.Errorf("neighbours of 1.2.0: %q %q", s, p)
	}
	if s, p := e.neighbours("1.10.0"); s != "" || p != "1.2.0" {
		t.Errorf("neighbours of 1.10.0: %q %q", s, p)
	}
	body := string(e.doc.Bytes())
	if !strings.HasPrefix(body, `{"releases":{"2.0.0-rc.1":{"url":"https://h/swift/d/acme-123456789012/r/mona/linkedlist/2.0.0-rc.1","problem":{"status":410`) ||
		!strings.Contains(body, `"1.2.0":{"url":"https://h/swift/d/acme-123456789012/r/mona/linkedlist/1.2.0"}`) {
		t.Errorf("body %s", body)
	}
	if r, ok := e.release("1.0.0"); !ok || r.Doc.Checksum != "c-1.0.0" {
		t.Errorf("release 1.0.0: %+v %v", r, ok)
	}

	// The cache hands an index only to a reader of the same package state.
	c := newIndexCache(1 << 20)
	c.put(e)
	if _, ok := c.get(key, 7, e.stamp); !ok {
		t.Error("cached index not found")
	}
	if _, ok := c.get(key, 7, "other"); ok {
		t.Error("an index of another stamp was used")
	}
	if _, ok := c.get(key, 8, e.stamp); ok {
		t.Error("an index of another package ID was used")
	}
	// A status change renews the stamp (Rules.PackageChanged) and keeps
	// the URLs identifiers are looked up by.
	before := loadState(pkg)
	if err := (Rules{}).PackageChanged(&pkg, nil, nil); err != nil {
		t.Fatal(err)
	}
	after := loadState(pkg)
	if after.Stamp == before.Stamp || len(after.URLs) != 1 {
		t.Errorf("state %+v after %+v", after, before)
	}
	// Copied releases bring their package's URLs along.
	dst := domain.Package{ID: 9}
	if err := (Rules{}).VersionsCopied(pkg, &dst, []string{"1.0.0"}); err != nil {
		t.Fatal(err)
	}
	if st := loadState(dst); len(st.URLs) != 1 || st.URLs[0] != "git.example.com/mona/linkedlist" || st.Stamp == "" {
		t.Errorf("copied state %+v", st)
	}
}

func TestSourceLinks(t *testing.T) {
	got := sourceLinks([]byte(`{"repositoryURLs": ["https://git.example.com/a/b", "git@git.example.com:a/b.git", "https://x.example/a,b", ""]}`))
	want := []string{`<https://git.example.com/a/b>; rel="canonical"`, `<git@git.example.com:a/b.git>; rel="alternate"`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sourceLinks = %q", got)
	}
	if got := sourceLinks([]byte(`{}`)); got != nil {
		t.Errorf("no URLs: %q", got)
	}
}
