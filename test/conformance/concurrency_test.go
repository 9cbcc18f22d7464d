package conformance

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// These tests are meant to run under `go test -race`; they check the server's
// answers to concurrent requests, never timings.

func TestConcurrentDeleteOfOneVersion(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	data := []byte("contended version")
	rev := e.pubVersion(t, vlRepo, "race-del", "1.0.0", data, types.PackageVersionStatusPublished)

	const n = 10
	type result struct {
		ok, failed map[string]string
		err        error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out, err := e.deleteVersions(t, vlRepo, "race-del", []string{"1.0.0"}, "")
			if err != nil {
				results[i].err = err
				return
			}
			results[i].ok = vlRenderOK(out.SuccessfulVersions)
			results[i].failed = vlRenderFail(out.FailedVersions, nil)
		}()
	}
	close(start)
	wg.Wait()

	winners := 0
	for i, r := range results {
		if !vlNo5xx(t, r.err, fmt.Sprintf("delete #%d", i)) {
			t.Errorf("delete #%d: %v", i, r.err)
			continue
		}
		switch {
		case len(r.ok) == 1 && r.ok["1.0.0"] == vlOK(rev, "Deleted") && len(r.failed) == 0:
			winners++
		case len(r.ok) == 0 && len(r.failed) == 1 && r.failed["1.0.0"] == vlNotFound("1.0.0"):
		default:
			t.Errorf("delete #%d: successfulVersions %v failedVersions %v; want either Deleted or NOT_FOUND", i, r.ok, r.failed)
		}
	}
	if winners != 1 {
		t.Errorf("%d concurrent deletes reported the version deleted, want exactly 1", winners)
	}
	e.wantGone(t, vlRepo, "race-del", "1.0.0")
	e.wantAssetSize(t, 0, "the version's bytes are gone")
	vlWaitBlobs(t, e.srv.DataDir)
}

func TestConcurrentStatusUpdates(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	r1 := e.pubVersion(t, vlRepo, "race-st", "1.0.0", []byte("one"), types.PackageVersionStatusPublished)
	r2 := e.pubVersion(t, vlRepo, "race-st", "1.0.1", []byte("two"), types.PackageVersionStatusPublished)
	revs := map[string]string{"1.0.0": r1, "1.0.1": r2}
	targets := []types.PackageVersionStatus{
		types.PackageVersionStatusPublished, types.PackageVersionStatusUnlisted, types.PackageVersionStatusArchived,
	}

	const n = 10
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			to := targets[i%len(targets)]
			out, err := e.updateStatus(t, vlRepo, "race-st", []string{"1.0.0", "1.0.1"}, revs, "", to)
			if !vlNo5xx(t, err, fmt.Sprintf("update #%d", i)) {
				t.Errorf("update #%d -> %s: %v", i, to, err)
				return
			}
			// Status changes never change revisions, so every call matches.
			vlCheckBatch(t, fmt.Sprintf("update #%d -> %s", i, to), out.SuccessfulVersions, out.FailedVersions,
				map[string]string{"1.0.0": vlOK(r1, string(to)), "1.0.1": vlOK(r2, string(to))}, nil)
		}()
	}
	close(start)
	wg.Wait()

	d1 := e.mustDescribe(t, vlRepo, "race-st", "1.0.0")
	d2 := e.mustDescribe(t, vlRepo, "race-st", "1.0.1")
	if !slices.Contains(targets, d1.Status) {
		t.Errorf("final status %q is none of the targets", d1.Status)
	}
	if d1.Status != d2.Status {
		t.Errorf("the two versions of every batch ended in different statuses: %s and %s (batches are atomic)", d1.Status, d2.Status)
	}
	if aws.ToString(d1.Revision) != r1 || aws.ToString(d2.Revision) != r2 {
		t.Errorf("revisions changed: %s %s, want %s %s", aws.ToString(d1.Revision), aws.ToString(d2.Revision), r1, r2)
	}
}

