package codeartifact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
)

// Fuzz target for the control plane's request binder: query members and
// JSON bodies as clients send them. Seeds run with every `go test`;
// scripts/fuzz fuzzes it.

// Hand-written versions of the model's patterns, to check the binder's
// regular expressions against.

func fuzzIsSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' } // RE2's \s

func fuzzRunes(s string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	return n >= min && n <= max
}

func fuzzDomainOK(s string) bool {
	if len(s) < 2 || len(s) > 50 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		lower, digit := c >= 'a' && c <= 'z', c >= '0' && c <= '9'
		if i == 0 && !lower || i == len(s)-1 && !lower && !digit || !lower && !digit && c != '-' {
			return false
		}
	}
	return true
}

func fuzzRepositoryOK(s string) bool {
	if len(s) < 2 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// fuzzNameOK is [^#/\s]+ of 1 to 255 characters (package, namespace,
// version), in valid UTF-8 without Unicode category C characters.
func fuzzNameOK(s string) bool {
	return fuzzRunes(s, 1, 255) && utf8.ValidString(s) &&
		!strings.ContainsFunc(s, func(r rune) bool { return r == '#' || r == '/' || fuzzIsSpace(r) || unicode.Is(unicode.C, r) })
}

// fuzzPrintable is \P{C}* of min to max characters.
func fuzzPrintable(s string, min, max int) bool {
	return fuzzRunes(s, min, max) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.C, r) })
}

