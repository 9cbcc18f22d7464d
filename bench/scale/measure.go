package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// The administrator key the benchmark's servers run with.
const (
	rootKeyID  = "AKIASCALEBENCH234567"
	rootSecret = "scaleBenchSecretKey0123456789abcdefghijkl"
)

// sample is one measurement: a latency in ms, or a rate in requests/s.
type sample struct {
	store, op string
	n, round  int
	value     float64
	unit      string // "ms" or "rps"
}

func measureCommand(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	bin := fs.String("bin", "", "artifactd binary")
	stores := fs.String("stores", "sqlite,postgres", "stores, comma-separated")
	sizes := fs.String("sizes", "100,10000,100000,1000000", "sizes, comma-separated")
	dir := fs.String("dir", "", "fixtures directory (BENCH_DIR)")
	dsn := fs.String("dsn", "", "PostgreSQL administrator DSN")
	s3URL := fs.String("s3", "", "S3 blob store URL (postgres-s3)")
	s3Sizes := fs.String("s3-sizes", "100,10000,100000", "sizes of postgres-s3, comma-separated")
	rounds := fs.Int("rounds", 3, "rounds (each visits every store and size)")
	loadSeconds := fs.Float64("load-seconds", 3, "duration of each warm-packument load")
	out := fs.String("out", "", "output directory")
	nginx := fs.String("nginx", "", "nginx binary: serve the warm packuments' bytes with it too (the peer rows)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *dir == "" || *out == "" {
		return errors.New("measure: -bin, -dir and -out are required")
	}
	ns, err := parseSizes(*sizes)
	if err != nil {
		return err
	}
	s3ns, err := parseSizes(*s3Sizes)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	f, err := os.Create(filepath.Join(*out, "samples.tsv"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "store\top\tn\tround\tvalue\tunit")
	m := &measurer{bin: *bin, dsn: *dsn, s3: *s3URL, load: time.Duration(*loadSeconds * float64(time.Second)), w: w}
	if *nginx != "" {
		if m.peer, err = startNginx(ctx, *nginx, filepath.Join(*out, "nginx")); err != nil {
			return err
		}
		defer m.peer.stop()
	}
	storeList := strings.Split(*stores, ",")
	for r := 1; r <= *rounds; r++ {
		// Sizes interleaved, starting one later each round, so that no size
		// always comes first after a quiet or busy moment.
		for i := range ns {
			n := ns[(i+r-1)%len(ns)]
			for _, st := range storeList {
				if st == storePostgresS3 && !slices.Contains(s3ns, n) {
					continue
				}
				fx, ok := loadFixture(filepath.Join(*dir, fmt.Sprintf("%s-%d", st, n)))
				if !ok {
					return fmt.Errorf("no fixture for %s n=%d in %s (run gen first)", st, n, *dir)
				}
				start := time.Now()
				if err := m.visit(ctx, filepath.Join(*dir, fmt.Sprintf("%s-%d", st, n)), fx, r); err != nil {
					return fmt.Errorf("%s n=%d round %d: %w", st, n, r, err)
				}
				w.Flush()
				logf("round %d/%d: %s n=%d measured in %.1f s", r, *rounds, st, n, time.Since(start).Seconds())
			}
		}
	}
	return w.Flush()
}

func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, x := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil || n < 100 {
			return nil, fmt.Errorf("bad size %q (at least 100)", x)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

type measurer struct {
	bin  string
	dsn  string
	s3   string // S3 blob store URL of postgres-s3 (s3URLFor adds the prefix)
	load time.Duration
	peer *nginxPeer // nil: no peer rows
	w    io.Writer
	seq  int // makes published versions unique within the run
}

// server is one running artifactd on a fixture, with its clients.
type server struct {
	fx       Fixture
	url      string
	ca       *codeartifact.Client
	http     *http.Client
	token    string
	npmBase  string // npm endpoint, ending in "/"
	nonce    string
	round    int
	m        *measurer
	distTags map[string]string // what the npm package's dist-tags should be
	// assetSize is what DescribeDomain must answer: the fixture's assets
	// and those of the small packages setup publishes in every format.
	assetSize int64
	fmts      []*fmtClient // the other formats' clients (not on postgres-s3)
	warmingUp bool         // the untimed first call of an operation
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// visit starts a server on the fixture, measures every operation, stops it.
func (m *measurer) visit(ctx context.Context, dir string, fx Fixture, round int) error {
	addr, err := freePort()
	if err != nil {
		return err
	}
	args := []string{"serve", "--addr", addr, "--data-dir", dir}
	if fx.Database != "" {
		dsn, err := dbDSN(m.dsn, fx.Database)
		if err != nil {
			return err
		}
		args = append(args, "--database", dsn)
	}
	env := append(os.Environ(), "ARTIFACTD_ACCOUNT_ID="+account,
		"ARTIFACTD_ROOT_ACCESS_KEY_ID="+rootKeyID, "ARTIFACTD_ROOT_SECRET_ACCESS_KEY="+rootSecret)
	if fx.Store == storePostgresS3 {
		raw, err := s3URLFor(m.s3, fx.N)
		if err != nil {
			return err
		}
		// No memory cache in front of the bucket (--blob-cache-mb 0): by
		// default downloads of up to 1 MiB are served from memory after
		// the first, and would not reach S3.
		args = append(args, "--blob-store", raw, "--blob-cache-mb", "0")
		// As test/harness does: the credentials from the environment
		// (scripts/start-s3's), no config files, no instance metadata.
		env = append(env, "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
			"AWS_EC2_METADATA_DISABLED=true")
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(m.bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	s := &server{fx: fx, url: "http://" + addr, round: round, m: m,
		nonce: strconv.FormatInt(time.Now().UnixNano(), 36)}
	s.http = &http.Client{Timeout: 120 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: 16, DisableCompression: true}}
	if err := s.waitReady(ctx, 180*time.Second); err != nil {
		return err
	}
	s.ca = codeartifact.New(codeartifact.Options{
		Region: region, BaseEndpoint: aws.String(s.url), Retryer: aws.NopRetryer{}, HTTPClient: s.http,
		Credentials: credentials.NewStaticCredentialsProvider(rootKeyID, rootSecret, ""),
	})
	if err := s.setup(ctx); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	return s.measureAll(ctx)
}

func (s *server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		resp, err := s.http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server on %s not ready after %v", s.url, limit)
}

// Common inputs.
var (
	dom   = aws.String(domainName)
	owner = aws.String(account)
)

func (s *server) setup(ctx context.Context) error {
	tok, err := s.ca.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: dom, DomainOwner: owner})
	if err != nil {
		return err
	}
	s.token = aws.ToString(tok.AuthorizationToken)
	ep, err := s.ca.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: dom, DomainOwner: owner,
		Repository: aws.String(npmRepo), Format: types.PackageFormatNpm})
	if err != nil {
		return err
	}
	s.npmBase = strings.TrimSuffix(aws.ToString(ep.RepositoryEndpoint), "/") + "/"
	// Versions a stopped run published and could not delete would change
	// DescribeDomain's answer and the npm package's document: they are
	// the newest ones (the fixture's are dated 2025), so delete them first.
	for _, in := range []*codeartifact.DeletePackageVersionsInput{
		{Repository: aws.String(genericRepo), Format: types.PackageFormatGeneric, Namespace: aws.String(genericNS), Package: aws.String(genericPkg)},
		{Repository: aws.String(npmRepo), Format: types.PackageFormatNpm, Package: aws.String(npmPkg)},
	} {
		if err := s.deleteStale(ctx, in); err != nil {
			return err
		}
	}
	// The dist-tags as they are now (earlier runs moved "bench").
	body, _, err := s.npmGet(ctx, s.npmBase+"-/package/"+npmPkg+"/dist-tags", "")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, &s.distTags); err != nil {
		return fmt.Errorf("dist-tags: %w", err)
	}
	for k, v := range s.fx.NpmDistTags {
		if s.distTags[k] != v {
			return fmt.Errorf("dist-tag %s is %q, want %q", k, s.distTags[k], v)
		}
	}
	if s.fx.Store == storePostgresS3 {
		return nil
	}
	if err := s.setupFormats(ctx); err != nil {
		return err
	}
	// DescribeDomain's answer from now on: the fixture's assets and the
	// small packages' (their files, and any the formats add, such as
	// Maven's checksum files), which must be within 1 MB of the fixture's.
	dd, err := s.ca.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: dom, DomainOwner: owner})
	if err != nil {
		return err
	}
	s.assetSize = dd.Domain.AssetSizeBytes
	if s.assetSize < s.fx.AssetSizeBytes || s.assetSize > s.fx.AssetSizeBytes+1<<20 {
		return fmt.Errorf("assetSizeBytes %d after setup, want the fixture's %d and less than 1 MB more", s.assetSize, s.fx.AssetSizeBytes)
	}
	return nil
}

