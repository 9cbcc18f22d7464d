package conformance

// Shared helpers of the package-version lifecycle conformance tests
// (versions_*, packages_*, publish_*, assets_*, copy_*, concurrency_*).
// Every identifier here starts with "vl" so that it cannot clash with the
// helpers of the other conformance files in this package.

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/artifactd/artifactd/test/harness"
)

const (
	vlDomain = "vl-dom"
	vlRepo   = "repo-a"
	vlRepo2  = "repo-b"
	vlNS     = "ns"
)

// vlEnv is one running server with one domain and two repositories.
type vlEnv struct {
	srv    *harness.Server
	c      *codeartifact.Client
	domain string
}

// vlStart starts a server and creates domain vlDomain with repositories
// vlRepo and vlRepo2.
func vlStart(t testing.TB, opts ...harness.Option) *vlEnv {
	t.Helper()
	s := harness.Start(t, opts...)
	e := &vlEnv{srv: s, c: s.Client(t), domain: vlDomain}
	if _, err := e.c.CreateDomain(vlCtx(t), &codeartifact.CreateDomainInput{Domain: aws.String(e.domain)}); err != nil {
		t.Fatalf("CreateDomain %s: %v", e.domain, err)
	}
	e.createRepo(t, vlRepo)
	e.createRepo(t, vlRepo2)
	return e
}

func vlCtx(t testing.TB) context.Context { return t.Context() }

func (e *vlEnv) createRepo(t testing.TB, name string) {
	t.Helper()
	_, err := e.c.CreateRepository(vlCtx(t), &codeartifact.CreateRepositoryInput{
		Domain: aws.String(e.domain), Repository: aws.String(name),
	})
	if err != nil {
		t.Fatalf("CreateRepository %s: %v", name, err)
	}
}

// ---------------------------------------------------------------- publishing

// vlPubIn builds a generic PublishPackageVersion input in namespace vlNS.
func (e *vlEnv) vlPubIn(repo, pkg, ver, asset string, data []byte, unfinished bool) *codeartifact.PublishPackageVersionInput {
	in := &codeartifact.PublishPackageVersionInput{
		Domain:         aws.String(e.domain),
		Repository:     aws.String(repo),
		Format:         types.PackageFormatGeneric,
		Namespace:      aws.String(vlNS),
		Package:        aws.String(pkg),
		PackageVersion: aws.String(ver),
		AssetName:      aws.String(asset),
		AssetContent:   bytes.NewReader(data),
		AssetSHA256:    aws.String(vlSHA256(data)),
	}
	if unfinished {
		in.Unfinished = aws.Bool(true)
	}
	return in
}

func (e *vlEnv) publish(t testing.TB, repo, pkg, ver, asset string, data []byte, unfinished bool) (*codeartifact.PublishPackageVersionOutput, error) {
	t.Helper()
	return e.c.PublishPackageVersion(vlCtx(t), e.vlPubIn(repo, pkg, ver, asset, data, unfinished))
}

func (e *vlEnv) mustPublish(t testing.TB, repo, pkg, ver, asset string, data []byte, unfinished bool) *codeartifact.PublishPackageVersionOutput {
	t.Helper()
	out, err := e.publish(t, repo, pkg, ver, asset, data, unfinished)
	if err != nil {
		t.Fatalf("PublishPackageVersion %s/%s@%s asset %q (unfinished=%v): %v", repo, pkg, ver, asset, unfinished, err)
	}
	return out
}

