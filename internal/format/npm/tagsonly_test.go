package npm

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

// sameAsCold checks that sr answers every form of name's packument (full
// and abbreviated, plain and gzipped) with the bytes, ETag and encoding
// of a server started afresh on the same store, and that the gzipped
// forms are one well-formed gzip member holding the plain one.
func sameAsCold(t *testing.T, sr *storeRepo, name pkgName, stage string) {
	t.Helper()
	cold := &storeRepo{f: New(sr.svc, sr.f.log, ""), svc: sr.svc, st: sr.st, repo: sr.repo}
	for _, accept := range []string{"", abbreviatedType} {
		var plain []byte
		for _, gz := range []bool{false, true} {
			got, want := sr.get(name, accept, gz), cold.get(name, accept, gz)
			if got.Code != http.StatusOK || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) ||
				got.Header().Get("Etag") != want.Header().Get("Etag") ||
				got.Header().Get("Content-Encoding") != want.Header().Get("Content-Encoding") {
				t.Fatalf("%s (accept %q, gzip %v): warm %d %s %d bytes, cold %d %s %d bytes", stage, accept, gz,
					got.Code, got.Header().Get("Etag"), got.Body.Len(), want.Code, want.Header().Get("Etag"), want.Body.Len())
			}
			if !gz {
				plain = got.Body.Bytes()
				continue
			}
			if got.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: a client that accepts gzip got %q", stage, got.Header().Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(got.Body.Bytes()))
			if err != nil {
				t.Fatalf("%s: gzip header: %v", stage, err)
			}
			zr.Multistream(false)
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, plain) {
				t.Fatalf("%s (accept %q): gunzipped %d bytes (%v), want the plain document's %d", stage, accept, len(unzipped), err, len(plain))
			}
			if rest, _ := io.ReadAll(zr); len(rest) != 0 || zr.Reset(bytes.NewReader(nil)) != io.EOF {
				t.Fatalf("%s: bytes after the gzip member", stage)
			}
		}
	}
}