// s3Ops are the rows measured on postgres-s3: those that move blob bytes.
var s3Ops = map[string]bool{"GetPackageVersionAsset": true, "PublishPackageVersion": true, "npm tarball GET": true}

// op is one measured operation: call does any setup, runs the operation
// once and returns the time of the measured part, having checked the
// response.
type op struct {
	name    string
	samples int
	call    func(ctx context.Context) (time.Duration, error)
	after   func(ctx context.Context) error // untimed cleanup after the samples
}

func (s *server) ops() []op {
	var published, npmPublished []string
	return []op{
		{name: "ListPackageVersions status=Unlisted", samples: 15, call: s.listUnlisted},
		{name: "ListPackageVersions first page", samples: 15, call: s.listFirstPage},
		{name: "DescribeDomain", samples: 15, call: s.describeDomain},
		{name: "ListPackages prefix", samples: 15, call: s.listPackagesPrefix},
		{name: "DescribePackageVersion", samples: 15, call: s.describeVersion},
		{name: "GetPackageVersionAsset", samples: 15, call: s.getAsset},
		{name: "PublishPackageVersion", samples: 5, call: func(ctx context.Context) (time.Duration, error) {
			v, d, err := s.publishOne(ctx, "9.0")
			if err == nil {
				published = append(published, v)
			}
			return d, err
		}, after: func(ctx context.Context) error {
			err := s.deleteVersions(ctx, published)
			published = nil
			return err
		}},
		{name: "DeletePackageVersions 100", samples: 2, call: s.delete100},
		{name: "npm GET /name/version", samples: 5, call: s.npmVersionDoc},
		{name: "npm tarball GET", samples: 15, call: s.npmTarball},
		{name: "npm packument after dist-tag change", samples: 3, call: s.npmRebuild},
		{name: "npm packument rebuild after dist-tag change (HEAD)", samples: 5, call: s.npmTagRebuild},
		{name: "npm packument rebuild after publish (HEAD)", samples: 5, call: func(ctx context.Context) (time.Duration, error) {
			d, v, err := s.npmPublishRebuild(ctx)
			if v != "" {
				npmPublished = append(npmPublished, v)
			}
			return d, err
		}, after: func(ctx context.Context) error {
			err := s.deleteNpmVersions(ctx, npmPublished)
			npmPublished = nil
			return err
		}},
	}
}

