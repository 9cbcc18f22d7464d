package conformance

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestPackageCoordinatesEveryBackendStores: names and versions that one
// backend would store and another refuse, or that could not be addressed
// again, are refused with ValidationException before anything is stored
// (issue #11, finding 3).
func TestPackageCoordinatesEveryBackendStores(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	c := s.Client(t)
	harness.CreateDomain(t, c, "names")
	harness.CreateRepository(t, c, "names", "repo")
	data := []byte("x")
	publish := func(ns, pkg, ver string) error {
		_, err := c.PublishPackageVersion(t.Context(), &codeartifact.PublishPackageVersionInput{
			Domain: aws.String("names"), Repository: aws.String("repo"), Format: types.PackageFormatGeneric,
			Namespace: aws.String(ns), Package: aws.String(pkg), PackageVersion: aws.String(ver),
			AssetName: aws.String("a.bin"), AssetContent: bytes.NewReader(data), AssetSHA256: aws.String(mnSHA256(data)),
		})
		return err
	}
	for _, tc := range []struct{ what, ns, pkg, ver string }{
		{"invalid UTF-8 in the name", "ns", "bad\xff", "1.0"},
		{"invalid UTF-8 in the namespace", "n\xc3", "pkg", "1.0"},
		{"invalid UTF-8 in the version", "ns", "pkg", "1.\xfe"},
		{"NUL", "ns", "nul\x00x", "1.0"},
		{"a control character", "ns", "bell\x07", "1.0"},
		{"a bidirectional override", "ns", "evil\u202egnp.exe", "1.0"},
		{"a zero-width space", "ns", "zero\u200bwidth", "1.0"},
		{"a zero-width joiner in the version", "ns", "pkg", "1.0\u200d"},
		{"dot", "ns", ".", "1.0"},
		{"dot dot", "..", "pkg", "1.0"},
		{"dot dot version", "ns", "pkg", ".."},
	} {
		if err := publish(tc.ns, tc.pkg, tc.ver); harness.ErrorCode(err) != "ValidationException" {
			t.Errorf("%s: %v, want ValidationException", tc.what, err)
		}
	}
	out, err := c.ListPackages(t.Context(), &codeartifact.ListPackagesInput{Domain: aws.String("names"), Repository: aws.String("repo")})
	if err != nil || len(out.Packages) != 0 {
		t.Errorf("refused publishes left packages: %+v %v", out.Packages, err)
	}
	// Unicode letters of any script are fine.
	if err := publish("espace", "paquet-é-日本", "1.0-β"); err != nil {
		t.Errorf("letters of other scripts: %v", err)
	}
}
