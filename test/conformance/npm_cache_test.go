package conformance

import (
	"bytes"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// TestNPMReadsSeeEveryWrite: the data plane's caches (lookups remembered
// until the next write, blobs in memory, rendered packuments) never serve
// a state older than an acknowledged change, while other clients keep
// filling them: each status change is visible to the very next tarball and
// packument request, and so is a deletion.
func TestNPMReadsSeeEveryWrite(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	const name, version = "cache-check", "1.0.0"
	tgz := e.httpPublish(t, name, version, nil)
	tarballURL := e.endpoint + name + "/-/" + name + "-" + version + ".tgz"

	// Background readers keep every cache busy.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, u := range []string{tarballURL, e.endpoint + name} {
					req, _ := http.NewRequest(http.MethodGet, u, nil)
					req.Header.Set("Authorization", "Bearer "+e.token)
					if resp, err := http.DefaultClient.Do(req); err == nil {
						resp.Body.Close()
					}
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	get := func(u string) (int, []byte) {
		t.Helper()
		resp, body := e.do(t, http.MethodGet, u, nil, nil)
		return resp.StatusCode, body
	}
	for i := range 25 {
		e.setStatus(t, name, types.PackageVersionStatusArchived, version)
		if st, _ := get(tarballURL); st != http.StatusNotFound {
			t.Fatalf("round %d: tarball of an Archived version: %d, want 404", i, st)
		}
		if doc := e.packument(t, name); doc != nil {
			t.Fatalf("round %d: packument with the only version Archived: %v, want 404", i, npmVersionsOf(doc))
		}
		e.setStatus(t, name, types.PackageVersionStatusPublished, version)
		if st, body := get(tarballURL); st != http.StatusOK || !bytes.Equal(body, tgz) {
			t.Fatalf("round %d: tarball of the Published version: %d (%d bytes)", i, st, len(body))
		}
		if doc := e.packument(t, name); doc == nil || len(npmVersionsOf(doc)) != 1 {
			t.Fatalf("round %d: packument after publishing again: %v", i, doc)
		}
	}
	if _, err := e.c.DeletePackageVersions(t.Context(), &codeartifact.DeletePackageVersionsInput{
		Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
		Package: aws.String(name), Versions: []string{version},
	}); err != nil {
		t.Fatal(err)
	}
	if st, _ := get(tarballURL); st != http.StatusNotFound {
		t.Errorf("tarball of a deleted version: %d, want 404", st)
	}
}
