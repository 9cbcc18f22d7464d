package conformance

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"

	"github.com/artifactd/artifactd/test/harness"
)

// bigTarballSize is the size of the tarball TestNPMExternalStreamsLargeFiles
// fetches: large enough that buffering it would show in the server's memory.
const bigTarballSize = 128 << 20

// bigTarball writes the deterministic bytes of the test's tarball to w.
func bigTarball(w io.Writer) error {
	rng := rand.NewChaCha8([32]byte{7})
	buf := make([]byte, 1<<20)
	for n := 0; n < bigTarballSize; n += len(buf) {
		rng.Read(buf)
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// peakRSS is a process's peak resident memory (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// TestNPMExternalStreamsLargeFiles: a large tarball fetched through an
// external connection reaches the client while it is still arriving from
// the registry (the registry holds the rest back until the client has the
// first megabyte), the server's memory stays flat, and the bytes are kept.
func TestNPMExternalStreamsLargeFiles(t *testing.T) {
	t.Parallel()
	var s1, s512 hash.Hash = sha1.New(), sha512.New()
	if err := bigTarball(io.MultiWriter(s1, s512)); err != nil {
		t.Fatal(err)
	}
	clientGotFirstMB := make(chan struct{})
	reg := localServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big-ext":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"name": "big-ext", "dist-tags": map[string]string{"latest": "1.0.0"},
				"versions": map[string]any{"1.0.0": map[string]any{"name": "big-ext", "version": "1.0.0", "dist": map[string]any{
					"tarball":   "http://" + r.Host + "/big-ext/-/big-ext-1.0.0.tgz",
					"shasum":    hex.EncodeToString(s1.Sum(nil)),
					"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512.Sum(nil)),
				}}}})
		case "/big-ext/-/big-ext-1.0.0.tgz":
			w.Header().Set("Content-Length", strconv.Itoa(bigTarballSize))
			sent := 0
			bigTarball(writerFunc(func(p []byte) (int, error) {
				if sent == 4<<20 {
					w.(http.Flusher).Flush()
					select { // the rest only once the client has bytes
					case <-clientGotFirstMB:
					case <-time.After(30 * time.Second):
					}
				}
				sent += len(p)
				return w.Write(p)
			}))
		default:
			http.NotFound(w, r)
		}
	}))

	e := npmStart(t, harness.WithArgs("--external-connection", "public:npmjs="+reg.URL+"/"))
	if _, err := e.c.AssociateExternalConnection(t.Context(), &codeartifact.AssociateExternalConnectionInput{Domain: aws.String(e.domain),
		Repository: aws.String(e.repo), ExternalConnection: aws.String("public:npmjs")}); err != nil {
		t.Fatal(err)
	}
	before := peakRSS(t, e.srv.Pid())
	req, _ := http.NewRequest(http.MethodGet, e.endpoint+"big-ext/-/big-ext-1.0.0.tgz", nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != bigTarballSize {
		t.Fatalf("status %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	first := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("the first megabyte did not arrive while the registry held the rest back: %v", err)
	}
	close(clientGotFirstMB)
	h := sha512.New()
	h.Write(first)
	if _, err := io.Copy(h, resp.Body); err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), hex.EncodeToString(s512.Sum(nil)); got != want {
		t.Fatalf("received bytes differ from the registry's")
	}
	if grew := peakRSS(t, e.srv.Pid()) - before; grew > 64<<20 {
		t.Errorf("serving a %d MiB file grew the server's peak memory by %d MiB", bigTarballSize>>20, grew>>20)
	}
	d := e.mustDescribe(t, "big-ext", "1.0.0")
	if d.Origin == nil || string(d.Origin.OriginType) != "EXTERNAL" {
		t.Errorf("kept version: %+v", d.Origin)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
