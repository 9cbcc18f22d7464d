package conformance

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

func (e *vlEnv) describePackage(t testing.TB, repo string, format types.PackageFormat, ns *string, pkg string) (*types.PackageDescription, error) {
	t.Helper()
	out, err := e.c.DescribePackage(vlCtx(t), &codeartifact.DescribePackageInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: format, Namespace: ns, Package: aws.String(pkg),
	})
	if err != nil {
		return nil, err
	}
	return out.Package, nil
}

// listPackageNames lists the packages of a repository as "format/namespace/name".
func (e *vlEnv) listPackageNames(t testing.TB, repo string, mod func(*codeartifact.ListPackagesInput)) []string {
	t.Helper()
	var names []string
	var token *string
	for page := 0; ; page++ {
		in := &codeartifact.ListPackagesInput{Domain: aws.String(e.domain), Repository: aws.String(repo)}
		if mod != nil {
			mod(in)
		}
		in.NextToken = token
		out, err := e.c.ListPackages(vlCtx(t), in)
		if err != nil {
			t.Fatalf("ListPackages %s (page %d): %v", repo, page, err)
		}
		for _, p := range out.Packages {
			names = append(names, fmt.Sprintf("%s/%s/%s", p.Format, aws.ToString(p.Namespace), aws.ToString(p.Package)))
		}
		if out.NextToken == nil {
			return names
		}
		if page > 1000 {
			t.Fatalf("ListPackages: no end after %d pages", page)
		}
		token = out.NextToken
	}
}