func (s *server) measureAll(ctx context.Context) error {
	for _, o := range s.ops() {
		if s.fx.Store == storePostgresS3 && !s3Ops[o.name] {
			continue
		}
		// One untimed call first: connections, caches, prepared statements.
		s.warmingUp = true
		_, err := o.call(ctx)
		s.warmingUp = false
		if err != nil {
			return fmt.Errorf("%s (warm-up): %w", o.name, err)
		}
		for range o.samples {
			d, err := o.call(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", o.name, err)
			}
			s.record(o.name, float64(d.Microseconds())/1000, "ms")
		}
		if o.after != nil {
			if err := o.after(ctx); err != nil {
				return fmt.Errorf("%s (cleanup): %w", o.name, err)
			}
		}
	}
	for _, c := range s.fmts {
		if err := s.measureFormat(ctx, c); err != nil {
			return err
		}
	}
	if s.fx.Store == storePostgresS3 {
		return nil
	}
	for _, abbreviated := range []bool{false, true} {
		if err := s.npmLoad(ctx, abbreviated); err != nil {
			return err
		}
	}
	return nil
}

func (s *server) record(op string, v float64, unit string) {
	fmt.Fprintf(s.m.w, "%s\t%s\t%d\t%d\t%.3f\t%s\n", s.fx.Store, op, s.fx.N, s.round, v, unit)
}

