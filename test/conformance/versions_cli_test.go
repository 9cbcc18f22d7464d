package conformance

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// The AWS CLI flow a user of the version lifecycle goes through, with the
// JSON output parsed and checked exactly.

// vlCLIRun runs `aws codeartifact ARGS...`, requires success and decodes stdout.
func (e *vlEnv) vlCLIRun(t *testing.T, out any, args ...string) {
	t.Helper()
	stdout, stderr, code := e.srv.CLI(t, args...)
	if code != 0 {
		t.Fatalf("aws codeartifact %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), code, stderr, stdout)
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("aws codeartifact %s: output is not JSON (%v):\n%s", strings.Join(args, " "), err, stdout)
	}
}

// vlCLIFail runs a command that must fail with the given error code.
func (e *vlEnv) vlCLIFail(t *testing.T, wantCode string, args ...string) {
	t.Helper()
	stdout, stderr, code := e.srv.CLI(t, args...)
	if code == 0 {
		t.Errorf("aws codeartifact %s: succeeded, want %s\nstdout: %s", strings.Join(args, " "), wantCode, stdout)
		return
	}
	if !strings.Contains(stderr, "("+wantCode+")") {
		t.Errorf("aws codeartifact %s: exit %d, stderr %q; want a %s", strings.Join(args, " "), code, stderr, wantCode)
	}
}

type vlCLIBatch struct {
	SuccessfulVersions map[string]struct {
		Revision string `json:"revision"`
		Status   string `json:"status"`
	} `json:"successfulVersions"`
	FailedVersions map[string]struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"failedVersions"`
}

// vlCLIBatchRun runs a batch command and compares both maps exactly. Both
// keys must be in the output, even when empty (as the service answers).
func (e *vlEnv) vlCLIBatchRun(t *testing.T, wantOK, wantFailed map[string]string, args ...string) {
	t.Helper()
	var raw map[string]json.RawMessage
	e.vlCLIRun(t, &raw, args...)
	for _, k := range []string{"successfulVersions", "failedVersions"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("aws codeartifact %s: output has no %q key: %v", args[0], k, raw)
		}
	}
	var b vlCLIBatch
	buf, _ := json.Marshal(raw)
	if err := json.Unmarshal(buf, &b); err != nil {
		t.Fatalf("decoding %s output: %v", args[0], err)
	}
	ok := map[string]types.SuccessfulPackageVersionInfo{}
	for k, v := range b.SuccessfulVersions {
		ok[k] = types.SuccessfulPackageVersionInfo{Revision: aws.String(v.Revision), Status: types.PackageVersionStatus(v.Status)}
	}
	failed := map[string]types.PackageVersionError{}
	for k, v := range b.FailedVersions {
		failed[k] = types.PackageVersionError{ErrorCode: types.PackageVersionErrorCode(v.ErrorCode), ErrorMessage: aws.String(v.ErrorMessage)}
	}
	vlCheckBatch(t, "aws codeartifact "+args[0], ok, failed, wantOK, wantFailed)
}

type vlCLIAsset struct {
	Name   string            `json:"name"`
	Size   int64             `json:"size"`
	Hashes map[string]string `json:"hashes"`
}

func vlCheckCLIAsset(t *testing.T, what string, got vlCLIAsset, name string, data []byte) {
	t.Helper()
	vlCheckAsset(t, what, &types.AssetSummary{Name: aws.String(got.Name), Size: aws.Int64(got.Size), Hashes: got.Hashes}, name, data)
}

func TestVersionLifecycleCLI(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	coords := func(cmd string, extra ...string) []string {
		return append([]string{cmd, "--domain", e.domain, "--repository", vlRepo, "--format", "generic",
			"--namespace", vlNS, "--package", "cli-pkg"}, extra...)
	}
	aData := []byte("asset a.txt published by the aws CLI\n")
	bData := []byte("asset b.txt, second asset of 1.0.1\n")
	cData := []byte("asset c.txt, first asset of 1.0.1\n")

	type publishOut struct {
		Format          string     `json:"format"`
		Namespace       string     `json:"namespace"`
		Package         string     `json:"package"`
		Version         string     `json:"version"`
		VersionRevision string     `json:"versionRevision"`
		Status          string     `json:"status"`
		Asset           vlCLIAsset `json:"asset"`
	}
	var p1 publishOut
	e.vlCLIRun(t, &p1, coords("publish-package-version", "--package-version", "1.0.0",
		"--asset-content", write("a.txt", aData), "--asset-name", "a.txt", "--asset-sha256", vlSHA256(aData))...)
	if p1.Format != "generic" || p1.Namespace != vlNS || p1.Package != "cli-pkg" || p1.Version != "1.0.0" || p1.Status != "Published" {
		t.Errorf("publish-package-version output %+v", p1)
	}
	vlCheckRevision(t, "publish-package-version", p1.VersionRevision)
	vlCheckCLIAsset(t, "publish-package-version asset", p1.Asset, "a.txt", aData)
	rev0 := p1.VersionRevision

	var p2 publishOut
	e.vlCLIRun(t, &p2, coords("publish-package-version", "--package-version", "1.0.1",
		"--asset-content", write("c.txt", cData), "--asset-name", "c.txt", "--asset-sha256", vlSHA256(cData), "--unfinished")...)
	if p2.Status != "Unfinished" {
		t.Errorf("publish-package-version --unfinished: status %q, want Unfinished", p2.Status)
	}
	e.vlCLIRun(t, &p2, coords("publish-package-version", "--package-version", "1.0.1",
		"--asset-content", write("b.txt", bData), "--asset-name", "b.txt", "--asset-sha256", vlSHA256(bData), "--no-unfinished")...)
	if p2.Status != "Published" {
		t.Errorf("final publish-package-version: status %q, want Published", p2.Status)
	}
	rev1 := p2.VersionRevision

	// A wrong --asset-sha256 is refused.
	stdout, stderr, code := e.srv.CLI(t, coords("publish-package-version", "--package-version", "1.0.2",
		"--asset-content", write("x.txt", aData), "--asset-name", "x.txt", "--asset-sha256", vlSHA256(bData))...)
	if code == 0 {
		t.Errorf("publish with a wrong --asset-sha256 succeeded: %s", stdout)
	} else if !strings.Contains(stderr, "(ValidationException)") && !strings.Contains(stderr, "(InvalidSignatureException)") {
		t.Errorf("publish with a wrong --asset-sha256: %s", stderr)
	}

	type listOut struct {
		DefaultDisplayVersion string `json:"defaultDisplayVersion"`
		Format                string `json:"format"`
		Namespace             string `json:"namespace"`
		Package               string `json:"package"`
		Versions              []struct {
			Version  string `json:"version"`
			Revision string `json:"revision"`
			Status   string `json:"status"`
			Origin   struct {
				DomainEntryPoint struct {
					RepositoryName string `json:"repositoryName"`
				} `json:"domainEntryPoint"`
				OriginType string `json:"originType"`
			} `json:"origin"`
		} `json:"versions"`
	}
	render := func(l listOut) string {
		var parts []string
		for _, v := range l.Versions {
			parts = append(parts, v.Version+" "+v.Status+" "+v.Revision+" "+v.Origin.OriginType+" "+v.Origin.DomainEntryPoint.RepositoryName)
		}
		return strings.Join(parts, "; ")
	}
	var l listOut
	e.vlCLIRun(t, &l, coords("list-package-versions")...)
	// Newest version first.
	if want := "1.0.1 Published " + rev1 + " INTERNAL " + vlRepo + "; 1.0.0 Published " + rev0 + " INTERNAL " + vlRepo; render(l) != want {
		t.Errorf("list-package-versions: %s\nwant %s", render(l), want)
	}
	if l.Format != "generic" || l.Namespace != vlNS || l.Package != "cli-pkg" || l.DefaultDisplayVersion != "1.0.1" {
		t.Errorf("list-package-versions: format %q namespace %q package %q defaultDisplayVersion %q", l.Format, l.Namespace, l.Package, l.DefaultDisplayVersion)
	}

	var assets struct {
		VersionRevision string       `json:"versionRevision"`
		Assets          []vlCLIAsset `json:"assets"`
	}
	e.vlCLIRun(t, &assets, coords("list-package-version-assets", "--package-version", "1.0.1")...)
	if len(assets.Assets) != 2 || assets.VersionRevision != rev1 {
		t.Fatalf("list-package-version-assets: %+v", assets)
	}
	vlCheckCLIAsset(t, "listed b.txt", assets.Assets[0], "b.txt", bData)
	vlCheckCLIAsset(t, "listed c.txt", assets.Assets[1], "c.txt", cData)

	outFile := filepath.Join(dir, "downloaded")
	var got struct {
		AssetName              string `json:"assetName"`
		PackageVersion         string `json:"packageVersion"`
		PackageVersionRevision string `json:"packageVersionRevision"`
	}
	e.vlCLIRun(t, &got, coords("get-package-version-asset", "--package-version", "1.0.1", "--asset", "b.txt", outFile)...)
	if got.AssetName != "b.txt" || got.PackageVersion != "1.0.1" || got.PackageVersionRevision != rev1 {
		t.Errorf("get-package-version-asset output %+v", got)
	}
	if body, err := os.ReadFile(outFile); err != nil || !bytes.Equal(body, bData) {
		t.Errorf("get-package-version-asset wrote %q (%v), want %q", body, err, bData)
	}

	e.vlCLIBatchRun(t, map[string]string{"1.0.0": vlOK(rev0, "Archived")}, nil,
		coords("update-package-versions-status", "--versions", "1.0.0", "--target-status", "Archived")...)
	e.vlCLIBatchRun(t, nil, map[string]string{"1.0.0": vlMismatchedStatus("Archived", "Unlisted")},
		coords("update-package-versions-status", "--versions", "1.0.0", "--target-status", "Published", "--expected-status", "Unlisted")...)
	e.vlCLIBatchRun(t, nil, map[string]string{"1.0.0": vlMismatchedRevision(rev0, rev1)},
		coords("update-package-versions-status", "--versions", "1.0.0", "--target-status", "Published",
			"--version-revisions", `{"1.0.0":"`+rev1+`"}`)...)
	e.vlCLIFail(t, "ValidationException",
		coords("update-package-versions-status", "--versions", "1.0.0", "--target-status", "Unfinished")...)
	e.vlCLIFail(t, "ConflictException", coords("get-package-version-asset", "--package-version", "1.0.0", "--asset", "a.txt", outFile)...)

	e.vlCLIBatchRun(t, map[string]string{"1.0.0": vlOK(rev0, "Disposed")}, nil,
		coords("dispose-package-versions", "--versions", "1.0.0")...)
	e.vlCLIRun(t, &assets, coords("list-package-version-assets", "--package-version", "1.0.0")...)
	if len(assets.Assets) != 0 {
		t.Errorf("list-package-version-assets of a Disposed version: %+v", assets.Assets)
	}

	e.vlCLIBatchRun(t, map[string]string{"1.0.1": vlOK(rev1, "Published")}, nil,
		"copy-package-versions", "--domain", e.domain, "--source-repository", vlRepo, "--destination-repository", vlRepo2,
		"--format", "generic", "--namespace", vlNS, "--package", "cli-pkg", "--versions", "1.0.1")
	e.vlCLIBatchRun(t, nil, nil,
		"copy-package-versions", "--domain", e.domain, "--source-repository", vlRepo, "--destination-repository", vlRepo2,
		"--format", "generic", "--namespace", vlNS, "--package", "cli-pkg", "--versions", "1.0.1")
	e.vlCLIFail(t, "ValidationException",
		"copy-package-versions", "--domain", e.domain, "--source-repository", vlRepo, "--destination-repository", vlRepo2,
		"--format", "generic", "--namespace", vlNS, "--package", "cli-pkg")

	e.vlCLIBatchRun(t, nil, map[string]string{
		"1.0.0": vlMismatchedStatus("Disposed", "Published"),
		"1.0.1": vlSkipped("1.0.1"),
	}, coords("delete-package-versions", "--versions", "1.0.0", "1.0.1", "--expected-status", "Published")...)
	e.vlCLIBatchRun(t, nil, map[string]string{"9.9.9": vlNotFound("9.9.9"), "1.0.1": vlSkipped("1.0.1")},
		coords("delete-package-versions", "--versions", "9.9.9", "1.0.1")...)
	e.vlCLIBatchRun(t, map[string]string{"1.0.0": vlOK(rev0, "Deleted"), "1.0.1": vlOK(rev1, "Deleted")}, nil,
		coords("delete-package-versions", "--versions", "1.0.0", "1.0.1")...)

	e.vlCLIFail(t, "ResourceNotFoundException", coords("describe-package-version", "--package-version", "1.0.0")...)
	e.vlCLIRun(t, &l, coords("list-package-versions")...)
	if len(l.Versions) != 0 {
		t.Errorf("list-package-versions after deleting everything: %s", render(l))
	}
	var pkg struct {
		Package struct {
			Format              string `json:"format"`
			Namespace           string `json:"namespace"`
			Name                string `json:"name"`
			OriginConfiguration struct {
				Restrictions struct {
					Publish  string `json:"publish"`
					Upstream string `json:"upstream"`
				} `json:"restrictions"`
			} `json:"originConfiguration"`
		} `json:"package"`
	}
	e.vlCLIRun(t, &pkg, coords("describe-package")...)
	if p := pkg.Package; p.Format != "generic" || p.Namespace != vlNS || p.Name != "cli-pkg" ||
		p.OriginConfiguration.Restrictions.Publish != "ALLOW" || p.OriginConfiguration.Restrictions.Upstream != "BLOCK" {
		t.Errorf("describe-package of the version-less package: %+v", p)
	}

	// The copy in repo-b is untouched; delete-package there removes it.
	var del struct {
		DeletedPackage struct {
			Format    string `json:"format"`
			Namespace string `json:"namespace"`
			Package   string `json:"package"`
		} `json:"deletedPackage"`
	}
	e.vlCLIRun(t, &del, "delete-package", "--domain", e.domain, "--repository", vlRepo2, "--format", "generic",
		"--namespace", vlNS, "--package", "cli-pkg")
	if d := del.DeletedPackage; d.Format != "generic" || d.Namespace != vlNS || d.Package != "cli-pkg" {
		t.Errorf("delete-package output %+v", d)
	}
	e.wantAssetSize(t, 0, "everything deleted through the CLI")
}