// TestPackumentAfterDistTagChange checks that a change of dist-tags alone
// renders the packuments from the cached ones (sharing their compressed
// versions), that a publish reads only the versions it published, that
// anything else rebuilds them from every version, and that every answer
// is what a server without a cache renders.
func TestPackumentAfterDistTagChange(t *testing.T) {
	sr := newStoreRepo(t)
	name := pkgName{Scope: "acme", Name: "tags"}
	sr.publish(t, name, "100.0.0")
	sr.grow(t, name, 0, 300, 5, map[string]string{"next": "0.0.9"})
	ctx := context.Background()
	ref := sr.repo.Ref(domain.FormatNpm, name.Scope, name.Name)
	keys := []cacheKey{
		{endpoint: sr.repo.Endpoint, name: name.String()},
		{endpoint: sr.repo.Endpoint, name: name.String(), abbreviated: true},
	}
	// cached returns the cached entry of each document.
	cached := func() []cacheEntry {
		var out []cacheEntry
		for _, k := range keys {
			e, ok := sr.f.cache.peek(k)
			if !ok || e.lay == nil || e.gz == nil {
				t.Fatalf("%+v: not cached with its groups and gzip", k)
			}
			out = append(out, e)
		}
		return out
	}
	// change runs fn and checks the answers after it, how the two
	// documents were rendered, that every group of versions the change
	// left alone is the earlier document's (its bytes and their gzip)
	// and that a dist-tag change or a publish rendered at most 2 groups.
	change := func(stage string, how int, fn func() error) {
		t.Helper()
		var counts [3]int64
		for i := range counts {
			counts[i] = sr.f.cache.rebuilds[i].Load()
		}
		before := cached()
		oldTag := sr.get(name, "", false).Header().Get("Etag")
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		sameAsCold(t, sr, name, stage)
		for i := range counts {
			want := int64(0)
			if i == how {
				want = 2 // full and abbreviated
			}
			if got := sr.f.cache.rebuilds[i].Load() - counts[i]; got != want {
				t.Errorf("%s: %d documents rendered the way %d, want %d", stage, got, i, want)
			}
		}
		after := cached()
		for i := range keys {
			oldItems := map[*byte]bool{}
			for _, g := range before[i].lay.groups {
				oldItems[unsafe.SliceData(g.items)] = true
			}
			rendered := 0
			for _, g := range after[i].lay.groups {
				if !oldItems[unsafe.SliceData(g.items)] {
					rendered++
				}
			}
			// Every shared group's items and times (and the document's
			// unchanged parts) were not compressed again.
			if shared := len(after[i].lay.groups) - rendered; after[i].gz.reused < shared {
				t.Errorf("%s: %d parts' gzip reused, %d groups shared", stage, after[i].gz.reused, shared)
			}
			if how == rebuiltTags && rendered != 0 || how == rebuiltTouched && rendered > 2 {
				t.Errorf("%s (abbreviated %v): %d of %d groups rendered", stage, keys[i].abbreviated, rendered, len(after[i].lay.groups))
			}
			if len(after[i].lay.groups) < 3 {
				t.Fatalf("%s: %d groups of versions, too few to tell", stage, len(after[i].lay.groups))
			}
		}
		tag := sr.get(name, "", false).Header().Get("Etag")
		if tag == oldTag {
			t.Errorf("%s: ETag %s unchanged", stage, tag)
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("If-None-Match", tag)
		if rec := servicetest.Serve(sr.f, sr.repo, req, name.String()); rec.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match of the current ETag: %d", stage, rec.Code)
		}
	}
	tagReq := func(method, tag, version string) func() error {
		return func() error {
			var body io.Reader
			if version != "" {
				body = strings.NewReader(`"` + version + `"`)
			}
			rec := sr.serve(method, "-/package/"+name.String()+"/dist-tags/"+tag, "", body)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s dist-tag %s: %d %s", method, tag, rec.Code, rec.Body)
			}
			return nil
		}
	}
	sameAsCold(t, sr, name, "grown")
	change("tag added", rebuiltTags, tagReq(http.MethodPut, "beta", "0.0.2"))
	change("tag moved", rebuiltTags, tagReq(http.MethodPut, "beta", "0.0.4"))
	change("another tag added", rebuiltTags, tagReq(http.MethodPut, "next", "0.0.6"))
	change("tag removed", rebuiltTags, tagReq(http.MethodDelete, "next", ""))
	// latest's root fields and readme come from the version it names.
	change("latest moved", rebuiltFull, tagReq(http.MethodPut, "latest", "0.0.7"))
	change("tag after latest moved", rebuiltTags, tagReq(http.MethodPut, "rc", "0.0.8"))
	change("unlisted", rebuiltFull, func() error {
		_, err := sr.svc.UpdatePackageVersionsStatus(ctx, sr.repo.Caller, ref, service.BatchInput{Versions: []string{"0.0.2"}}, domain.StatusUnlisted)
		return err
	})
	change("tag after unlisting", rebuiltTags, tagReq(http.MethodPut, "beta", "0.0.6"))
	change("published", rebuiltTouched, func() error { sr.publish(t, name, "101.0.0"); return nil })
	change("tag after publishing", rebuiltTags, tagReq(http.MethodPut, "beta", "101.0.0"))
	// A publish that leaves latest where it is, two in a row, one of a
	// version between others.
	change("published under a tag", rebuiltTouched, func() error {
		sr.publishTagged(t, name, "101.1.0-rc.1", map[string]string{"rc": "101.1.0-rc.1"})
		return nil
	})
	change("published twice", rebuiltTouched, func() error {
		sr.publishTagged(t, name, "0.0.5-beta.1", map[string]string{"old": "0.0.5-beta.1"})
		sr.publish(t, name, "102.0.0")
		return nil
	})
	// A document two publishes behind the state that is three.
	sr.publishTagged(t, name, "102.0.1", map[string]string{"nightly": "102.0.1"})
	sameAsCold(t, sr, name, "one more")
	change("published twice more", rebuiltTouched, func() error {
		sr.publish(t, name, "103.0.0")
		sr.publishTagged(t, name, "103.0.1-rc.1", map[string]string{"nightly": "103.0.1-rc.1"})
		return nil
	})
	change("deprecated", rebuiltFull, func() error {
		doc := `{"name":"@acme/tags","versions":{"0.0.1":{"deprecated":"no more"}}}`
		if rec := sr.serve(http.MethodPut, name.String(), "", strings.NewReader(doc)); rec.Code != http.StatusOK {
			t.Fatalf("deprecate: %d %s", rec.Code, rec.Body)
		}
		return nil
	})
	change("tag after deprecating", rebuiltTags, tagReq(http.MethodPut, "beta", "0.0.1"))
}