func TestDeletePackageVersions(t *testing.T) {
	t.Parallel()
	e := vlStart(t)

	t.Run("DeletesVersionAndAssets", func(t *testing.T) {
		a, b := []byte("delete me: first asset"), []byte("delete me: second asset")
		keep := []byte("keep me")
		e.mustPublish(t, vlRepo, "del", "1.0.0", "a.txt", a, true)
		out := e.mustPublish(t, vlRepo, "del", "1.0.0", "b.txt", b, false)
		rev := aws.ToString(out.VersionRevision)
		keepRev := e.pubVersion(t, vlRepo, "del", "1.0.1", keep, types.PackageVersionStatusPublished)
		e.wantAssetSize(t, int64(len(a)+len(b)+len(keep)), "three distinct assets")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(a), vlSHA256(b), vlSHA256(keep))

		res := e.mustDeleteVersions(t, vlRepo, "del", []string{"1.0.0"}, "")
		vlCheckBatch(t, "delete 1.0.0", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"1.0.0": vlOK(rev, "Deleted")}, nil)

		e.wantGone(t, vlRepo, "del", "1.0.0")
		if got := vlVersionNames(e.listVersions(t, vlRepo, "del", nil)); !slices.Equal(got, []string{"1.0.1"}) {
			t.Errorf("ListPackageVersions after the delete: %v, want [1.0.1]", got)
		}
		_, err := e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("del"), PackageVersion: aws.String("1.0.0"),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "ListPackageVersionAssets of a deleted version")
		_, _, err = e.getAsset(t, vlRepo, "del", "1.0.0", "a.txt")
		vlWantErr[*types.ResourceNotFoundException](t, err, "GetPackageVersionAsset of a deleted version")

		e.wantAssetSize(t, int64(len(keep)), "the deleted version's bytes are no longer counted")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(keep))
		e.wantStatus(t, vlRepo, "del", "1.0.1", types.PackageVersionStatusPublished, keepRev)
		e.mustGetAsset(t, vlRepo, "del", "1.0.1", "file.bin", keep)

		// Deleting it again: NOT_FOUND.
		res = e.mustDeleteVersions(t, vlRepo, "del", []string{"1.0.0"}, "")
		vlCheckBatch(t, "delete 1.0.0 again", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"1.0.0": vlNotFound("1.0.0")})

		// Clean up for the following subtests' size checks.
		e.mustDeleteVersions(t, vlRepo, "del", []string{"1.0.1"}, "")
		e.wantAssetSize(t, 0, "everything deleted")
		vlWaitBlobs(t, e.srv.DataDir)
	})

	t.Run("FromEveryStatus", func(t *testing.T) {
		var vers []string
		want := map[string]string{}
		for _, st := range []types.PackageVersionStatus{
			types.PackageVersionStatusPublished, types.PackageVersionStatusUnfinished, types.PackageVersionStatusUnlisted,
			types.PackageVersionStatusArchived, types.PackageVersionStatusDisposed,
		} {
			v := "from-" + string(st)
			rev := e.pubVersion(t, vlRepo, "everystatus", v, []byte("bytes "+v), st)
			res := e.mustDeleteVersions(t, vlRepo, "everystatus", []string{v}, st)
			vlCheckBatch(t, "delete a "+string(st)+" version with expectedStatus "+string(st),
				res.SuccessfulVersions, res.FailedVersions, map[string]string{v: vlOK(rev, "Deleted")}, nil)
			e.wantGone(t, vlRepo, "everystatus", v)
			vers = append(vers, v)
			want[v] = vlOK(rev, "Deleted")
		}
		// The same, all in one call, without expectedStatus.
		for _, st := range []types.PackageVersionStatus{
			types.PackageVersionStatusPublished, types.PackageVersionStatusUnfinished, types.PackageVersionStatusUnlisted,
			types.PackageVersionStatusArchived, types.PackageVersionStatusDisposed,
		} {
			e.pubVersion(t, vlRepo, "everystatus", "from-"+string(st), []byte("bytes from-"+string(st)), st)
		}
		res := e.mustDeleteVersions(t, vlRepo, "everystatus", vers, "")
		vlCheckBatch(t, "delete one version of each status", res.SuccessfulVersions, res.FailedVersions, want, nil)
		e.wantAssetSize(t, 0, "everything deleted")
		vlWaitBlobs(t, e.srv.DataDir)
	})

	t.Run("ExpectedStatusAllOrNothing", func(t *testing.T) {
		r0 := e.pubVersion(t, vlRepo, "aon", "1.0.0", []byte("aon 1.0.0"), types.PackageVersionStatusPublished)
		r1 := e.pubVersion(t, vlRepo, "aon", "1.0.1", []byte("aon 1.0.1"), types.PackageVersionStatusUnlisted)
		size := e.assetSize(t)

		res := e.mustDeleteVersions(t, vlRepo, "aon", []string{"1.0.0", "1.0.1"}, types.PackageVersionStatusPublished)
		vlCheckBatch(t, "expectedStatus Published with one Unlisted version", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{
				"1.0.0": vlSkipped("1.0.0"),
				"1.0.1": vlMismatchedStatus(types.PackageVersionStatusUnlisted, types.PackageVersionStatusPublished),
			})
		e.wantStatus(t, vlRepo, "aon", "1.0.0", types.PackageVersionStatusPublished, r0)
		e.wantStatus(t, vlRepo, "aon", "1.0.1", types.PackageVersionStatusUnlisted, r1)

		res = e.mustDeleteVersions(t, vlRepo, "aon", []string{"1.0.0", "1.0.1", "9.9.9"}, "")
		vlCheckBatch(t, "one missing version", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"1.0.0": vlSkipped("1.0.0"), "1.0.1": vlSkipped("1.0.1"), "9.9.9": vlNotFound("9.9.9")})
		e.wantStatus(t, vlRepo, "aon", "1.0.0", types.PackageVersionStatusPublished, r0)
		e.wantStatus(t, vlRepo, "aon", "1.0.1", types.PackageVersionStatusUnlisted, r1)
		e.wantAssetSize(t, size, "a failed batch deletes no bytes")

		res = e.mustDeleteVersions(t, vlRepo, "aon", []string{"1.0.1", "1.0.0", "1.0.1"}, "")
		vlCheckBatch(t, "delete both (one listed twice)", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"1.0.0": vlOK(r0, "Deleted"), "1.0.1": vlOK(r1, "Deleted")}, nil)
		e.wantAssetSize(t, 0, "everything deleted")
		vlWaitBlobs(t, e.srv.DataDir)
	})

	t.Run("PackageSurvivesLastVersion", func(t *testing.T) {
		rev := e.pubVersion(t, vlRepo, "survivor", "1.0.0", []byte("last one"), types.PackageVersionStatusPublished)
		res := e.mustDeleteVersions(t, vlRepo, "survivor", []string{"1.0.0"}, "")
		vlCheckBatch(t, "delete the last version", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"1.0.0": vlOK(rev, "Deleted")}, nil)

		p, err := e.describePackage(t, vlRepo, types.PackageFormatGeneric, aws.String(vlNS), "survivor")
		if err != nil {
			t.Fatalf("DescribePackage after deleting its last version: %v", err)
		}
		if p.Format != types.PackageFormatGeneric || aws.ToString(p.Namespace) != vlNS || aws.ToString(p.Name) != "survivor" ||
			p.OriginConfiguration == nil || p.OriginConfiguration.Restrictions == nil ||
			p.OriginConfiguration.Restrictions.Publish != types.AllowPublishAllow ||
			p.OriginConfiguration.Restrictions.Upstream != types.AllowUpstreamBlock {
			t.Errorf("DescribePackage of a version-less package: %+v (origin %s), want generic/%s/survivor ALLOW/BLOCK",
				p, vlOriginConf(p.OriginConfiguration), vlNS)
		}
		if names := e.listPackageNames(t, vlRepo, nil); !slices.Contains(names, "generic/"+vlNS+"/survivor") {
			t.Errorf("ListPackages %v does not show the version-less package", names)
		}
		out, err := e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("survivor"),
		})
		if err != nil {
			t.Fatalf("ListPackageVersions of a version-less package: %v", err)
		}
		if len(out.Versions) != 0 || out.DefaultDisplayVersion != nil || out.NextToken != nil {
			t.Errorf("ListPackageVersions of a version-less package: %v defaultDisplayVersion %v, want nothing",
				vlVersionNames(out.Versions), vlPtr(out.DefaultDisplayVersion))
		}
	})

	t.Run("RepublishAfterDelete", func(t *testing.T) {
		data := []byte("phoenix")
		rev := e.pubVersion(t, vlRepo, "phoenix", "1.0.0", data, types.PackageVersionStatusArchived)
		e.mustDeleteVersions(t, vlRepo, "phoenix", []string{"1.0.0"}, "")
		vlWaitBlobs(t, e.srv.DataDir)

		out := e.mustPublish(t, vlRepo, "phoenix", "1.0.0", "file.bin", data, false)
		if aws.ToString(out.VersionRevision) != rev || out.Status != types.PackageVersionStatusPublished {
			t.Errorf("re-publish of the same content after delete: %s %s, want Published %s (same content, same revision)",
				out.Status, aws.ToString(out.VersionRevision), rev)
		}
		e.wantStatus(t, vlRepo, "phoenix", "1.0.0", types.PackageVersionStatusPublished, rev)
		e.mustGetAsset(t, vlRepo, "phoenix", "1.0.0", "file.bin", data)
		e.wantAssetSize(t, int64(len(data)), "re-published bytes")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(data))

		// Other content under the same version number after another delete.
		e.mustDeleteVersions(t, vlRepo, "phoenix", []string{"1.0.0"}, "")
		other := []byte("a different phoenix")
		out = e.mustPublish(t, vlRepo, "phoenix", "1.0.0", "file.bin", other, false)
		if aws.ToString(out.VersionRevision) == rev {
			t.Errorf("re-publish with other content kept the old revision %s", rev)
		}
		e.mustGetAsset(t, vlRepo, "phoenix", "1.0.0", "file.bin", other)
		e.mustDeleteVersions(t, vlRepo, "phoenix", []string{"1.0.0"}, "")
		e.wantAssetSize(t, 0, "everything deleted")
		vlWaitBlobs(t, e.srv.DataDir)
	})

	t.Run("DedupeAcrossRepositories", func(t *testing.T) {
		shared := []byte("the same bytes in two repositories and two versions")
		only := []byte("only in repo-a")
		e.mustPublish(t, vlRepo, "dedupe-x", "1.0.0", "shared.bin", shared, true)
		e.mustPublish(t, vlRepo, "dedupe-x", "1.0.0", "copy-of-shared.bin", shared, true)
		e.mustPublish(t, vlRepo, "dedupe-x", "1.0.0", "only.bin", only, false)
		e.mustPublish(t, vlRepo, "dedupe-x", "2.0.0", "shared.bin", shared, false)
		e.mustPublish(t, vlRepo2, "dedupe-y", "7.0.0", "renamed.bin", shared, false)
		e.wantAssetSize(t, int64(len(shared)+len(only)), "shared bytes count once per domain")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(shared), vlSHA256(only))

		e.mustDeleteVersions(t, vlRepo, "dedupe-x", []string{"1.0.0", "2.0.0"}, "")
		e.wantAssetSize(t, int64(len(shared)), "shared bytes still referenced by repo-b")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(shared))
		e.mustGetAsset(t, vlRepo2, "dedupe-y", "7.0.0", "renamed.bin", shared)

		e.mustDeleteVersions(t, vlRepo2, "dedupe-y", []string{"7.0.0"}, "")
		e.wantAssetSize(t, 0, "last reference deleted")
		vlWaitBlobs(t, e.srv.DataDir)
	})

	t.Run("DeleteRepositoryFreesItsBytes", func(t *testing.T) {
		shared := []byte("shared between repo-a and a repository that goes away")
		own := []byte("only in the repository that goes away")
		e.createRepo(t, "repo-tmp")
		e.mustPublish(t, vlRepo, "keeper", "1.0.0", "shared.bin", shared, false)
		e.mustPublish(t, "repo-tmp", "temp", "1.0.0", "shared.bin", shared, true)
		e.mustPublish(t, "repo-tmp", "temp", "1.0.0", "own.bin", own, false)
		e.wantAssetSize(t, int64(len(shared)+len(own)), "before DeleteRepository")
		if _, err := e.c.DeleteRepository(vlCtx(t), &codeartifact.DeleteRepositoryInput{
			Domain: aws.String(e.domain), Repository: aws.String("repo-tmp"),
		}); err != nil {
			t.Fatalf("DeleteRepository: %v", err)
		}
		e.wantAssetSize(t, int64(len(shared)), "the deleted repository's own bytes are gone")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(shared))
		e.mustGetAsset(t, vlRepo, "keeper", "1.0.0", "shared.bin", shared)
		e.mustDeleteVersions(t, vlRepo, "keeper", []string{"1.0.0"}, "")
		e.wantAssetSize(t, 0, "everything deleted")
		vlWaitBlobs(t, e.srv.DataDir)
	})

	t.Run("HundredVersionsInOneCall", func(t *testing.T) {
		var vers []string
		want := map[string]string{}
		for i := range 100 {
			v := fmt.Sprintf("100.0.%d", i)
			out := e.mustPublish(t, vlRepo, "hundred", v, "f.txt", []byte(v), false)
			vers = append(vers, v)
			want[v] = vlOK(aws.ToString(out.VersionRevision), "Deleted")
		}
		_, err := e.deleteVersions(t, vlRepo, "hundred", append(slices.Clone(vers), "100.0.100"), "")
		vlWantErr[*types.ValidationException](t, err, "101 versions")
		if n := len(e.listVersions(t, vlRepo, "hundred", nil)); n != 100 {
			t.Fatalf("after the refused 101-version delete the package has %d versions, want 100", n)
		}
		res := e.mustDeleteVersions(t, vlRepo, "hundred", vers, "")
		vlCheckBatch(t, "100 versions", res.SuccessfulVersions, res.FailedVersions, want, nil)
		if n := len(e.listVersions(t, vlRepo, "hundred", nil)); n != 0 {
			t.Errorf("after deleting 100 versions %d remain", n)
		}
		e.wantAssetSize(t, 0, "everything deleted")
		vlWaitBlobs(t, e.srv.DataDir)
	})

	t.Run("Validation", func(t *testing.T) {
		_, err := e.deleteVersions(t, vlRepo, "hundred", []string{}, "")
		vlWantErr[*types.ValidationException](t, err, "no versions")
		_, err = e.deleteVersions(t, vlRepo, "hundred", []string{"1.0.0"}, "Bogus")
		vlWantErr[*types.ValidationException](t, err, "expectedStatus Bogus")
		_, err = e.deleteVersions(t, vlRepo, "hundred", []string{"bad version"}, "")
		vlWantErr[*types.ValidationException](t, err, "malformed version")
		_, err = e.deleteVersions(t, "no-such-repo", "hundred", []string{"1.0.0"}, "")
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing repository")
	})
}

