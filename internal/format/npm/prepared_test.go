package npm

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"

	"github.com/artifactd/artifactd/internal/semver"
)

// variedManifests are stored manifests of many shapes, each compact as
// every writer stores them (mustJSON).
var variedManifests = []string{
	`{"name":"@acme/ui","version":"1.10.0","description":"d","scripts":{"postinstall":"x"},"dependencies":{"a":"1"},"dist":{"integrity":"sha512-x","shasum":"ab"},"deprecated":"","readme":"old"}`,
	`{"name":"@acme/ui","version":"1.2.0","deprecated":"use 1.10","dist":{"shasum":"cd"}}`,
	`{}`,
	``,
	`not json`,
	`[1,2]`,
	`{"dist":"not an object","scripts":["install"],"hasInstallScript":false}`,
	`{"description":"<b>&amp; \u2028 ünïcode</b>","keywords":["a","b"],"author":{"name":"A <a@b>"},"license":"MIT","homepage":"https://x/?a=1&b=2","repository":{"type":"git","url":"git+https://x"},"bugs":{"url":"https://x/i"},"maintainers":[{"name":"m"}]}`,
	`{"_attachments":{"x":{}},"_rev":"1-x","readmeFilename":"README.md","bin":{"x":"./x"},"engines":{"node":">=18"},"os":["linux"],"cpu":["x64"],"libc":["glibc"],"funding":"https://f","peerDependenciesMeta":{"p":{"optional":true}},"_hasShrinkwrap":false,"dist":{"tarball":"http://elsewhere/x.tgz","fileCount":3,"unpackedSize":10,"signatures":[{"keyid":"k","sig":"s"}]}}`,
	`{"deprecated":"  ","name":"other","version":"9.9.9","_id":"other@9.9.9","description":"own"}`,
	`{"mentions":"\u0000artifactd-tarball\u0000"}`, // cannot be prepared: stays legacy
}

func TestPreparedRendersAsLegacy(t *testing.T) {
	names := []pkgName{{Name: "x"}, {Scope: "acme", Name: "ui"}}
	endpoints := []string{"http://host:1/npm/d/dom-000000000000/repo/", "https://h/ä \"q\"/"}
	for i, m := range variedManifests {
		for _, name := range names {
			for _, summary := range []string{"", "a summary <&>"} {
				version := fmt.Sprintf("1.%d.0-rc.%d", i, i)
				prepared := prepare([]byte(m), name, version, summary)
				if isPrepared(prepared) == bytes.Contains([]byte(m), []byte("artifactd-tarball")) {
					t.Errorf("manifest %d: prepared = %v", i, isPrepared(prepared))
				}
				// Preparing what manifestJSON gives back is stable.
				if again := prepare(manifestJSON(prepared), name, version, summary); !bytes.Equal(again, prepared) {
					t.Errorf("manifest %d: prepare(manifestJSON(p)) differs:\n%q\n%q", i, again, prepared)
				}
				for _, ep := range endpoints {
					url := tarballURL(ep, name, version)
					for _, abbrev := range []bool{false, true} {
						legacy := appendManifest(nil, name, []byte(m), version, summary, abbrev, url)
						got := appendManifest([]byte("prefix"), name, prepared, version, summary, abbrev, url)
						if !bytes.Equal(got[len("prefix"):], legacy) {
							t.Errorf("manifest %d (%s, summary %q, abbreviated %v):\nprepared %s\nlegacy   %s", i, name, summary, abbrev, got[6:], legacy)
						}
					}
				}
			}
		}
	}
}

func TestPreparedDamagedIsLegacy(t *testing.T) {
	p := prepare([]byte(`{"a":1}`), pkgName{Name: "x"}, "1.0.0", "")
	for _, cut := range []int{0, 3, preparedHeader - 1, preparedHeader + 2, len(p) - 1} {
		if _, _, ok := preparedParts(p[:cut], false); ok && cut < len(p)-1 {
			t.Errorf("a prepared row cut at %d is taken as prepared", cut)
		}
	}
	if isPrepared([]byte(`{"a":1}`)) || isPrepared(nil) {
		t.Errorf("plain JSON taken as prepared")
	}
}

