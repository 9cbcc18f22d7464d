package conformance

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestCopyIncludeFromUpstream: CopyPackageVersions copies versions that
// only the source's upstreams have when, and only when,
// includeFromUpstream is true.
func TestCopyIncludeFromUpstream(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	harness.CreateRepository(t, e.c, e.domain, "repo-up")
	if _, err := e.c.UpdateRepository(vlCtx(t), &codeartifact.UpdateRepositoryInput{Domain: aws.String(e.domain),
		Repository: aws.String(vlRepo), Upstreams: []types.UpstreamRepository{{RepositoryName: aws.String("repo-up")}}}); err != nil {
		t.Fatal(err)
	}
	upRev := e.pubVersion(t, "repo-up", "cu", "1.0.0", []byte("upstream 1.0.0"), types.PackageVersionStatusPublished)
	ownRev := e.pubVersion(t, vlRepo, "cu", "2.0.0", []byte("own 2.0.0"), types.PackageVersionStatusPublished)
	onlyRev := e.pubVersion(t, "repo-up", "only-up", "3.0.0", []byte("only upstream"), types.PackageVersionStatusPublished)
	copyIncl := func(pkg string, versions ...string) (*codeartifact.CopyPackageVersionsOutput, error) {
		return e.c.CopyPackageVersions(vlCtx(t), &codeartifact.CopyPackageVersionsInput{
			Domain: aws.String(e.domain), SourceRepository: aws.String(vlRepo), DestinationRepository: aws.String(vlRepo2),
			Format: types.PackageFormatGeneric, Namespace: aws.String(vlNS), Package: aws.String(pkg),
			Versions: versions, IncludeFromUpstream: aws.Bool(true),
		})
	}

	res, err := e.copyVersions(t, vlRepo, vlRepo2, "cu", []string{"1.0.0", "2.0.0"}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	vlCheckBatch(t, "without includeFromUpstream", res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
		"1.0.0": vlFail(types.PackageVersionErrorCodeNotFound, vlAnyMessage),
		"2.0.0": vlFail(types.PackageVersionErrorCodeSkipped, vlAnyMessage),
	})

	res, err = copyIncl("cu", "1.0.0", "2.0.0", "9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	vlCheckBatch(t, "a version nowhere", res.SuccessfulVersions, res.FailedVersions, nil, map[string]string{
		"9.9.9": vlFail(types.PackageVersionErrorCodeNotFound, vlAnyMessage),
		"1.0.0": vlFail(types.PackageVersionErrorCodeSkipped, vlAnyMessage),
		"2.0.0": vlFail(types.PackageVersionErrorCodeSkipped, vlAnyMessage),
	})

	res, err = copyIncl("cu", "1.0.0", "2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	vlCheckBatch(t, "with includeFromUpstream", res.SuccessfulVersions, res.FailedVersions, map[string]string{
		"1.0.0": vlOK(upRev, "Published"), "2.0.0": vlOK(ownRev, "Published"),
	}, nil)
	e.mustGetAsset(t, vlRepo2, "cu", "1.0.0", "file.bin", []byte("upstream 1.0.0"))

	// A package only the upstream has.
	_, err = e.copyVersions(t, vlRepo, vlRepo2, "only-up", []string{"3.0.0"}, nil, false)
	harness.ExpectNotFound(t, err, types.ResourceTypePackage, "")
	res, err = copyIncl("only-up", "3.0.0")
	if err != nil {
		t.Fatal(err)
	}
	vlCheckBatch(t, "package only upstream", res.SuccessfulVersions, res.FailedVersions, map[string]string{
		"3.0.0": vlOK(onlyRev, "Published"),
	}, nil)
	e.mustGetAsset(t, vlRepo2, "only-up", "3.0.0", "file.bin", []byte("only upstream"))
}
