package conformance

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

func (e *vlEnv) putOrigin(t testing.TB, repo string, format types.PackageFormat, ns *string, pkg string, publish types.AllowPublish, upstream types.AllowUpstream) (*codeartifact.PutPackageOriginConfigurationOutput, error) {
	t.Helper()
	return e.c.PutPackageOriginConfiguration(vlCtx(t), &codeartifact.PutPackageOriginConfigurationInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: format, Namespace: ns, Package: aws.String(pkg),
		Restrictions: &types.PackageOriginRestrictions{Publish: publish, Upstream: upstream},
	})
}

func (e *vlEnv) mustPutOrigin(t testing.TB, repo string, format types.PackageFormat, ns *string, pkg string, publish types.AllowPublish, upstream types.AllowUpstream) {
	t.Helper()
	out, err := e.putOrigin(t, repo, format, ns, pkg, publish, upstream)
	if err != nil {
		t.Fatalf("PutPackageOriginConfiguration %s/%v/%s %s/%s: %v", format, vlPtr(ns), pkg, publish, upstream, err)
	}
	want := fmt.Sprintf("publish=%s upstream=%s", publish, upstream)
	if got := vlOriginConf(out.OriginConfiguration); got != want {
		t.Errorf("PutPackageOriginConfiguration returned %s, want %s", got, want)
	}
}

func (e *vlEnv) wantOrigin(t testing.TB, repo string, format types.PackageFormat, ns *string, pkg string, publish types.AllowPublish, upstream types.AllowUpstream) {
	t.Helper()
	p, err := e.describePackage(t, repo, format, ns, pkg)
	if err != nil {
		t.Fatalf("DescribePackage %s/%v/%s: %v", format, vlPtr(ns), pkg, err)
	}
	want := fmt.Sprintf("publish=%s upstream=%s", publish, upstream)
	if got := vlOriginConf(p.OriginConfiguration); got != want {
		t.Errorf("DescribePackage %s/%v/%s origin %s, want %s", format, vlPtr(ns), pkg, got, want)
	}
}

func vlSorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func TestListPackages(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	pub := func(ns, name string) {
		t.Helper()
		in := e.vlPubIn(vlRepo, name, "1.0.0", "f", []byte(ns+"/"+name), false)
		in.Namespace = aws.String(ns)
		if _, err := e.c.PublishPackageVersion(vlCtx(t), in); err != nil {
			t.Fatalf("publish %s/%s: %v", ns, name, err)
		}
	}
	pub("ns", "lib-a")
	pub("ns", "library")
	pub("ns", "xlib")
	pub("ns2", "lib-b")
	pub("other", "tool")
	// Version-less packages of another format, created through origin controls.
	e.mustPutOrigin(t, vlRepo, types.PackageFormatNpm, nil, "left-pad", types.AllowPublishBlock, types.AllowUpstreamAllow)
	e.mustPutOrigin(t, vlRepo, types.PackageFormatNpm, aws.String("types"), "node", types.AllowPublishAllow, types.AllowUpstreamAllow)
	// Something in the other repository, never listed here.
	e.mustPublish(t, vlRepo2, "elsewhere", "1.0.0", "f", []byte("x"), false)

	all := []string{
		"generic/ns/lib-a", "generic/ns/library", "generic/ns/xlib", "generic/ns2/lib-b", "generic/other/tool",
		"npm//left-pad", "npm/types/node",
	}
	cases := []struct {
		name string
		mod  func(*codeartifact.ListPackagesInput)
		want []string
	}{
		{"NoFilter", nil, all},
		{"FormatGeneric", func(in *codeartifact.ListPackagesInput) { in.Format = types.PackageFormatGeneric },
			[]string{"generic/ns/lib-a", "generic/ns/library", "generic/ns/xlib", "generic/ns2/lib-b", "generic/other/tool"}},
		{"FormatNpm", func(in *codeartifact.ListPackagesInput) { in.Format = types.PackageFormatNpm },
			[]string{"npm//left-pad", "npm/types/node"}},
		{"FormatPypi", func(in *codeartifact.ListPackagesInput) { in.Format = types.PackageFormatPypi }, []string{}},
		{"NamespacePrefix", func(in *codeartifact.ListPackagesInput) {
			in.Format = types.PackageFormatGeneric
			in.Namespace = aws.String("ns")
		}, []string{"generic/ns/lib-a", "generic/ns/library", "generic/ns/xlib", "generic/ns2/lib-b"}},
		{"NamespaceExactish", func(in *codeartifact.ListPackagesInput) {
			in.Format = types.PackageFormatGeneric
			in.Namespace = aws.String("ns2")
		}, []string{"generic/ns2/lib-b"}},
		{"NamespaceShortPrefix", func(in *codeartifact.ListPackagesInput) {
			in.Format = types.PackageFormatGeneric
			in.Namespace = aws.String("o")
		}, []string{"generic/other/tool"}},
		{"PackagePrefix", func(in *codeartifact.ListPackagesInput) { in.PackagePrefix = aws.String("lib") },
			[]string{"generic/ns/lib-a", "generic/ns/library", "generic/ns2/lib-b"}},
		{"PackagePrefixNpm", func(in *codeartifact.ListPackagesInput) { in.PackagePrefix = aws.String("left") },
			[]string{"npm//left-pad"}},
		{"Combined", func(in *codeartifact.ListPackagesInput) {
			in.Format = types.PackageFormatGeneric
			in.Namespace = aws.String("ns")
			in.PackagePrefix = aws.String("lib")
		}, []string{"generic/ns/lib-a", "generic/ns/library", "generic/ns2/lib-b"}},
		{"PublishBlock", func(in *codeartifact.ListPackagesInput) { in.Publish = types.AllowPublishBlock },
			[]string{"npm//left-pad"}},
		{"PublishAllow", func(in *codeartifact.ListPackagesInput) { in.Publish = types.AllowPublishAllow },
			[]string{"generic/ns/lib-a", "generic/ns/library", "generic/ns/xlib", "generic/ns2/lib-b", "generic/other/tool", "npm/types/node"}},
		{"UpstreamAllow", func(in *codeartifact.ListPackagesInput) { in.Upstream = types.AllowUpstreamAllow },
			[]string{"npm//left-pad", "npm/types/node"}},
		{"UpstreamBlockGeneric", func(in *codeartifact.ListPackagesInput) {
			in.Upstream = types.AllowUpstreamBlock
			in.PackagePrefix = aws.String("t")
		}, []string{"generic/other/tool"}},
		{"PublishAndUpstream", func(in *codeartifact.ListPackagesInput) {
			in.Publish = types.AllowPublishAllow
			in.Upstream = types.AllowUpstreamAllow
		}, []string{"npm/types/node"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.listPackageNames(t, vlRepo, c.mod)
			if !slices.Equal(vlSorted(got), vlSorted(c.want)) {
				t.Errorf("ListPackages: %v, want %v", got, c.want)
			}
		})
	}

	t.Run("SummaryShape", func(t *testing.T) {
		out, err := e.c.ListPackages(vlCtx(t), &codeartifact.ListPackagesInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), PackagePrefix: aws.String("l"),
		})
		if err != nil {
			t.Fatalf("ListPackages: %v", err)
		}
		got := map[string]string{}
		for _, p := range out.Packages {
			got[fmt.Sprintf("%s/%s/%s", p.Format, aws.ToString(p.Namespace), aws.ToString(p.Package))] = vlOriginConf(p.OriginConfiguration)
		}
		want := map[string]string{
			"generic/ns/lib-a":   "publish=ALLOW upstream=BLOCK",
			"generic/ns/library": "publish=ALLOW upstream=BLOCK",
			"generic/ns2/lib-b":  "publish=ALLOW upstream=BLOCK",
			"npm//left-pad":      "publish=BLOCK upstream=ALLOW",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ListPackages summaries %v, want %v", got, want)
		}
		for _, p := range out.Packages {
			if p.Format == types.PackageFormatNpm && p.Namespace != nil {
				t.Errorf("npm package without a scope listed with namespace %q", *p.Namespace)
			}
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		var got []string
		var token *string
		pages := 0
		for {
			out, err := e.c.ListPackages(vlCtx(t), &codeartifact.ListPackagesInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), MaxResults: aws.Int32(2), NextToken: token,
			})
			if err != nil {
				t.Fatalf("ListPackages page %d: %v", pages, err)
			}
			pages++
			if len(out.Packages) > 2 {
				t.Errorf("page %d: %d packages, maxResults is 2", pages, len(out.Packages))
			}
			for _, p := range out.Packages {
				got = append(got, fmt.Sprintf("%s/%s/%s", p.Format, aws.ToString(p.Namespace), aws.ToString(p.Package)))
			}
			if out.NextToken == nil {
				break
			}
			if pages > 20 {
				t.Fatalf("no end after %d pages", pages)
			}
			token = out.NextToken
		}
		if pages != 4 || !slices.Equal(vlSorted(got), vlSorted(all)) || len(got) != len(all) {
			t.Errorf("pages of 2: %d pages %v, want 4 pages with %v", pages, got, all)
		}
		// Same order as one big page.
		if one := e.listPackageNames(t, vlRepo, func(in *codeartifact.ListPackagesInput) { in.MaxResults = aws.Int32(1000) }); !slices.Equal(one, got) {
			t.Errorf("paged order %v differs from the single-page order %v", got, one)
		}
	})

	t.Run("Validation", func(t *testing.T) {
		_, err := e.c.ListPackages(vlCtx(t), &codeartifact.ListPackagesInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Namespace: aws.String("ns"),
		})
		vlWantErr[*types.ValidationException](t, err, "namespace without format")
		_, err = e.c.ListPackages(vlCtx(t), &codeartifact.ListPackagesInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: "zip",
		})
		vlWantErr[*types.ValidationException](t, err, "unknown format")
		for _, n := range []int32{0, 1001} {
			_, err = e.c.ListPackages(vlCtx(t), &codeartifact.ListPackagesInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), MaxResults: aws.Int32(n),
			})
			vlWantErr[*types.ValidationException](t, err, fmt.Sprintf("maxResults=%d", n))
		}
		_, err = e.c.ListPackages(vlCtx(t), &codeartifact.ListPackagesInput{
			Domain: aws.String(e.domain), Repository: aws.String("no-such-repo"),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing repository")
	})
}

