package conformance

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestOriginControlsOnPublishing: a package's origin configuration decides
// what may be published or copied into it. publish=BLOCK refuses
// PublishPackageVersion (AccessDenied, nothing stored) and every version
// of a CopyPackageVersions (NOT_ALLOWED); with upstream=ALLOW, a version
// an upstream repository has cannot be published (Conflict).
func TestOriginControlsOnPublishing(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	const dom = "origins"
	harness.CreateDomain(t, c, dom)
	harness.CreateRepository(t, c, dom, "src")
	harness.CreateRepository(t, c, dom, "dst")
	harness.CreateRepository(t, c, dom, "app", "src")
	mnMustPublish(t, c, dom, "src", "tool", "1.0.0", "tool.bin", []byte("one"))
	setOrigin := func(repo string, publish types.AllowPublish, upstream types.AllowUpstream) {
		t.Helper()
		if _, err := c.PutPackageOriginConfiguration(ctx, &codeartifact.PutPackageOriginConfigurationInput{Domain: aws.String(dom),
			Repository: aws.String(repo), Format: types.PackageFormatGeneric, Namespace: aws.String(mnNS), Package: aws.String("tool"),
			Restrictions: &types.PackageOriginRestrictions{Publish: publish, Upstream: upstream}}); err != nil {
			t.Fatal(err)
		}
	}
	versions := func(repo string) int {
		t.Helper()
		out, err := c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String(dom), Repository: aws.String(repo),
			Format: types.PackageFormatGeneric, Namespace: aws.String(mnNS), Package: aws.String("tool")})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Versions)
	}

	setOrigin("dst", types.AllowPublishBlock, types.AllowUpstreamAllow)
	_, err := mnPublish(t, c, dom, "dst", "tool", "2.0.0", "tool.bin", []byte("two"))
	if e := harness.ExpectAccessDenied(t, err); !strings.Contains(aws.ToString(e.Message), "publish=BLOCK") {
		t.Errorf("message %q does not say why", aws.ToString(e.Message))
	}
	copyIn := func() *codeartifact.CopyPackageVersionsOutput {
		t.Helper()
		out, err := c.CopyPackageVersions(ctx, &codeartifact.CopyPackageVersionsInput{Domain: aws.String(dom),
			SourceRepository: aws.String("src"), DestinationRepository: aws.String("dst"), Format: types.PackageFormatGeneric,
			Namespace: aws.String(mnNS), Package: aws.String("tool"), Versions: []string{"1.0.0"}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := copyIn()
	if f, ok := out.FailedVersions["1.0.0"]; !ok || f.ErrorCode != types.PackageVersionErrorCodeNotAllowed || len(out.SuccessfulVersions) != 0 {
		t.Errorf("copy into publish=BLOCK: successful %v failed %+v, want 1.0.0 NOT_ALLOWED", out.SuccessfulVersions, out.FailedVersions)
	}
	if n := versions("dst"); n != 0 {
		t.Errorf("dst has %d versions after refused publishes", n)
	}
	setOrigin("dst", types.AllowPublishAllow, types.AllowUpstreamBlock)
	if out := copyIn(); len(out.SuccessfulVersions) != 1 {
		t.Errorf("copy with publish=ALLOW: %+v", out.FailedVersions)
	}

	// app's upstream src has 1.0.0: with upstream=ALLOW it cannot be
	// published to app directly; another version can.
	setOrigin("app", types.AllowPublishAllow, types.AllowUpstreamAllow)
	_, err = mnPublish(t, c, dom, "app", "tool", "1.0.0", "tool.bin", []byte("shadow"))
	if e := harness.ExpectConflict(t, err, types.ResourceTypePackageVersion, "1.0.0"); !strings.Contains(aws.ToString(e.Message), "upstream repository src") {
		t.Errorf("message %q", aws.ToString(e.Message))
	}
	if _, err := mnPublish(t, c, dom, "app", "tool", "1.0.1", "tool.bin", []byte("patch")); err != nil {
		t.Errorf("a version no upstream has: %v", err)
	}
	got, err := mnGetAsset(t, c, dom, "app", "tool", "1.0.1", "tool.bin")
	if err != nil || !bytes.Equal(got, []byte("patch")) {
		t.Errorf("published asset: %q %v", got, err)
	}
}