// pubVersion publishes a one-asset version and brings it to status st
// (Published, Unfinished, Unlisted, Archived or Disposed). It returns the
// version's revision.
func (e *vlEnv) pubVersion(t testing.TB, repo, pkg, ver string, data []byte, st types.PackageVersionStatus) string {
	t.Helper()
	out := e.mustPublish(t, repo, pkg, ver, "file.bin", data, st == types.PackageVersionStatusUnfinished)
	rev := aws.ToString(out.VersionRevision)
	switch st {
	case types.PackageVersionStatusPublished, types.PackageVersionStatusUnfinished:
	case types.PackageVersionStatusDisposed:
		res, err := e.c.DisposePackageVersions(vlCtx(t), &codeartifact.DisposePackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String(pkg), Versions: []string{ver},
		})
		if err != nil {
			t.Fatalf("DisposePackageVersions %s@%s: %v", pkg, ver, err)
		}
		vlCheckBatch(t, "setup dispose", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{ver: vlOK(rev, "Disposed")}, nil)
	default:
		e.mustSetStatus(t, repo, pkg, ver, rev, st)
	}
	return rev
}

func (e *vlEnv) mustSetStatus(t testing.TB, repo, pkg, ver, rev string, st types.PackageVersionStatus) {
	t.Helper()
	res, err := e.c.UpdatePackageVersionsStatus(vlCtx(t), &codeartifact.UpdatePackageVersionsStatusInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String(pkg), Versions: []string{ver}, TargetStatus: st,
	})
	if err != nil {
		t.Fatalf("UpdatePackageVersionsStatus %s@%s -> %s: %v", pkg, ver, st, err)
	}
	vlCheckBatch(t, "setup status change", res.SuccessfulVersions, res.FailedVersions,
		map[string]string{ver: vlOK(rev, string(st))}, nil)
}

// ------------------------------------------------------------------- reading

func (e *vlEnv) describe(t testing.TB, repo, pkg, ver string) (*types.PackageVersionDescription, error) {
	t.Helper()
	out, err := e.c.DescribePackageVersion(vlCtx(t), &codeartifact.DescribePackageVersionInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String(pkg), PackageVersion: aws.String(ver),
	})
	if err != nil {
		return nil, err
	}
	return out.PackageVersion, nil
}

func (e *vlEnv) mustDescribe(t testing.TB, repo, pkg, ver string) *types.PackageVersionDescription {
	t.Helper()
	d, err := e.describe(t, repo, pkg, ver)
	if err != nil {
		t.Fatalf("DescribePackageVersion %s/%s@%s: %v", repo, pkg, ver, err)
	}
	if d == nil {
		t.Fatalf("DescribePackageVersion %s/%s@%s: no packageVersion in the response", repo, pkg, ver)
	}
	return d
}

// wantStatus checks a version's status and revision through DescribePackageVersion.
func (e *vlEnv) wantStatus(t testing.TB, repo, pkg, ver string, st types.PackageVersionStatus, rev string) {
	t.Helper()
	d := e.mustDescribe(t, repo, pkg, ver)
	if d.Status != st || aws.ToString(d.Revision) != rev {
		t.Errorf("DescribePackageVersion %s/%s@%s: status %q revision %q, want status %q revision %q",
			repo, pkg, ver, d.Status, aws.ToString(d.Revision), st, rev)
	}
}

// wantGone checks that DescribePackageVersion answers ResourceNotFoundException.
func (e *vlEnv) wantGone(t testing.TB, repo, pkg, ver string) {
	t.Helper()
	d, err := e.describe(t, repo, pkg, ver)
	if err == nil {
		t.Errorf("DescribePackageVersion %s/%s@%s: found (status %s), want ResourceNotFoundException", repo, pkg, ver, d.Status)
		return
	}
	vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackageVersion of a missing version")
}

// listVersions returns every version of a package (all pages).
func (e *vlEnv) listVersions(t testing.TB, repo, pkg string, mod func(*codeartifact.ListPackageVersionsInput)) []types.PackageVersionSummary {
	t.Helper()
	var all []types.PackageVersionSummary
	var token *string
	for page := 0; ; page++ {
		in := &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String(pkg), NextToken: token,
		}
		if mod != nil {
			mod(in)
		}
		in.NextToken = token
		out, err := e.c.ListPackageVersions(vlCtx(t), in)
		if err != nil {
			t.Fatalf("ListPackageVersions %s/%s (page %d): %v", repo, pkg, page, err)
		}
		all = append(all, out.Versions...)
		if out.NextToken == nil {
			return all
		}
		if page > 100000 {
			t.Fatalf("ListPackageVersions %s/%s: no end after %d pages", repo, pkg, page)
		}
		token = out.NextToken
	}
}