// FuzzBinder binds arbitrary query strings and JSON bodies as the
// package-version operations and CreateRepository do. Checked: the
// violations come back as one ValidationException that counts them; a
// request that binds returns the query's and body's values unchanged,
// and each of them satisfies the model's constraint, checked again by a
// hand-written version of its pattern.
func FuzzBinder(f *testing.F) {
	f.Add("domain=acme&repository=main&format=npm&namespace=acme&package=ui&version=1.0.0&max-results=10&next-token=abc",
		[]byte(`{"versions":["1.0.0","2.0.0-rc.1"],"versionRevisions":{"1.0.0":"rev1"},"expectedStatus":"Published","tags":[{"key":"k","value":"v"}],"upstreams":[{"repositoryName":"up"}],"description":"d"}`))
	f.Add("domain=acme&domain-owner=000000000000&repository=r.1_x-y&format=pypi&package=Demo_Pkg&version=1.0&status=Unlisted",
		[]byte(`{"versions":[]}`))
	f.Add("domain=a&repository=-x&format=NPM&package=a/b&version=1%200&max-results=0&next-token=%20",
		[]byte(`{"versions":["#1"],"expectedStatus":"Gone","tags":[{"key":"","value":"\u0000"}]}`))
	f.Add("domain=acme&repository=main&format=generic&namespace=&package=%ff%fe&version=%E2%80%AE1", []byte(`{"versions":null}`))
	f.Add("domain=acme&domain=other&max-results=99999999999999999999&status=Published", []byte("{"))
	f.Add("", []byte(`  `))
	f.Add("%zz=1&domain", []byte(`[1,2]`))

	f.Fuzz(func(t *testing.T, rawQuery string, body []byte) {
		if len(rawQuery)+len(body) > 64<<10 {
			return
		}
		q, _ := url.ParseQuery(rawQuery) // what the binder reads
		first := func(name string) (string, bool) {
			v, ok := q[name]
			if !ok {
				return "", false
			}
			return v[0], true
		}

		// The package-version operations' members.
		r := httptest.NewRequest(http.MethodPost, "http://codeartifact.example/v1/package/versions/delete", bytes.NewReader(body))
		r.URL.RawQuery = rawQuery
		b := newBinder(r)
		ref := b.bindPackage("repository")
		version := b.bindVersion()
		status := b.enum("status", "status", statuses, false)
		page := b.page(defaultPageMax)
		in := b.bindBatch(true)
		checkBinderErr(t, b)
		if len(b.errs) == 0 && b.unparsable == "" {
			for name, got := range map[string]string{"domain": ref.Domain, "domain-owner": ref.DomainOwner, "repository": ref.Repository,
				"format": string(ref.Format), "namespace": ref.Namespace, "package": ref.Package, "version": version, "status": status} {
				if want, _ := first(name); got != want {
					t.Fatalf("%s bound as %q, the query says %q", name, got, want)
				}
			}
			switch {
			case !fuzzDomainOK(ref.Domain):
				t.Fatalf("domain %q accepted", ref.Domain)
			case ref.DomainOwner != "" && (len(ref.DomainOwner) != 12 || strings.Trim(ref.DomainOwner, "0123456789") != ""):
				t.Fatalf("domain owner %q accepted", ref.DomainOwner)
			case !fuzzRepositoryOK(ref.Repository):
				t.Fatalf("repository %q accepted", ref.Repository)
			case !slices.Contains(domain.Formats, ref.Format):
				t.Fatalf("format %q accepted", ref.Format)
			case !fuzzNameOK(ref.Package):
				t.Fatalf("package %q accepted", ref.Package)
			case !fuzzNameOK(version):
				t.Fatalf("version %q accepted", version)
			case status != "" && !slices.Contains(domain.Statuses, domain.Status(status)):
				t.Fatalf("status %q accepted", status)
			case page.Limit < 1 || page.Limit > defaultPageMax:
				t.Fatalf("page size %d accepted", page.Limit)
			case page.After != "" && (!fuzzRunes(page.After, 1, 2000) || strings.ContainsFunc(page.After, fuzzIsSpace)):
				t.Fatalf("next token %q accepted", page.After)
			case in.Versions == nil || len(in.Versions) > 100:
				t.Fatalf("%d versions accepted", len(in.Versions))
			case in.ExpectedStatus != nil && !slices.Contains(domain.Statuses, domain.Status(*in.ExpectedStatus)):
				t.Fatalf("expected status %q accepted", *in.ExpectedStatus)
			}
			if _, ok := q["namespace"]; ok && !fuzzNameOK(ref.Namespace) {
				t.Fatalf("namespace %q accepted", ref.Namespace)
			}
			for _, v := range in.Versions {
				if !fuzzNameOK(v) {
					t.Fatalf("version %q accepted in the body", v)
				}
			}
			for v, rev := range in.VersionRevisions {
				if !fuzzNameOK(v) || !fuzzRunes(rev, 1, 50) || strings.ContainsFunc(rev, fuzzIsSpace) {
					t.Fatalf("version revision %q: %q accepted", v, rev)
				}
			}
			var direct batchBody
			_ = json.Unmarshal(body, &direct)
			if !reflect.DeepEqual(direct, in) {
				t.Fatalf("the body bound as %+v; it says %+v", in, direct)
			}
		}

		// CreateRepository's body.
		r = httptest.NewRequest(http.MethodPost, "http://codeartifact.example/v1/repository", bytes.NewReader(body))
		r.URL.RawQuery = rawQuery
		b = newBinder(r)
		var repoIn struct {
			Description string         `json:"description"`
			Upstreams   []upstreamInfo `json:"upstreams"`
			Tags        []tagInput     `json:"tags"`
		}
		b.body(&repoIn)
		b.check("description", repoIn.Description, fDescription)
		ups := b.bindUpstreams(repoIn.Upstreams)
		tags := b.bindTags(repoIn.Tags)
		checkBinderErr(t, b)
		if len(b.errs) == 0 && b.unparsable == "" {
			if !fuzzPrintable(repoIn.Description, 0, 1000) {
				t.Fatalf("description %q accepted", repoIn.Description)
			}
			for _, u := range ups {
				if !fuzzRepositoryOK(u) {
					t.Fatalf("upstream %q accepted", u)
				}
			}
			if len(tags) > 200 {
				t.Fatalf("%d tags accepted", len(tags))
			}
			for i, tg := range tags {
				if !fuzzPrintable(tg.Key, 1, 128) || !fuzzPrintable(tg.Value, 0, 256) {
					t.Fatalf("tag %q=%q accepted", tg.Key, tg.Value)
				}
				if in := repoIn.Tags[i]; in.Key == nil || in.Value == nil || tg.Key != *in.Key || tg.Value != *in.Value {
					t.Fatalf("tag %d bound as %+v, the body says %+v", i, tg, repoIn.Tags[i])
				}
			}
		}
	})
}

// checkBinderErr checks that a binder's violations come back as one
// ValidationException that counts them.
func checkBinderErr(t *testing.T, b *binder) {
	t.Helper()
	err := b.err()
	if b.unparsable != "" {
		// A body that is not JSON is one error of its own kind.
		var ae *apiError
		if !errors.As(err, &ae) || ae.code != "ValidationException" || ae.reason != "CANNOT_PARSE" || ae.status != http.StatusBadRequest {
			t.Fatalf("an unparsable body gave error %#v, want ValidationException (CANNOT_PARSE)", err)
		}
		return
	}
	if len(b.errs) == 0 {
		if err != nil {
			t.Fatalf("no violations, but error %v", err)
		}
		return
	}
	if !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("violations %q gave error %v, not a validation error", b.errs, err)
	}
	want := "1 validation error detected: "
	if len(b.errs) > 1 {
		want = fmt.Sprintf("%d validation errors detected: ", len(b.errs))
	}
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q does not start with %q", err, want)
	}
}
