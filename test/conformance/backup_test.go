package conformance

// artifactd backup / restore through the real binary (#11): a backup taken
// while the server serves and publishes is restored into a fresh data
// directory, and a second server on it answers every version that existed
// before the backup began with the same bytes.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// bkAsset is one asset of one version, and its bytes.
type bkAsset struct {
	format          types.PackageFormat
	namespace       string // "" for none
	pkg, ver, asset string
	data            []byte
}

func (a bkAsset) String() string {
	return fmt.Sprintf("%s %s/%s@%s %q", a.format, a.namespace, a.pkg, a.ver, a.asset)
}

// bkRun runs the artifactd binary with args (no ARTIFACTD_ settings of the
// test runner) and returns its output and exit status.
func bkRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(harness.Binary(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ARTIFACTD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("artifactd %v: %v", args, err)
		}
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func bkPublishGeneric(c *codeartifact.Client, t *testing.T, domain, repo string, a bkAsset) error {
	_, err := c.PublishPackageVersion(t.Context(), &codeartifact.PublishPackageVersionInput{
		Domain: aws.String(domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(a.namespace), Package: aws.String(a.pkg), PackageVersion: aws.String(a.ver),
		AssetName: aws.String(a.asset), AssetContent: bytes.NewReader(a.data), AssetSHA256: aws.String(vlSHA256(a.data)),
	})
	return err
}

func bkGet(t *testing.T, c *codeartifact.Client, domain, repo string, a bkAsset) ([]byte, error) {
	t.Helper()
	in := &codeartifact.GetPackageVersionAssetInput{
		Domain: aws.String(domain), Repository: aws.String(repo), Format: a.format,
		Package: aws.String(a.pkg), PackageVersion: aws.String(a.ver), Asset: aws.String(a.asset),
	}
	if a.namespace != "" {
		in.Namespace = aws.String(a.namespace)
	}
	out, err := c.GetPackageVersionAsset(t.Context(), in)
	if err != nil {
		return nil, err
	}
	defer out.Asset.Close()
	return io.ReadAll(out.Asset)
}

func TestBackupWhileServing(t *testing.T) {
	if harness.OnPostgresS3() {
		t.Skip("artifactd backup covers the embedded store; PostgreSQL and S3 are backed up with their own tools")
	}
	dataDir := t.TempDir()
	e := npmStart(t, harness.WithDataDir(dataDir))
	c := e.c

	// Before the backup: generic versions of various sizes (two sharing
	// bytes, one of a few MiB) and an npm one.
	var before []bkAsset
	for i := range 12 {
		data := []byte(strings.Repeat(fmt.Sprintf("generic %d ", i), 10*(i+1)))
		switch i {
		case 5:
			data = before[2].data // same bytes, one blob
		case 9:
			data, _ = io.ReadAll(vlNewPattern(9, 3<<20))
		}
		a := bkAsset{format: types.PackageFormatGeneric, namespace: "tools", pkg: fmt.Sprintf("pkg%d", i%3),
			ver: fmt.Sprintf("1.%d.0", i), asset: "file.bin", data: data}
		if err := bkPublishGeneric(c, t, e.domain, e.repo, a); err != nil {
			t.Fatalf("publish %v: %v", a, err)
		}
		before = append(before, a)
	}
	tgz := e.httpPublish(t, "bk-npm", "1.0.0", nil)
	assets, err := c.ListPackageVersionAssets(t.Context(), &codeartifact.ListPackageVersionAssetsInput{
		Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
		Package: aws.String("bk-npm"), PackageVersion: aws.String("1.0.0"),
	})
	if err != nil || len(assets.Assets) != 1 {
		t.Fatalf("ListPackageVersionAssets bk-npm@1.0.0: %v, %v", assets, err)
	}
	before = append(before, bkAsset{format: types.PackageFormatNpm, pkg: "bk-npm", ver: "1.0.0", asset: aws.ToString(assets.Assets[0].Name), data: tgz})
	if got, err := bkGet(t, c, e.domain, e.repo, before[len(before)-1]); err != nil || !bytes.Equal(got, tgz) {
		t.Fatalf("npm asset before the backup: %d bytes, %v", len(got), err)
	}

	// Meanwhile: a publisher that keeps publishing, and deletes every other
	// version it publishes (so that the collector removes bytes during the
	// backup). Some of its assets are larger than the default
	// --inline-blob-kb (16), so that files are published during the backup
	// as well as bytes kept in the database.
	var mu sync.Mutex
	var acked []bkAsset // published, never deleted
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var pubErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			data := []byte(fmt.Sprintf("live bytes %d", i%5))
			if i%5%2 == 1 {
				data = bytes.Repeat(data, 20<<10/len(data)+1) // > 16 KiB: a file
			}
			a := bkAsset{format: types.PackageFormatGeneric, namespace: "live", pkg: "live",
				ver: fmt.Sprintf("2.%d.0", i), asset: "file.bin", data: data}
			if err := bkPublishGeneric(c, t, e.domain, e.repo, a); err != nil {
				mu.Lock()
				pubErr = fmt.Errorf("publish %v: %w", a, err)
				mu.Unlock()
				return
			}
			if i%2 == 0 {
				_, err := c.DeletePackageVersions(t.Context(), &codeartifact.DeletePackageVersionsInput{
					Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatGeneric,
					Namespace: aws.String(a.namespace), Package: aws.String(a.pkg), Versions: []string{a.ver},
				})
				if err != nil {
					mu.Lock()
					pubErr = fmt.Errorf("delete %v: %w", a, err)
					mu.Unlock()
					return
				}
				continue
			}
			mu.Lock()
			acked = append(acked, a)
			mu.Unlock()
		}
	}()
	stopPublisher := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
		if pubErr != nil {
			t.Fatal(pubErr)
		}
	})
	defer stopPublisher()

	// Let the publisher get going, then back up while it runs. A backup
	// may fail when the collector removed a blob the snapshot still
	// references (it says to run it again): retry a few times.
	waitAcked := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			k, failed := len(acked), pubErr != nil
			mu.Unlock()
			if k >= n || time.Now().After(deadline) || failed {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Several backups while the publisher runs, each restored and served
	// afterwards.
	type taken struct {
		dir         string
		ackedBefore []bkAsset // live versions acknowledged before it began
	}
	var backups []taken
	for round := range 3 {
		waitAcked(3 * (round + 1))
		b := taken{dir: filepath.Join(t.TempDir(), "backup")}
		for attempt := 1; ; attempt++ {
			mu.Lock()
			b.ackedBefore = append([]bkAsset(nil), acked...)
			mu.Unlock()
			out, errOut, code := bkRun(t, "backup", "--data-dir", dataDir, "--to", b.dir)
			if code == 0 {
				mu.Lock()
				during := len(acked) - len(b.ackedBefore)
				mu.Unlock()
				t.Logf("backup %d (attempt %d; %d live versions acknowledged before it, %d while it ran): %s",
					round, attempt, len(b.ackedBefore), during, strings.TrimSpace(out))
				if !strings.HasPrefix(out, "backup of ") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
					t.Errorf("summary is not one line: %q", out)
				}
				break
			}
			if code != 1 || !strings.Contains(errOut, "run the backup again") || attempt == 3 {
				t.Fatalf("backup: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			t.Logf("backup %d attempt %d: %s", round, attempt, errOut)
		}
		backups = append(backups, b)
	}
	stopPublisher()

	// The first server is unharmed.
	extra := bkAsset{format: types.PackageFormatGeneric, namespace: "tools", pkg: "after", ver: "1.0.0", asset: "a.bin", data: []byte("after the backup")}
	if err := bkPublishGeneric(c, t, e.domain, e.repo, extra); err != nil {
		t.Fatalf("publish on the first server after the backup: %v", err)
	}

	for i, b := range backups {
		// Restore into a fresh data directory (the second one copying the
		// blobs rather than linking them) and serve it.
		restored := filepath.Join(t.TempDir(), "restored")
		args := []string{"restore", "--from", b.dir, "--data-dir", restored}
		if i == 1 {
			args = append(args, "--copy")
		}
		out, errOut, code := bkRun(t, args...)
		if code != 0 {
			t.Fatalf("restore %d: exit %d\nstdout: %s\nstderr: %s", i, code, out, errOut)
		}
		t.Logf("restore %d: %s", i, strings.TrimSpace(out))
		s2 := harness.Start(t, harness.WithDataDir(restored))
		c2 := s2.Client(t)
		all := append(append([]bkAsset(nil), before...), b.ackedBefore...)
		for _, a := range all {
			got, err := bkGet(t, c2, e.domain, e.repo, a)
			if err != nil {
				t.Errorf("restored server %d: %v: %v", i, a, err)
				continue
			}
			if !bytes.Equal(got, a.data) {
				t.Errorf("restored server %d: %v: %d bytes (sha256 %s), want %d (sha256 %s)",
					i, a, len(got), vlSHA256(got), len(a.data), vlSHA256(a.data))
			}
		}
		if _, err := bkGet(t, c2, e.domain, e.repo, extra); err == nil {
			t.Errorf("restored server %d: %v, published after the backup, is there", i, extra)
		}
		// Only blobs: no temp file, no stray name.
		for _, d := range s2.BlobDigests(t) {
			if len(d) != 64 {
				t.Errorf("restored server %d: the blob folder holds %s", i, d)
			}
		}
		// The restored server works: a new publish, read back.
		fresh := bkAsset{format: types.PackageFormatGeneric, namespace: "tools", pkg: "fresh", ver: "1.0.0", asset: "f.bin", data: []byte("published on the restored server")}
		if err := bkPublishGeneric(c2, t, e.domain, e.repo, fresh); err != nil {
			t.Fatalf("publish on restored server %d: %v", i, err)
		}
		if got, err := bkGet(t, c2, e.domain, e.repo, fresh); err != nil || !bytes.Equal(got, fresh.data) {
			t.Errorf("restored server %d: %v: %q, %v", i, fresh, got, err)
		}
		s2.Stop(t)
		t.Logf("restored server %d: checked %d versions", i, len(all))
	}
}

// TestBackupCommandErrors: usage errors exit 2, failures 1, and the
// installations artifactd does not store itself are pointed at their own
// tools.
func TestBackupCommandErrors(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"backup"}, 2, "--to is required"},
		{[]string{"backup", "--to", t.TempDir(), "extra"}, 2, "unexpected argument"},
		{[]string{"backup", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"restore", "--data-dir", t.TempDir()}, 2, "--from is required"},
		{[]string{"backup", "--to", filepath.Join(t.TempDir(), "b"), "--database", "postgres://u:pw-4x9q@db.example/a"}, 2, "pg_dump"},
		{[]string{"backup", "--to", filepath.Join(t.TempDir(), "b"), "--blob-store", "s3://bucket/p?region=r"}, 2, "versioning"},
		{[]string{"restore", "--from", t.TempDir(), "--database", "postgres://db.example/a"}, 2, "pg_dump"},
		{[]string{"backup", "--data-dir", t.TempDir(), "--to", filepath.Join(t.TempDir(), "b")}, 1, "no embedded database"},
		{[]string{"restore", "--from", t.TempDir(), "--data-dir", filepath.Join(t.TempDir(), "d")}, 1, "not a complete artifactd backup"},
	} {
		out, errOut, code := bkRun(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("artifactd %v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, out, errOut, tc.code, tc.want)
		}
		if strings.Contains(errOut, "pw-4x9q") {
			t.Errorf("artifactd %v: the password is in the message: %s", tc.args, errOut)
		}
	}
}