func vlVersionNames(vs []types.PackageVersionSummary) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, aws.ToString(v.Version))
	}
	return out
}

// listAssets returns every asset of a version (all pages).
func (e *vlEnv) listAssets(t testing.TB, repo, pkg, ver string) []types.AssetSummary {
	t.Helper()
	var all []types.AssetSummary
	var token *string
	for {
		out, err := e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String(pkg), PackageVersion: aws.String(ver), NextToken: token,
		})
		if err != nil {
			t.Fatalf("ListPackageVersionAssets %s/%s@%s: %v", repo, pkg, ver, err)
		}
		all = append(all, out.Assets...)
		if out.NextToken == nil {
			return all
		}
		token = out.NextToken
	}
}

// getAsset downloads an asset into memory (small assets only).
func (e *vlEnv) getAsset(t testing.TB, repo, pkg, ver, asset string) ([]byte, *codeartifact.GetPackageVersionAssetOutput, error) {
	t.Helper()
	out, err := e.c.GetPackageVersionAsset(vlCtx(t), &codeartifact.GetPackageVersionAssetInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String(pkg), PackageVersion: aws.String(ver), Asset: aws.String(asset),
	})
	if err != nil {
		return nil, nil, err
	}
	defer out.Asset.Close()
	b, err := io.ReadAll(out.Asset)
	if err != nil {
		t.Fatalf("GetPackageVersionAsset %s/%s@%s %q: reading body: %v", repo, pkg, ver, asset, err)
	}
	return b, out, nil
}

func (e *vlEnv) mustGetAsset(t testing.TB, repo, pkg, ver, asset string, want []byte) {
	t.Helper()
	b, _, err := e.getAsset(t, repo, pkg, ver, asset)
	if err != nil {
		t.Fatalf("GetPackageVersionAsset %s/%s@%s %q: %v", repo, pkg, ver, asset, err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("GetPackageVersionAsset %s/%s@%s %q: got %d bytes (sha256 %s), want %d bytes (sha256 %s)",
			repo, pkg, ver, asset, len(b), vlSHA256(b), len(want), vlSHA256(want))
	}
}

// assetSize is DescribeDomain's assetSizeBytes.
func (e *vlEnv) assetSize(t testing.TB) int64 {
	t.Helper()
	out, err := e.c.DescribeDomain(vlCtx(t), &codeartifact.DescribeDomainInput{Domain: aws.String(e.domain)})
	if err != nil {
		t.Fatalf("DescribeDomain: %v", err)
	}
	if out.Domain == nil {
		t.Fatalf("DescribeDomain: no domain in the response")
	}
	return out.Domain.AssetSizeBytes
}

func (e *vlEnv) wantAssetSize(t testing.TB, want int64, why string) {
	t.Helper()
	if got := e.assetSize(t); got != want {
		t.Errorf("DescribeDomain assetSizeBytes = %d, want %d (%s)", got, want, why)
	}
}

// --------------------------------------------------------------- batch calls

func (e *vlEnv) deleteVersions(t testing.TB, repo, pkg string, versions []string, expected types.PackageVersionStatus) (*codeartifact.DeletePackageVersionsOutput, error) {
	t.Helper()
	return e.c.DeletePackageVersions(vlCtx(t), &codeartifact.DeletePackageVersionsInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String(pkg), Versions: versions, ExpectedStatus: expected,
	})
}

