package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// TestPublishPackageVersion covers generic publishing (guide §6, behaviour.md
// "Generic publishing").
func TestPublishPackageVersion(t *testing.T) {
	t.Parallel()
	e := vlStart(t)

	t.Run("PublishedWithRevisionAndAssetSummary", func(t *testing.T) {
		data := []byte("hello, artifactd\n")
		out := e.mustPublish(t, vlRepo, "simple", "1.0.0", "hello.txt", data, false)
		if out.Format != types.PackageFormatGeneric || aws.ToString(out.Namespace) != vlNS ||
			aws.ToString(out.Package) != "simple" || aws.ToString(out.Version) != "1.0.0" {
			t.Errorf("publish response coordinates: format %q namespace %q package %q version %q, want generic/%s/simple/1.0.0",
				out.Format, aws.ToString(out.Namespace), aws.ToString(out.Package), aws.ToString(out.Version), vlNS)
		}
		if out.Status != types.PackageVersionStatusPublished {
			t.Errorf("publish status %q, want Published", out.Status)
		}
		rev := aws.ToString(out.VersionRevision)
		vlCheckRevision(t, "publish", rev)
		vlCheckAsset(t, "publish response asset", out.Asset, "hello.txt", data)

		e.wantStatus(t, vlRepo, "simple", "1.0.0", types.PackageVersionStatusPublished, rev)
		assets := e.listAssets(t, vlRepo, "simple", "1.0.0")
		if len(assets) != 1 {
			t.Fatalf("ListPackageVersionAssets: %d assets, want 1", len(assets))
		}
		vlCheckAsset(t, "listed asset", &assets[0], "hello.txt", data)
		e.mustGetAsset(t, vlRepo, "simple", "1.0.0", "hello.txt", data)
		e.wantAssetSize(t, int64(len(data)), "one asset published")
	})

	t.Run("EmptyAsset", func(t *testing.T) {
		out := e.mustPublish(t, vlRepo, "empty", "1.0.0", "empty.bin", []byte{}, false)
		vlCheckAsset(t, "empty asset", out.Asset, "empty.bin", []byte{})
		e.mustGetAsset(t, vlRepo, "empty", "1.0.0", "empty.bin", []byte{})
	})

	t.Run("UnfinishedThenMoreAssetsThenFinal", func(t *testing.T) {
		a1, a2, a3 := []byte("first asset"), []byte("second asset"), []byte("third asset")
		o1 := e.mustPublish(t, vlRepo, "multi", "2.0.0", "a1.txt", a1, true)
		if o1.Status != types.PackageVersionStatusUnfinished {
			t.Errorf("first unfinished publish: status %q, want Unfinished", o1.Status)
		}
		vlCheckAsset(t, "first unfinished publish", o1.Asset, "a1.txt", a1)
		e.wantStatus(t, vlRepo, "multi", "2.0.0", types.PackageVersionStatusUnfinished, aws.ToString(o1.VersionRevision))

		o2 := e.mustPublish(t, vlRepo, "multi", "2.0.0", "a2.txt", a2, true)
		if o2.Status != types.PackageVersionStatusUnfinished {
			t.Errorf("second unfinished publish: status %q, want Unfinished", o2.Status)
		}
		vlCheckAsset(t, "second unfinished publish", o2.Asset, "a2.txt", a2)
		if aws.ToString(o2.VersionRevision) == aws.ToString(o1.VersionRevision) {
			t.Errorf("revision did not change when an asset was added: %s", aws.ToString(o2.VersionRevision))
		}

		o3 := e.mustPublish(t, vlRepo, "multi", "2.0.0", "a3.txt", a3, false)
		if o3.Status != types.PackageVersionStatusPublished {
			t.Errorf("final publish: status %q, want Published", o3.Status)
		}
		vlCheckAsset(t, "final publish", o3.Asset, "a3.txt", a3)
		r3 := aws.ToString(o3.VersionRevision)
		vlCheckRevision(t, "final publish", r3)
		if r3 == aws.ToString(o2.VersionRevision) || r3 == aws.ToString(o1.VersionRevision) {
			t.Errorf("revision did not change when the last asset was added: %s", r3)
		}
		e.wantStatus(t, vlRepo, "multi", "2.0.0", types.PackageVersionStatusPublished, r3)

		assets := e.listAssets(t, vlRepo, "multi", "2.0.0")
		if len(assets) != 3 {
			t.Fatalf("ListPackageVersionAssets: %d assets, want 3", len(assets))
		}
		vlCheckAsset(t, "asset 1", &assets[0], "a1.txt", a1)
		vlCheckAsset(t, "asset 2", &assets[1], "a2.txt", a2)
		vlCheckAsset(t, "asset 3", &assets[2], "a3.txt", a3)
	})

	t.Run("PublishedRefusesNewAsset", func(t *testing.T) {
		data := []byte("only asset")
		out := e.mustPublish(t, vlRepo, "closed", "1.0.0", "only.txt", data, false)
		rev := aws.ToString(out.VersionRevision)
		before := e.assetSize(t)

		_, err := e.publish(t, vlRepo, "closed", "1.0.0", "more.txt", []byte("late asset"), false)
		vlWantErr[*types.ConflictException](t, err, "new asset on a Published version")
		_, err = e.publish(t, vlRepo, "closed", "1.0.0", "more.txt", []byte("late asset"), true)
		vlWantErr[*types.ConflictException](t, err, "new asset with unfinished=true on a Published version")

		e.wantStatus(t, vlRepo, "closed", "1.0.0", types.PackageVersionStatusPublished, rev)
		if n := len(e.listAssets(t, vlRepo, "closed", "1.0.0")); n != 1 {
			t.Errorf("after refused publishes the version has %d assets, want 1", n)
		}
		e.wantAssetSize(t, before, "refused publishes keep nothing")
	})

	t.Run("IdenticalRepublishSucceedsUnchanged", func(t *testing.T) {
		data := []byte("same bytes every time")
		first := e.mustPublish(t, vlRepo, "idem", "1.0.0", "same.txt", data, false)
		before := e.assetSize(t)
		again := e.mustPublish(t, vlRepo, "idem", "1.0.0", "same.txt", data, false)
		if aws.ToString(again.VersionRevision) != aws.ToString(first.VersionRevision) {
			t.Errorf("identical re-publish changed the revision: %s -> %s",
				aws.ToString(first.VersionRevision), aws.ToString(again.VersionRevision))
		}
		if again.Status != types.PackageVersionStatusPublished {
			t.Errorf("identical re-publish: status %q, want Published", again.Status)
		}
		vlCheckAsset(t, "identical re-publish", again.Asset, "same.txt", data)
		e.wantStatus(t, vlRepo, "idem", "1.0.0", types.PackageVersionStatusPublished, aws.ToString(first.VersionRevision))
		e.wantAssetSize(t, before, "identical re-publish stores nothing new")

		// The same on an Unfinished version: stays Unfinished, same revision.
		u1 := e.mustPublish(t, vlRepo, "idem", "2.0.0", "same.txt", data, true)
		u2 := e.mustPublish(t, vlRepo, "idem", "2.0.0", "same.txt", data, true)
		if aws.ToString(u2.VersionRevision) != aws.ToString(u1.VersionRevision) || u2.Status != types.PackageVersionStatusUnfinished {
			t.Errorf("identical re-publish into an Unfinished version: status %q revision %s, want Unfinished %s",
				u2.Status, aws.ToString(u2.VersionRevision), aws.ToString(u1.VersionRevision))
		}
	})

	t.Run("SameAssetNameOtherBytesConflicts", func(t *testing.T) {
		data := []byte("original content")
		out := e.mustPublish(t, vlRepo, "clash", "1.0.0", "file.txt", data, false)
		before := e.assetSize(t)
		_, err := e.publish(t, vlRepo, "clash", "1.0.0", "file.txt", []byte("different content"), false)
		vlWantErr[*types.ConflictException](t, err, "same asset name, other bytes, Published version")
		e.wantStatus(t, vlRepo, "clash", "1.0.0", types.PackageVersionStatusPublished, aws.ToString(out.VersionRevision))
		e.mustGetAsset(t, vlRepo, "clash", "1.0.0", "file.txt", data)

		u := e.mustPublish(t, vlRepo, "clash", "2.0.0", "file.txt", data, true)
		_, err = e.publish(t, vlRepo, "clash", "2.0.0", "file.txt", []byte("different content"), true)
		vlWantErr[*types.ConflictException](t, err, "same asset name, other bytes, Unfinished version")
		e.wantStatus(t, vlRepo, "clash", "2.0.0", types.PackageVersionStatusUnfinished, aws.ToString(u.VersionRevision))
		e.mustGetAsset(t, vlRepo, "clash", "2.0.0", "file.txt", data)
		e.wantAssetSize(t, before, "conflicting publishes keep nothing")
	})

	t.Run("UnlistedArchivedDisposedRefuseAssets", func(t *testing.T) {
		for _, st := range []types.PackageVersionStatus{
			types.PackageVersionStatusUnlisted, types.PackageVersionStatusArchived, types.PackageVersionStatusDisposed,
		} {
			ver := "1.0.0-" + strings.ToLower(string(st))
			rev := e.pubVersion(t, vlRepo, "frozen", ver, []byte("content of "+ver), st)
			for _, unfinished := range []bool{false, true} {
				_, err := e.publish(t, vlRepo, "frozen", ver, "new.txt", []byte("new"), unfinished)
				vlWantErr[*types.ConflictException](t, err, fmt.Sprintf("new asset on a %s version (unfinished=%v)", st, unfinished))
			}
			e.wantStatus(t, vlRepo, "frozen", ver, st, rev)
		}
	})

	t.Run("SameContentSameRevision", func(t *testing.T) {
		// Revisions are a hash of the asset list and metadata: equal content,
		// equal revision, even in another repository.
		data := []byte("deterministic revision")
		a := e.mustPublish(t, vlRepo, "detrev", "1.0.0", "x.bin", data, false)
		b := e.mustPublish(t, vlRepo2, "detrev", "1.0.0", "x.bin", data, false)
		if aws.ToString(a.VersionRevision) != aws.ToString(b.VersionRevision) {
			t.Errorf("same assets in two repositories: revisions %s and %s, want equal",
				aws.ToString(a.VersionRevision), aws.ToString(b.VersionRevision))
		}
		// The order in which assets arrive does not matter.
		e.mustPublish(t, vlRepo, "detrev", "2.0.0", "one.bin", []byte("one"), true)
		r1 := e.mustPublish(t, vlRepo, "detrev", "2.0.0", "two.bin", []byte("two"), false)
		e.mustPublish(t, vlRepo2, "detrev", "2.0.0", "two.bin", []byte("two"), true)
		r2 := e.mustPublish(t, vlRepo2, "detrev", "2.0.0", "one.bin", []byte("one"), false)
		if aws.ToString(r1.VersionRevision) != aws.ToString(r2.VersionRevision) {
			t.Errorf("same assets published in another order: revisions %s and %s, want equal",
				aws.ToString(r1.VersionRevision), aws.ToString(r2.VersionRevision))
		}
		c := e.mustPublish(t, vlRepo2, "detrev", "1.0.1", "x.bin", []byte("other bytes"), false)
		if aws.ToString(c.VersionRevision) == aws.ToString(a.VersionRevision) {
			t.Errorf("different assets gave the same revision %s", aws.ToString(c.VersionRevision))
		}
	})

	t.Run("UnusualButValidNames", func(t *testing.T) {
		names := []string{
			"my file (1).tar.gz",
			"a~!@^&()-_+[]{};,.z",
			"ünïcødé-ß-日本語.bin",
			"..hidden",
			vlRepeat("n", 255),
		}
		for i, n := range names {
			data := []byte("asset " + n)
			out := e.mustPublish(t, vlRepo, "names", "1.0.0", n, data, true)
			vlCheckAsset(t, fmt.Sprintf("asset name #%d", i), out.Asset, n, data)
			e.mustGetAsset(t, vlRepo, "names", "1.0.0", n, data)
		}
		long := vlRepeat("p", 255)
		e.mustPublish(t, vlRepo, long, vlRepeat("9", 255), "f", []byte("long names"), false)
		e.mustDescribe(t, vlRepo, long, vlRepeat("9", 255))
		e.mustPublish(t, vlRepo, "ver-chars", "1.0.0+build.5_rc~x", "f", []byte("version chars"), false)
		e.mustDescribe(t, vlRepo, "ver-chars", "1.0.0+build.5_rc~x")
	})
}