func TestDisposePackageVersions(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	a, b := []byte("dispose asset a"), []byte("dispose asset b")
	e.mustPublish(t, vlRepo, "disp", "1.0.0", "a.bin", a, true)
	out := e.mustPublish(t, vlRepo, "disp", "1.0.0", "b.bin", b, false)
	rev := aws.ToString(out.VersionRevision)
	keep := []byte("dispose keeps this one")
	keepRev := e.pubVersion(t, vlRepo, "disp", "1.0.1", keep, types.PackageVersionStatusPublished)
	e.wantAssetSize(t, int64(len(a)+len(b)+len(keep)), "before dispose")

	t.Run("Mismatches", func(t *testing.T) {
		res, err := e.disposeVersions(t, vlRepo, "disp", []string{"1.0.0"}, map[string]string{"1.0.0": keepRev}, "")
		if err != nil {
			t.Fatalf("DisposePackageVersions: %v", err)
		}
		vlCheckBatch(t, "dispose with a wrong revision", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"1.0.0": vlMismatchedRevision(rev, keepRev)})
		res, err = e.disposeVersions(t, vlRepo, "disp", []string{"1.0.0", "1.0.1"}, nil, types.PackageVersionStatusArchived)
		if err != nil {
			t.Fatalf("DisposePackageVersions: %v", err)
		}
		vlCheckBatch(t, "dispose with a wrong expectedStatus", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{
				"1.0.0": vlMismatchedStatus(types.PackageVersionStatusPublished, types.PackageVersionStatusArchived),
				"1.0.1": vlMismatchedStatus(types.PackageVersionStatusPublished, types.PackageVersionStatusArchived),
			})
		res, err = e.disposeVersions(t, vlRepo, "disp", []string{"1.0.0", "9.9.9"}, nil, "")
		if err != nil {
			t.Fatalf("DisposePackageVersions: %v", err)
		}
		vlCheckBatch(t, "dispose with a missing version", res.SuccessfulVersions, res.FailedVersions, nil,
			map[string]string{"1.0.0": vlSkipped("1.0.0"), "9.9.9": vlNotFound("9.9.9")})
		e.wantStatus(t, vlRepo, "disp", "1.0.0", types.PackageVersionStatusPublished, rev)
		e.wantAssetSize(t, int64(len(a)+len(b)+len(keep)), "failed disposes remove nothing")
		_, err = e.disposeVersions(t, vlRepo, "disp", []string{}, nil, "")
		vlWantErr[*types.ValidationException](t, err, "dispose without versions")
	})

	t.Run("Dispose", func(t *testing.T) {
		res, err := e.disposeVersions(t, vlRepo, "disp", []string{"1.0.0"}, map[string]string{"1.0.0": rev}, types.PackageVersionStatusPublished)
		if err != nil {
			t.Fatalf("DisposePackageVersions: %v", err)
		}
		vlCheckBatch(t, "dispose", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"1.0.0": vlOK(rev, "Disposed")}, nil)

		// The record stays, with its revision; the assets are gone.
		e.wantStatus(t, vlRepo, "disp", "1.0.0", types.PackageVersionStatusDisposed, rev)
		if assets := e.listAssets(t, vlRepo, "disp", "1.0.0"); len(assets) != 0 {
			t.Errorf("a Disposed version lists %d assets, want none", len(assets))
		}
		got := vlVersionNames(e.listVersions(t, vlRepo, "disp", func(in *codeartifact.ListPackageVersionsInput) {
			in.Status = types.PackageVersionStatusDisposed
		}))
		if !slices.Equal(got, []string{"1.0.0"}) {
			t.Errorf("ListPackageVersions status=Disposed: %v, want [1.0.0]", got)
		}
		_, _, err = e.getAsset(t, vlRepo, "disp", "1.0.0", "a.bin")
		vlWantErr[*types.ConflictException](t, err, "GetPackageVersionAsset of a Disposed version")
		e.wantAssetSize(t, int64(len(keep)), "disposed bytes are gone")
		vlWaitBlobs(t, e.srv.DataDir, vlSHA256(keep))
		e.wantStatus(t, vlRepo, "disp", "1.0.1", types.PackageVersionStatusPublished, keepRev)

		// Disposing again succeeds (nothing left to remove).
		res, err = e.disposeVersions(t, vlRepo, "disp", []string{"1.0.0"}, nil, "")
		if err != nil {
			t.Fatalf("DisposePackageVersions again: %v", err)
		}
		vlCheckBatch(t, "dispose again", res.SuccessfulVersions, res.FailedVersions,
			map[string]string{"1.0.0": vlOK(rev, "Disposed")}, nil)

		// Publishing into it is refused.
		_, err = e.publish(t, vlRepo, "disp", "1.0.0", "a.bin", a, false)
		vlWantErr[*types.ConflictException](t, err, "publish into a Disposed version")

		// Then delete works.
		del := e.mustDeleteVersions(t, vlRepo, "disp", []string{"1.0.0"}, types.PackageVersionStatusDisposed)
		vlCheckBatch(t, "delete after dispose", del.SuccessfulVersions, del.FailedVersions,
			map[string]string{"1.0.0": vlOK(rev, "Deleted")}, nil)
		e.wantGone(t, vlRepo, "disp", "1.0.0")
	})

	t.Run("FromEveryStatus", func(t *testing.T) {
		for _, st := range []types.PackageVersionStatus{
			types.PackageVersionStatusUnfinished, types.PackageVersionStatusUnlisted, types.PackageVersionStatusArchived,
		} {
			v := "d-" + string(st)
			r := e.pubVersion(t, vlRepo, "disp-any", v, []byte("bytes "+v), st)
			res, err := e.disposeVersions(t, vlRepo, "disp-any", []string{v}, nil, st)
			if err != nil {
				t.Fatalf("DisposePackageVersions of a %s version: %v", st, err)
			}
			vlCheckBatch(t, "dispose a "+string(st)+" version", res.SuccessfulVersions, res.FailedVersions,
				map[string]string{v: vlOK(r, "Disposed")}, nil)
		}
		e.wantAssetSize(t, int64(len(keep)), "disposed bytes are gone")
	})
}