// TestPackumentPublishesMatchCold publishes versions all over the order
// (new lowest and highest ones, ones that end a group of versions, ones
// inside a group), one or a few at a time, and checks after each that
// the document rendered from the cached one is byte for byte, gzip
// included (so its groups are where a fresh rendering puts them), what a
// server without a cache renders.
func TestPackumentPublishesMatchCold(t *testing.T) {
	t.Run("cache", func(t *testing.T) { publishesMatchCold(t, 0) })
	// Fragments evicted between changes: rendered from the store.
	t.Run("small cache", func(t *testing.T) { publishesMatchCold(t, 600_000) })
}

func publishesMatchCold(t *testing.T, cacheBytes int) {
	sr := newStoreRepo(t)
	if cacheBytes > 0 {
		sr.f = New(sr.svc, sr.f.log, "", WithCacheBytes(cacheBytes))
	}
	name := pkgName{Name: "many"}
	sr.publish(t, name, "100.0.0")
	sr.grow(t, name, 0, 400, 0, nil)
	sameAsCold(t, sr, name, "grown")
	rng := rand.New(rand.NewPCG(15, 2026))
	used := map[string]bool{}
	// next returns an unused version; ends asks for one that ends a group.
	next := func(ends bool) string {
		for {
			v := fmt.Sprintf("%d.%d.%d", rng.IntN(3), rng.IntN(100), 10+rng.IntN(1000))
			if rng.IntN(4) == 0 {
				v += fmt.Sprintf("-rc.%d", rng.IntN(9))
			}
			if !used[v] && vindex.EndsGroup(v) == ends {
				used[v] = true
				return v
			}
		}
	}
	for round := range 30 {
		var counts [3]int64
		for i := range counts {
			counts[i] = sr.f.cache.rebuilds[i].Load()
		}
		n := 1 + rng.IntN(3)
		for range n {
			v := next(rng.IntN(3) == 0)
			switch rng.IntN(5) {
			case 0:
				sr.publish(t, name, v) // moves latest to it
			default:
				sr.publishTagged(t, name, v, map[string]string{"nightly": v})
			}
		}
		if round%7 == 3 {
			v := "0.0.0-alpha." + strconv.Itoa(round) // a new first version
			sr.publishTagged(t, name, v, map[string]string{"old": v})
		}
		sameAsCold(t, sr, name, fmt.Sprintf("round %d", round))
		if got := sr.f.cache.rebuilds[rebuiltTouched].Load() - counts[rebuiltTouched]; cacheBytes == 0 && got != 2 {
			t.Errorf("round %d: %d documents rendered from the cached ones, want 2 (full and abbreviated)", round, got)
		}
	}
	// With a small cache the documents stay cached but a package's
	// fragments do not: a publish's group cannot be rendered from the
	// cache, and the document is rendered from the store.
	if full := sr.f.cache.rebuilds[rebuiltFull].Load(); cacheBytes > 0 && (full < 30 || sr.f.cache.len() == 0) {
		t.Errorf("small cache: %d documents rendered from the store, %d cached", full, sr.f.cache.len())
	}
}