// TestPublishWrongSHA256KeepsNothing: an x-amz-content-sha256 that does not
// match the body is refused, and nothing (package, version, bytes) is kept.
func TestPublishWrongSHA256KeepsNothing(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	// Something stored already, so that "unchanged" is not just "zero".
	base := []byte("baseline asset")
	e.mustPublish(t, vlRepo, "base", "1.0.0", "base.bin", base, false)
	sizeBefore := e.assetSize(t)
	vlWaitBlobs(t, e.srv.DataDir, vlSHA256(base))

	body := []byte("the real body of the asset")
	wrong := vlSHA256([]byte("some other body"))

	t.Run("SignedWithDeclaredHash", func(t *testing.T) {
		// The client declares (and signs) a SHA-256 that is not the body's:
		// the signature is valid for the header, the body does not match it.
		in := e.vlPubIn(vlRepo, "badsha", "1.0.0", "a.bin", body, false)
		in.AssetSHA256 = aws.String(wrong)
		_, err := e.c.PublishPackageVersion(vlCtx(t), in, vlSignPayloadHash(wrong))
		vlWantErr[*types.ValidationException](t, err, "publish with a wrong x-amz-content-sha256")
	})

	t.Run("SDKDefaultSigning", func(t *testing.T) {
		// The SDK signs the real body hash but sends the declared value in
		// x-amz-content-sha256. The server may reject the signature or the
		// hash; either way it must refuse with a 4xx and keep nothing.
		in := e.vlPubIn(vlRepo, "badsha2", "1.0.0", "a.bin", body, false)
		in.AssetSHA256 = aws.String(wrong)
		_, err := e.c.PublishPackageVersion(vlCtx(t), in)
		if err == nil {
			t.Fatalf("publish with a wrong x-amz-content-sha256 succeeded")
		}
		code := vlErrCode(err)
		t.Logf("wrong x-amz-content-sha256 with the SDK's own signature: %s (HTTP %d)", code, vlHTTPStatus(err))
		if code != "ValidationException" && code != "InvalidSignatureException" {
			t.Errorf("publish with a wrong x-amz-content-sha256: error %v (code %q), want ValidationException (or InvalidSignatureException)", err, code)
		}
	})

	t.Run("UnfinishedIntoExistingVersion", func(t *testing.T) {
		good := []byte("good first asset")
		out := e.mustPublish(t, vlRepo, "badsha3", "1.0.0", "good.bin", good, true)
		in := e.vlPubIn(vlRepo, "badsha3", "1.0.0", "bad.bin", body, true)
		in.AssetSHA256 = aws.String(wrong)
		_, err := e.c.PublishPackageVersion(vlCtx(t), in, vlSignPayloadHash(wrong))
		vlWantErr[*types.ValidationException](t, err, "adding an asset with a wrong x-amz-content-sha256")
		e.wantStatus(t, vlRepo, "badsha3", "1.0.0", types.PackageVersionStatusUnfinished, aws.ToString(out.VersionRevision))
		if n := len(e.listAssets(t, vlRepo, "badsha3", "1.0.0")); n != 1 {
			t.Errorf("after a refused asset the version has %d assets, want 1", n)
		}
		// Clean up so that the size and blob checks below see only "base".
		e.mustDeleteVersions(t, vlRepo, "badsha3", []string{"1.0.0"}, "")
	})

	for _, pkg := range []string{"badsha", "badsha2"} {
		e.wantGone(t, vlRepo, pkg, "1.0.0")
		_, err := e.c.DescribePackage(vlCtx(t), &codeartifact.DescribePackageInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String(pkg),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackage after a refused first publish")
	}
	e.wantAssetSize(t, sizeBefore, "refused publishes keep no bytes")
	vlWaitBlobs(t, e.srv.DataDir, vlSHA256(base))
}

// TestPublishValidation: malformed coordinates and names are ValidationException
// (guide §2) and create nothing.
func TestPublishValidation(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	data := []byte("validation payload")

	type tc struct {
		name string
		mod  func(*codeartifact.PublishPackageVersionInput)
	}
	cases := []tc{
		{"MissingNamespace", func(in *codeartifact.PublishPackageVersionInput) { in.Namespace = nil }},
		{"EmptyNamespace", func(in *codeartifact.PublishPackageVersionInput) { in.Namespace = aws.String("") }},
		{"UnknownFormat", func(in *codeartifact.PublishPackageVersionInput) { in.Format = "zip" }},
		{"VersionWithSlash", func(in *codeartifact.PublishPackageVersionInput) { in.PackageVersion = aws.String("a/b") }},
		{"VersionWithHash", func(in *codeartifact.PublishPackageVersionInput) { in.PackageVersion = aws.String("1#2") }},
		{"VersionWithSpace", func(in *codeartifact.PublishPackageVersionInput) { in.PackageVersion = aws.String("1 2") }},
		{"Version256", func(in *codeartifact.PublishPackageVersionInput) { in.PackageVersion = aws.String(vlRepeat("1", 256)) }},
		{"PackageWithSlash", func(in *codeartifact.PublishPackageVersionInput) { in.Package = aws.String("p/q") }},
		{"Package256", func(in *codeartifact.PublishPackageVersionInput) { in.Package = aws.String(vlRepeat("p", 256)) }},
		{"NamespaceWithSpace", func(in *codeartifact.PublishPackageVersionInput) { in.Namespace = aws.String("n s") }},
		{"Namespace256", func(in *codeartifact.PublishPackageVersionInput) { in.Namespace = aws.String(vlRepeat("n", 256)) }},
		{"AssetDot", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String(".") }},
		{"AssetDotDot", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String("..") }},
		{"AssetLeadingSpace", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String(" lead") }},
		{"AssetTrailingSpace", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String("trail ") }},
		{"AssetTwoSpaces", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String("two  spaces") }},
		{"AssetControlChar", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String("ctl\x01char") }},
		{"AssetTab", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String("tab\there") }},
		{"AssetSlash", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String("dir/file") }},
		{"Asset256", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String(vlRepeat("a", 256)) }},
		{"EmptyAssetName", func(in *codeartifact.PublishPackageVersionInput) { in.AssetName = aws.String("") }},
		{"EmptyVersion", func(in *codeartifact.PublishPackageVersionInput) { in.PackageVersion = aws.String("") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := "val-" + strings.ToLower(c.name)
			in := e.vlPubIn(vlRepo, pkg, "1.0.0", "ok.txt", data, false)
			c.mod(in)
			_, err := e.c.PublishPackageVersion(vlCtx(t), in)
			vlWantErr[*types.ValidationException](t, err, "PublishPackageVersion "+c.name)
		})
	}
	e.wantAssetSize(t, 0, "invalid publishes keep nothing")
	out, err := e.c.ListPackages(vlCtx(t), &codeartifact.ListPackagesInput{Domain: aws.String(e.domain), Repository: aws.String(vlRepo)})
	if err != nil {
		t.Fatalf("ListPackages: %v", err)
	}
	if len(out.Packages) != 0 {
		t.Errorf("invalid publishes created %d packages, want none: %+v", len(out.Packages), out.Packages)
	}
	vlWaitBlobs(t, e.srv.DataDir)

	t.Run("MissingRepositoryOrDomain", func(t *testing.T) {
		in := e.vlPubIn("no-such-repo", "p", "1.0.0", "ok.txt", data, false)
		_, err := e.c.PublishPackageVersion(vlCtx(t), in)
		vlWantErr[*types.ResourceNotFoundException](t, err, "publish into a missing repository")
		in = e.vlPubIn(vlRepo, "p", "1.0.0", "ok.txt", data, false)
		in.Domain = aws.String("no-such-domain")
		_, err = e.c.PublishPackageVersion(vlCtx(t), in)
		vlWantErr[*types.ResourceNotFoundException](t, err, "publish into a missing domain")
	})
}