func timed(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

func (s *server) listUnlisted(ctx context.Context) (time.Duration, error) {
	var out *codeartifact.ListPackageVersionsOutput
	d, err := timed(func() (err error) {
		out, err = s.ca.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: dom, DomainOwner: owner,
			Repository: aws.String(genericRepo), Format: types.PackageFormatGeneric, Namespace: aws.String(genericNS),
			Package: aws.String(genericPkg), Status: types.PackageVersionStatusUnlisted, MaxResults: aws.Int32(50)})
		return err
	})
	if err != nil {
		return d, err
	}
	var got []string
	for _, v := range out.Versions {
		if v.Status != types.PackageVersionStatusUnlisted {
			return d, fmt.Errorf("version %s is %s", aws.ToString(v.Version), v.Status)
		}
		got = append(got, aws.ToString(v.Version))
	}
	want := append([]string(nil), s.fx.Unlisted...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") || out.NextToken != nil {
		return d, fmt.Errorf("unlisted versions %v (next %v), want %v", got, out.NextToken != nil, want)
	}
	return d, nil
}

func (s *server) listFirstPage(ctx context.Context) (time.Duration, error) {
	var out *codeartifact.ListPackageVersionsOutput
	d, err := timed(func() (err error) {
		out, err = s.ca.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: dom, DomainOwner: owner,
			Repository: aws.String(genericRepo), Format: types.PackageFormatGeneric, Namespace: aws.String(genericNS),
			Package: aws.String(genericPkg), MaxResults: aws.Int32(50)})
		return err
	})
	if err != nil {
		return d, err
	}
	if len(out.Versions) != 50 || out.NextToken == nil {
		return d, fmt.Errorf("first page: %d versions (next %v), want 50 and a next page", len(out.Versions), out.NextToken != nil)
	}
	return d, nil
}

func (s *server) describeDomain(ctx context.Context) (time.Duration, error) {
	var out *codeartifact.DescribeDomainOutput
	d, err := timed(func() (err error) {
		out, err = s.ca.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: dom, DomainOwner: owner})
		return err
	})
	if err != nil {
		return d, err
	}
	if got := out.Domain.AssetSizeBytes; got != s.assetSize || out.Domain.RepositoryCount != int32(s.fx.Repositories) {
		return d, fmt.Errorf("assetSizeBytes %d, repositoryCount %d; want %d, %d", got, out.Domain.RepositoryCount, s.assetSize, s.fx.Repositories)
	}
	return d, nil
}

func (s *server) listPackagesPrefix(ctx context.Context) (time.Duration, error) {
	var out *codeartifact.ListPackagesOutput
	d, err := timed(func() (err error) {
		out, err = s.ca.ListPackages(ctx, &codeartifact.ListPackagesInput{Domain: dom, DomainOwner: owner,
			Repository: aws.String(pkgsRepo), Format: types.PackageFormatNpm, PackagePrefix: aws.String(pkgPrefix),
			MaxResults: aws.Int32(50)})
		return err
	})
	if err != nil {
		return d, err
	}
	for _, p := range out.Packages {
		if !strings.HasPrefix(aws.ToString(p.Package), pkgPrefix) {
			return d, fmt.Errorf("package %s does not start with %s", aws.ToString(p.Package), pkgPrefix)
		}
	}
	if len(out.Packages) != s.fx.PrefixMatches || out.NextToken != nil {
		return d, fmt.Errorf("%d packages (next %v), want %d", len(out.Packages), out.NextToken != nil, s.fx.PrefixMatches)
	}
	return d, nil
}

func (s *server) describeVersion(ctx context.Context) (time.Duration, error) {
	var out *codeartifact.DescribePackageVersionOutput
	d, err := timed(func() (err error) {
		out, err = s.ca.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: dom, DomainOwner: owner,
			Repository: aws.String(genericRepo), Format: types.PackageFormatGeneric, Namespace: aws.String(genericNS),
			Package: aws.String(genericPkg), PackageVersion: aws.String(s.fx.DescribeVersion)})
		return err
	})
	if err != nil {
		return d, err
	}
	if v := out.PackageVersion; aws.ToString(v.Version) != s.fx.DescribeVersion || v.Status != types.PackageVersionStatusPublished {
		return d, fmt.Errorf("described %s %s, want %s Published", aws.ToString(v.Version), v.Status, s.fx.DescribeVersion)
	}
	return d, nil
}

