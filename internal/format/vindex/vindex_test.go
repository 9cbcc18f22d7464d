package vindex

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// spec lists Published versions, ordered by their metadata, with one
// section joining their values with ",".
var spec = Spec[string]{
	Convert: func(v domain.PackageVersion) (Item[string], bool) {
		if v.Status != domain.StatusPublished {
			return Item[string]{}, false
		}
		return Item[string]{Key: v.Metadata, Val: v.Version + "@" + string(v.Metadata)}, true
	},
	Sections: []Section[string]{{Part: func(s string) []byte { return []byte(s) }, Sep: []byte(",")},
		{Part: func(s string) []byte { return []byte(s) }, Sep: []byte(";"), Reverse: true}},
	Better: func(a, b string) bool { return len(a) > len(b) },
}

// sameIndex reports whether two indexes hold the same items in the same
// groups, with the same joined section.
func sameIndex(a, b *Index[string]) bool {
	if !slices.EqualFunc(a.Items(), b.Items(), func(x, y Item[string]) bool { return x.Version == y.Version && x.Val == y.Val }) {
		return false
	}
	eq := func(x, y []byte) bool { return string(x) == string(y) }
	ba, _ := a.Best()
	bb, _ := b.Best()
	return slices.EqualFunc(a.Joined(0), b.Joined(0), eq) && slices.EqualFunc(a.Joined(1), b.Joined(1), eq) && ba.Version == bb.Version
}

// checkReads checks Joined, Best, Get and Walk against the items.
func checkReads(t *testing.T, ix *Index[string], rng *rand.Rand) {
	t.Helper()
	items := ix.Items()
	var vals, rev []string
	for i := range items {
		vals = append(vals, items[i].Val)
		rev = append(rev, items[len(items)-1-i].Val)
	}
	join := func(parts [][]byte) string { return string(bytes.Join(parts, nil)) }
	if got := join(ix.Joined(0)); got != strings.Join(vals, ",") {
		t.Fatalf("Joined(0) = %q, want %q", got, strings.Join(vals, ","))
	}
	if got := join(ix.Joined(1)); got != strings.Join(rev, ";") {
		t.Fatalf("Joined(1) = %q, want %q", got, strings.Join(rev, ";"))
	}
	if best, ok := ix.Best(); ok != (len(items) > 0) || ok && best.Version != items[slices.IndexFunc(items, func(it Item[string]) bool {
		return !slices.ContainsFunc(items, func(o Item[string]) bool { return len(o.Val) > len(it.Val) })
	})].Version {
		t.Fatalf("Best = %v %v", best, ok)
	}
	if len(items) == 0 {
		return
	}
	at := rng.IntN(len(items))
	if it, ok := ix.Get(items[at].Version); !ok || it.Val != items[at].Val {
		t.Fatalf("Get(%s) = %v %v", items[at].Version, it, ok)
	}
	if _, ok := ix.Get("nope"); ok {
		t.Fatal("Get of a missing version")
	}
	var fwd, back []string
	ix.Walk(items[at].Version, true, func(it Item[string]) bool { fwd = append(fwd, it.Version); return false })
	ix.Walk(items[at].Version, false, func(it Item[string]) bool { back = append(back, it.Version); return false })
	var wantFwd, wantBack []string
	for i := at + 1; i < len(items); i++ {
		wantFwd = append(wantFwd, items[i].Version)
	}
	for i := at - 1; i >= 0; i-- {
		wantBack = append(wantBack, items[i].Version)
	}
	if !slices.Equal(fwd, wantFwd) || !slices.Equal(back, wantBack) {
		t.Fatalf("Walk from %d: %v %v, want %v %v", at, fwd, back, wantFwd, wantBack)
	}
	var last string
	ix.Walk("", false, func(it Item[string]) bool { last = it.Version; return true })
	if last != items[len(items)-1].Version {
		t.Fatalf("Walk from the end starts at %s", last)
	}
}

// TestLogAndEdit: after random changes of random versions, an index built
// at any earlier stamp and edited with what the log says changed since is
// the index built from every version; when the log no longer knows, it
// says so.
func TestLogAndEdit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	versions := map[string]domain.PackageVersion{}
	// Many versions, so that the index has many groups.
	const names = 600
	rows := func() []domain.PackageVersion {
		var out []domain.PackageVersion
		for _, v := range versions {
			out = append(out, v)
		}
		return out
	}
	var log Log
	log.Renew(nil)
	type past struct {
		ix      *Index[string]
		changes int // changes made since
	}
	var pasts []past
	statuses := []domain.Status{domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived}
	for step := range 400 {
		var changed []string
		switch n := rng.IntN(10); {
		case n == 0:
			changed = nil // any version
		case n == 1:
			changed = []string{} // package-level state only
		default:
			for range 1 + rng.IntN(3) {
				name := fmt.Sprintf("v%d", rng.IntN(names))
				if rng.IntN(5) == 0 {
					delete(versions, name)
				} else {
					versions[name] = domain.PackageVersion{Version: name, Status: statuses[rng.IntN(3)], Metadata: []byte{byte(rng.IntN(8))}}
				}
				changed = append(changed, name)
			}
		}
		log.Renew(changed)
		for i := range pasts {
			pasts[i].changes++
		}
		want := Build(1, log.Stamp, rows(), spec)
		checkReads(t, want, rng)
		for _, p := range pasts {
			names, ok := log.Since(p.ix.Stamp)
			if !ok {
				continue
			}
			if p.changes > maxChanges {
				t.Fatalf("step %d: the log still knows %d changes back (keeps %d)", step, p.changes, maxChanges)
			}
			var fresh []domain.PackageVersion
			for _, n := range names {
				if v, ok := versions[n]; ok {
					fresh = append(fresh, v)
				}
			}
			got := p.ix.Edit(log.Stamp, names, fresh, spec)
			checkReads(t, got, rng)
			if !sameIndex(got, want) || got.Len() != want.Len() {
				t.Fatalf("step %d: edited %v\n%q\nbuilt %v\n%q", step, got.Items(), got.Joined(0), want.Items(), want.Joined(0))
			}
		}
		if changed == nil {
			// Every index from before is unusable now.
			for _, p := range pasts {
				if _, ok := log.Since(p.ix.Stamp); ok {
					t.Fatalf("step %d: a change of any version left the log usable from %s", step, p.ix.Stamp)
				}
			}
			pasts = nil
		}
		if names, ok := log.Since(log.Stamp); !ok || len(names) != 0 {
			t.Fatalf("Since(own stamp) = %v, %v", names, ok)
		}
		pasts = append(pasts, past{ix: want})
		if len(pasts) > 40 {
			pasts = pasts[1:]
		}
	}
	if _, ok := (Log{}).Since("x"); ok {
		t.Fatal("an empty log knows changes")
	}
}