func (e *vlEnv) mustDeleteVersions(t testing.TB, repo, pkg string, versions []string, expected types.PackageVersionStatus) *codeartifact.DeletePackageVersionsOutput {
	t.Helper()
	out, err := e.deleteVersions(t, repo, pkg, versions, expected)
	if err != nil {
		t.Fatalf("DeletePackageVersions %s/%s %v: %v", repo, pkg, versions, err)
	}
	return out
}

func (e *vlEnv) disposeVersions(t testing.TB, repo, pkg string, versions []string, revs map[string]string, expected types.PackageVersionStatus) (*codeartifact.DisposePackageVersionsOutput, error) {
	t.Helper()
	return e.c.DisposePackageVersions(vlCtx(t), &codeartifact.DisposePackageVersionsInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String(pkg), Versions: versions, VersionRevisions: revs,
		ExpectedStatus: expected,
	})
}

func (e *vlEnv) updateStatus(t testing.TB, repo, pkg string, versions []string, revs map[string]string, expected, target types.PackageVersionStatus) (*codeartifact.UpdatePackageVersionsStatusOutput, error) {
	t.Helper()
	return e.c.UpdatePackageVersionsStatus(vlCtx(t), &codeartifact.UpdatePackageVersionsStatusInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String(pkg), Versions: versions, VersionRevisions: revs,
		ExpectedStatus: expected, TargetStatus: target,
	})
}

func (e *vlEnv) copyVersions(t testing.TB, src, dst, pkg string, versions []string, revs map[string]string, overwrite bool) (*codeartifact.CopyPackageVersionsOutput, error) {
	t.Helper()
	in := &codeartifact.CopyPackageVersionsInput{
		Domain: aws.String(e.domain), SourceRepository: aws.String(src), DestinationRepository: aws.String(dst),
		Format: types.PackageFormatGeneric, Namespace: aws.String(vlNS), Package: aws.String(pkg),
		Versions: versions, VersionRevisions: revs,
	}
	if overwrite {
		in.AllowOverwrite = aws.Bool(true)
	}
	return e.c.CopyPackageVersions(vlCtx(t), in)
}

// vlOK renders a successfulVersions entry for comparison.
func vlOK(rev, status string) string { return "status=" + status + " revision=" + rev }

// vlFail renders a failedVersions entry for comparison.
func vlFail(code types.PackageVersionErrorCode, msg string) string {
	return "errorCode=" + string(code) + " errorMessage=" + msg
}

func vlNotFound(v string) string {
	return vlFail(types.PackageVersionErrorCodeNotFound, "Could not find version "+v)
}

func vlSkipped(v string) string {
	return vlFail(types.PackageVersionErrorCodeSkipped, "version "+v+" is skipped")
}

func vlMismatchedStatus(cur, want types.PackageVersionStatus) string {
	return vlFail(types.PackageVersionErrorCodeMismatchedStatus,
		"current status: "+string(cur)+", expected status: "+string(want))
}

func vlMismatchedRevision(cur, want string) string {
	return vlFail(types.PackageVersionErrorCodeMismatchedRevision,
		"current revision: "+cur+", expected revision: "+want)
}

// vlAnyMessage in an expected failedVersions entry means "any non-empty message".
const vlAnyMessage = "\x00any"

func vlRenderOK(m map[string]types.SuccessfulPackageVersionInfo) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = vlOK(aws.ToString(v.Revision), string(v.Status))
	}
	return out
}

func vlRenderFail(m map[string]types.PackageVersionError, want map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		msg := aws.ToString(v.ErrorMessage)
		if w, ok := want[k]; ok && strings.HasSuffix(w, vlAnyMessage) && msg != "" {
			msg = vlAnyMessage
		}
		out[k] = vlFail(v.ErrorCode, msg)
	}
	return out
}

