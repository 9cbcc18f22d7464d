package conformance

// Two artifactd processes on one PostgreSQL database and one S3 prefix, as
// two nodes behind a load balancer (docs/deployment.md): whatever one node
// acknowledges, the other sees at once, and a node killed mid-write leaves
// the shared state consistent. The test needs ARTIFACTD_TEST_POSTGRES_DSN
// and ARTIFACTD_TEST_S3_URL (scripts/start-postgres, scripts/start-s3); it
// is skipped without them, and fails without them when CI is set. Every
// identifier here starts with "mn".

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

const (
	mnDomain = "multi"
	mnRepo   = "main"
	mnNS     = "ns"
)

// Not parallel: node A is killed and restarted on the same port.
func TestMultiNode(t *testing.T) {
	harness.RequireSharedStorage(t)
	a := harness.Start(t, harness.WithPostgresS3())
	b := harness.Start(t, harness.WithShared(a))
	ca, cb := a.Client(t), b.Client(t)

	t.Run("control plane is shared at once", func(t *testing.T) {
		harness.CreateDomain(t, ca, mnDomain)
		out, err := cb.DescribeDomain(t.Context(), &codeartifact.DescribeDomainInput{Domain: aws.String(mnDomain)})
		if err != nil {
			t.Fatalf("DescribeDomain on B right after CreateDomain on A: %v", err)
		}
		if got := aws.ToString(out.Domain.Arn); got != a.DomainARN("", mnDomain) {
			t.Errorf("domain ARN on B = %q, want %q", got, a.DomainARN("", mnDomain))
		}
		harness.CreateRepository(t, ca, mnDomain, mnRepo)
		harness.CreateRepository(t, ca, mnDomain, "other")
		if _, err := cb.DescribeRepository(t.Context(), &codeartifact.DescribeRepositoryInput{
			Domain: aws.String(mnDomain), Repository: aws.String(mnRepo),
		}); err != nil {
			t.Fatalf("DescribeRepository on B right after CreateRepository on A: %v", err)
		}
		// And the other way round.
		if _, err := cb.UpdateRepository(t.Context(), &codeartifact.UpdateRepositoryInput{
			Domain: aws.String(mnDomain), Repository: aws.String(mnRepo), Description: aws.String("set on B"),
		}); err != nil {
			t.Fatalf("UpdateRepository on B: %v", err)
		}
		d, err := ca.DescribeRepository(t.Context(), &codeartifact.DescribeRepositoryInput{
			Domain: aws.String(mnDomain), Repository: aws.String(mnRepo),
		})
		if err != nil {
			t.Fatalf("DescribeRepository on A: %v", err)
		}
		if got := aws.ToString(d.Repository.Description); got != "set on B" {
			t.Errorf("description on A = %q, want the one B set", got)
		}
		if _, err := cb.DeleteRepository(t.Context(), &codeartifact.DeleteRepositoryInput{
			Domain: aws.String(mnDomain), Repository: aws.String("other"),
		}); err != nil {
			t.Fatalf("DeleteRepository on B: %v", err)
		}
		_, err = ca.DescribeRepository(t.Context(), &codeartifact.DescribeRepositoryInput{
			Domain: aws.String(mnDomain), Repository: aws.String("other"),
		})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "other")
	})
	if t.Failed() {
		t.FailNow()
	}

	tokenA := mnToken(t, ca, mnDomain)
	endpointB := mnEndpoint(t, cb, mnDomain, mnRepo, types.PackageFormatGeneric)
	if !strings.HasPrefix(endpointB, b.URL+"/") {
		t.Fatalf("B's generic endpoint %q is not on B (%s): --public-url defaults to the node's own address", endpointB, b.URL)
	}

	t.Run("publish on A, download on B", func(t *testing.T) {
		data := []byte("published through node A")
		mnMustPublish(t, ca, mnDomain, mnRepo, "tool", "1.0.0", "tool.bin", data)
		got, err := mnGetAsset(t, cb, mnDomain, mnRepo, "tool", "1.0.0", "tool.bin")
		if err != nil {
			t.Fatalf("GetPackageVersionAsset on B: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("GetPackageVersionAsset on B: %q, want %q", got, data)
		}
		code, body := mnDataGet(t, endpointB+mnNS+"/tool/1.0.0/tool.bin", tokenA)
		if code != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("data plane of B with a token minted on A: %d %q, want 200 %q", code, body, data)
		}
		// A token minted on B opens A's data plane too.
		tokenB := mnToken(t, cb, mnDomain)
		endpointA := mnEndpoint(t, ca, mnDomain, mnRepo, types.PackageFormatGeneric)
		code, body = mnDataGet(t, endpointA+mnNS+"/tool/1.0.0/tool.bin", tokenB)
		if code != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("data plane of A with a token minted on B: %d %q, want 200 %q", code, body, data)
		}
	})

	t.Run("delete on B is gone on A at once", func(t *testing.T) {
		data := []byte("deleted through node B")
		digest := mnSHA256(data)
		mnMustPublish(t, ca, mnDomain, mnRepo, "doomed", "1.0.0", "doomed.bin", data)
		if !slices.Contains(b.BlobDigests(t), digest) {
			t.Fatalf("blob %s not in the bucket after the publish on A", digest)
		}
		res, err := cb.DeletePackageVersions(t.Context(), &codeartifact.DeletePackageVersionsInput{
			Domain: aws.String(mnDomain), Repository: aws.String(mnRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(mnNS), Package: aws.String("doomed"), Versions: []string{"1.0.0"},
		})
		if err != nil || len(res.FailedVersions) > 0 {
			t.Fatalf("DeletePackageVersions on B: %v (failed %v)", err, res)
		}
		_, err = ca.DescribePackageVersion(t.Context(), &codeartifact.DescribePackageVersionInput{
			Domain: aws.String(mnDomain), Repository: aws.String(mnRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(mnNS), Package: aws.String("doomed"), PackageVersion: aws.String("1.0.0"),
		})
		harness.ExpectError[*types.ResourceNotFoundException](t, err)
		if _, err := mnGetAsset(t, ca, mnDomain, mnRepo, "doomed", "1.0.0", "doomed.bin"); err == nil {
			t.Errorf("GetPackageVersionAsset on A still serves the version deleted on B")
		}
		// The delete answers once it commits; the collector (on whichever
		// node leads it) removes the bytes moments later.
		deadline := time.Now().Add(30 * time.Second)
		for slices.Contains(a.BlobDigests(t), digest) {
			if time.Now().After(deadline) {
				t.Errorf("blob %s still in the bucket 30 s after DeletePackageVersions answered", digest)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("archive on A, B's data plane answers 404 at once", func(t *testing.T) {
		data := []byte("archived through node A")
		mnMustPublish(t, cb, mnDomain, mnRepo, "old", "1.0.0", "old.bin", data)
		url := endpointB + mnNS + "/old/1.0.0/old.bin"
		if code, body := mnDataGet(t, url, tokenA); code != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("before archiving: %d %q", code, body)
		}
		res, err := ca.UpdatePackageVersionsStatus(t.Context(), &codeartifact.UpdatePackageVersionsStatusInput{
			Domain: aws.String(mnDomain), Repository: aws.String(mnRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(mnNS), Package: aws.String("old"), Versions: []string{"1.0.0"},
			TargetStatus: types.PackageVersionStatusArchived,
		})
		if err != nil || len(res.FailedVersions) > 0 {
			t.Fatalf("UpdatePackageVersionsStatus on A: %v (%v)", err, res)
		}
		if code, body := mnDataGet(t, url, tokenA); code != http.StatusNotFound {
			t.Errorf("B's data plane right after archiving on A: %d %q, want 404", code, body)
		}
		_, err = mnGetAsset(t, cb, mnDomain, mnRepo, "old", "1.0.0", "old.bin")
		harness.ExpectError[*types.ConflictException](t, err)
	})

	t.Run("concurrent publishes through both nodes", func(t *testing.T) {
		const perNode = 16
		type job struct {
			node string
			c    *codeartifact.Client
			ver  string
			data []byte
		}
		var jobs []job
		want := map[string][]byte{}
		for i := range perNode {
			for _, n := range []struct {
				name string
				c    *codeartifact.Client
			}{{"A", ca}, {"B", cb}} {
				ver := fmt.Sprintf("%s.%d.0", strings.ToLower(n.name), i)
				data := []byte(fmt.Sprintf("version %s through node %s", ver, n.name))
				if i%4 == 0 {
					data = []byte("bytes shared by several versions") // same digest from both nodes at once
				}
				jobs = append(jobs, job{n.name, n.c, ver, data})
				want[ver] = data
			}
		}
		errs := make(chan error, len(jobs))
		sem := make(chan struct{}, 8)
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				_, err := mnPublish(t, j.c, mnDomain, mnRepo, "busy", j.ver, "busy.bin", j.data)
				if err != nil {
					errs <- fmt.Errorf("publish %s through %s (HTTP %d): %w", j.ver, j.node, harness.HTTPStatus(err), err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for name, c := range map[string]*codeartifact.Client{"A": ca, "B": cb} {
			got := mnVersions(t, c, mnDomain, mnRepo, "busy")
			if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
				t.Errorf("versions listed on %s = %v, want %v", name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		}
		for ver, data := range want {
			body, err := mnGetAsset(t, cb, mnDomain, mnRepo, "busy", ver, "busy.bin")
			if err != nil || !bytes.Equal(body, data) {
				t.Errorf("GetPackageVersionAsset busy@%s on B: %v, %q, want %q", ver, err, body, data)
			}
		}
		mnCheckDomain(t, cb, mnDomain)
	})

	t.Run("SIGKILL of a node in the middle of writes", func(t *testing.T) {
		const domain = "crash"
		harness.CreateDomain(t, ca, domain)
		harness.CreateRepository(t, ca, domain, mnRepo)
		log := mnWriteStorm(t, ca, domain, func() { a.Kill(t) })
		t.Logf("writes through A: %d acknowledged, %d unanswered when it died", log.acked(), len(log.ops)-log.acked())

		// Every acknowledged write is visible through B, and nothing else.
		log.check(t, cb, domain)
		mnCheckDomain(t, cb, domain)

		// B keeps serving while A is dead.
		if _, err := ca.ListDomains(t.Context(), &codeartifact.ListDomainsInput{}); err == nil {
			t.Fatalf("node A still answers after SIGKILL")
		}
		mnWantStatus(t, b.URL+"/readyz", http.StatusOK)
		alone := []byte("published through B while A is dead")
		mnMustPublish(t, cb, domain, mnRepo, "alone", "1.0.0", "alone.bin", alone)
		tokenB := mnToken(t, cb, domain)
		ep := mnEndpoint(t, cb, domain, mnRepo, types.PackageFormatGeneric)
		if code, body := mnDataGet(t, ep+mnNS+"/alone/1.0.0/alone.bin", tokenB); code != http.StatusOK || !bytes.Equal(body, alone) {
			t.Errorf("B's data plane while A is dead: %d %q", code, body)
		}

		// A comes back and serves again, on the state B changed meanwhile.
		a.Start(t)
		ca = a.Client(t)
		mnWantStatus(t, a.URL+"/readyz", http.StatusOK)
		if body, err := mnGetAsset(t, ca, domain, mnRepo, "alone", "1.0.0", "alone.bin"); err != nil || !bytes.Equal(body, alone) {
			t.Errorf("A after restart, version published on B meanwhile: %v %q", err, body)
		}
		again := []byte("published through A after its restart")
		mnMustPublish(t, ca, domain, mnRepo, "alone", "2.0.0", "alone.bin", again)
		if body, err := mnGetAsset(t, cb, domain, mnRepo, "alone", "2.0.0", "alone.bin"); err != nil || !bytes.Equal(body, again) {
			t.Errorf("B, version published on A after its restart: %v %q", err, body)
		}
		// The old token of A still works: the signing key is in the database.
		if code, _ := mnDataGet(t, endpointB+mnNS+"/tool/1.0.0/tool.bin", tokenA); code != http.StatusOK {
			t.Errorf("token minted on A before its crash: %d on B, want 200", code)
		}
		mnCheckDomain(t, cb, domain)
	})

	t.Run("npm publish through A, npm install through B", func(t *testing.T) {
		mnNPMRoundTrip(t, a, b)
	})
}

// ---------------------------------------------------------------- the storm

// mnOp is one write sent through the node that is killed.
type mnOp struct {
	pkg, ver string
	data     []byte // publish; nil for a delete
	acked    bool   // answered with success
}

type mnLog struct {
	mu  sync.Mutex
	ops []*mnOp
}

func (l *mnLog) add(op *mnOp) {
	l.mu.Lock()
	l.ops = append(l.ops, op)
	l.mu.Unlock()
}

func (l *mnLog) acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, op := range l.ops {
		if op.acked {
			n++
		}
	}
	return n
}

// mnWriteStorm runs writers that publish (and now and then delete)
// versions through c until it fails, calls kill once enough writes were
// acknowledged, and returns what was sent.
func mnWriteStorm(t *testing.T, c *codeartifact.Client, domain string, kill func()) *mnLog {
	t.Helper()
	const writers, before = 4, 40
	log := &mnLog{}
	var wg sync.WaitGroup
	var acks atomic.Int64
	var killed atomic.Bool
	failed := func(what string, err error) {
		if !killed.Load() {
			t.Errorf("%s through the node before it was killed: %v", what, err)
		}
	}
	enough := make(chan struct{})
	ack := func() {
		if acks.Add(1) == before {
			close(enough)
		}
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pkg := fmt.Sprintf("w%d", w)
			for k := 0; ; k++ {
				ver := fmt.Sprintf("1.0.%d", k)
				var data []byte
				switch {
				case k%5 == 0:
					data = []byte("shared by the writers") // one digest, many references
				default:
					// 12 KiB to 480 KiB: some uploads are still streaming at the kill.
					size := 12 << 10 * (1 + (k*7+w)%40)
					unit := []byte(fmt.Sprintf("%s@%s;", pkg, ver))
					data = bytes.Repeat(unit, size/len(unit)+1)[:size]
				}
				op := &mnOp{pkg: pkg, ver: ver, data: data}
				log.add(op)
				_, err := mnPublish(t, c, domain, mnRepo, pkg, ver, "data.bin", data)
				if err != nil {
					failed("publish "+pkg+"@"+ver, err)
					return // the node is gone
				}
				log.mu.Lock()
				op.acked = true
				log.mu.Unlock()
				ack()
				if k%4 == 3 { // delete an earlier version
					del := &mnOp{pkg: pkg, ver: fmt.Sprintf("1.0.%d", k-2)}
					log.add(del)
					res, err := c.DeletePackageVersions(context.Background(), &codeartifact.DeletePackageVersionsInput{
						Domain: aws.String(domain), Repository: aws.String(mnRepo), Format: types.PackageFormatGeneric,
						Namespace: aws.String(mnNS), Package: aws.String(pkg), Versions: []string{del.ver},
					})
					if err != nil {
						failed("delete "+pkg+"@"+del.ver, err)
						return
					}
					if len(res.FailedVersions) > 0 {
						t.Errorf("DeletePackageVersions %s@%s: failed %v", pkg, del.ver, res.FailedVersions)
						return
					}
					log.mu.Lock()
					del.acked = true
					log.mu.Unlock()
					ack()
				}
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(2 * time.Minute):
		t.Errorf("fewer than %d writes acknowledged in 2 minutes", before)
	}
	killed.Store(true)
	kill()
	wg.Wait()
	return log
}

// check verifies, through c, that every acknowledged publish is present
// with its bytes unless an acknowledged delete removed it, that every
// acknowledged delete holds, and that a write that was never answered
// happened entirely or not at all.
func (l *mnLog) check(t *testing.T, c *codeartifact.Client, domain string) {
	t.Helper()
	type state struct {
		present, maybe bool // must be present / may be present
		data           []byte
	}
	want := map[string]map[string]*state{} // pkg -> ver -> state
	for _, op := range l.ops {
		if want[op.pkg] == nil {
			want[op.pkg] = map[string]*state{}
		}
		st := want[op.pkg][op.ver]
		if st == nil {
			st = &state{}
			want[op.pkg][op.ver] = st
		}
		switch {
		case op.data != nil && op.acked:
			st.present, st.maybe, st.data = true, true, op.data
		case op.data != nil:
			st.present, st.maybe, st.data = false, true, op.data
		case op.acked: // delete
			st.present, st.maybe = false, false
		default: // unanswered delete
			st.maybe = st.maybe || st.present
			st.present = false
		}
	}
	for pkg, vers := range want {
		got := mnVersions(t, c, domain, mnRepo, pkg)
		for ver, st := range vers {
			status, listed := got[ver]
			switch {
			case st.present && !listed:
				t.Errorf("%s@%s: acknowledged publish is missing", pkg, ver)
			case !st.maybe && listed:
				t.Errorf("%s@%s: listed (%s), but its delete was acknowledged", pkg, ver, status)
			case listed && status != types.PackageVersionStatusPublished:
				t.Errorf("%s@%s: status %s, want Published (a publish is all or nothing)", pkg, ver, status)
			}
			if !listed {
				continue
			}
			body, err := mnGetAsset(t, c, domain, mnRepo, pkg, ver, "data.bin")
			if err != nil || !bytes.Equal(body, st.data) {
				t.Errorf("%s@%s: download %v, %d bytes (sha256 %s), want %d bytes (sha256 %s)",
					pkg, ver, err, len(body), mnSHA256(body), len(st.data), mnSHA256(st.data))
			}
		}
		for ver := range got {
			if vers[ver] == nil {
				t.Errorf("%s@%s: listed but never written", pkg, ver)
			}
		}
	}
}

// ------------------------------------------------------------- consistency

// mnCheckDomain checks, through c, that every asset of every version in the
// domain downloads with the bytes its hashes name (versions that refuse
// downloads excepted: Archived, Disposed), that the blob store holds every
// referenced digest, and that assetSizeBytes is the sum of the sizes of the
// distinct digests.
func mnCheckDomain(t *testing.T, c *codeartifact.Client, domain string) {
	t.Helper()
	ctx := t.Context()
	sizes := map[string]int64{}
	repos, err := c.ListRepositoriesInDomain(ctx, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String(domain)})
	if err != nil {
		t.Fatalf("ListRepositoriesInDomain %s: %v", domain, err)
	}
	for _, r := range repos.Repositories {
		repo := aws.ToString(r.Name)
		var token *string
		for {
			pk, err := c.ListPackages(ctx, &codeartifact.ListPackagesInput{Domain: aws.String(domain), Repository: aws.String(repo), NextToken: token})
			if err != nil {
				t.Fatalf("ListPackages %s/%s: %v", domain, repo, err)
			}
			for _, p := range pk.Packages {
				if p.Format != types.PackageFormatGeneric {
					continue // mnCheckDomain is used on generic-only domains
				}
				pkg := aws.ToString(p.Package)
				for ver, status := range mnVersions(t, c, domain, repo, pkg) {
					assets := mnAssets(t, c, domain, repo, pkg, ver)
					for _, as := range assets {
						sum := as.Hashes["SHA-256"]
						sizes[sum] = aws.ToInt64(as.Size)
						if status == types.PackageVersionStatusArchived || status == types.PackageVersionStatusDisposed {
							continue
						}
						body, err := mnGetAsset(t, c, domain, repo, pkg, ver, aws.ToString(as.Name))
						if err != nil {
							t.Errorf("%s/%s %s@%s asset %s: %v", domain, repo, pkg, ver, aws.ToString(as.Name), err)
						} else if mnSHA256(body) != sum || int64(len(body)) != aws.ToInt64(as.Size) {
							t.Errorf("%s/%s %s@%s asset %s: %d bytes sha256 %s, listed %d bytes sha256 %s",
								domain, repo, pkg, ver, aws.ToString(as.Name), len(body), mnSHA256(body), aws.ToInt64(as.Size), sum)
						}
					}
				}
			}
			if pk.NextToken == nil {
				break
			}
			token = pk.NextToken
		}
	}
	var total int64
	for _, n := range sizes {
		total += n
	}
	d, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String(domain)})
	if err != nil {
		t.Fatalf("DescribeDomain %s: %v", domain, err)
	}
	if d.Domain.AssetSizeBytes != total {
		t.Errorf("domain %s: assetSizeBytes = %d, want %d (the sizes of %d distinct digests)", domain, d.Domain.AssetSizeBytes, total, len(sizes))
	}
}

// ------------------------------------------------------------------ helpers

func mnSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mnPublish(t *testing.T, c *codeartifact.Client, domain, repo, pkg, ver, asset string, data []byte) (*codeartifact.PublishPackageVersionOutput, error) {
	return c.PublishPackageVersion(context.Background(), &codeartifact.PublishPackageVersionInput{
		Domain: aws.String(domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(mnNS), Package: aws.String(pkg), PackageVersion: aws.String(ver),
		AssetName: aws.String(asset), AssetContent: bytes.NewReader(data), AssetSHA256: aws.String(mnSHA256(data)),
	})
}

func mnMustPublish(t *testing.T, c *codeartifact.Client, domain, repo, pkg, ver, asset string, data []byte) {
	t.Helper()
	if _, err := mnPublish(t, c, domain, repo, pkg, ver, asset, data); err != nil {
		t.Fatalf("PublishPackageVersion %s/%s %s@%s: %v", domain, repo, pkg, ver, err)
	}
}

func mnGetAsset(t *testing.T, c *codeartifact.Client, domain, repo, pkg, ver, asset string) ([]byte, error) {
	t.Helper()
	out, err := c.GetPackageVersionAsset(t.Context(), &codeartifact.GetPackageVersionAssetInput{
		Domain: aws.String(domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(mnNS), Package: aws.String(pkg), PackageVersion: aws.String(ver), Asset: aws.String(asset),
	})
	if err != nil {
		return nil, err
	}
	defer out.Asset.Close()
	return io.ReadAll(out.Asset)
}

// mnVersions maps every version of a generic package to its status.
func mnVersions(t *testing.T, c *codeartifact.Client, domain, repo, pkg string) map[string]types.PackageVersionStatus {
	t.Helper()
	out := map[string]types.PackageVersionStatus{}
	var token *string
	for {
		page, err := c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(mnNS), Package: aws.String(pkg), NextToken: token,
		})
		if err != nil {
			if harness.ErrorCode(err) == "ResourceNotFoundException" {
				return out // no version was ever committed
			}
			t.Fatalf("ListPackageVersions %s/%s %s: %v", domain, repo, pkg, err)
		}
		for _, v := range page.Versions {
			out[aws.ToString(v.Version)] = v.Status
		}
		if page.NextToken == nil {
			return out
		}
		token = page.NextToken
	}
}

func mnAssets(t *testing.T, c *codeartifact.Client, domain, repo, pkg, ver string) []types.AssetSummary {
	t.Helper()
	var all []types.AssetSummary
	var token *string
	for {
		page, err := c.ListPackageVersionAssets(t.Context(), &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String(domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(mnNS), Package: aws.String(pkg), PackageVersion: aws.String(ver), NextToken: token,
		})
		if err != nil {
			t.Fatalf("ListPackageVersionAssets %s/%s %s@%s: %v", domain, repo, pkg, ver, err)
		}
		all = append(all, page.Assets...)
		if page.NextToken == nil {
			return all
		}
		token = page.NextToken
	}
}

func mnToken(t *testing.T, c *codeartifact.Client, domain string) string {
	t.Helper()
	out, err := c.GetAuthorizationToken(t.Context(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(domain)})
	if err != nil {
		t.Fatalf("GetAuthorizationToken %s: %v", domain, err)
	}
	return aws.ToString(out.AuthorizationToken)
}

func mnEndpoint(t *testing.T, c *codeartifact.Client, domain, repo string, f types.PackageFormat) string {
	t.Helper()
	out, err := c.GetRepositoryEndpoint(t.Context(), &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String(domain), Repository: aws.String(repo), Format: f,
	})
	if err != nil {
		t.Fatalf("GetRepositoryEndpoint %s/%s %s: %v", domain, repo, f, err)
	}
	return aws.ToString(out.RepositoryEndpoint)
}

// mnDataGet GETs a data-plane URL with a bearer token.
func mnDataGet(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, harness.ReadBody(t, resp)
}

func mnWantStatus(t *testing.T, url string, want int) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return
	}
	body := harness.ReadBody(t, resp)
	if resp.StatusCode != want {
		t.Errorf("GET %s: %d %q, want %d", url, resp.StatusCode, body, want)
	}
}

// --------------------------------------------------------------------- npm

// mnNPMRoundTrip publishes a package with the real npm through a and
// installs it with npm through b, with one token minted on a.
func mnNPMRoundTrip(t *testing.T, a, b *harness.Server) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("npm not on PATH (ARTIFACTD_ALLOW_SKIP=1)")
		}
		t.Fatalf("npm not on PATH: %v (set ARTIFACTD_ALLOW_SKIP=1 to skip)", err)
	}
	ca, cb := a.Client(t), b.Client(t)
	const domain, repo, name = "mnnpm", "npm-store", "mn-hello"
	harness.CreateDomain(t, ca, domain)
	harness.CreateRepository(t, ca, domain, repo)
	token := mnToken(t, ca, domain)
	dir := t.TempDir()

	run := func(node *harness.Server, c *codeartifact.Client, wd string, args ...string) string {
		t.Helper()
		endpoint := mnEndpoint(t, c, domain, repo, types.PackageFormatNpm)
		if !strings.HasPrefix(endpoint, node.URL+"/") {
			t.Fatalf("npm endpoint %q is not on the node %s", endpoint, node.URL)
		}
		rc := filepath.Join(dir, "npmrc-"+strings.TrimPrefix(node.URL, "http://127.0.0.1:"))
		host := strings.TrimPrefix(endpoint, "http://")
		content := "registry=" + endpoint + "\n//" + host + ":_authToken=" + token + "\n" +
			"update-notifier=false\nfund=false\naudit=false\n"
		if err := os.WriteFile(rc, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		global := filepath.Join(dir, "global-npmrc")
		os.WriteFile(global, nil, 0o600)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, args...)
		cmd.Dir = wd
		var env []string
		for _, kv := range os.Environ() {
			k, _, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(strings.ToLower(k), "npm_") || k == "HOME" {
				continue
			}
			env = append(env, kv)
		}
		cmd.Env = append(env,
			"HOME="+filepath.Join(dir, "home"),
			"NPM_CONFIG_USERCONFIG="+rc,
			"NPM_CONFIG_GLOBALCONFIG="+global,
			"NPM_CONFIG_CACHE="+filepath.Join(dir, "cache-"+filepath.Base(rc)), // no cache shared between the two
			"NPM_CONFIG_LOGLEVEL=warn",
			"NO_COLOR=1")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("npm %s against %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), node.URL, err, out.String(), errOut.String())
		}
		return out.String()
	}

	pkgDir := filepath.Join(dir, "pkg")
	os.MkdirAll(pkgDir, 0o755)
	pj, _ := json.Marshal(map[string]any{"name": name, "version": "1.0.0", "main": "index.js"})
	os.WriteFile(filepath.Join(pkgDir, "package.json"), pj, 0o644)
	os.WriteFile(filepath.Join(pkgDir, "index.js"), []byte("module.exports = 'published through node A';\n"), 0o644)
	run(a, ca, pkgDir, "publish")

	proj := filepath.Join(dir, "proj")
	os.MkdirAll(proj, 0o755)
	os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"proj","version":"1.0.0","private":true}`), 0o644)
	run(b, cb, proj, "install", "--no-audit", "--no-fund", name+"@1.0.0")
	got, err := os.ReadFile(filepath.Join(proj, "node_modules", name, "index.js"))
	if err != nil || !strings.Contains(string(got), "published through node A") {
		t.Errorf("installed %s through B: %v %q", name, err, got)
	}
	lock, _ := os.ReadFile(filepath.Join(proj, "package-lock.json"))
	if !strings.Contains(string(lock), b.URL) {
		t.Errorf("package-lock.json does not resolve %s through B (%s):\n%s", name, b.URL, lock)
	}
}