func (s *server) getAsset(ctx context.Context) (time.Duration, error) {
	var body []byte
	d, err := timed(func() error {
		out, err := s.ca.GetPackageVersionAsset(ctx, &codeartifact.GetPackageVersionAssetInput{Domain: dom, DomainOwner: owner,
			Repository: aws.String(genericRepo), Format: types.PackageFormatGeneric, Namespace: aws.String(genericNS),
			Package: aws.String(genericPkg), PackageVersion: aws.String(s.fx.DownloadVersion), Asset: aws.String(assetName)})
		if err != nil {
			return err
		}
		defer out.Asset.Close()
		body, err = io.ReadAll(out.Asset)
		return err
	})
	if err != nil {
		return d, err
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != s.fx.DownloadSHA256 {
		return d, fmt.Errorf("downloaded %d bytes of sha256 %x, want %s", len(body), sum, s.fx.DownloadSHA256)
	}
	return d, nil
}

// publishOne publishes a new small generic version PREFIX.SEQ into the
// big package and returns it; only the publish call is timed.
func (s *server) publishOne(ctx context.Context, prefix string) (string, time.Duration, error) {
	s.m.seq++
	version := fmt.Sprintf("%s.%d", prefix, s.m.seq)
	content := []byte(fmt.Sprintf("scale benchmark %s %s %s\n", s.nonce, version, strings.Repeat("x", 900)))
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	var out *codeartifact.PublishPackageVersionOutput
	d, err := timed(func() (err error) {
		out, err = s.ca.PublishPackageVersion(ctx, &codeartifact.PublishPackageVersionInput{Domain: dom, DomainOwner: owner,
			Repository: aws.String(genericRepo), Format: types.PackageFormatGeneric, Namespace: aws.String(genericNS),
			Package: aws.String(genericPkg), PackageVersion: aws.String(version), AssetName: aws.String(assetName),
			AssetSHA256: aws.String(digest), AssetContent: bytes.NewReader(content)})
		return err
	})
	if err != nil {
		return version, d, err
	}
	if aws.ToString(out.Version) != version || out.Status != types.PackageVersionStatusPublished ||
		out.Asset == nil || out.Asset.Hashes["SHA-256"] != digest {
		return version, d, fmt.Errorf("published %s %s, asset %+v; want %s Published with sha256 %s",
			aws.ToString(out.Version), out.Status, out.Asset, version, digest)
	}
	return version, d, nil
}

func (s *server) deleteVersions(ctx context.Context, versions []string) error {
	return s.deletePackageVersions(ctx, &codeartifact.DeletePackageVersionsInput{Repository: aws.String(genericRepo),
		Format: types.PackageFormatGeneric, Namespace: aws.String(genericNS), Package: aws.String(genericPkg)}, versions)
}

// deleteStale deletes the versions of the package in (its repository,
// format, namespace and name) that a stopped run published (9.*, the
// newest) and did not delete.
func (s *server) deleteStale(ctx context.Context, in *codeartifact.DeletePackageVersionsInput) error {
	for {
		out, err := s.ca.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: dom, DomainOwner: owner,
			Repository: in.Repository, Format: in.Format, Namespace: in.Namespace, Package: in.Package,
			SortBy: types.PackageVersionSortTypePublishedTime, MaxResults: aws.Int32(100)})
		if err != nil {
			return err
		}
		var stale []string
		for _, v := range out.Versions {
			if strings.HasPrefix(aws.ToString(v.Version), "9.") {
				stale = append(stale, aws.ToString(v.Version))
			}
		}
		if len(stale) == 0 {
			return nil
		}
		logf("deleting %d versions of %s left by an earlier run", len(stale), aws.ToString(in.Package))
		if err := s.deletePackageVersions(ctx, in, stale); err != nil {
			return err
		}
	}
}