func TestDeletePackageRemovesEverything(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	a, b, c := []byte("pkg asset a"), []byte("pkg asset b"), []byte("pkg asset c")
	e.pubVersion(t, vlRepo, "doomed", "1.0.0", a, types.PackageVersionStatusPublished)
	e.pubVersion(t, vlRepo, "doomed", "1.0.1", b, types.PackageVersionStatusArchived)
	e.pubVersion(t, vlRepo, "doomed", "1.0.2", c, types.PackageVersionStatusUnfinished)
	e.pubVersion(t, vlRepo, "doomed", "1.0.3", []byte("disposed"), types.PackageVersionStatusDisposed)
	other := []byte("another package")
	e.pubVersion(t, vlRepo, "spared", "1.0.0", other, types.PackageVersionStatusPublished)
	e.wantAssetSize(t, int64(len(a)+len(b)+len(c)+len(other)), "before DeletePackage")

	out, err := e.c.DeletePackage(vlCtx(t), &codeartifact.DeletePackageInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("doomed"),
	})
	if err != nil {
		t.Fatalf("DeletePackage: %v", err)
	}
	if p := out.DeletedPackage; p == nil || p.Format != types.PackageFormatGeneric || aws.ToString(p.Namespace) != vlNS ||
		aws.ToString(p.Package) != "doomed" {
		t.Errorf("deletedPackage %+v, want generic/%s/doomed", p, vlNS)
	}
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3"} {
		e.wantGone(t, vlRepo, "doomed", v)
	}
	_, err = e.describePackage(t, vlRepo, types.PackageFormatGeneric, aws.String(vlNS), "doomed")
	vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackage after DeletePackage")
	_, err = e.c.ListPackageVersions(vlCtx(t), &codeartifact.ListPackageVersionsInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("doomed"),
	})
	vlWantErr[*types.ResourceNotFoundException](t, err, "ListPackageVersions after DeletePackage")
	if names := e.listPackageNames(t, vlRepo, nil); !slices.Equal(names, []string{"generic/" + vlNS + "/spared"}) {
		t.Errorf("ListPackages after DeletePackage: %v, want only the spared package", names)
	}
	e.wantAssetSize(t, int64(len(other)), "the deleted package's bytes are gone")
	vlWaitBlobs(t, e.srv.DataDir, vlSHA256(other))

	// The name is free again: a fresh package with fresh defaults.
	e.mustPublish(t, vlRepo, "doomed", "1.0.0", "file.bin", a, false)
	if got := vlVersionNames(e.listVersions(t, vlRepo, "doomed", nil)); !slices.Equal(got, []string{"1.0.0"}) {
		t.Errorf("re-created package lists %v, want [1.0.0]", got)
	}
}

func vlOriginConf(c *types.PackageOriginConfiguration) string {
	if c == nil || c.Restrictions == nil {
		return "<nil>"
	}
	return fmt.Sprintf("publish=%s upstream=%s", c.Restrictions.Publish, c.Restrictions.Upstream)
}