// vlCheckBatch compares successfulVersions and failedVersions of a batch
// response with the expected entries (nil = empty map).
func vlCheckBatch(t testing.TB, what string, ok map[string]types.SuccessfulPackageVersionInfo, failed map[string]types.PackageVersionError, wantOK, wantFailed map[string]string) {
	t.Helper()
	gotOK := vlRenderOK(ok)
	gotFailed := vlRenderFail(failed, wantFailed)
	if wantOK == nil {
		wantOK = map[string]string{}
	}
	if wantFailed == nil {
		wantFailed = map[string]string{}
	}
	if !maps.Equal(gotOK, wantOK) {
		t.Errorf("%s: successfulVersions =\n%s\nwant\n%s", what, vlDump(gotOK), vlDump(wantOK))
	}
	if !maps.Equal(gotFailed, wantFailed) {
		t.Errorf("%s: failedVersions =\n%s\nwant\n%s", what, vlDump(gotFailed), vlDump(wantFailed))
	}
}

func vlDump(m map[string]string) string {
	if len(m) == 0 {
		return "  {}"
	}
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %q: %s\n", k, strings.ReplaceAll(m[k], vlAnyMessage, "<any message>"))
	}
	return strings.TrimRight(b.String(), "\n")
}

// -------------------------------------------------------------------- errors

// vlWantErr checks that err unwraps (errors.As) to the typed error T, e.g.
// *types.ConflictException, and returns it.
func vlWantErr[T error](t testing.TB, err error, what string) T {
	t.Helper()
	var target T
	if err == nil {
		t.Errorf("%s: succeeded, want %T", what, target)
		return target
	}
	if !errors.As(err, &target) {
		t.Errorf("%s: error %v (code %s, HTTP %d), want %T", what, err, vlErrCode(err), vlHTTPStatus(err), target)
	}
	return target
}

// vlErrCode is the error code the SDK decoded ("" if none).
func vlErrCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// vlHTTPStatus is the HTTP status of a failed call (0 if it never got one).
func vlHTTPStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// vlNo5xx fails the test when err is a server-side (5xx) error or a
// transport error, and returns whether err is nil.
func vlNo5xx(t testing.TB, err error, what string) bool {
	t.Helper()
	if err == nil {
		return true
	}
	if st := vlHTTPStatus(err); st == 0 || st >= 500 {
		t.Errorf("%s: server or transport error (HTTP %d): %v", what, st, err)
	}
	return false
}

// ------------------------------------------------------------------- hashing

func vlSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// vlHashes returns the asset hashes CodeArtifact reports, computed here.
func vlHashes(b []byte) map[string]string {
	return vlHashReader(bytes.NewReader(b))
}

