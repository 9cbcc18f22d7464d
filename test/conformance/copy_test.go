package conformance

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

func TestCopyPackageVersions(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	const pkg = "cp"
	a1, a2 := []byte("copy: first asset of 1.0.0"), []byte("copy: second asset of 1.0.0")
	b := []byte("copy: 1.0.1")
	c := []byte("copy: 1.0.2")
	e.mustPublish(t, vlRepo, pkg, "1.0.0", "a1.bin", a1, true)
	r0 := aws.ToString(e.mustPublish(t, vlRepo, pkg, "1.0.0", "a2.bin", a2, false).VersionRevision)
	r1 := e.pubVersion(t, vlRepo, pkg, "1.0.1", b, types.PackageVersionStatusUnlisted)
	r2 := e.pubVersion(t, vlRepo, pkg, "1.0.2", c, types.PackageVersionStatusArchived)
	size := e.assetSize(t)
	srcDesc := e.mustDescribe(t, vlRepo, pkg, "1.0.0")

	t.Run("CopyKeepsStatusRevisionAndSharesAssets", func(t *testing.T) {
		res, err := e.copyVersions(t, vlRepo, vlRepo2, pkg, []string{"1.0.0", "1.0.1", "1.0.2"}, nil, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy", res.SuccessfulVersions, res.FailedVersions, map[string]string{
			"1.0.0": vlOK(r0, "Published"), "1.0.1": vlOK(r1, "Unlisted"), "1.0.2": vlOK(r2, "Archived"),
		}, nil)
		e.wantStatus(t, vlRepo2, pkg, "1.0.0", types.PackageVersionStatusPublished, r0)
		e.wantStatus(t, vlRepo2, pkg, "1.0.1", types.PackageVersionStatusUnlisted, r1)
		e.wantStatus(t, vlRepo2, pkg, "1.0.2", types.PackageVersionStatusArchived, r2)
		if got := vlVersionNames(e.listVersions(t, vlRepo2, pkg, nil)); !slices.Equal(got, []string{"1.0.2", "1.0.1", "1.0.0"}) {
			t.Errorf("destination lists %v", got)
		}
		assets := e.listAssets(t, vlRepo2, pkg, "1.0.0")
		if len(assets) != 2 {
			t.Fatalf("copied version has %d assets, want 2", len(assets))
		}
		vlCheckAsset(t, "copied asset 1", &assets[0], "a1.bin", a1)
		vlCheckAsset(t, "copied asset 2", &assets[1], "a2.bin", a2)
		e.mustGetAsset(t, vlRepo2, pkg, "1.0.0", "a2.bin", a2)
		e.mustGetAsset(t, vlRepo2, pkg, "1.0.1", "file.bin", b)
		e.wantAssetSize(t, size, "copies share the bytes")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(a1), vlSHA256(a2), vlSHA256(b), vlSHA256(c))

		d := e.mustDescribe(t, vlRepo2, pkg, "1.0.0")
		if srcDesc.PublishedTime != nil && (d.PublishedTime == nil || !d.PublishedTime.Equal(*srcDesc.PublishedTime)) {
			t.Errorf("copied publishedTime %v, source %v", vlPtr(d.PublishedTime), vlPtr(srcDesc.PublishedTime))
		}
		// The destination package exists with the usual listing fields.
		if _, err := e.describePackage(t, vlRepo2, types.PackageFormatGeneric, aws.String(vlNS), pkg); err != nil {
			t.Errorf("DescribePackage in the destination: %v", err)
		}
	})

	t.Run("IdenticalExistingVersionIsInNeitherMap", func(t *testing.T) {
		res, err := e.copyVersions(t, vlRepo, vlRepo2, pkg, []string{"1.0.0", "1.0.1"}, nil, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy of identical versions", res.SuccessfulVersions, res.FailedVersions, nil, nil)
		e.wantStatus(t, vlRepo2, pkg, "1.0.0", types.PackageVersionStatusPublished, r0)
	})

	t.Run("AlreadyExistsThenOverwrite", func(t *testing.T) {
		srcBytes, dstBytes := []byte("2.0.0 in the source"), []byte("2.0.0 already in the destination, different")
		srcRev := e.pubVersion(t, vlRepo, pkg, "2.0.0", srcBytes, types.PackageVersionStatusPublished)
		dstRev := e.pubVersion(t, vlRepo2, pkg, "2.0.0", dstBytes, types.PackageVersionStatusPublished)
		e.pubVersion(t, vlRepo, pkg, "2.0.1", []byte("2.0.1 only in the source"), types.PackageVersionStatusPublished)
		before := e.assetSize(t)

		res, err := e.copyVersions(t, vlRepo, vlRepo2, pkg, []string{"2.0.0", "2.0.1"}, nil, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy onto a different version", res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
			"2.0.0": vlFail(types.PackageVersionErrorCodeAlreadyExists, vlAnyMessage),
			"2.0.1": vlSkipped("2.0.1"),
		})
		e.wantStatus(t, vlRepo2, pkg, "2.0.0", types.PackageVersionStatusPublished, dstRev)
		e.mustGetAsset(t, vlRepo2, pkg, "2.0.0", "file.bin", dstBytes)
		e.wantGone(t, vlRepo2, pkg, "2.0.1")

		res, err = e.copyVersions(t, vlRepo, vlRepo2, pkg, []string{"2.0.0"}, nil, true)
		if err != nil {
			t.Fatalf("CopyPackageVersions allowOverwrite: %v", err)
		}
		vlCheckBatch(t, "copy with allowOverwrite", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"2.0.0": vlOK(srcRev, "Published")}, nil)
		e.wantStatus(t, vlRepo2, pkg, "2.0.0", types.PackageVersionStatusPublished, srcRev)
		e.mustGetAsset(t, vlRepo2, pkg, "2.0.0", "file.bin", srcBytes)
		e.wantAssetSize(t, before-int64(len(dstBytes)), "the overwritten bytes are no longer referenced")
	})

	t.Run("NotFound", func(t *testing.T) {
		e.pubVersion(t, vlRepo, pkg, "3.0.0", []byte("3.0.0 only in the source"), types.PackageVersionStatusPublished)
		res, err := e.copyVersions(t, vlRepo, vlRepo2, pkg, []string{"3.0.0", "9.9.9"}, nil, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy with a missing version", res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
			"3.0.0": vlSkipped("3.0.0"), "9.9.9": vlNotFound("9.9.9"),
		})
		e.wantGone(t, vlRepo2, pkg, "3.0.0")
	})

	t.Run("VersionRevisions", func(t *testing.T) {
		e.createRepo(t, "repo-c")
		res, err := e.copyVersions(t, vlRepo, "repo-c", pkg, nil, map[string]string{"1.0.0": r1}, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy with a wrong revision", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"1.0.0": vlMismatchedRevision(r0, r1)})
		e.wantGone(t, "repo-c", pkg, "1.0.0")

		res, err = e.copyVersions(t, vlRepo, "repo-c", pkg, nil, map[string]string{"1.0.0": r0, "1.0.1": r1}, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy by versionRevisions", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"1.0.0": vlOK(r0, "Published"), "1.0.1": vlOK(r1, "Unlisted")}, nil)
	})

	t.Run("Validation", func(t *testing.T) {
		_, err := e.copyVersions(t, vlRepo, vlRepo2, pkg, []string{"1.0.0"}, map[string]string{"1.0.0": r0}, false)
		vlWantErr[*types.ValidationException](t, err, "versions and versionRevisions together")
		_, err = e.copyVersions(t, vlRepo, vlRepo2, pkg, nil, nil, false)
		vlWantErr[*types.ValidationException](t, err, "neither versions nor versionRevisions")
		_, err = e.copyVersions(t, vlRepo, vlRepo, pkg, []string{"1.0.0"}, nil, false)
		vlWantErr[*types.ValidationException](t, err, "source = destination")
		var many []string
		for i := range 101 {
			many = append(many, "v"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		}
		_, err = e.copyVersions(t, vlRepo, vlRepo2, pkg, many, nil, false)
		vlWantErr[*types.ValidationException](t, err, "101 versions")
		_, err = e.copyVersions(t, vlRepo, "no-such-repo", pkg, []string{"1.0.0"}, nil, false)
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing destination repository")
		_, err = e.copyVersions(t, "no-such-repo", vlRepo2, pkg, []string{"1.0.0"}, nil, false)
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing source repository")
	})

	t.Run("UnfinishedAndDisposedNotAllowed", func(t *testing.T) {
		ru := e.pubVersion(t, vlRepo, "cp-na", "1.0.0-unfinished", []byte("unfinished"), types.PackageVersionStatusUnfinished)
		e.pubVersion(t, vlRepo, "cp-na", "1.0.0-disposed", []byte("disposed"), types.PackageVersionStatusDisposed)
		rp := e.pubVersion(t, vlRepo, "cp-na", "1.0.0", []byte("fine"), types.PackageVersionStatusPublished)
		for _, v := range []string{"1.0.0-unfinished", "1.0.0-disposed"} {
			res, err := e.copyVersions(t, vlRepo, vlRepo2, "cp-na", []string{v, "1.0.0"}, nil, false)
			if err != nil {
				t.Fatalf("CopyPackageVersions: %v", err)
			}
			vlCheckBatch(t, "copy of "+v, res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
				v: vlFail(types.PackageVersionErrorCodeNotAllowed, vlAnyMessage), "1.0.0": vlSkipped("1.0.0"),
			})
			e.wantGone(t, vlRepo2, "cp-na", v)
			e.wantGone(t, vlRepo2, "cp-na", "1.0.0")
		}
		e.wantStatus(t, vlRepo, "cp-na", "1.0.0-unfinished", types.PackageVersionStatusUnfinished, ru)
		res, err := e.copyVersions(t, vlRepo, vlRepo2, "cp-na", []string{"1.0.0"}, nil, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy of the Published one alone", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"1.0.0": vlOK(rp, "Published")}, nil)
	})

	t.Run("SourceDeleteKeepsCopy", func(t *testing.T) {
		data := []byte("survives the source")
		rev := e.pubVersion(t, vlRepo, "cp-keep", "1.0.0", data, types.PackageVersionStatusPublished)
		res, err := e.copyVersions(t, vlRepo, vlRepo2, "cp-keep", []string{"1.0.0"}, nil, false)
		if err != nil {
			t.Fatalf("CopyPackageVersions: %v", err)
		}
		vlCheckBatch(t, "copy", res.SuccessfulVersions, res.FailedVersions, map[string]string{"1.0.0": vlOK(rev, "Published")}, nil)
		before := e.assetSize(t)
		e.mustDeleteVersions(t, vlRepo, "cp-keep", []string{"1.0.0"}, "")
		e.wantAssetSize(t, before, "the copy still references the bytes")
		e.mustGetAsset(t, vlRepo2, "cp-keep", "1.0.0", "file.bin", data)
		if !vlBlobExists(e.srv.DataDir, vlSHA256(data)) {
			t.Errorf("blob %s is gone while the copy references it", vlSHA256(data))
		}
		// Disposing the copy frees them.
		if _, err := e.disposeVersions(t, vlRepo2, "cp-keep", []string{"1.0.0"}, nil, ""); err != nil {
			t.Fatalf("DisposePackageVersions: %v", err)
		}
		e.wantAssetSize(t, before-int64(len(data)), "no reference left after dispose")
	})
}
