package npm

import (
	"errors"
	"reflect"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// countingReader is a VersionReader that counts what the rules read, to
// show that a change costs the tagged versions, not every version.
type countingReader struct {
	service.VersionSlice
	gets, eaches int
}

func (c *countingReader) Get(v string) (domain.PackageVersion, error) {
	c.gets++
	return c.VersionSlice.Get(v)
}

func (c *countingReader) Each(s domain.Status, fn func(domain.PackageVersion) error) error {
	c.eaches++
	return c.VersionSlice.Each(s, fn)
}

func TestFixTagsInReadsTaggedVersionsOnly(t *testing.T) {
	var all service.VersionSlice
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0", "3.0.0-beta.1"} {
		all = append(all, pv(v, domain.StatusPublished))
	}
	all = append(all, pv("2.5.0", domain.StatusArchived))

	// Valid tags: one Get per distinct tagged version, no walk.
	r := &countingReader{VersionSlice: all}
	got, err := fixTagsIn(map[string]string{"latest": "2.0.0", "stable": "2.0.0", "next": "3.0.0-beta.1", "old": "2.5.0", "gone": "9.9.9"}, r)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"latest": "2.0.0", "stable": "2.0.0", "next": "3.0.0-beta.1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if r.gets != 4 || r.eaches != 0 {
		t.Errorf("read %d versions and walked %d times; want 4 reads (one per tagged version) and no walk", r.gets, r.eaches)
	}

	// latest on a version that left Published moves to the highest
	// release, which takes one walk of the Published versions.
	r = &countingReader{VersionSlice: all}
	got, err = fixTagsIn(map[string]string{"latest": "2.5.0"}, r)
	if err != nil {
		t.Fatal(err)
	}
	if got["latest"] != "2.0.0" || r.eaches != 1 {
		t.Errorf("latest = %q after %d walks, want 2.0.0 after 1", got["latest"], r.eaches)
	}

	// Both agree with fixTags, which reads a slice of every version.
	for _, tags := range []map[string]string{
		{"latest": "2.0.0", "x": "1.0.0"}, {"latest": "2.5.0"}, {}, {"beta": "3.0.0-beta.1"},
	} {
		in, err := fixTagsIn(tags, all)
		if err != nil {
			t.Fatal(err)
		}
		if slice := fixTags(tags, all); !reflect.DeepEqual(in, slice) {
			t.Errorf("%v: fixTagsIn %v, fixTags %v", tags, in, slice)
		}
	}
}

// failingReader fails every read: the rules must report it, not take it
// for a missing version.
type failingReader struct{}

var errRead = errors.New("disk on fire")

func (failingReader) Get(string) (domain.PackageVersion, error) {
	return domain.PackageVersion{}, errRead
}
func (failingReader) Each(domain.Status, func(domain.PackageVersion) error) error {
	return errRead
}

func TestPackageChangedReportsReadErrors(t *testing.T) {
	p := domain.Package{Metadata: []byte(`{"dist-tags":{"latest":"1.0.0"},"stamp":"s"}`)}
	if err := NewRules().PackageChanged(&p, failingReader{}, nil); !errors.Is(err, errRead) {
		t.Fatalf("PackageChanged = %v, want the read error", err)
	}
	if loadState(p).Stamp != "s" {
		t.Error("a failed PackageChanged changed the package")
	}
}