// TestRendererMatchesOld compares the splicing renderer with the one it
// replaced, on legacy rows, prepared rows and both mixed.
func TestRendererMatchesOld(t *testing.T) {
	name := pkgName{Scope: "acme", Name: "ui"}
	ep := "http://host:1/npm/d/dom-000000000000/repo/"
	statuses := []domain.Status{domain.StatusPublished, domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived, domain.StatusPublished}
	versions := []string{"1.10.0", "1.2.0", "1.9.0", "2.0.0-rc.1", "2.0.0-rc.10", "2.0.0-rc.2", "2.0.0", "0.0.1", "10.0.0-alpha", "1.0.0-beta.1", "1.0.0", "3.0.0+build"}
	base := time.Date(2024, 3, 4, 5, 6, 7, 891000000, time.UTC)
	for _, mode := range []string{"legacy", "prepared", "mixed"} {
		// The old renderer reads legacy rows only: it renders the same
		// data stored plain.
		var all, plain []domain.PackageVersion
		for i, v := range versions {
			m := variedManifests[i%len(variedManifests)]
			pv := domain.PackageVersion{Version: v, Status: statuses[i%len(statuses)],
				PublishedTime: base.Add(time.Duration(i*7%5) * time.Hour), Summary: fmt.Sprintf("summary %d", i%3), Readme: "readme " + v}
			if i%3 == 0 {
				pv.Summary = ""
			}
			pv.Metadata = []byte(m)
			plain = append(plain, pv)
			if mode == "prepared" || mode == "mixed" && i%2 == 0 {
				pv.Metadata = prepare([]byte(m), name, v, pv.Summary)
			}
			all = append(all, pv)
		}
		for _, meta := range []string{
			`{"dist-tags":{"latest":"1.10.0","next":"2.0.0-rc.10","gone":"9.9.9","old":"1.9.0"},"stamp":"s1","modified":"2024-03-04T06:00:00Z"}`,
			`{"dist-tags":{},"stamp":"s2"}`, // latest falls back
			`{"dist-tags":{"latest":"1.2.0"}}`,
		} {
			pkg := domain.Package{ID: 7, Metadata: []byte(meta)}
			v, old := newView(name, ep, pkg, all), newView(name, ep, pkg, plain)
			for _, abbrev := range []bool{false, true} {
				want, wok := old.oldPackument(abbrev, plain)
				got, gok := v.packument(abbrev, all)
				if !bytes.Equal(got, want) || gok != wok {
					t.Errorf("%s, %s, abbreviated %v:\ngot  %s\nwant %s", mode, meta, abbrev, got, want)
				}
			}
			for i, pv := range v.versions {
				if got, want := v.manifest(pv), mustJSON(old.oldManifest(old.versions[i])); !bytes.Equal(got, want) {
					t.Errorf("%s: manifest of %s:\ngot  %s\nwant %s", mode, pv.Version, got, want)
				}
			}
		}
	}
}

func TestSortBySemverMatchesCompare(t *testing.T) {
	vs := []string{"1.0.0", "1.0.0-rc.1", "x", "1.0.0-rc.1+b", "0.9.9", "10.0.0", "2.0.0", "1.0.0-alpha", "A", "1.0.0-alpha.1", "1.0.0-1", "1.0.0+a"}
	got := append([]string(nil), vs...)
	sortBySemver(got, func(s string) string { return s })
	for i := 1; i < len(got); i++ {
		if semver.Compare(got[i-1], got[i]) > 0 {
			t.Fatalf("not sorted at %d: %q", i, got)
		}
	}
}

func TestCacheSingleFlight(t *testing.T) {
	c := newPackumentCache(1 << 20)
	k := cacheKey{endpoint: "e/", name: "x"}
	var builds atomic.Int32
	release := make(chan struct{})
	build := func() (cacheEntry, error) {
		builds.Add(1)
		<-release
		return cacheEntry{key: k, pkgID: 1, stamp: "s", doc: wholeDoc([]byte("doc"))}, nil
	}
	const n = 8
	var wg sync.WaitGroup
	results := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := c.do(context.Background(), k, 1, "s", build)
			if err == nil {
				results <- string(e.doc.bytes())
			}
		}()
	}
	// Let every goroutine join the rebuild, then finish it.
	for c.builds.Waiting(flightKey{k, 1, "s"}) < n-1 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(results)
	got := 0
	for body := range results {
		if body != "doc" {
			t.Errorf("body %q", body)
		}
		got++
	}
	if got != n || builds.Load() != 1 {
		t.Errorf("%d answers from %d builds, want %d from 1", got, builds.Load(), n)
	}
	if _, ok := c.get(k, 1, "s"); !ok {
		t.Errorf("the rebuilt entry is not cached")
	}
}

func TestCacheKeepsLargeEntries(t *testing.T) {
	c := newPackumentCache(1000)
	big := cacheEntry{key: cacheKey{name: "big"}, pkgID: 1, stamp: "s", doc: wholeDoc(make([]byte, 700))}
	c.put(big)
	if _, ok := c.get(big.key, 1, "s"); !ok {
		t.Errorf("an entry of 70%% of the budget is not cached")
	}
	huge := cacheEntry{key: cacheKey{name: "huge"}, pkgID: 1, stamp: "s", doc: wholeDoc(make([]byte, 1001))}
	c.put(huge)
	if _, ok := c.get(huge.key, 1, "s"); ok {
		t.Errorf("an entry over the budget is cached")
	}
}