// reader serves Load from versions in memory, counting what it reads.
type reader struct {
	pkg           domain.Package
	versions      service.VersionSlice
	full, named   int
	changeBetween func(*reader)
}

func (r *reader) PackageVersions(context.Context, service.Caller, service.PackageRef) (domain.Package, []domain.PackageVersion, error) {
	r.full++
	return r.pkg, r.versions, nil
}

func (r *reader) PackageVersionsNamed(_ context.Context, _ service.Caller, _ service.PackageRef, names []string) (domain.Package, []domain.PackageVersion, error) {
	r.named++
	if r.changeBetween != nil {
		r.changeBetween(r)
	}
	var out []domain.PackageVersion
	for _, n := range names {
		if v, err := r.versions.Get(n); err == nil {
			out = append(out, v)
		}
	}
	return r.pkg, out, nil
}

func TestLoad(t *testing.T) {
	var log Log
	log.Renew(nil)
	logOf := func(p domain.Package) Log { return domain.PackageState[Log](p) }
	r := &reader{pkg: domain.Package{ID: 7}}
	set := func() {
		if err := domain.SetPackageState(&r.pkg, log); err != nil {
			t.Fatal(err)
		}
	}
	r.versions = service.VersionSlice{{Version: "a", Status: domain.StatusPublished, Metadata: []byte{1}}}
	set()
	ix, _, how, err := Load(context.Background(), r, service.Caller{}, service.PackageRef{}, r.pkg, logOf, nil, spec)
	if err != nil || how != Built || ix.Len() != 1 {
		t.Fatalf("first load: %v %v %v", ix, how, err)
	}
	r.versions = append(r.versions, domain.PackageVersion{Version: "b", Status: domain.StatusPublished, Metadata: []byte{0}})
	log.Renew([]string{"b"})
	set()
	ix2, _, how, err := Load(context.Background(), r, service.Caller{}, service.PackageRef{}, r.pkg, logOf, ix, spec)
	if err != nil || how != Edited || ix2.Len() != 2 || ix2.Items()[0].Version != "b" || r.full != 1 {
		t.Fatalf("after a publish: %v %v %v (full reads %d)", ix2.Items(), how, err, r.full)
	}
	// Another package of the same name (deleted and made again): built.
	cur := r.pkg
	r.pkg.ID = 8
	cur.ID = 8
	if _, _, how, _ := Load(context.Background(), r, service.Caller{}, service.PackageRef{}, cur, logOf, ix2, spec); how != Built {
		t.Fatal("an index of another package was edited")
	}
	// Changed between the package read and the versions read: built.
	r.pkg.ID = 7
	cur = r.pkg
	log.Renew([]string{"a"})
	set()
	cur = r.pkg
	r.changeBetween = func(r *reader) {
		log.Renew([]string{"b"})
		set()
	}
	if _, _, how, _ := Load(context.Background(), r, service.Caller{}, service.PackageRef{}, cur, logOf, ix2, spec); how != Built {
		t.Fatal("an index was edited from a list read at another stamp")
	}
}

// TestDocReader: reads, seeks and ranges over a document of parts give
// the bytes of the joined document.
func TestDocReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var parts [][]byte
		for range rng.IntN(12) {
			p := make([]byte, rng.IntN(5))
			for i := range p {
				p[i] = byte('a' + rng.IntN(26))
			}
			parts = append(parts, p)
		}
		d := NewDoc(parts)
		joined := d.Bytes()
		if int64(len(joined)) != d.Size() {
			t.Fatalf("size %d, joined %d", d.Size(), len(joined))
		}
		r := d.Reader()
		off := rng.Int64N(d.Size() + 2)
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1+rng.IntN(7))
		var got []byte
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil || n == 0 {
				t.Fatalf("Read: %d %v", n, err)
			}
		}
		want := []byte{}
		if off < int64(len(joined)) {
			want = joined[off:]
		}
		if string(got) != string(want) {
			t.Fatalf("from %d: %q, want %q (parts %q)", off, got, want, parts)
		}
	}
}
