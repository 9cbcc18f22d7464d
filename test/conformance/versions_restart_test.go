package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// vlSnapshot renders everything observable about the version lifecycle of
// the given packages, so that two snapshots can be compared line by line.
func (e *vlEnv) vlSnapshot(t testing.TB, pkgs map[string][]string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "assetSizeBytes=%d\n", e.assetSize(t))
	for _, repo := range []string{vlRepo, vlRepo2} {
		for _, name := range e.listPackageNames(t, repo, nil) {
			fmt.Fprintf(&b, "package %s %s\n", repo, name)
		}
		for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
			p, err := e.describePackage(t, repo, types.PackageFormatGeneric, aws.String(vlNS), pkg)
			if err != nil {
				fmt.Fprintf(&b, "describe-package %s %s error %s\n", repo, pkg, vlErrCode(err))
				continue
			}
			fmt.Fprintf(&b, "describe-package %s %s origin %s\n", repo, pkg, vlOriginConf(p.OriginConfiguration))
			for _, v := range e.listVersions(t, repo, pkg, nil) {
				fmt.Fprintf(&b, "list %s %s %s status=%s revision=%s origin=%s\n", repo, pkg, aws.ToString(v.Version),
					v.Status, aws.ToString(v.Revision), vlOrigin(v.Origin))
			}
			for _, v := range e.listVersions(t, repo, pkg, func(in *codeartifact.ListPackageVersionsInput) { in.SortBy = types.PackageVersionSortTypePublishedTime }) {
				fmt.Fprintf(&b, "by-time %s %s %s\n", repo, pkg, aws.ToString(v.Version))
			}
			for _, ver := range pkgs[pkg] {
				d, err := e.describe(t, repo, pkg, ver)
				if err != nil {
					fmt.Fprintf(&b, "describe %s %s@%s error %s\n", repo, pkg, ver, vlErrCode(err))
					continue
				}
				pt := "<nil>"
				if d.PublishedTime != nil {
					pt = d.PublishedTime.UTC().Format("2006-01-02T15:04:05.000000000Z")
				}
				fmt.Fprintf(&b, "describe %s %s@%s status=%s revision=%s published=%s origin=%s\n", repo, pkg, ver,
					d.Status, aws.ToString(d.Revision), pt, vlOrigin(d.Origin))
				for _, a := range e.listAssets(t, repo, pkg, ver) {
					fmt.Fprintf(&b, "asset %s %s@%s %s size=%v hashes=%v\n", repo, pkg, ver, aws.ToString(a.Name), vlPtr(a.Size), a.Hashes)
					body, _, err := e.getAsset(t, repo, pkg, ver, aws.ToString(a.Name))
					if err != nil {
						fmt.Fprintf(&b, "  get error %s\n", vlErrCode(err))
					} else {
						fmt.Fprintf(&b, "  get sha256=%s\n", vlSHA256(body))
					}
				}
			}
		}
	}
	for _, f := range vlBlobFiles(t, e.srv.DataDir) {
		fmt.Fprintf(&b, "blob %s\n", f)
	}
	return b.String()
}

// vlDiff shows where two snapshots start to differ, with some context.
func vlDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	var out strings.Builder
	from := max(0, i-3)
	fmt.Fprintf(&out, "first difference at line %d\nbefore:\n", i+1)
	for k := from; k < min(len(al), i+6); k++ {
		fmt.Fprintf(&out, "  %s\n", al[k])
	}
	out.WriteString("after:\n")
	for k := from; k < min(len(bl), i+6); k++ {
		fmt.Fprintf(&out, "  %s\n", bl[k])
	}
	return out.String()
}

// Not parallel: while the server is down between stop and start its port is
// free, and a server started meanwhile by a parallel test could take it.
func TestVersionLifecycleSurvivesRestart(t *testing.T) {
	e := vlStart(t)
	pkgs := map[string][]string{
		"persist": {"1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "1.0.6"},
		"gone":    {"1.0.0"},
	}
	a, b := []byte("persist: published asset a"), []byte("persist: published asset b")
	e.mustPublish(t, vlRepo, "persist", "1.0.0", "a.bin", a, true)
	e.mustPublish(t, vlRepo, "persist", "1.0.0", "b.bin", b, false)
	e.pubVersion(t, vlRepo, "persist", "1.0.1", []byte("persist: unfinished"), types.PackageVersionStatusUnfinished)
	e.pubVersion(t, vlRepo, "persist", "1.0.2", []byte("persist: archived"), types.PackageVersionStatusArchived)
	rev3 := e.pubVersion(t, vlRepo, "persist", "1.0.3", []byte("persist: disposed"), types.PackageVersionStatusDisposed)
	e.pubVersion(t, vlRepo, "persist", "1.0.4", []byte("persist: unlisted"), types.PackageVersionStatusUnlisted)
	e.pubVersion(t, vlRepo, "persist", "1.0.5", []byte("persist: deleted"), types.PackageVersionStatusPublished)
	e.mustDeleteVersions(t, vlRepo, "persist", []string{"1.0.5"}, "")
	e.pubVersion(t, vlRepo, "persist", "1.0.6", a, types.PackageVersionStatusPublished) // shares a's bytes
	if _, err := e.copyVersions(t, vlRepo, vlRepo2, "persist", []string{"1.0.0", "1.0.4"}, nil, false); err != nil {
		t.Fatalf("CopyPackageVersions: %v", err)
	}
	e.mustPutOrigin(t, vlRepo, types.PackageFormatGeneric, aws.String(vlNS), "persist", types.AllowPublishAllow, types.AllowUpstreamAllow)
	e.pubVersion(t, vlRepo, "gone", "1.0.0", []byte("gone"), types.PackageVersionStatusPublished)
	e.mustDeleteVersions(t, vlRepo, "gone", []string{"1.0.0"}, "") // a version-less package
	// Let the blob collector settle before the first snapshot.
	vlWaitBlobs(t, e.srv.DataDir, vlSHA256(a), vlSHA256(b), vlSHA256([]byte("persist: unfinished")),
		vlSHA256([]byte("persist: archived")), vlSHA256([]byte("persist: unlisted")))

	before := e.vlSnapshot(t, pkgs)

	e.srv.Restart(t)
	e.c = e.srv.Client(t)
	if after := e.vlSnapshot(t, pkgs); after != before {
		t.Errorf("state changed across a graceful restart:\n%s", vlDiff(before, after))
	}

	e.srv.Kill(t)
	e.srv.Start(t)
	e.c = e.srv.Client(t)
	if after := e.vlSnapshot(t, pkgs); after != before {
		t.Errorf("state changed across kill -9 and start:\n%s", vlDiff(before, after))
	}

	// And the lifecycle goes on after the restarts.
	d := e.mustDescribe(t, vlRepo, "persist", "1.0.1")
	e.mustSetStatus(t, vlRepo, "persist", "1.0.1", aws.ToString(d.Revision), types.PackageVersionStatusPublished)
	res := e.mustDeleteVersions(t, vlRepo, "persist", []string{"1.0.3"}, types.PackageVersionStatusDisposed)
	vlCheckBatch(t, "delete the Disposed version after restarts", res.SuccessfulVersions, res.FailedVersions,
		map[string]string{"1.0.3": vlOK(rev3, "Deleted")}, nil)
}
