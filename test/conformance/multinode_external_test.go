package conformance

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestMultiNodeExternalSingleFetch: clients of two nodes (one PostgreSQL
// database, one S3 prefix) racing for one tarball nobody fetched yet
// cause one request to the registry and one kept version, and all get
// the right bytes. The registry is a small npm stand-in that sends the
// tarball slowly, so the requests overlap.
func TestMultiNodeExternalSingleFetch(t *testing.T) {
	harness.RequireSharedStorage(t)
	tgz := npmTarball(t, `{"name":"mn-ext","version":"1.0.0"}`, map[string]string{"package/index.js": "module.exports = 1\n"})
	var tarballHits atomic.Int32
	reg := localServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/mn-ext":
			s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
			doc := map[string]any{"name": "mn-ext", "dist-tags": map[string]string{"latest": "1.0.0"},
				"versions": map[string]any{"1.0.0": map[string]any{"name": "mn-ext", "version": "1.0.0", "dist": map[string]any{
					"tarball":   "http://" + r.Host + "/mn-ext/-/mn-ext-1.0.0.tgz",
					"shasum":    hex.EncodeToString(s1[:]),
					"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
				}}}}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(doc)
		case "/mn-ext/-/mn-ext-1.0.0.tgz":
			tarballHits.Add(1)
			w.Header().Set("Content-Length", fmt.Sprint(len(tgz)))
			for i := 0; i < len(tgz); i += 64 {
				w.Write(tgz[i:min(i+64, len(tgz))])
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		default:
			http.NotFound(w, r)
		}
	}))

	conn := harness.WithArgs("--external-connection", "public:npmjs="+reg.URL+"/")
	a := harness.Start(t, harness.WithPostgresS3(), conn)
	b := harness.Start(t, harness.WithShared(a), conn)
	c := a.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "mnext")
	harness.CreateRepository(t, c, "mnext", "npm-store")
	if _, err := c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{Domain: aws.String("mnext"),
		Repository: aws.String("npm-store"), ExternalConnection: aws.String("public:npmjs")}); err != nil {
		t.Fatal(err)
	}
	harness.CreateRepository(t, c, "mnext", "app", "npm-store")
	tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("mnext")})
	if err != nil {
		t.Fatal(err)
	}
	const clients = 8
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		node := []*harness.Server{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := node.NewRequest(t, http.MethodGet, "/npm/d/mnext-"+a.Account+"/app/mn-ext/-/mn-ext-1.0.0.tgz", nil, nil)
			req.Header.Set("Authorization", "Bearer "+aws.ToString(tok.AuthorizationToken))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, tgz) {
				errs <- fmt.Errorf("node %s: status %d, %d bytes, err %v", node.URL, resp.StatusCode, len(body), err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := tarballHits.Load(); n != 1 {
		t.Errorf("the registry served the tarball %d times, want 1", n)
	}
	for _, repo := range []string{"app", "npm-store"} {
		out, err := c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String("mnext"),
			Repository: aws.String(repo), Format: types.PackageFormatNpm, Package: aws.String("mn-ext")})
		if err != nil {
			t.Fatalf("%s: %v", repo, err)
		}
		var vs []string
		for _, v := range out.Versions {
			vs = append(vs, aws.ToString(v.Version))
			if v.Origin == nil || v.Origin.OriginType != types.PackageVersionOriginTypeExternal {
				t.Errorf("%s: origin %+v", repo, v.Origin)
			}
		}
		if !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("%s keeps %v, want [1.0.0]", repo, vs)
		}
	}
}