func TestDescribePackageAndOriginConfiguration(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	ns := aws.String(vlNS)

	t.Run("DefaultsAfterFirstPublish", func(t *testing.T) {
		e.mustPublish(t, vlRepo, "first", "1.0.0", "f", []byte("first"), false)
		p, err := e.describePackage(t, vlRepo, types.PackageFormatGeneric, ns, "first")
		if err != nil {
			t.Fatalf("DescribePackage: %v", err)
		}
		if p.Format != types.PackageFormatGeneric || aws.ToString(p.Namespace) != vlNS || aws.ToString(p.Name) != "first" {
			t.Errorf("DescribePackage: format %q namespace %q name %q, want generic %s first", p.Format, aws.ToString(p.Namespace), aws.ToString(p.Name), vlNS)
		}
		if got := vlOriginConf(p.OriginConfiguration); got != "publish=ALLOW upstream=BLOCK" {
			t.Errorf("origin configuration after the first publish: %s, want publish=ALLOW upstream=BLOCK", got)
		}
		// An Unfinished first version sets the same defaults.
		e.mustPublish(t, vlRepo, "first-unfinished", "1.0.0", "f", []byte("first"), true)
		e.wantOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "first-unfinished", types.AllowPublishAllow, types.AllowUpstreamBlock)
	})

	t.Run("Missing", func(t *testing.T) {
		_, err := e.describePackage(t, vlRepo, types.PackageFormatGeneric, ns, "nope")
		vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackage of a missing package")
		_, err = e.describePackage(t, vlRepo2, types.PackageFormatGeneric, ns, "first")
		vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackage of a package in another repository")
		_, err = e.describePackage(t, vlRepo, types.PackageFormatGeneric, aws.String("other-ns"), "first")
		vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackage in another namespace")
	})

	t.Run("PutStoresAndReturns", func(t *testing.T) {
		e.mustPublish(t, vlRepo, "ctl", "1.0.0", "f", []byte("ctl"), false)
		e.mustPutOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "ctl", types.AllowPublishBlock, types.AllowUpstreamAllow)
		e.wantOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "ctl", types.AllowPublishBlock, types.AllowUpstreamAllow)

		_, err := e.publish(t, vlRepo, "ctl", "1.0.1", "f", []byte("blocked"), false)
		vlWantErr[*types.AccessDeniedException](t, err, "publish with publish=BLOCK")
		e.wantGone(t, vlRepo, "ctl", "1.0.1")
		_, err = e.publish(t, vlRepo, "ctl", "1.0.1", "f", []byte("blocked"), true)
		vlWantErr[*types.AccessDeniedException](t, err, "unfinished publish with publish=BLOCK")
		e.wantGone(t, vlRepo, "ctl", "1.0.1")
		e.wantAssetSize(t, int64(len("first")+len("ctl")), "blocked publishes keep nothing")

		e.mustPutOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "ctl", types.AllowPublishAllow, types.AllowUpstreamBlock)
		e.wantOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "ctl", types.AllowPublishAllow, types.AllowUpstreamBlock)
		e.mustPublish(t, vlRepo, "ctl", "1.0.1", "f", []byte("allowed again"), false)

		// Status changes and deletes are not publishing: BLOCK does not stop them.
		e.mustPutOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "ctl", types.AllowPublishBlock, types.AllowUpstreamBlock)
		d := e.mustDescribe(t, vlRepo, "ctl", "1.0.1")
		e.mustSetStatus(t, vlRepo, "ctl", "1.0.1", aws.ToString(d.Revision), types.PackageVersionStatusArchived)
		e.mustDeleteVersions(t, vlRepo, "ctl", []string{"1.0.1"}, "")
		// The configuration survives the last... (1.0.0 still there) and a delete.
		e.wantOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "ctl", types.AllowPublishBlock, types.AllowUpstreamBlock)
	})

	t.Run("PutOnMissingPackageCreatesVersionlessPackage", func(t *testing.T) {
		e.mustPutOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "preblocked", types.AllowPublishBlock, types.AllowUpstreamBlock)
		e.wantOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "preblocked", types.AllowPublishBlock, types.AllowUpstreamBlock)
		if got := e.listVersions(t, vlRepo, "preblocked", nil); len(got) != 0 {
			t.Errorf("version-less package lists versions %v", vlVersionNames(got))
		}
		if names := e.listPackageNames(t, vlRepo, nil); !slices.Contains(names, "generic/"+vlNS+"/preblocked") {
			t.Errorf("ListPackages %v does not show the version-less package", names)
		}
		_, err := e.publish(t, vlRepo, "preblocked", "1.0.0", "f", []byte("nope"), false)
		vlWantErr[*types.AccessDeniedException](t, err, "publish into a pre-blocked package")

		// A pre-created ALLOW package keeps its configuration when the first version arrives.
		e.mustPutOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "preallowed", types.AllowPublishAllow, types.AllowUpstreamAllow)
		e.mustPublish(t, vlRepo, "preallowed", "1.0.0", "f", []byte("ok"), false)
		e.wantOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "preallowed", types.AllowPublishAllow, types.AllowUpstreamAllow)
	})

	t.Run("PutValidation", func(t *testing.T) {
		// Both restrictions are required; the SDK checks that client-side,
		// so send the request by hand.
		q := url.Values{"domain": {e.domain}, "repository": {vlRepo}, "format": {"generic"}, "namespace": {vlNS}, "package": {"first"}}
		for _, body := range []string{`{"restrictions":{"publish":"BLOCK"}}`, `{"restrictions":{"upstream":"BLOCK"}}`, `{}`} {
			resp := e.srv.SignedRequest(t, http.MethodPost, "/v1/package", q, []byte(body), "")
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Header.Get("X-Amzn-ErrorType"), "ValidationException") {
				t.Errorf("PutPackageOriginConfiguration with body %s: HTTP %d %s %s, want 400 ValidationException",
					body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), msg)
			}
		}
		_, err := e.putOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "first", "MAYBE", types.AllowUpstreamAllow)
		vlWantErr[*types.ValidationException](t, err, "publish=MAYBE")
		_, err = e.putOrigin(t, vlRepo, types.PackageFormatGeneric, nil, "first", types.AllowPublishAllow, types.AllowUpstreamAllow)
		vlWantErr[*types.ValidationException](t, err, "generic package without namespace")
		_, err = e.putOrigin(t, "no-such-repo", types.PackageFormatGeneric, ns, "first", types.AllowPublishAllow, types.AllowUpstreamAllow)
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing repository")
		e.wantOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "first", types.AllowPublishAllow, types.AllowUpstreamBlock)
	})

	t.Run("DeletePackage", func(t *testing.T) {
		e.mustPublish(t, vlRepo, "bye", "1.0.0", "f", []byte("bye"), false)
		e.mustPutOrigin(t, vlRepo, types.PackageFormatGeneric, ns, "bye", types.AllowPublishAllow, types.AllowUpstreamAllow)
		out, err := e.c.DeletePackage(vlCtx(t), &codeartifact.DeletePackageInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: ns, Package: aws.String("bye"),
		})
		if err != nil {
			t.Fatalf("DeletePackage: %v", err)
		}
		p := out.DeletedPackage
		if p == nil || p.Format != types.PackageFormatGeneric || aws.ToString(p.Namespace) != vlNS || aws.ToString(p.Package) != "bye" ||
			vlOriginConf(p.OriginConfiguration) != "publish=ALLOW upstream=ALLOW" {
			if p == nil {
				t.Fatalf("DeletePackage: no deletedPackage")
			}
			t.Errorf("deletedPackage: format %q namespace %q package %q origin %s; want generic %s bye publish=ALLOW upstream=ALLOW",
				p.Format, aws.ToString(p.Namespace), aws.ToString(p.Package), vlOriginConf(p.OriginConfiguration), vlNS)
		}
		_, err = e.describePackage(t, vlRepo, types.PackageFormatGeneric, ns, "bye")
		vlWantErr[*types.ResourceNotFoundException](t, err, "DescribePackage after DeletePackage")
		e.wantGone(t, vlRepo, "bye", "1.0.0")
		_, err = e.c.DeletePackage(vlCtx(t), &codeartifact.DeletePackageInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: ns, Package: aws.String("bye"),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "DeletePackage twice")
		if names := e.listPackageNames(t, vlRepo, nil); slices.Contains(names, "generic/"+vlNS+"/bye") {
			t.Errorf("ListPackages still shows the deleted package: %v", names)
		}

		// A version-less package can be deleted too.
		e.mustPutOrigin(t, vlRepo, types.PackageFormatNpm, nil, "ghost", types.AllowPublishBlock, types.AllowUpstreamBlock)
		out, err = e.c.DeletePackage(vlCtx(t), &codeartifact.DeletePackageInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatNpm, Package: aws.String("ghost"),
		})
		if err != nil {
			t.Fatalf("DeletePackage of a version-less package: %v", err)
		}
		if p := out.DeletedPackage; p == nil || p.Format != types.PackageFormatNpm || p.Namespace != nil || aws.ToString(p.Package) != "ghost" ||
			vlOriginConf(p.OriginConfiguration) != "publish=BLOCK upstream=BLOCK" {
			t.Errorf("deletedPackage of the version-less npm package: %+v", p)
		}
	})
}
