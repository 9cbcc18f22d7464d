package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// killRounds is how many times TestKillNineUnderLoad kills the server:
// ARTIFACTD_KILL_ROUNDS (for example 1000) runs it longer by hand.
func killRounds(t *testing.T) int {
	if v := os.Getenv("ARTIFACTD_KILL_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ARTIFACTD_KILL_ROUNDS=%q", v)
		}
		return n
	}
	return 20
}

// killLedger records what the server acknowledged, and what was in
// flight when it died.
type killLedger struct {
	mu        sync.Mutex
	published map[string][]byte // acknowledged publishes not deleted since
	deleted   map[string]bool   // acknowledged deletes
	unsure    map[string][]byte // publishes or deletes the kill interrupted
	// pinned are the digests of publishes the kill interrupted that did not
	// land: their bytes may stay pinned (service.PinLifetime) and so
	// uncollected for a day.
	pinned map[string]bool
}

func (l *killLedger) set(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
}

// TestKillNineUnderLoad: the server is killed with SIGKILL while clients
// publish, change statuses and delete, over and over; after each restart
// every acknowledged write is there with its exact bytes, every
// acknowledged delete is gone, what the kill interrupted is either whole
// or absent, and once the collector has run no blob is left without a
// reference (issue #11, "kill -9 under mixed load").
func TestKillNineUnderLoad(t *testing.T) {
	t.Parallel()
	// Assets of 5 bytes to 11 KB: with a 4 KiB inline size, some are kept
	// in the database and some in the blob store, so kills hit both paths.
	s := harness.Start(t, harness.WithArgs("--inline-blob-kb", "4"))
	c := s.Client(t)
	const dom, repo, ns, pkg = "crash", "repo", "ns", "load"
	harness.CreateDomain(t, c, dom)
	harness.CreateRepository(t, c, dom, repo)
	ledger := &killLedger{published: map[string][]byte{}, deleted: map[string]bool{}, unsure: map[string][]byte{}, pinned: map[string]bool{}}
	rounds := killRounds(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := 0; round < rounds; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				cl := s.Client(t)
				for i := 0; ctx.Err() == nil; i++ {
					v := fmt.Sprintf("%d.%d.%d", round, g, i)
					data := bytes.Repeat([]byte(v+" "), 1+i%7*300)
					if i%5 == 0 && len(data) > 100 {
						data = append(data, []byte(fmt.Sprint(rand.Int()))...) // some shared, some unique bytes
					}
					ledger.set(func() { ledger.unsure[v] = data })
					_, err := mnPublish(t, cl, dom, repo, pkg, v, "f.bin", data)
					if err == nil {
						ledger.set(func() { delete(ledger.unsure, v); ledger.published[v] = data })
					}
					if ctx.Err() != nil || err != nil {
						continue
					}
					if i%3 == 2 { // delete an earlier version of this goroutine
						old := fmt.Sprintf("%d.%d.%d", round, g, i-1)
						ledger.mu.Lock()
						oldData, ok := ledger.published[old]
						if ok {
							ledger.unsure[old] = oldData
							delete(ledger.published, old)
						}
						ledger.mu.Unlock()
						if !ok {
							continue
						}
						out, err := cl.DeletePackageVersions(context.Background(), &codeartifact.DeletePackageVersionsInput{Domain: aws.String(dom),
							Repository: aws.String(repo), Format: types.PackageFormatGeneric, Namespace: aws.String(ns), Package: aws.String(pkg),
							Versions: []string{old}})
						if err == nil && len(out.SuccessfulVersions) == 1 {
							ledger.set(func() { delete(ledger.unsure, old); ledger.deleted[old] = true })
						}
					}
					if i%4 == 3 {
						cl.UpdatePackageVersionsStatus(context.Background(), &codeartifact.UpdatePackageVersionsStatusInput{Domain: aws.String(dom),
							Repository: aws.String(repo), Format: types.PackageFormatGeneric, Namespace: aws.String(ns), Package: aws.String(pkg),
							Versions: []string{v}, TargetStatus: types.PackageVersionStatusUnlisted})
					}
				}
			}(g)
		}
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		s.Kill(t)
		cancel()
		wg.Wait()
		s.Start(t)
		c = s.Client(t)
		checkKillLedger(t, c, round, ledger, dom, repo, ns, pkg)
		if t.Failed() {
			return
		}
	}
	// The collector runs at start-up: once it has, every blob has a
	// reference, but for the bytes of interrupted publishes, which their
	// pins keep for a day.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var unref []string
		for _, d := range unreferencedBlobs(t, s, c, dom, repo, ns, pkg) {
			if !ledger.pinned[d] {
				unref = append(unref, d)
			}
		}
		if len(unref) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d blobs without a reference after collection: %v", len(unref), unref[:min(5, len(unref))])
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("%d rounds, %d acknowledged versions kept, %d acknowledged deletes", rounds, len(ledger.published), len(ledger.deleted))
}

