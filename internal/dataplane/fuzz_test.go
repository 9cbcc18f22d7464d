package dataplane

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// Fuzz targets for what a data-plane request carries before any format
// reads it: the {domain}-{owner} label of its path or host, its
// Authorization header, and the routing of its host and path. Seeds run
// with every `go test`; scripts/fuzz fuzzes them.

// fuzzDomainOwner is the pattern splitDomainOwner implements by hand.
var fuzzDomainOwner = regexp.MustCompile(`^([a-z][a-z0-9\-]{0,48}[a-z0-9])-([0-9]{12})$`)

// FuzzSplitDomainOwner checks splitDomainOwner against the pattern it
// implements, and that its parts put together give back its input.
func FuzzSplitDomainOwner(f *testing.F) {
	for _, s := range []string{"acme-123456789012", "a1-123456789012", "a--b-123456789012", "a-123456789012", "ab-12345678901",
		"Ab-123456789012", "ab-12345678901\n", "", "-123456789012", strings.Repeat("a", 50) + "-123456789012", "é-123456789012"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := splitDomainOwner(s), fuzzDomainOwner.FindStringSubmatch(s)
		if !slices.Equal(got, want) {
			t.Fatalf("splitDomainOwner(%q) = %q, want %q", s, got, want)
		}
		if got != nil && got[1]+"-"+got[2] != s {
			t.Fatalf("splitDomainOwner(%q) = %q", s, got)
		}
	})
}

// FuzzBearerToken reads tokens from Authorization headers as npm, pip,
// twine and cargo send them: arbitrary headers never panic and give a
// token without surrounding whitespace for Bearer, and a token sent in
// each client's way comes back as sent.
func FuzzBearerToken(f *testing.F) {
	f.Add("Bearer abc.def", "aws", "abc.def")
	f.Add("Basic YXdzOmFiYy5kZWY=", "aws", "tok:with:colons")
	f.Add("basic !!!", "", "")
	f.Add("  bearer   spaced  ", "a:b", " x ")
	f.Add("abc.def", "user", "abc.def")
	f.Add("Digest x", "\x00", "\xff")

	f.Fuzz(func(t *testing.T, header, user, token string) {
		if len(header)+len(user)+len(token) > 8<<10 {
			return
		}
		get := func(h string) string {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", h)
			return bearerToken(r)
		}
		got := get(header)
		scheme, _, _ := strings.Cut(strings.TrimSpace(header), " ")
		if strings.EqualFold(scheme, "bearer") && got != strings.TrimSpace(got) {
			t.Fatalf("bearer token %q from %q", got, header)
		}
		if got != "" && !strings.Contains(header, got) && !strings.EqualFold(scheme, "basic") {
			t.Fatalf("token %q is not in the header %q", got, header)
		}

		if !strings.Contains(user, ":") {
			if got := get("Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+token))); got != token {
				t.Fatalf("Basic %q:%q gave %q", user, token, got)
			}
		}
		if tok := strings.TrimSpace(token); tok != "" && !strings.ContainsAny(tok, " \t\r\n") {
			if got := get("Bearer " + tok); got != tok {
				t.Fatalf("Bearer %q gave %q", tok, got)
			}
			if low := strings.ToLower(tok); low != "bearer" && low != "basic" {
				if got := get(tok); got != tok {
					t.Fatalf("bare token %q gave %q", tok, got)
				}
			}
		}
	})
}

// recordingFormat records the requests that reach it.
type recordingFormat struct {
	name domain.Format
	got  *[]Repo
}

func (f recordingFormat) Name() domain.Format { return f.name }

func (f recordingFormat) ServeRepo(w http.ResponseWriter, r *http.Request, repo Repo) {
	*f.got = append(*f.got, repo)
	w.WriteHeader(http.StatusTeapot)
}