func vlHashReader(r io.Reader) map[string]string {
	hs := map[string]hash.Hash{"MD5": md5.New(), "SHA-1": sha1.New(), "SHA-256": sha256.New(), "SHA-512": sha512.New()}
	ws := make([]io.Writer, 0, len(hs))
	for _, h := range hs {
		ws = append(ws, h)
	}
	if _, err := io.Copy(io.MultiWriter(ws...), r); err != nil {
		panic(err)
	}
	out := make(map[string]string, len(hs))
	for k, h := range hs {
		out[k] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

// vlCheckAsset checks one AssetSummary against the bytes it should describe.
func vlCheckAsset(t testing.TB, what string, got *types.AssetSummary, name string, data []byte) {
	t.Helper()
	vlCheckAssetHashes(t, what, got, name, int64(len(data)), vlHashes(data))
}

func vlCheckAssetHashes(t testing.TB, what string, got *types.AssetSummary, name string, size int64, hashes map[string]string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no asset summary", what)
		return
	}
	if aws.ToString(got.Name) != name {
		t.Errorf("%s: asset name %q, want %q", what, aws.ToString(got.Name), name)
	}
	if got.Size == nil || *got.Size != size {
		t.Errorf("%s: asset size %v, want %d", what, vlPtr(got.Size), size)
	}
	if !maps.Equal(got.Hashes, hashes) {
		t.Errorf("%s: asset hashes\n%v\nwant\n%v", what, got.Hashes, hashes)
	}
}

func vlPtr[T any](p *T) any {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// vlCheckRevision checks the documented revision shape: base64 (standard,
// padded) of a SHA-256, 44 characters.
func vlCheckRevision(t testing.TB, what, rev string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(rev)
	if len(rev) != 44 || err != nil || len(raw) != 32 {
		t.Errorf("%s: revision %q is not the base64 of a SHA-256 (44 characters)", what, rev)
	}
}

// ---------------------------------------------------------- the blob store

// The blob helpers take the data directory, as their callers know it, and
// ask the server started on it (harness.ServerOf) what its blob store holds:
// the folder <data-dir>/blobs on the embedded backend, the server's S3
// prefix on postgres-s3 (see harness.Server.BlobDigests).

func vlBlobServer(t testing.TB, dataDir string) *harness.Server {
	t.Helper()
	s := harness.ServerOf(dataDir)
	if s == nil {
		t.Fatalf("no server was started on data directory %s", dataDir)
	}
	return s
}

// vlBlobFiles lists what the blob store holds, sorted: the digests of its
// blobs, and a description of anything else (an upload's temp file, a
// misplaced object), which no digest equals.
func vlBlobFiles(t testing.TB, dataDir string) []string {
	t.Helper()
	return vlBlobServer(t, dataDir).BlobDigests(t)
}

// vlBlobExists reports whether the blob store holds the bytes of digest.
func vlBlobExists(dataDir, digest string) bool {
	s := harness.ServerOf(dataDir)
	if s == nil {
		return false
	}
	all, err := s.ListBlobs(context.Background())
	return err == nil && slices.Contains(all, digest)
}

// vlWaitBlobs waits until the blob store holds exactly the blobs of the given
// digests (the collector of unreferenced blobs may run after the response).
// It is a wait for eventual consistency, not a timing assertion: 30 s is far
// above anything a working server needs.
func vlWaitBlobs(t testing.TB, dataDir string, digests ...string) {
	t.Helper()
	want := slices.Compact(slices.Sorted(slices.Values(digests)))
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := vlBlobFiles(t, dataDir)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("blob store holds\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ------------------------------------------------------------ big payloads

// vlPattern is a deterministic, seekable stream of size bytes: byte i is byte
// i%8 (little endian) of splitmix64(seed ^ i/8). Nothing is held in memory.
type vlPattern struct {
	seed, size, off int64
}

func vlNewPattern(seed, size int64) *vlPattern { return &vlPattern{seed: seed, size: size} }

func vlSplitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (p *vlPattern) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	if rem := p.size - p.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	n := 0
	var word [8]byte
	for n < len(b) {
		pos := p.off + int64(n)
		binary.LittleEndian.PutUint64(word[:], vlSplitmix(uint64(p.seed)^uint64(pos/8)))
		n += copy(b[n:], word[pos%8:])
	}
	p.off += int64(n)
	return n, nil
}

func (p *vlPattern) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = p.off + offset
	case io.SeekEnd:
		abs = p.size + offset
	default:
		return 0, errors.New("vlPattern: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("vlPattern: negative position")
	}
	p.off = abs
	return abs, nil
}

// --------------------------------------------------------- signing options

// vlSignPayloadHash makes the SDK sign the request with the given payload
// hash instead of hashing the body itself: a client that declares (and signs)
// an x-amz-content-sha256 that does not match the bytes it sends.
func vlSignPayloadHash(h string) func(*codeartifact.Options) {
	return func(o *codeartifact.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("vlDeclaredPayloadHash",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					return next.HandleFinalize(v4.SetPayloadHash(ctx, h), in)
				}), "ComputePayloadHash", middleware.Before)
		})
	}
}

// vlRepeat returns a string of n copies of c.
func vlRepeat(c string, n int) string { return strings.Repeat(c, n) }