// deletePackageVersions deletes versions of the package in (its
// repository, format, namespace and name), 100 per call, each of which
// must be reported Deleted.
func (s *server) deletePackageVersions(ctx context.Context, in *codeartifact.DeletePackageVersionsInput, versions []string) error {
	for len(versions) > 0 {
		chunk := versions[:min(100, len(versions))]
		versions = versions[len(chunk):]
		call := *in
		call.Domain, call.DomainOwner, call.Versions = dom, owner, chunk
		out, err := s.ca.DeletePackageVersions(ctx, &call)
		if err != nil {
			return err
		}
		if len(out.SuccessfulVersions) != len(chunk) || len(out.FailedVersions) != 0 {
			return fmt.Errorf("deleted %d of %d versions, %d failed", len(out.SuccessfulVersions), len(chunk), len(out.FailedVersions))
		}
		for _, v := range chunk {
			if r, ok := out.SuccessfulVersions[v]; !ok || r.Status != types.PackageVersionStatusDeleted {
				return fmt.Errorf("version %s not reported Deleted", v)
			}
		}
	}
	return nil
}

// delete100 publishes 100 fresh versions (untimed) and times one
// DeletePackageVersions of them.
func (s *server) delete100(ctx context.Context) (time.Duration, error) {
	versions := make([]string, 0, 100)
	for range 100 {
		v, _, err := s.publishOne(ctx, "9.1")
		if err != nil {
			return 0, err
		}
		versions = append(versions, v)
	}
	return timed(func() error { return s.deleteVersions(ctx, versions) })
}

// npmGet GETs url with the token; accept "" sends no Accept header.
// Non-2xx answers are errors.
func (s *server) npmGet(ctx context.Context, url, accept string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return body, resp.Header, fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, body)
	}
	return body, resp.Header, nil
}

func (s *server) npmVersionDoc(ctx context.Context) (time.Duration, error) {
	var body []byte
	d, err := timed(func() (err error) {
		body, _, err = s.npmGet(ctx, s.npmBase+npmPkg+"/"+s.fx.NpmTarballVersion, "")
		return err
	})
	if err != nil {
		return d, err
	}
	var m struct {
		Name, Version string
		Dist          struct{ Shasum, Tarball string }
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return d, err
	}
	if m.Name != npmPkg || m.Version != s.fx.NpmTarballVersion || m.Dist.Shasum != s.fx.NpmTarballSHA1 || m.Dist.Tarball == "" {
		return d, fmt.Errorf("GET /name/version: %+v", m)
	}
	return d, nil
}

func (s *server) npmTarball(ctx context.Context) (time.Duration, error) {
	var body []byte
	d, err := timed(func() (err error) {
		body, _, err = s.npmGet(ctx, s.npmBase+npmPkg+"/-/"+npmPkg+"-"+s.fx.NpmTarballVersion+".tgz", "")
		return err
	})
	if err != nil {
		return d, err
	}
	if sum := sha1.Sum(body); hex.EncodeToString(sum[:]) != s.fx.NpmTarballSHA1 {
		return d, fmt.Errorf("tarball sha1 %x, want %s", sum, s.fx.NpmTarballSHA1)
	}
	return d, nil
}

