package pypi

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

// testRepo runs the format in process on a fresh service.
type testRepo struct {
	f    *Format
	svc  *service.Service
	repo dataplane.Repo
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	env := servicetest.New(t, domain.FormatPypi, "py", map[domain.Format]service.FormatRules{domain.FormatPypi: Rules{}})
	f := New(env.Svc, env.Log, t.TempDir())
	return &testRepo{f: f, svc: env.Svc, repo: env.Repo}
}

func (tr *testRepo) do(req *http.Request, path string) *httptest.ResponseRecorder {
	return servicetest.Serve(tr.f, tr.repo, req, path)
}

func (tr *testRepo) get(t *testing.T, path, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/pypi/d/acme-000000000000/py/", nil)
	req.Header.Set("Accept", accept)
	return tr.do(req, path)
}

// upload posts a file the way twine does; httptest's recorder cannot be
// hijacked, so errors come back as plain responses.
func (tr *testRepo) upload(t *testing.T, name, version, filename string, content []byte) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	sum := sha256.Sum256(content)
	for _, kv := range [][2]string{{":action", "file_upload"}, {"protocol_version", "1"}, {"name", name}, {"version", version}, {"sha256_digest", hex.EncodeToString(sum[:])}} {
		mw.WriteField(kv[0], kv[1])
	}
	w, _ := mw.CreateFormFile("content", filename)
	w.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/pypi/d/acme-000000000000/py/", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return tr.do(req, "")
}

func testWheel(t testing.TB, name, version, extra string) []byte {
	return zipOf(t,
		"m/__init__.py", extra,
		name+"-"+version+".dist-info/METADATA", fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: wheel %s\nRequires-Python: >=3\n\nwheel readme", name, version, extra),
		name+"-"+version+".dist-info/WHEEL", "Wheel-Version: 1.0\n")
}