// FuzzRouting sends requests of arbitrary host, request target and
// Authorization through the data plane's router (path-style and
// host-style endpoints, with the control plane behind it), as the HTTP
// server parses them. A request reaches a format only with a valid
// token of the domain its path or host names, and then for that domain
// and owner, a repository, an endpoint of that repository and the rest
// of its own path; everything else is refused with a client error (or
// redirected to the cleaned path by the mux), or goes on to the control
// plane.
func FuzzRouting(f *testing.F) {
	ctx := context.Background()
	dir := f.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	blobs, err := blobfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		f.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(st, blobs, service.DefaultLimits(), log, nil)
	caller := service.Caller{Account: "000000000000", Region: "us-east-1", AccessKey: "AKIA1"}
	tokens := map[string]string{}
	for _, d := range []string{"acme", "other"} {
		if _, err := svc.CreateDomain(ctx, caller, d, "", nil); err != nil {
			f.Fatal(err)
		}
		if tokens[d], _, err = svc.GetAuthorizationToken(ctx, caller, d, "", 0); err != nil {
			f.Fatal(err)
		}
	}
	public, err := domain.ParsePublicURL("https://*.repo.example.com")
	if err != nil {
		f.Fatal(err)
	}
	var reached []Repo
	var control int
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { control++ })
	// AKIA1 is the account administrator (a nil identity); no other key exists.
	resolve := func(_ context.Context, k, _ string) (*iam.Credential, error) {
		if k != "AKIA1" {
			return nil, sigv4.ErrUnknownKey
		}
		return nil, nil
	}
	h := Mount(mux, svc, resolve, public, log,
		recordingFormat{domain.FormatNpm, &reached}, recordingFormat{domain.FormatPypi, &reached})

	for _, s := range []struct {
		host, target string
		auth         uint8
	}{
		{"127.0.0.1:8700", "/npm/d/acme-000000000000/main/@scope%2fname/-/name-1.0.0.tgz", 1},
		{"acme-000000000000.repo.example.com", "/pypi/main/simple/demo/", 2},
		{"ACME-000000000000.repo.example.com:443", "/npm/main/x", 1},
		{"other-000000000000.repo.example.com", "/npm/main/x", 1},
		{"other-000000000000.repo.eXAmple.Com", "/npm/0/", 3},
		{"x", "/npm/d/other-000000000000/main/x", 1},
		{"x", "/npm/d/acme-000000000000/main/x", 3},
		{"x", "/npm/d/acme-000000000000/main/x", 0},
		{"x", "/npm/d/acme-000000000000/%2e%2e/x", 1},
		{"x", "/npm/d/acme-000000000000/a%2Fb/c", 2},
		{"x", "/npm/d/acme-000000000000//x", 1},
		{"acme-000000000000.repo.example.com", "/npm//x", 1},
		{"acme-000000000000.repo.example.com", "/v1/domains", 1},
		{"x", "http://acme-000000000000.repo.example.com/npm/main/", 1},
		{"x", "*", 4},
	} {
		f.Add(s.host, s.target, s.auth, "")
	}
	f.Add("x", "/npm/d/acme-000000000000/main/x", uint8(4), "Bearer garbage.token")

	f.Fuzz(func(t *testing.T, host, target string, auth uint8, garbage string) {
		if len(host)+len(target)+len(garbage) > 8<<10 {
			return
		}
		var authz, tokenDomain string // tokenDomain: the domain of a valid token
		switch auth % 5 {
		case 1:
			authz, tokenDomain = "Bearer "+tokens["acme"], "acme"
		case 2:
			authz, tokenDomain = "Basic "+base64.StdEncoding.EncodeToString([]byte("aws:"+tokens["acme"])), "acme"
		case 3:
			authz, tokenDomain = "Bearer "+tokens["other"], "other"
		case 4:
			authz = garbage
		}
		raw := "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n"
		if authz != "" {
			raw += "Authorization: " + authz + "\r\n"
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n")))
		if err != nil {
			return // the server answers 400 before routing
		}
		reached, control = reached[:0], 0
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		if len(reached) == 0 {
			if control == 0 && rec.Code >= 500 {
				t.Fatalf("%s %q on host %q: %d %s", r.Method, target, host, rec.Code, rec.Body)
			}
			return
		}
		repo := reached[0]
		switch {
		case len(reached) != 1 || control != 0:
			t.Fatalf("%q on host %q reached %d formats and the control plane %d times", target, host, len(reached), control)
		case tokenDomain == "":
			t.Fatalf("%q on host %q reached the format with Authorization %q", target, host, authz)
		case repo.Domain != tokenDomain || repo.Owner != "000000000000" || repo.Caller.AccessKey != "AKIA1" || repo.Caller.Account != "000000000000":
			t.Fatalf("%q on host %q reached the format as %+v", target, host, repo)
		case repo.Repository == "" || !strings.HasSuffix(repo.Endpoint, "/"+repo.Repository+"/"):
			t.Fatalf("%q on host %q: repository %q, endpoint %q", target, host, repo.Repository, repo.Endpoint)
		case !strings.Contains(repo.Endpoint, repo.Domain+"-000000000000"):
			t.Fatalf("%q on host %q: endpoint %q", target, host, repo.Endpoint)
		case !strings.HasSuffix(r.URL.EscapedPath(), "/"+repo.Path) && !strings.HasSuffix(r.URL.Path, "/"+repo.Path):
			t.Fatalf("%q on host %q: path %q is not the end of the request's", target, host, repo.Path)
		}
		if label, ok := public.DomainOwnerOfHost(r.Host); ok && !strings.Contains(r.URL.Path, "/d/") && label != repo.Domain+"-000000000000" {
			t.Fatalf("%q on host %q reached %s's repository", target, host, repo.Domain)
		}
	})
}
