package conformance

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/artifactd/artifactd/test/harness"
)

// fsckBlobs plants problems in a server's blob store, on either backend:
// files under <data-dir>/blobs/sha256/ab/cd/, or keys under the S3 prefix.
type fsckBlobs struct {
	s *harness.Server
}

func (b fsckBlobs) put(t *testing.T, d string, data []byte) {
	t.Helper()
	if c, bucket, prefix := b.s.S3Client(); c != nil {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket,
			Key: aws.String(prefix + "sha256/" + d[0:2] + "/" + d[2:4] + "/" + d), Body: bytes.NewReader(data)}); err != nil {
			t.Fatal(err)
		}
		return
	}
	p := filepath.Join(b.s.DataDir, "blobs", "sha256", d[0:2], d[2:4], d)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (b fsckBlobs) remove(t *testing.T, d string) {
	t.Helper()
	if c, bucket, prefix := b.s.S3Client(); c != nil {
		if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket,
			Key: aws.String(prefix + "sha256/" + d[0:2] + "/" + d[2:4] + "/" + d)}); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.Remove(filepath.Join(b.s.DataDir, "blobs", "sha256", d[0:2], d[2:4], d)); err != nil {
		t.Fatal(err)
	}
}

// fsck runs artifactd fsck on the server's storage and checks its exit
// status.
func fsck(t *testing.T, s *harness.Server, wantCode int, args ...string) string {
	t.Helper()
	out, errOut, code := s.RunCommand(t, "fsck", args...)
	if code != wantCode {
		t.Fatalf("artifactd fsck %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, wantCode, out, errOut)
	}
	return out + errOut
}

// lineWith returns the output line that mentions d, or "".
func lineWith(out, d string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, d) {
			return l
		}
	}
	return ""
}

// TestFsck runs `artifactd fsck` on a real installation: clean after
// publishes (exit 0); then, with a stray blob planted, a referenced blob
// deleted, one truncated and one overwritten with other bytes of the same
// size, it names each of them and the asset that lost its bytes (exit 1;
// the overwritten one only with --verify-bytes); --repair removes the stray
// blob and nothing else, and still reports what it cannot repair (exit 1);
// the server then starts and serves the healthy versions. On the embedded
// store fsck refuses to run beside a server; on PostgreSQL it runs beside
// one.
func TestFsck(t *testing.T) {
	dir := t.TempDir()
	// The problems are planted in the blob store: keep every asset there
	// (fsck of inline bytes: internal/service TestInlineFsck).
	s := harness.Start(t, harness.WithDataDir(dir), harness.WithArgs("--inline-blob-kb", "0"))
	c := s.Client(t)
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "main")
	data := map[string][]byte{
		"1.0": []byte("healthy bytes, published twice"),
		"1.1": []byte("healthy bytes, published twice"),
		"2.0": []byte("bytes that will go missing"),
		"3.0": []byte("bytes that will be truncated"),
		"4.0": []byte("bytes that will rot in place"),
	}
	for _, v := range harness.SortedKeys(data) {
		mnMustPublish(t, c, "acme", "main", "tool", v, "tool.bin", data[v])
	}

	if s.Backend() == harness.BackendEmbedded {
		out := fsck(t, s, 2)
		if !strings.Contains(out, "in use by a running artifactd server") {
			t.Errorf("fsck beside a running embedded server:\n%s", out)
		}
	} else {
		out := fsck(t, s, 0, "--verify-bytes") // PostgreSQL: beside the server
		if !strings.Contains(out, "clean") {
			t.Errorf("fsck beside a running server:\n%s", out)
		}
	}
	s.Stop(t)

	out := fsck(t, s, 0, "--verify-bytes")
	if !strings.Contains(out, "checked 4 referenced blobs against 4 objects") || !strings.Contains(out, "4 hashed") ||
		!strings.Contains(out, "clean") {
		t.Fatalf("fsck of a healthy installation:\n%s", out)
	}

	// Plant the problems.
	blobs := fsckBlobs{s}
	stray := []byte("bytes no asset references")
	dStray, dMissing, dShort, dRotten := mnSHA256(stray), mnSHA256(data["2.0"]), mnSHA256(data["3.0"]), mnSHA256(data["4.0"])
	blobs.put(t, dStray, stray)
	blobs.remove(t, dMissing)
	blobs.put(t, dShort, data["3.0"][:5])
	blobs.put(t, dRotten, bytes.ToUpper(data["4.0"]))

	out = fsck(t, s, 1)
	t.Logf("artifactd fsck:\n%s", out)
	if l := lineWith(out, dStray); !strings.Contains(l, "unreferenced") {
		t.Errorf("the stray blob is not reported as unreferenced:\n%s", out)
	}
	if l := lineWith(out, dMissing); !strings.Contains(l, "missing") {
		t.Errorf("the deleted blob is not reported as missing:\n%s", out)
	}
	if !strings.Contains(out, "repository main: generic package ns/tool version 2.0, asset tool.bin") {
		t.Errorf("the asset that lost its bytes is not named:\n%s", out)
	}
	if l := lineWith(out, dShort); !strings.Contains(l, "wrong-size") || !strings.Contains(l, "5 bytes") {
		t.Errorf("the truncated blob is not reported:\n%s", out)
	}
	if lineWith(out, dRotten) != "" {
		t.Errorf("the rotten blob is reported without --verify-bytes:\n%s", out)
	}
	if !strings.Contains(out, "3 problems remain") {
		t.Errorf("summary:\n%s", out)
	}
	if !slices.Contains(s.BlobDigests(t), dStray) {
		t.Fatalf("fsck without --repair removed the stray blob")
	}

	out = fsck(t, s, 1, "--verify-bytes")
	if l := lineWith(out, dRotten); !strings.Contains(l, "corrupt") || !strings.Contains(l, mnSHA256(bytes.ToUpper(data["4.0"]))) {
		t.Errorf("the rotten blob is not reported with --verify-bytes:\n%s", out)
	}

	out = fsck(t, s, 1, "--repair", "--verify-bytes")
	t.Logf("artifactd fsck --repair --verify-bytes:\n%s", out)
	if l := lineWith(out, dStray); !strings.Contains(l, "collected") {
		t.Errorf("--repair did not collect the stray blob:\n%s", out)
	}
	if !strings.Contains(out, "3 problems remain") || lineWith(out, dMissing) == "" || lineWith(out, dShort) == "" ||
		lineWith(out, dRotten) == "" {
		t.Errorf("--repair: what it cannot repair is not reported:\n%s", out)
	}
	got := s.BlobDigests(t)
	if slices.Contains(got, dStray) {
		t.Errorf("the stray blob is still there after --repair")
	}
	if want := []string{mnSHA256(data["1.0"]), dShort, dRotten}; !sameSet(got, want) {
		t.Errorf("blobs after --repair: %v, want %v", got, want)
	}

	out = fsck(t, s, 1)
	if strings.Contains(out, "unreferenced ") || !strings.Contains(out, "2 problems remain") {
		t.Errorf("fsck after --repair:\n%s", out)
	}

	// The server starts on the repaired installation and serves what is
	// healthy.
	s.Start(t)
	for _, v := range []string{"1.0", "1.1"} {
		b, err := mnGetAsset(t, s.Client(t), "acme", "main", "tool", v, "tool.bin")
		if err != nil || !bytes.Equal(b, data[v]) {
			t.Errorf("%s after fsck --repair: %q, %v", v, b, err)
		}
	}
}