// TestPublishAssetQuota: 150 assets per version; the 151st is
// ServiceQuotaExceededException.
func TestPublishAssetQuota(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	var rev string
	for i := range 150 {
		out := e.mustPublish(t, vlRepo, "many", "1.0.0", fmt.Sprintf("asset-%03d.txt", i), []byte(fmt.Sprintf("content %d", i)), true)
		rev = aws.ToString(out.VersionRevision)
	}
	_, err := e.publish(t, vlRepo, "many", "1.0.0", "asset-150.txt", []byte("one too many"), true)
	vlWantErr[*types.ServiceQuotaExceededException](t, err, "151st asset")
	_, err = e.publish(t, vlRepo, "many", "1.0.0", "asset-150.txt", []byte("one too many"), false)
	vlWantErr[*types.ServiceQuotaExceededException](t, err, "151st asset (final publish)")
	e.wantStatus(t, vlRepo, "many", "1.0.0", types.PackageVersionStatusUnfinished, rev)

	// Re-publishing an existing asset with identical bytes is not a new asset.
	e.mustPublish(t, vlRepo, "many", "1.0.0", "asset-000.txt", []byte("content 0"), true)

	// Default page size of ListPackageVersionAssets is 50.
	out, err := e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("many"), PackageVersion: aws.String("1.0.0"),
	})
	if err != nil {
		t.Fatalf("ListPackageVersionAssets: %v", err)
	}
	if len(out.Assets) != 50 || out.NextToken == nil {
		t.Errorf("ListPackageVersionAssets without maxResults: %d assets, nextToken %v; want 50 and a token", len(out.Assets), out.NextToken != nil)
	}
	all := e.listAssets(t, vlRepo, "many", "1.0.0")
	if len(all) != 150 {
		t.Fatalf("all pages: %d assets, want 150", len(all))
	}
	for i, a := range all {
		vlCheckAsset(t, fmt.Sprintf("asset %d", i), &a, fmt.Sprintf("asset-%03d.txt", i), []byte(fmt.Sprintf("content %d", i)))
	}
}
