package conformance

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestNpmProtocol checks the registry protocol at the HTTP level: what npm
// clients other than the npm CLI (yarn, pnpm) and tools rely on, and the
// error answers.
func TestNpmProtocol(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	readme := "# Scoped\n\n" + strings.Repeat("readme body, long enough to be worth compressing.\n", 40)
	pj := `{"name":"@proto/lib","version":"1.0.0","description":"proto lib","license":"ISC","scripts":{"postinstall":"node x.js"},"dependencies":{"dep-a":"^1"}}`
	tgz := npmTarball(t, pj, map[string]string{"package/README.md": readme, "package/index.js": "1"})
	doc := npmPublishDoc("@proto/lib", "1.0.0", tgz, nil)
	ver := doc["versions"].(map[string]any)["1.0.0"].(map[string]any)
	ver["description"], ver["scripts"], ver["dependencies"] = "proto lib", map[string]any{"postinstall": "node x.js"}, map[string]any{"dep-a": "^1"}
	if st, body := e.putDoc(t, "@proto/lib", doc); st != http.StatusOK {
		t.Fatalf("publish: %d %s", st, body)
	}
	corgi := "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"

	t.Run("FullAndAbbreviated", func(t *testing.T) {
		resp, b := e.do(t, "GET", e.endpoint+"@proto%2flib", nil, map[string]string{"Accept": "application/json"})
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("full: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		full := npmDecode(t, b)
		for _, k := range []string{"_id", "_rev", "name", "dist-tags", "versions", "time"} {
			if _, ok := full[k]; !ok {
				t.Errorf("full packument has no %q", k)
			}
		}
		if full["readme"] != readme || full["description"] != "proto lib" {
			t.Errorf("full readme %q description %q", full["readme"], full["description"])
		}
		v := full["versions"].(map[string]any)["1.0.0"].(map[string]any)
		if v["description"] != "proto lib" || v["scripts"] == nil {
			t.Errorf("full version = %v", v)
		}
		// npm sends Accept-Encoding: gzip; large documents come compressed.
		resp, zb := e.do(t, "GET", e.endpoint+"@proto%2flib", nil, map[string]string{"Accept": "application/json", "Accept-Encoding": "gzip"})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("no gzip for a %d-byte packument", len(b))
		} else if zr, err := gzip.NewReader(bytes.NewReader(zb)); err != nil {
			t.Errorf("gzip body: %v", err)
		} else if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, b) {
			t.Errorf("gzipped packument differs from the plain one")
		}

		resp, b = e.do(t, "GET", e.endpoint+"@proto%2flib", nil, map[string]string{"Accept": corgi})
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.npm.install-v1+json") {
			t.Fatalf("abbreviated: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
			t.Errorf("Vary = %q", resp.Header.Get("Vary"))
		}
		abbr := npmDecode(t, b)
		if keys := harness.SortedKeys(abbr); !reflect.DeepEqual(keys, []string{"dist-tags", "modified", "name", "versions"}) {
			t.Errorf("abbreviated keys = %v", keys)
		}
		av := abbr["versions"].(map[string]any)["1.0.0"].(map[string]any)
		if av["hasInstallScript"] != true || av["description"] != nil || av["scripts"] != nil ||
			!reflect.DeepEqual(av["dependencies"], map[string]any{"dep-a": "^1"}) {
			t.Errorf("abbreviated version = %v", av)
		}
		dist := av["dist"].(map[string]any)
		if dist["tarball"] != e.endpoint+"@proto/lib/-/lib-1.0.0.tgz" || dist["integrity"] == nil || dist["shasum"] == nil {
			t.Errorf("abbreviated dist = %v", dist)
		}
	})

	t.Run("ScopedNameForms", func(t *testing.T) {
		for _, p := range []string{"@proto%2flib", "@proto%2Flib", "@proto/lib", "%40proto%2flib"} {
			if doc := e.packument(t, p); doc == nil || doc["name"] != "@proto/lib" {
				t.Errorf("GET %s: %v", p, doc)
			}
		}
		for _, p := range []string{"@proto/lib/-/lib-1.0.0.tgz", "@proto%2flib/-/lib-1.0.0.tgz"} {
			resp, b := e.do(t, "GET", e.endpoint+p, nil, nil)
			if resp.StatusCode != 200 || string(b) != string(tgz) || resp.Header.Get("Content-Type") != "application/octet-stream" {
				t.Errorf("GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		resp, _ := e.do(t, "HEAD", e.endpoint+"@proto/lib/-/lib-1.0.0.tgz", nil, nil)
		if resp.StatusCode != 200 || resp.ContentLength != int64(len(tgz)) {
			t.Errorf("HEAD tarball: %d length %d", resp.StatusCode, resp.ContentLength)
		}
		resp, b := e.do(t, "GET", e.endpoint+"@proto/lib/-/lib-1.0.0.tgz", nil, map[string]string{"Range": "bytes=0-9"})
		if resp.StatusCode != http.StatusPartialContent || string(b) != string(tgz[:10]) {
			t.Errorf("Range: %d %d bytes", resp.StatusCode, len(b))
		}
	})

	t.Run("VersionAndTagDocuments", func(t *testing.T) {
		for _, spec := range []string{"1.0.0", "latest"} {
			resp, b := e.do(t, "GET", e.endpoint+"@proto%2flib/"+spec, nil, nil)
			if resp.StatusCode != 200 || npmDecode(t, b)["version"] != "1.0.0" {
				t.Errorf("GET /@proto/lib/%s: %d %s", spec, resp.StatusCode, b)
			}
		}
		resp, b := e.do(t, "GET", e.endpoint+"@proto%2flib/9.9.9", nil, nil)
		npmErrorBody(t, "missing version", resp, b, http.StatusNotFound)
	})

	t.Run("ETagRevalidation", func(t *testing.T) {
		resp, _ := e.do(t, "GET", e.endpoint+"@proto%2flib", nil, map[string]string{"Accept": corgi})
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		resp, _ = e.do(t, "GET", e.endpoint+"@proto%2flib", nil, map[string]string{"Accept": corgi, "If-None-Match": etag})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match with the current ETag: %d", resp.StatusCode)
		}
		resp, b := e.do(t, "PUT", e.endpoint+"-/package/@proto%2flib/dist-tags/next", []byte(`"1.0.0"`), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("add tag: %d %s", resp.StatusCode, b)
		}
		resp, b = e.do(t, "GET", e.endpoint+"@proto%2flib", nil, map[string]string{"Accept": corgi, "If-None-Match": etag})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag || npmTagsOf(npmDecode(t, b))["next"] != "1.0.0" {
			t.Errorf("after a change: %d ETag %s %s", resp.StatusCode, resp.Header.Get("ETag"), b)
		}
	})

	t.Run("PublishErrors", func(t *testing.T) {
		good := func() map[string]any {
			tgz := npmTarball(t, `{"name":"err-pkg","version":"1.0.0"}`, nil)
			return npmPublishDoc("err-pkg", "1.0.0", tgz, nil)
		}
		dist := func(d map[string]any) map[string]any {
			return d["versions"].(map[string]any)["1.0.0"].(map[string]any)["dist"].(map[string]any)
		}
		cases := []struct {
			what   string
			name   string
			mutate func(d map[string]any)
		}{
			{"integrity mismatch", "err-pkg", func(d map[string]any) {
				dist(d)["integrity"] = "sha512-" + strings.Repeat("A", 86) + "=="
			}},
			{"shasum mismatch", "err-pkg", func(d map[string]any) { dist(d)["shasum"] = strings.Repeat("0", 40) }},
			{"no package.json in the tarball", "err-pkg", func(d map[string]any) {
				other := npmPublishDoc("err-pkg", "1.0.0", npmTarballOnly(t, "package/index.js", "x"), nil)
				d["_attachments"], d["versions"] = other["_attachments"], other["versions"]
			}},
			{"tarball of another package", "err-pkg", func(d map[string]any) {
				other := npmPublishDoc("err-pkg", "1.0.0", npmTarball(t, `{"name":"evil","version":"1.0.0"}`, nil), nil)
				d["_attachments"], d["versions"] = other["_attachments"], other["versions"]
			}},
			{"name differs from the URL", "other-name", func(d map[string]any) {}},
			{"uppercase name", "Err-Pkg", func(d map[string]any) { d["name"] = "Err-Pkg" }},
			{"two versions", "err-pkg", func(d map[string]any) {
				vs := d["versions"].(map[string]any)
				vs["2.0.0"] = vs["1.0.0"]
			}},
			{"not SemVer", "err-pkg", func(d map[string]any) {
				vs := d["versions"].(map[string]any)
				vs["1.0"] = vs["1.0.0"]
				delete(vs, "1.0.0")
			}},
		}
		for _, c := range cases {
			d := good()
			c.mutate(d)
			b, _ := json.Marshal(d)
			resp, body := e.do(t, "PUT", e.endpoint+c.name, b, nil)
			npmErrorBody(t, c.what, resp, body, http.StatusBadRequest)
		}
		resp, body := e.do(t, "PUT", e.endpoint+"err-pkg", []byte("{not json"), nil)
		npmErrorBody(t, "invalid JSON", resp, body, http.StatusBadRequest)
		// Nothing was kept.
		if doc := e.packument(t, "err-pkg"); doc != nil {
			t.Errorf("a refused publish left %v", doc)
		}
	})

	t.Run("DistTagErrors", func(t *testing.T) {
		base := e.endpoint + "-/package/@proto%2flib/dist-tags/"
		resp, b := e.do(t, "DELETE", base+"latest", nil, nil)
		npmErrorBody(t, "delete latest", resp, b, http.StatusBadRequest)
		resp, b = e.do(t, "DELETE", base+"nope", nil, nil)
		npmErrorBody(t, "delete a missing tag", resp, b, http.StatusNotFound)
		resp, b = e.do(t, "PUT", base+"1.0", []byte(`"1.0.0"`), nil)
		npmErrorBody(t, "a tag that is a version", resp, b, http.StatusBadRequest)
		resp, b = e.do(t, "PUT", base+"xtag", []byte(`"9.9.9"`), nil)
		npmErrorBody(t, "tag a missing version", resp, b, http.StatusNotFound)
		resp, b = e.do(t, "GET", e.endpoint+"-/package/no-such/dist-tags", nil, nil)
		npmErrorBody(t, "tags of a missing package", resp, b, http.StatusNotFound)
	})

	t.Run("StaleRevision", func(t *testing.T) {
		full := e.packument(t, "@proto%2flib")
		rev, _ := full["_rev"].(string)
		full["versions"] = map[string]any{}
		b, _ := json.Marshal(full)
		resp, body := e.do(t, "PUT", e.endpoint+"@proto%2flib/-rev/1-stale", b, nil)
		npmErrorBody(t, "stale revision", resp, body, http.StatusConflict)
		resp, body = e.do(t, "DELETE", e.endpoint+"@proto%2flib/-rev/1-stale", nil, nil)
		npmErrorBody(t, "stale revision delete", resp, body, http.StatusConflict)
		if doc := e.packument(t, "@proto%2flib"); len(npmVersionsOf(doc)) != 1 || rev == "" {
			t.Errorf("a stale unpublish removed versions: %v", doc)
		}
	})

	t.Run("OriginBlocked", func(t *testing.T) {
		_, err := e.c.PutPackageOriginConfiguration(t.Context(), &codeartifact.PutPackageOriginConfigurationInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm, Package: aws.String("blocked-pkg"),
			Restrictions: &types.PackageOriginRestrictions{Publish: types.AllowPublishBlock, Upstream: types.AllowUpstreamAllow},
		})
		if err != nil {
			t.Fatal(err)
		}
		tgz := npmTarball(t, `{"name":"blocked-pkg","version":"1.0.0"}`, nil)
		b, _ := json.Marshal(npmPublishDoc("blocked-pkg", "1.0.0", tgz, nil))
		resp, body := e.do(t, "PUT", e.endpoint+"blocked-pkg", b, nil)
		npmErrorBody(t, "publish with publish=BLOCK", resp, body, http.StatusForbidden)
		if doc := e.packument(t, "blocked-pkg"); doc != nil {
			t.Errorf("a blocked package has a packument: %v", doc)
		}
	})

	t.Run("UnpublishAllKeepsHiddenVersions", func(t *testing.T) {
		e.httpPublish(t, "keep-pkg", "1.0.0", nil)
		e.httpPublish(t, "keep-pkg", "1.1.0", nil)
		e.httpPublish(t, "keep-pkg", "1.2.0", nil)
		e.setStatus(t, "keep-pkg", types.PackageVersionStatusUnlisted, "1.1.0")
		rev, _ := e.packument(t, "keep-pkg?write=true")["_rev"].(string)
		resp, body := e.do(t, "DELETE", e.endpoint+"keep-pkg/-rev/"+rev, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE -rev: %d %s", resp.StatusCode, body)
		}
		if doc := e.packument(t, "keep-pkg"); doc != nil {
			t.Errorf("packument after unpublishing everything: %v", doc)
		}
		for v, gone := range map[string]bool{"1.0.0": true, "1.2.0": true, "1.1.0": false} {
			_, err := e.describe(t, "keep-pkg", v)
			if gone {
				npmExpectGone(t, err)
			} else if err != nil {
				t.Errorf("the unlisted version went too: %v", err)
			}
		}
	})

	t.Run("NotFoundAnswers", func(t *testing.T) {
		for _, c := range []struct{ method, path string }{
			{"GET", "no-such-pkg"},
			{"GET", "@nope%2fnothing"},
			{"GET", "no-such-pkg/-/no-such-pkg-1.0.0.tgz"},
			{"GET", "@proto/lib/-/lib-9.9.9.tgz"},
			{"GET", "@proto/lib/-/other-1.0.0.tgz"},
			{"GET", "-/v1/search?text=x"},
			{"PUT", "-/user/org.couchdb.user:someone"},
		} {
			resp, b := e.do(t, c.method, e.endpoint+c.path, nil, nil)
			npmErrorBody(t, c.method+" "+c.path, resp, b, http.StatusNotFound)
		}
		resp, b := e.do(t, "GET", e.endpoint+"-/ping?write=true", nil, nil)
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != "{}" {
			t.Errorf("ping: %d %s", resp.StatusCode, b)
		}
		missingRepo := strings.Replace(e.endpoint, "/"+e.repo+"/", "/no-such-repo/", 1)
		resp, b = e.do(t, "GET", missingRepo+"anything", nil, nil)
		npmErrorBody(t, "missing repository", resp, b, http.StatusNotFound)
	})
}

