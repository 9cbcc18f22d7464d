package console

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/npm"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

// rig is the console on a real service over SQLite, with the npm format
// to publish through, the IAM service for keys, and an HTTP server.
type rig struct {
	env  servicetest.Env
	ids  *iam.Service
	npm  *npm.Format
	srv  *httptest.Server
	root identity.Key
}

const rootSecret = "rootsecretrootsecretrootsecretrootsecret"

func newRig(t *testing.T, tls bool) *rig {
	t.Helper()
	env := servicetest.New(t, domain.FormatNpm, "repo", map[domain.Format]service.FormatRules{domain.FormatNpm: npm.NewRules()})
	root := identity.Key{AccessKeyID: "AKIAROOTCONSOLETEST1", SecretAccessKey: rootSecret, Account: servicetest.Account}
	keys := identity.NewKeyring(root)
	env.Svc.UseKeyDigests(keys)
	seal := make([]byte, 32)
	rand.Read(seal)
	ids, err := iam.New(env.Store, keys, seal, env.Log)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := domain.ParsePublicURL("http://127.0.0.1:8700")
	con, err := New(Options{Service: env.Svc, Identities: ids, PublicURL: pu, Region: "us-east-1", SessionKey: seal, Log: env.Log})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{env: env, ids: ids, npm: npm.New(env.Svc, env.Log, t.TempDir()), root: root}
	if tls {
		r.srv = httptest.NewTLSServer(con)
	} else {
		r.srv = httptest.NewServer(con)
	}
	t.Cleanup(r.srv.Close)
	return r
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	r    *rig
	c    *http.Client
	csrf string
}

func (r *rig) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	c := *r.srv.Client() // a client of its own: the jar is this browser's
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, r: r, c: &c}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, hdr map[string]string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.r.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, header: resp.Header, body: string(data)}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) page { b.t.Helper(); return b.do("GET", path, nil, nil) }

// post sends a form with this session's CSRF token, as the page would.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	form.Set("csrf", b.csrf)
	return b.do("POST", path, form, map[string]string{"Origin": b.r.srv.URL, "Sec-Fetch-Site": "same-origin"})
}

func (b *browser) signIn(keyID, secret string) page {
	b.t.Helper()
	p := b.do("POST", "/console/signin", url.Values{"access_key_id": {keyID}, "secret_access_key": {secret}}, nil)
	if p.status == http.StatusSeeOther {
		b.get("/console/domains") // picks up the CSRF token
	}
	return p
}

// publish publishes name@version through the npm format, with a
// description and a readme.
func (r *rig) publish(t *testing.T, name, version, description, readme string) {
	t.Helper()
	pj, _ := json.Marshal(map[string]any{"name": name, "version": version, "description": description,
		"dependencies": map[string]string{"left-pad": "^1.3.0"}})
	tgz := tgzOf(t, map[string]string{"package/package.json": string(pj), "package/README.md": readme})
	s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
	var manifest map[string]any
	json.Unmarshal(pj, &manifest)
	manifest["_id"] = name + "@" + version
	manifest["readme"] = readme
	manifest["dist"] = map[string]any{"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
		"shasum": hex.EncodeToString(s1[:]), "tarball": "http://x/" + name + "/-/" + name + "-" + version + ".tgz"}
	doc, _ := json.Marshal(map[string]any{"name": name, "dist-tags": map[string]string{"latest": version},
		"versions": map[string]any{version: manifest},
		"_attachments": map[string]any{name + "-" + version + ".tgz": map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}}})
	req := httptest.NewRequest(http.MethodPut, "/npm/d/acme-"+servicetest.Account+"/repo/"+name, bytes.NewReader(doc))
	req.Header.Set("Content-Type", "application/json")
	rec := servicetest.Serve(r.npm, r.env.Repo, req, name)
	if rec.Code != http.StatusOK && rec.Code != http.StatusCreated {
		t.Fatalf("publish %s@%s: %d %s", name, version, rec.Code, rec.Body)
	}
}

func tgzOf(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// user makes an IAM user with an access key and, when policy is not "",
// that inline policy.
func (r *rig) user(t *testing.T, name, policy string) (keyID, secret string) {
	t.Helper()
	ctx := context.Background()
	admin, err := r.ids.Credential(ctx, r.root.AccessKeyID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ids.CreateUser(ctx, admin, name, "/"); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if err := r.ids.PutUserPolicy(ctx, admin, name, "p", policy); err != nil {
			t.Fatal(err)
		}
	}
	k, _, secret, err := r.ids.CreateAccessKey(ctx, admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return k.AccessKeyID, secret
}

// admin is the service caller of the root key.
func (r *rig) admin(t *testing.T) service.Caller {
	cred, err := r.ids.Credential(context.Background(), r.root.AccessKeyID, "")
	if err != nil {
		t.Fatal(err)
	}
	return service.Caller{Account: servicetest.Account, Region: "us-east-1", AccessKey: r.root.AccessKeyID, Identity: cred}
}

func pkgLoc(name string) loc {
	return loc{Domain: "acme", Repo: "repo", Format: domain.FormatNpm, Package: name}
}

func must(t *testing.T, p page, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d; body:\n%s", p.status, status, p.body)
	}
	for _, s := range contains {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page lacks %q; body:\n%s", s, p.body)
		}
	}
}