// checkPackument parses a packument and checks its versions and dist-tags.
func (s *server) checkPackument(body []byte) error {
	var p struct {
		Name     string
		DistTags map[string]string          `json:"dist-tags"`
		Versions map[string]json.RawMessage `json:"versions"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("packument: %w", err)
	}
	if p.Name != npmPkg || len(p.Versions) != s.fx.NpmVersions {
		return fmt.Errorf("packument of %q with %d versions, want %s with %d", p.Name, len(p.Versions), npmPkg, s.fx.NpmVersions)
	}
	for k, v := range s.distTags {
		if p.DistTags[k] != v {
			return fmt.Errorf("packument dist-tag %s = %q, want %q", k, p.DistTags[k], v)
		}
	}
	return nil
}

// npmRebuild moves the "bench" dist-tag (untimed) and times the next GET
// of the full packument, which must show the move.
func (s *server) npmRebuild(ctx context.Context) (time.Duration, error) {
	if err := s.moveBenchTag(ctx); err != nil {
		return 0, err
	}
	var body []byte
	d, err := timed(func() (err error) {
		body, _, err = s.npmGet(ctx, s.npmBase+npmPkg, "")
		return err
	})
	if err != nil {
		return d, err
	}
	if err := s.checkPackument(body); err != nil {
		return d, err
	}
	if s.m.peer == nil || s.warmingUp {
		return d, nil
	}
	// The same bytes from nginx, by the same client: what the transfer
	// alone costs.
	url, err := s.m.peer.put(false, fmt.Sprintf("%s-%d-%s-changed", s.fx.Store, s.fx.N, npmPkg), body)
	if err != nil {
		return d, err
	}
	var same []byte
	pd, err := timed(func() (err error) {
		same, _, err = s.npmGet(ctx, url, "")
		return err
	})
	if err != nil {
		return d, err
	}
	if !bytes.Equal(same, body) {
		return d, fmt.Errorf("nginx answered %d bytes, not the %d it was given", len(same), len(body))
	}
	s.record(peerOp("npm packument after dist-tag change"), float64(pd.Microseconds())/1000, "ms")
	return d, nil
}

const abbreviatedAccept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"

// npmLoad: 8 clients GET the packument for the load duration (after one
// fully checked GET); every answer must be 200 with the checked bytes.
// Records each request's latency and the rate. With a peer, nginx then
// serves the same bytes to the same clients, recorded as peerOp(name).
func (s *server) npmLoad(ctx context.Context, abbreviated bool) error {
	name, accept, enc := "npm packument warm (full)", "", ""
	if abbreviated {
		name, accept, enc = "npm packument warm (abbreviated, gzip)", abbreviatedAccept, "gzip"
	}
	get := func(url string, auth bool) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+s.token)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		resp, err := s.http.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := readBody(resp)
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("%s: %s", name, resp.Status)
		}
		if err == nil && resp.Header.Get("Content-Encoding") != enc {
			err = fmt.Errorf("%s: Content-Encoding %q", name, resp.Header.Get("Content-Encoding"))
		}
		return body, err
	}
	first, err := get(s.npmBase+npmPkg, true)
	if err != nil {
		return err
	}
	plain := first
	if abbreviated {
		if plain, err = gunzip(first); err != nil {
			return err
		}
	}
	if err := s.checkPackument(plain); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := s.load(name, first, func() ([]byte, error) { return get(s.npmBase+npmPkg, true) }); err != nil {
		return err
	}
	if s.m.peer == nil {
		return nil
	}
	url, err := s.m.peer.put(abbreviated, fmt.Sprintf("%s-%d-%s", s.fx.Store, s.fx.N, npmPkg), first)
	if err != nil {
		return err
	}
	return s.load(peerOp(name), first, func() ([]byte, error) { return get(url, false) })
}

// readBody reads a response into a buffer of its Content-Length, read
// whole (io.ReadAll would copy a 24 MB packument into ever larger
// buffers, a cost of the client that the rows would count).
func readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength <= 0 {
		return io.ReadAll(resp.Body)
	}
	body := make([]byte, resp.ContentLength)
	if _, err := io.ReadFull(resp.Body, body); err != nil {
		return nil, err
	}
	if n, _ := resp.Body.Read(make([]byte, 1)); n != 0 {
		return nil, fmt.Errorf("%s: more than its Content-Length %d", resp.Request.URL, resp.ContentLength)
	}
	return body, nil
}

// peerOp names the row of nginx serving op's bytes.
func peerOp(op string) string { return op + " — nginx, same bytes" }

// load runs 8 clients of get for the load duration; every answer must be
// want's bytes. Records each request's latency and the rate as name.
func (s *server) load(name string, want []byte, get func() ([]byte, error)) error {
	wantLen, wantCRC := len(want), crc32.ChecksumIEEE(want)
	var mu sync.Mutex
	var lat []float64
	var firstErr error
	end := time.Now().Add(s.m.load)
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for time.Now().Before(end) {
				t0 := time.Now()
				body, err := get()
				d := time.Since(t0)
				if err == nil && (len(body) != wantLen || crc32.ChecksumIEEE(body) != wantCRC) {
					err = fmt.Errorf("%s: %d bytes differing from the checked %d", name, len(body), wantLen)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, float64(d.Microseconds())/1000)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	for _, v := range lat {
		s.record(name, v, "ms")
	}
	s.record(name, float64(len(lat))/elapsed.Seconds(), "rps")
	return nil
}