// TestConcurrentPublishAndDelete: 8 publishers and 4 deleters on one package.
// The final state must agree with every response.
func TestConcurrentPublishAndDelete(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	const (
		publishers  = 8
		perPub      = 12
		deleters    = 4
		deleteTries = 30
		pkg         = "race-mix"
	)
	version := func(p, i int) string { return fmt.Sprintf("%d.%d.0", p, i) }
	// Some bytes are shared between versions, to exercise deduplication.
	content := func(p, i int) []byte {
		if i%3 == 0 {
			return []byte(fmt.Sprintf("shared content %d", i%4))
		}
		return []byte(fmt.Sprintf("own content of %s", version(p, i)))
	}
	var all []string
	owner := map[string][2]int{}
	for p := range publishers {
		for i := range perPub {
			all = append(all, version(p, i))
			owner[version(p, i)] = [2]int{p, i}
		}
	}
	// The package exists before the race starts, so deletes never see a missing package.
	e.mustPublish(t, vlRepo, pkg, "seed", "seed.bin", []byte("seed"), false)

	var mu sync.Mutex
	published := map[string]bool{}
	deleted := map[string]bool{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range perPub {
				v := version(p, i)
				out, err := e.publish(t, vlRepo, pkg, v, "asset.bin", content(p, i), false)
				if err != nil {
					vlNo5xx(t, err, "publish "+v)
					t.Errorf("publish %s: %v", v, err)
					continue
				}
				if out.Status != types.PackageVersionStatusPublished {
					t.Errorf("publish %s: status %s", v, out.Status)
				}
				mu.Lock()
				published[v] = true
				mu.Unlock()
			}
		}()
	}
	for d := range deleters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(d), 42))
			<-start
			for range deleteTries {
				v := all[rng.IntN(len(all))]
				out, err := e.deleteVersions(t, vlRepo, pkg, []string{v}, "")
				if err != nil {
					vlNo5xx(t, err, "delete "+v)
					t.Errorf("delete %s: %v", v, err)
					continue
				}
				ok, failed := vlRenderOK(out.SuccessfulVersions), vlRenderFail(out.FailedVersions, nil)
				switch {
				case len(ok) == 1 && len(failed) == 0 && out.SuccessfulVersions[v].Status == types.PackageVersionStatusDeleted:
					mu.Lock()
					if deleted[v] {
						t.Errorf("version %s reported deleted twice", v)
					}
					deleted[v] = true
					mu.Unlock()
				case len(ok) == 0 && len(failed) == 1 && failed[v] == vlNotFound(v):
				default:
					t.Errorf("delete %s: successfulVersions %v failedVersions %v", v, ok, failed)
				}
			}
		}()
	}
	close(start)
	wg.Wait()

	var wantRemaining []string
	distinct := map[string]int64{vlSHA256([]byte("seed")): 4}
	for _, v := range all {
		if deleted[v] && !published[v] {
			t.Errorf("version %s was reported deleted but its publish never succeeded", v)
		}
		if published[v] && !deleted[v] {
			wantRemaining = append(wantRemaining, v)
			c := content(owner[v][0], owner[v][1])
			distinct[vlSHA256(c)] = int64(len(c))
		}
	}
	wantRemaining = append(wantRemaining, "seed")
	slices.Sort(wantRemaining)
	got := vlVersionNames(e.listVersions(t, vlRepo, pkg, nil))
	slices.Sort(got) // which versions remain, not their order
	if !slices.Equal(got, wantRemaining) {
		t.Errorf("remaining versions\n%v\nwant (published and not deleted)\n%v", got, wantRemaining)
	}
	var wantSize int64
	var digests []string
	for d, n := range distinct {
		wantSize += n
		digests = append(digests, d)
	}
	e.wantAssetSize(t, wantSize, "sum of the distinct remaining assets")
	vlWaitBlobs(t, e.srv.DataDir, digests...)
	t.Logf("%d published, %d deleted, %d remaining", len(published), len(deleted), len(wantRemaining))
}

// TestConcurrentAssetsIntoOneVersion: parallel uploads into one Unfinished
// version all land; parallel uploads of one asset name with different bytes
// have exactly one winner.
func TestConcurrentAssetsIntoOneVersion(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	const n = 10
	e.mustPublish(t, vlRepo, "race-assets", "1.0.0", "first.bin", []byte("first"), true)

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			name := fmt.Sprintf("part-%02d.bin", i)
			_, err := e.publish(t, vlRepo, "race-assets", "1.0.0", name, []byte("bytes of "+name), true)
			if err != nil {
				vlNo5xx(t, err, "publish "+name)
				t.Errorf("publish %s: %v", name, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	assets := e.listAssets(t, vlRepo, "race-assets", "1.0.0")
	if len(assets) != n+1 {
		t.Errorf("%d assets after %d concurrent uploads, want %d", len(assets), n, n+1)
	}
	for _, a := range assets {
		if name := aws.ToString(a.Name); name != "first.bin" {
			vlCheckAsset(t, name, &a, name, []byte("bytes of "+name))
		}
	}

	// One name, different bytes: one winner, the rest ConflictException.
	var mu sync.Mutex
	winners := 0
	var winnerBytes []byte
	start = make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			b := []byte(fmt.Sprintf("contender %d", i))
			_, err := e.publish(t, vlRepo, "race-assets", "1.0.0", "contested.bin", b, true)
			if err == nil {
				mu.Lock()
				winners++
				winnerBytes = b
				mu.Unlock()
				return
			}
			vlWantErr[*types.ConflictException](t, err, "losing concurrent upload of one asset name")
		}()
	}
	close(start)
	wg.Wait()
	if winners != 1 {
		t.Fatalf("%d uploads of contested.bin succeeded, want exactly 1", winners)
	}
	e.mustGetAsset(t, vlRepo, "race-assets", "1.0.0", "contested.bin", winnerBytes)
}