// fsckRun runs the binary with args, outside any server's environment.
func fsckRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(harness.Binary(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ARTIFACTD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("artifactd %v: %v", args, err)
		}
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestFsckUsage: bad flags, and a data directory without an installation,
// are usage errors (exit 2), and fsck creates nothing there.
func TestFsckUsage(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"fsck", "--no-such-flag"},
		{"fsck", "--data-dir", empty, "extra"},
		{"fsck", "--data-dir", empty},
	} {
		if _, errOut, code := fsckRun(t, args...); code != 2 {
			t.Errorf("artifactd %v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("fsck created files in an empty data directory: %v", ents)
	}
	if out, _, code := fsckRun(t, "fsck", "-h"); code != 0 && code != 2 {
		t.Errorf("fsck -h: exit %d\n%s", code, out)
	}
}

// TestFsckRepairBesidePublishes runs `artifactd fsck --repair` over and
// over on PostgreSQL and S3 while a server publishes: fsck finds nothing
// wrong (bytes of publishes in progress are pinned, not unreferenced), and
// every acknowledged publish keeps its exact bytes, so the repair never
// deleted bytes a concurrent publish was about to reference.
func TestFsckRepairBesidePublishes(t *testing.T) {
	harness.RequireSharedStorage(t)
	s := harness.Start(t, harness.WithPostgresS3())
	c := s.Client(t)
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "main")

	stop := make(chan struct{})
	done := make(chan map[string][]byte)
	go func() {
		acked := map[string][]byte{}
		defer func() { done <- acked }()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			v := "1." + strconv.Itoa(i)
			data := []byte(strings.Repeat("publish "+v+" ", 50+i%7))
			if _, err := mnPublish(t, c, "acme", "main", "tool", v, "tool.bin", data); err == nil {
				acked[v] = data
			}
		}
	}()
	for range 5 {
		fsck(t, s, 0, "--repair")
	}
	close(stop)
	acked := <-done
	if len(acked) < 5 {
		t.Fatalf("only %d publishes went through beside fsck", len(acked))
	}
	for v, want := range acked {
		got, err := mnGetAsset(t, c, "acme", "main", "tool", v, "tool.bin")
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s after fsck --repair beside it: %q, %v", v, got, err)
		}
	}
	fsck(t, s, 0, "--verify-bytes")
}