func TestConcurrentUploadsIntoOneVersion(t *testing.T) {
	tr := newTestRepo(t)
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := fmt.Sprintf("many-1.0-%d-py3-none-any.whl", i+1)
			if rec := tr.upload(t, "many", "1.0", fn, testWheel(t, "many", "1.0", fmt.Sprint(i))); rec.Code != http.StatusOK {
				t.Errorf("upload %s: %d %s", fn, rec.Code, rec.Body)
			}
		}()
	}
	wg.Wait()
	rec := tr.get(t, "simple/many/", ContentTypeJSON)
	var doc struct {
		Files []struct{ Filename string } `json:"files"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Files) != n {
		t.Fatalf("page lists %d files (%v), want %d:\n%s", len(doc.Files), err, n, rec.Body)
	}
}

func TestUploadMetadataAndErrors(t *testing.T) {
	tr := newTestRepo(t)
	ctx := context.Background()
	ref := tr.repo.Ref(domain.FormatPypi, "", "demo")
	whl := testWheel(t, "Demo", "1.0", "w")
	if rec := tr.upload(t, "Demo", "1.0", "Demo-1.0-py3-none-any.whl", whl); rec.Code != http.StatusOK {
		t.Fatalf("wheel: %d %s", rec.Code, rec.Body)
	}
	// An sdist with poorer metadata does not replace the wheel's.
	sd := tarGzOf(t, "Demo-1.0/PKG-INFO", "Metadata-Version: 1.0\nName: Demo\nVersion: 1.0\nSummary: sdist\n")
	if rec := tr.upload(t, "Demo", "1.0", "Demo-1.0.tar.gz", sd); rec.Code != http.StatusOK {
		t.Fatalf("sdist: %d %s", rec.Code, rec.Body)
	}
	vi, err := tr.svc.DescribePackageVersion(ctx, tr.repo.Caller, ref, "1.0")
	if err != nil {
		t.Fatal(err)
	}
	v := vi.Version
	if v.DisplayName != "Demo" || v.Summary != "wheel w" || v.Readme != "wheel readme" {
		t.Errorf("version metadata: %q %q %q", v.DisplayName, v.Summary, v.Readme)
	}
	revision := v.Revision
	// An identical re-upload changes nothing, not even the revision.
	if rec := tr.upload(t, "demo", "1.0", "Demo-1.0-py3-none-any.whl", whl); rec.Code != http.StatusOK {
		t.Fatalf("re-upload: %d %s", rec.Code, rec.Body)
	}
	vi, _ = tr.svc.DescribePackageVersion(ctx, tr.repo.Caller, ref, "1.0")
	if vi.Version.Revision != revision {
		t.Errorf("revision changed on an identical re-upload")
	}
	// The same name with other bytes: 409.
	if rec := tr.upload(t, "demo", "1.0", "Demo-1.0-py3-none-any.whl", testWheel(t, "Demo", "1.0", "other")); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "already exists") {
		t.Errorf("overwrite: %d %s", rec.Code, rec.Body)
	}
	// Archived versions take no new file.
	if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: []string{"1.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if rec := tr.upload(t, "demo", "1.0", "Demo-1.0-1-py3-none-any.whl", testWheel(t, "Demo", "1.0", "new")); rec.Code != http.StatusConflict {
		t.Errorf("upload into an Archived version: %d %s", rec.Code, rec.Body)
	}
	for _, path := range []string{"packages/demo/1.0/Demo-1.0-py3-none-any.whl", "packages/demo/1.0/Demo-1.0-py3-none-any.whl.metadata"} {
		if rec := tr.get(t, path, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s of an Archived version: %d", path, rec.Code)
		}
	}
	// A broken sdist is refused; a sound one without PKG-INFO takes the form.
	evil := tarGzEntries(t, "../escape", "x", "evil-1.0/PKG-INFO", "Name: evil\nVersion: 1.0\n")
	if rec := tr.upload(t, "evil", "1.0", "evil-1.0.tar.gz", evil); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "unsafe path") {
		t.Errorf("sdist with ../: %d %s", rec.Code, rec.Body)
	}
	if rec := tr.upload(t, "evil", "1.0", "evil-1.0.tar.gz", []byte("not gzip")); rec.Code != http.StatusBadRequest {
		t.Errorf("sdist that is not gzip: %d %s", rec.Code, rec.Body)
	}
	if rec := tr.upload(t, "bare", "1.0", "bare-1.0.tar.gz", tarGzEntries(t, "bare-1.0/setup.py", "")); rec.Code != http.StatusOK {
		t.Errorf("sdist without PKG-INFO: %d %s", rec.Code, rec.Body)
	}
	// The legacy/ spelling of the upload URL, and origin controls.
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	if rec := tr.do(req, "legacy/"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "multipart") {
		t.Errorf("POST legacy/ is not the upload handler: %d %s", rec.Code, rec.Body)
	}
	blocked := tr.repo.Ref(domain.FormatPypi, "", "Blocked_Pkg")
	if _, err := tr.svc.PutPackageOriginConfiguration(ctx, tr.repo.Caller, blocked, domain.OriginConfiguration{Publish: domain.AllowBlock, Upstream: domain.AllowBlock}); err != nil {
		t.Fatal(err)
	}
	if rec := tr.upload(t, "blocked.pkg", "1.0", "blocked_pkg-1.0-py3-none-any.whl", testWheel(t, "blocked_pkg", "1.0", "")); rec.Code != http.StatusForbidden {
		t.Errorf("upload with publish=BLOCK: %d %s", rec.Code, rec.Body)
	}
	// Methods.
	if rec := tr.do(httptest.NewRequest(http.MethodGet, "/", nil), ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET on the upload URL: %d", rec.Code)
	}
	if rec := tr.do(httptest.NewRequest(http.MethodDelete, "/", nil), "simple/demo/"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE on a page: %d", rec.Code)
	}
	if rec := tr.do(httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x")), ""); rec.Code != http.StatusBadRequest {
		t.Errorf("POST that is not multipart: %d", rec.Code)
	}
	for _, path := range []string{"nope", "simple/a/b/c", "packages/a/b", "simple/bad%2Fname/", "simple/%zz/"} {
		if rec := tr.get(t, path, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}
}

func tarGzOf(t *testing.T, name, body string) []byte {
	return tarGzEntries(t, name, body)
}

func tarGzEntries(t *testing.T, kv ...string) []byte {
	t.Helper()
	var entries []any
	for i := 0; i < len(kv); i += 2 {
		entries = append(entries, tarHeader(kv[i]), []byte(kv[i+1]))
	}
	return tarGz(t, entries...)
}

func tarHeader(name string) *tar.Header { return &tar.Header{Name: name} }

func TestSeekReaderAt(t *testing.T) {
	b := zipOf(t, "x-1.dist-info/METADATA", "Name: x\nVersion: 1\n")
	// A ReadSeeker without ReadAt still serves PEP 658 metadata.
	type onlySeeker struct{ io.ReadSeeker }
	got, err := WheelMetadata(readerAt(onlySeeker{bytes.NewReader(b)}), int64(len(b)), "x")
	if err != nil || string(got) != "Name: x\nVersion: 1\n" {
		t.Errorf("%q %v", got, err)
	}
}

func TestParseDigest(t *testing.T) {
	const md5hex = "9e107d9d372bb6826bd81d3542a419d6"
	for _, in := range []string{md5hex, strings.ToUpper(md5hex), "nhB9nTcrtoJr2B01QqQZ1g", "nhB9nTcrtoJr2B01QqQZ1g=="} {
		if got, err := parseDigest("md5_digest", in, 16); err != nil || got != md5hex {
			t.Errorf("parseDigest(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "xyz", md5hex + "00", "nhB9nTcrtoJr2B01QqQZ"} {
		if _, err := parseDigest("md5_digest", in, 16); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("parseDigest(%q) accepted", in)
		}
	}
}
