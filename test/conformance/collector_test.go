package conformance

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/test/harness"
)

// TestDeleteAnswersBeforeCollection: DeletePackageVersions of 100 versions
// answers once its transaction commits; the background collector removes
// the bytes afterwards. On postgres-s3 the test holds the collector's lead
// (as another node running it would), so the answer provably comes while
// every blob is still stored; released, the lead goes to the server, which
// woke its collector and retries, and the bytes go within moments. On the
// embedded backend the test checks the answer and that the bytes go.
func TestDeleteAnswersBeforeCollection(t *testing.T) {
	e := vlStart(t)
	const pkg = "collect-later"
	versions := make([]string, 100)
	digests := make([]string, 100)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(versions); i += 8 {
				versions[i] = fmt.Sprintf("1.0.%d", i)
				data := []byte("collected in the background: " + versions[i])
				if _, err := e.publish(t, vlRepo, pkg, versions[i], "f.bin", data, false); err != nil {
					t.Errorf("publish %s: %v", versions[i], err)
					return
				}
				digests[i] = vlSHA256(data)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	vlWaitBlobs(t, e.srv.DataDir, digests...)

	var release func()
	if e.srv.Backend() == harness.BackendPostgresS3 {
		release = holdCollectorLead(t, e.srv.DatabaseName())
		defer func() {
			if release != nil {
				release()
			}
		}()
	}
	start := time.Now()
	out, err := e.deleteVersions(t, vlRepo, pkg, versions, "")
	if err != nil {
		t.Fatalf("DeletePackageVersions: %v", err)
	}
	if len(out.SuccessfulVersions) != 100 || len(out.FailedVersions) != 0 {
		t.Fatalf("DeletePackageVersions: %d successful, %d failed", len(out.SuccessfulVersions), len(out.FailedVersions))
	}
	t.Logf("DeletePackageVersions of 100 versions answered in %v", time.Since(start))
	if release != nil {
		// The collector cannot have run: the answer did not wait for it.
		left := e.srv.BlobDigests(t)
		for _, d := range digests {
			if !slices.Contains(left, d) {
				t.Fatalf("blob %s deleted while the collector's lead was held elsewhere", d)
			}
		}
		release()
		release = nil
	}
	start = time.Now()
	vlWaitBlobs(t, e.srv.DataDir)
	t.Logf("the 100 blobs were gone %v later", time.Since(start))
}

// holdCollectorLead takes the blob collector's lead in the server's
// database (the advisory lock internal/store/postgres's TryLead takes) and
// returns its release.
func holdCollectorLead(t *testing.T, dbName string) func() {
	t.Helper()
	u, err := url.Parse(os.Getenv(harness.PostgresDSNEnv))
	if err != nil {
		t.Fatal(err)
	}
	u.Path, u.RawPath = "/"+dbName, ""
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	h := fnv.New64a()
	h.Write([]byte("artifactd-lead:blob-collector"))
	key := int64(h.Sum64()>>1) | 1<<61
	// The server's collector may hold it for a moment (its start-up run).
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
			conn.Close()
			db.Close()
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			conn.Close()
			db.Close()
			t.Fatal("the blob collector's lead stayed taken for 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() {
		conn.Close() // ends the session, and the lock with it
		db.Close()
	}
}