// npmTarballOnly is a tarball with a single file.
func npmTarballOnly(t *testing.T, name, body string) []byte {
	t.Helper()
	return npmTarballFiles(t, map[string]string{name: body})
}

// TestNPMBuildMetadataIsNotAnotherVersion: versions that differ only in
// build metadata are one version, as npm reads them: 1.0.0+evil cannot be
// published beside 1.0.0 (and so cannot become latest with other code),
// and a version first published with build metadata is stored without it.
func TestNPMBuildMetadataIsNotAnotherVersion(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	e.httpPublish(t, "buildmeta", "1.0.0", nil)
	evil := npmTarball(t, `{"name":"buildmeta","version":"1.0.0+evil"}`, map[string]string{"package/index.js": "evil()\n"})
	st, body := e.putDoc(t, "buildmeta", npmPublishDoc("buildmeta", "1.0.0+evil", evil, map[string]string{"latest": "1.0.0+evil"}))
	if st != http.StatusForbidden || !strings.Contains(body, "cannot publish over") {
		t.Errorf("publishing 1.0.0+evil beside 1.0.0: %d %s, want 403", st, body)
	}
	doc := e.packument(t, "buildmeta")
	if vs := npmVersionsOf(doc); !slices.Equal(vs, []string{"1.0.0"}) || npmTagsOf(doc)["latest"] != "1.0.0" {
		t.Errorf("versions %v tags %v after the refused publish", vs, npmTagsOf(doc))
	}
	tgz := npmTarball(t, `{"name":"buildmeta","version":"2.0.0+ci.7"}`, map[string]string{"package/index.js": "two()\n"})
	if st, body := e.putDoc(t, "buildmeta", npmPublishDoc("buildmeta", "2.0.0+ci.7", tgz, nil)); st != http.StatusOK {
		t.Fatalf("publishing 2.0.0+ci.7: %d %s", st, body)
	}
	doc = e.packument(t, "buildmeta")
	if vs := npmVersionsOf(doc); !slices.Equal(vs, []string{"1.0.0", "2.0.0"}) || npmTagsOf(doc)["latest"] != "2.0.0" {
		t.Errorf("versions %v tags %v, want 2.0.0 stored without its build metadata", vs, npmTagsOf(doc))
	}
}

// TestNPMIdenticalPublishesChangeNothing: clients racing to publish the
// same bytes of a new version (CI retries, several jobs) make one change:
// every publish succeeds and reports the same revision, which stays the
// package's (issue #11, finding 7).
func TestNPMIdenticalPublishesChangeNothing(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	tgz := npmTarball(t, `{"name":"racy-publish","version":"1.0.0"}`, map[string]string{"package/index.js": "1\n"})
	doc, err := json.Marshal(npmPublishDoc("racy-publish", "1.0.0", tgz, nil))
	if err != nil {
		t.Fatal(err)
	}
	const clients = 20
	revs := make(chan string, clients)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPut, e.endpoint+"racy-publish", bytes.NewReader(doc))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			var out struct{ Rev string }
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("publish: %d", resp.StatusCode)
			}
			revs <- out.Rev
		}()
	}
	wg.Wait()
	close(revs)
	seen := map[string]bool{}
	for r := range revs {
		seen[r] = true
	}
	final, _ := e.packument(t, "racy-publish")["_rev"].(string)
	if len(seen) != 1 || !seen[final] {
		t.Errorf("%d identical publishes reported revisions %v; the package's is %s (want one revision)", clients, seen, final)
	}
}