// checkKillLedger compares the server's state with what it acknowledged.
func checkKillLedger(t *testing.T, c *codeartifact.Client, round int, l *killLedger, dom, repo, ns, pkg string) {
	t.Helper()
	present := map[string]bool{}
	for _, v := range listAllVersions(t, c, dom, repo, ns, pkg) {
		present[v] = true
	}
	get := func(v string) ([]byte, error) {
		out, err := c.GetPackageVersionAsset(context.Background(), &codeartifact.GetPackageVersionAssetInput{Domain: aws.String(dom),
			Repository: aws.String(repo), Format: types.PackageFormatGeneric, Namespace: aws.String(ns), Package: aws.String(pkg),
			PackageVersion: aws.String(v), Asset: aws.String("f.bin")})
		if err != nil {
			return nil, err
		}
		defer out.Asset.Close()
		return io.ReadAll(out.Asset)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for v, want := range l.published {
		got, err := get(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("round %d: acknowledged version %s: %d bytes, %v; want its %d bytes", round, v, len(got), err, len(want))
		}
	}
	for v := range l.deleted {
		if present[v] {
			t.Errorf("round %d: acknowledged delete of %s undone", round, v)
		}
	}
	for v, want := range l.unsure {
		if !present[v] {
			l.pinned[mnSHA256(want)] = true
			delete(l.unsure, v)
			continue
		}
		got, err := get(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("round %d: interrupted version %s is half there: %d bytes, %v", round, v, len(got), err)
			continue
		}
		// Whole: from now on it counts as published.
		l.published[v] = want
		delete(l.unsure, v)
	}
	for v := range present {
		if _, ok := l.published[v]; !ok {
			t.Errorf("round %d: version %s is there but was never published whole", round, v)
		}
	}
}

func listAllVersions(t *testing.T, c *codeartifact.Client, dom, repo, ns, pkg string) []string {
	t.Helper()
	var out []string
	var next *string
	for {
		page, err := c.ListPackageVersions(context.Background(), &codeartifact.ListPackageVersionsInput{Domain: aws.String(dom),
			Repository: aws.String(repo), Format: types.PackageFormatGeneric, Namespace: aws.String(ns), Package: aws.String(pkg),
			MaxResults: aws.Int32(1000), NextToken: next})
		if harness.ErrorCode(err) == "ResourceNotFoundException" {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			out = append(out, aws.ToString(v.Version))
		}
		if page.NextToken == nil {
			return out
		}
		next = page.NextToken
	}
}

// unreferencedBlobs lists the blobs no asset references.
func unreferencedBlobs(t *testing.T, s *harness.Server, c *codeartifact.Client, dom, repo, ns, pkg string) []string {
	t.Helper()
	refs := map[string]bool{}
	for _, v := range listAllVersions(t, c, dom, repo, ns, pkg) {
		out, err := c.ListPackageVersionAssets(context.Background(), &codeartifact.ListPackageVersionAssetsInput{Domain: aws.String(dom),
			Repository: aws.String(repo), Format: types.PackageFormatGeneric, Namespace: aws.String(ns), Package: aws.String(pkg),
			PackageVersion: aws.String(v)})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Assets {
			refs[a.Hashes["SHA-256"]] = true
		}
	}
	var unref []string
	for _, d := range s.BlobDigests(t) {
		// Upload temp files a kill left behind are no blobs: the blob store
		// removes them after a day (its root may be shared, so not at once).
		if !refs[d] && !strings.HasPrefix(d, "file blobs/tmp/upload-") {
			unref = append(unref, d)
		}
	}
	slices.Sort(unref)
	return unref
}
