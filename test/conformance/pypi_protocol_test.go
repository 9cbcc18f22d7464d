package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestPypiSimpleAPI drives the upload and simple APIs over HTTP: content
// negotiation, escaping, PEP 658 metadata, redirects, the root index and
// the upload checks.
func TestPypiSimpleAPI(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t)
	ctx := context.Background()
	d := pyDist{Name: "Web.Tool", Version: "2.1", Module: "web_tool", Summary: "web", RequiresPython: ">=3.8,<4"}
	whlName, whl := d.wheel(t)
	sdName, sd := d.sdist(t)
	for _, f := range []pyUploadForm{pyTwineForm(d, whlName, whl), pyTwineForm(d, sdName, sd)} {
		if resp, body := p.post(t, f, p.token); resp.StatusCode != http.StatusOK {
			t.Fatalf("upload %s: %d %s", f.filename, resp.StatusCode, body)
		}
	}
	metaBody := d.metadata()
	metaSHA := pySHA256([]byte(metaBody))

	t.Run("HTML project page", func(t *testing.T) {
		resp, body := p.get(t, "simple/web-tool/", "text/html")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		page := string(body)
		wantLink := `<a href="../../packages/web-tool/2.1/` + whlName + `#sha256=` + pySHA256(whl) + `" data-requires-python="&gt;=3.8,&lt;4" data-dist-info-metadata="sha256=` + metaSHA + `" data-core-metadata="sha256=` + metaSHA + `">` + whlName + `</a>`
		if !strings.Contains(page, wantLink) {
			t.Errorf("page lacks\n%s\n%s", wantLink, page)
		}
		if !strings.Contains(page, `href="../../packages/web-tool/2.1/`+sdName+`#sha256=`+pySHA256(sd)+`"`) {
			t.Errorf("page lacks the sdist:\n%s", page)
		}
		if strings.Count(page, "data-core-metadata") != 1 {
			t.Errorf("only the wheel has separate metadata:\n%s", page)
		}
		if resp.Header.Get("Vary") != "Accept" {
			t.Errorf("Vary = %q", resp.Header.Get("Vary"))
		}
	})

	t.Run("JSON project page", func(t *testing.T) {
		// pip's Accept header.
		resp, body := p.get(t, "simple/web-tool/", "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.pypi.simple.v1+json" {
			t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		var doc struct {
			Meta     map[string]string `json:"meta"`
			Name     string            `json:"name"`
			Versions []string          `json:"versions"`
			Files    []struct {
				Filename       string            `json:"filename"`
				URL            string            `json:"url"`
				Hashes         map[string]string `json:"hashes"`
				RequiresPython string            `json:"requires-python"`
				CoreMetadata   any               `json:"core-metadata"`
				DistInfo       any               `json:"dist-info-metadata"`
				Yanked         any               `json:"yanked"`
				Size           int64             `json:"size"`
				UploadTime     string            `json:"upload-time"`
			} `json:"files"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if doc.Meta["api-version"] == "" || doc.Name != "web-tool" || len(doc.Versions) != 1 || doc.Versions[0] != "2.1" || len(doc.Files) != 2 {
			t.Fatalf("project = %s", body)
		}
		for _, f := range doc.Files {
			want := map[string][]byte{whlName: whl, sdName: sd}[f.Filename]
			if want == nil || f.Hashes["sha256"] != pySHA256(want) || f.Size != int64(len(want)) || f.RequiresPython != ">=3.8,<4" || f.Yanked != false || f.UploadTime == "" {
				t.Errorf("file %+v", f)
			}
			if f.URL != "../../packages/web-tool/2.1/"+f.Filename {
				t.Errorf("url = %q", f.URL)
			}
			if f.Filename == whlName {
				if m, _ := f.CoreMetadata.(map[string]any); m["sha256"] != metaSHA {
					t.Errorf("core-metadata = %v", f.CoreMetadata)
				}
				if m, _ := f.DistInfo.(map[string]any); m["sha256"] != metaSHA {
					t.Errorf("dist-info-metadata = %v", f.DistInfo)
				}
			}
		}
		resp, _ = p.get(t, "simple/web-tool/", "application/vnd.pypi.simple.v1+html")
		if resp.Header.Get("Content-Type") != "application/vnd.pypi.simple.v1+html; charset=utf-8" {
			t.Errorf("v1+html answered %q", resp.Header.Get("Content-Type"))
		}
	})

	t.Run("core metadata and files", func(t *testing.T) {
		resp, body := p.get(t, "packages/web-tool/2.1/"+whlName+".metadata", "")
		if resp.StatusCode != http.StatusOK || string(body) != metaBody {
			t.Errorf("metadata: %d %q", resp.StatusCode, body)
		}
		resp, body = p.get(t, "packages/web-tool/2.1/"+sdName, "")
		if resp.StatusCode != http.StatusOK || pySHA256(body) != pySHA256(sd) {
			t.Errorf("sdist download: %d", resp.StatusCode)
		}
		for _, path := range []string{"packages/web-tool/2.1/" + sdName + ".metadata", "packages/web-tool/9.9/" + whlName, "packages/nope/2.1/" + whlName, "simple/nope/"} {
			if resp, _ := p.get(t, path, ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})

	t.Run("names redirect to their normalized form", func(t *testing.T) {
		for path, loc := range map[string]string{
			"simple/Web.Tool/": "../web-tool/", "simple/WEB__tool/": "../web-tool/", "simple/web-tool": "web-tool/",
			"simple/Web_Tool": "web-tool/", "simple": "simple/",
		} {
			resp, _ := p.get(t, path, "")
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != loc {
				t.Errorf("GET %s: %d Location %q, want 301 %q", path, resp.StatusCode, resp.Header.Get("Location"), loc)
			}
		}
		// Downloads resolve any spelling.
		if resp, _ := p.get(t, "packages/Web.Tool/2.1/"+whlName, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("download under Web.Tool: %d", resp.StatusCode)
		}
	})

	t.Run("root index", func(t *testing.T) {
		other := pyDist{Name: "a_first", Version: "1"}
		n, b := other.wheel(t)
		if resp, body := p.post(t, pyTwineForm(other, n, b), p.token); resp.StatusCode != http.StatusOK {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		resp, body := p.get(t, "simple/", "text/html")
		if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`(?s)<a href="a-first/">a-first</a>.*<a href="web-tool/">web-tool</a>`).Match(body) {
			t.Errorf("index: %d\n%s", resp.StatusCode, body)
		}
		resp, body = p.get(t, "simple/", "application/vnd.pypi.simple.v1+json")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"projects":[{"name":"a-first"},{"name":"web-tool"}]`) {
			t.Errorf("JSON index: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("Unlisted versions are yanked", func(t *testing.T) {
		if _, err := p.c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{
			Domain: aws.String(p.domain), Repository: aws.String(p.repo), Format: types.PackageFormatPypi,
			Package: aws.String("web-tool"), Versions: []string{"2.1"}, TargetStatus: types.PackageVersionStatusUnlisted,
		}); err != nil {
			t.Fatal(err)
		}
		defer p.c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{
			Domain: aws.String(p.domain), Repository: aws.String(p.repo), Format: types.PackageFormatPypi,
			Package: aws.String("web-tool"), Versions: []string{"2.1"}, TargetStatus: types.PackageVersionStatusPublished,
		})
		_, body := p.get(t, "simple/web-tool/", "text/html")
		if strings.Count(string(body), `data-yanked="Unlisted in this repository"`) != 2 {
			t.Errorf("HTML:\n%s", body)
		}
		_, body = p.get(t, "simple/web-tool/", "application/vnd.pypi.simple.v1+json")
		if strings.Count(string(body), `"yanked":"Unlisted in this repository"`) != 2 {
			t.Errorf("JSON:\n%s", body)
		}
		if resp, _ := p.get(t, "packages/web-tool/2.1/"+whlName, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("download of an Unlisted file: %d, want 200", resp.StatusCode)
		}
		// A new file cannot join an Unlisted version.
		other := d
		other.Marker = "x"
		n, b := other.wheel(t)
		n = strings.Replace(n, "-py3-", "-1-py3-", 1) // build tag: another file name
		if resp, body := p.post(t, pyTwineForm(d, n, b), p.token); resp.StatusCode != http.StatusConflict {
			t.Errorf("upload into an Unlisted version: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("authentication", func(t *testing.T) {
		for _, path := range []string{"simple/", "simple/web-tool/", "packages/web-tool/2.1/" + whlName} {
			req, _ := http.NewRequest(http.MethodGet, p.endpoint+path, nil)
			resp, err := pyNoRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("GET %s without credentials: %d, WWW-Authenticate %q", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			req.Header.Set("Authorization", "Bearer "+p.token)
			resp, err = pyNoRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s with a Bearer token: %d", path, resp.StatusCode)
			}
			req.SetBasicAuth("anyone", p.token)
			if resp, err = pyNoRedirect.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s with Basic anyone:TOKEN: %d", path, resp.StatusCode)
				}
			}
		}
		if resp, _ := p.post(t, pyTwineForm(d, whlName, whl), ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("upload without credentials: %d", resp.StatusCode)
		}
		if resp, _ := p.post(t, pyTwineForm(d, whlName, whl), "forged"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("upload with a forged token: %d", resp.StatusCode)
		}
	})

	t.Run("upload checks", func(t *testing.T) {
		u := pyDist{Name: "checked", Version: "1.0"}
		n, b := u.wheel(t)
		good := func() pyUploadForm { return pyTwineForm(u, n, b) }
		set := func(f pyUploadForm, key, value string) pyUploadForm {
			out := f
			out.fields = nil
			for _, kv := range f.fields {
				if kv[0] != key {
					out.fields = append(out.fields, kv)
				}
			}
			if value != "" {
				out.fields = append(out.fields, [2]string{key, value})
			}
			return out
		}
		cases := []struct {
			name   string
			form   pyUploadForm
			status int
			reason string
		}{
			{"wrong sha256_digest", set(good(), "sha256_digest", strings.Repeat("ab", 32)), 400, "sha256_digest"},
			{"wrong md5_digest", set(good(), "md5_digest", strings.Repeat("ab", 16)), 400, "md5_digest"},
			{"malformed digest", set(good(), "sha256_digest", "xyz"), 400, "not a valid digest"},
			{"other action", set(good(), ":action", "submit"), 400, ":action"},
			{"name differs from the file", set(good(), "name", "other"), 400, "does not match"},
			{"version differs from the file", set(good(), "version", "2.0"), 400, "does not match"},
			{"file name of another project", pyUploadForm{fields: good().fields, filename: "other-1.0-py3-none-any.whl", content: b}, 400, "does not match"},
			{"not a distribution", pyUploadForm{fields: good().fields, filename: "checked-1.0.exe", content: b}, 400, "Invalid distribution file name"},
			{"wheel that is not a zip", pyUploadForm{fields: set(good(), "sha256_digest", "").fields, filename: n, content: []byte("nope")}, 400, "Invalid wheel"},
			{"no file", pyUploadForm{fields: good().fields}, 400, "no content"},
		}
		for _, c := range cases {
			if c.form.filename == "" && c.name != "no file" {
				c.form.filename, c.form.content = n, b
			}
			resp, body := p.post(t, c.form, p.token)
			if resp.StatusCode != c.status || !strings.Contains(resp.Status, c.reason) || !strings.Contains(body, c.reason) {
				t.Errorf("%s: %q %q, want %d with %q in the reason and body", c.name, resp.Status, body, c.status, c.reason)
			}
		}
		_, err := p.c.DescribePackage(ctx, &codeartifact.DescribePackageInput{Domain: aws.String(p.domain), Repository: aws.String(p.repo), Format: types.PackageFormatPypi, Package: aws.String("checked")})
		if err == nil {
			t.Errorf("a refused upload created the package")
		}

		// Fields after the file, as some clients send them.
		f := good()
		f.contentFirst = true
		if resp, body := p.post(t, f, p.token); resp.StatusCode != http.StatusOK {
			t.Fatalf("upload with the file first: %d %s", resp.StatusCode, body)
		}
		// Re-uploading identical bytes is harmless.
		if resp, body := p.post(t, good(), p.token); resp.StatusCode != http.StatusOK {
			t.Errorf("identical re-upload: %d %s", resp.StatusCode, body)
		}
		// An sdist whose PKG-INFO is missing takes the form's metadata.
		if resp, body := p.post(t, pyUploadForm{fields: set(set(good(), "sha256_digest", ""), "md5_digest", "").fields, filename: "checked-1.0.tar.gz", content: pyEmptyTarGz(t)}, p.token); resp.StatusCode != http.StatusOK {
			t.Errorf("sdist without PKG-INFO: %d %s", resp.StatusCode, body)
		}
	})
}

// TestPypiUploadsStayInTheDataDirectory: uploads are received in the data
// directory's temp area (swept at start-up), not the system's: with TMPDIR
// pointing nowhere, every format still takes uploads (S3 spools included,
// on the PostgreSQL + S3 backend).
func TestPypiUploadsStayInTheDataDirectory(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t, harness.WithEnv("TMPDIR="+filepath.Join(t.TempDir(), "does-not-exist")))
	d := pyDist{Name: "tmp-check", Version: "1.0", Module: "tmp_check", Summary: "temp"}
	whlName, whl := d.wheel(t)
	if resp, body := p.post(t, pyTwineForm(d, whlName, whl), p.token); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload with TMPDIR pointing nowhere: %d %s", resp.StatusCode, body)
	}
	if resp, got := p.get(t, "packages/tmp-check/1.0/"+whlName, ""); resp.StatusCode != http.StatusOK || !bytes.Equal(got, whl) {
		t.Errorf("download: %d (%d bytes)", resp.StatusCode, len(got))
	}
}
