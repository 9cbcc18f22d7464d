package conformance

// A private Verdaccio 6.8.0 that plays the public npm registry in the
// external-connection tests: offline (uplinks: {}), anonymous reads and
// authenticated publishes, as the public registry. Install it with
//
//	eval "$(scripts/install-verdaccio)"
//
// which sets ARTIFACTD_TEST_VERDACCIO to its bin script. Every identifier
// here starts with "verdaccio" (or is a method of *verdaccio), so that it
// cannot clash with the helpers of the other conformance files.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/artifactd/artifactd/test/harness"
)

// verdaccioEnv names the environment variable holding Verdaccio's bin script.
const verdaccioEnv = "ARTIFACTD_TEST_VERDACCIO"

// verdaccio is one running (or stopped) Verdaccio.
type verdaccio struct {
	bin     string
	dir     string // config, storage, htpasswd, HOME of the process
	storage string // where Verdaccio keeps packuments and tarballs
	addr    string // 127.0.0.1:PORT
	token   string // a user's token: publishes need it, reads do not
	npmrc   string // npm user config: registry and token
	npm     *npmEnv
	logs    *verdaccioLog

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// verdaccioLog collects Verdaccio's stdout and stderr; safe for concurrent use.
type verdaccioLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *verdaccioLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *verdaccioLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Ports come from 30000-32767: below the kernel's ephemeral range (so a
// restarted Verdaccio finds its port free) and above the harness's range
// (20000-29999), never twice in this process.
var (
	verdaccioPortsMu sync.Mutex
	verdaccioPorts   = map[int]bool{}
)

func verdaccioFreeAddr(t *testing.T) string {
	t.Helper()
	verdaccioPortsMu.Lock()
	defer verdaccioPortsMu.Unlock()
	for range 1000 {
		var b [2]byte
		rand.Read(b[:])
		port := 30000 + (int(b[0])<<8|int(b[1]))%2768
		if verdaccioPorts[port] {
			continue
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		l.Close()
		verdaccioPorts[port] = true
		return addr
	}
	t.Fatal("verdaccio: no free port in 30000-32767")
	return ""
}

// verdaccioBin returns Verdaccio's bin script: a failure in CI (CI=true),
// a skip elsewhere, when ARTIFACTD_TEST_VERDACCIO is not set.
func verdaccioBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv(verdaccioEnv)
	if bin == "" {
		msg := verdaccioEnv + ` is not set: run eval "$(scripts/install-verdaccio)" to install Verdaccio 6.8.0 (the stand-in for the public npm registry) and set it`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true, so this is a failure)")
		}
		t.Skip(msg)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s=%s: %v (run scripts/install-verdaccio)", verdaccioEnv, bin, err)
	}
	return bin
}

// startVerdaccio starts a private, offline Verdaccio on 127.0.0.1 with its
// configuration and storage in t.TempDir(), waits until it answers, creates
// a user (whose token publishes) and stops it when the test ends. Reads are
// anonymous, as on the public registry.
func startVerdaccio(t *testing.T) *verdaccio {
	t.Helper()
	v := &verdaccio{bin: verdaccioBin(t), dir: t.TempDir(), logs: &verdaccioLog{}}
	npmPath(t) // publishing needs npm: fail (or skip) now rather than later
	v.storage = filepath.Join(v.dir, "storage")
	for _, d := range []string{v.storage, filepath.Join(v.dir, "home"), filepath.Join(v.dir, "npm")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	v.npm = &npmEnv{dir: filepath.Join(v.dir, "npm")}
	t.Cleanup(func() { v.stop(t) })
	v.addr = verdaccioFreeAddr(t)
	v.writeConfig(t)
	v.start(t)
	v.token = v.addUser(t, "standin")
	v.npmrc = filepath.Join(v.dir, "npmrc")
	npmWriteRC(t, v.npmrc, v.URL(), v.token)
	return v
}

// writeConfig writes config.yaml: offline, anonymous reads, publishes with
// a token, JWT tokens (the default "legacy" ones cost a bcrypt per request),
// no web UI, request logs on stdout.
func (v *verdaccio) writeConfig(t *testing.T) {
	t.Helper()
	cfg := `storage: ` + v.storage + `
auth:
  htpasswd:
    file: ` + filepath.Join(v.dir, "htpasswd") + `
    max_users: 100
uplinks: {}
security:
  api:
    jwt:
      sign:
        expiresIn: 7d
packages:
  '@*/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
max_body_size: 200mb
listen: ` + v.addr + `
log: { type: stdout, format: pretty-timestamped, level: http, colors: false }
web:
  enable: false
`
	if err := os.WriteFile(filepath.Join(v.dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// start starts the process (again, after stop: same port and storage) and
// waits until GET /-/ping answers.
func (v *verdaccio) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(v.bin, "--config", filepath.Join(v.dir, "config.yaml"))
	cmd.Dir = v.dir
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(strings.ToLower(k), "npm_") || k == "HOME" || k == "NODE_OPTIONS" || k == "NODE_ENV" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "HOME="+filepath.Join(v.dir, "home"), "NO_COLOR=1")
	cmd.Stdout, cmd.Stderr = v.logs, v.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop kills the whole group
	fmt.Fprintf(v.logs, "----- test: starting Verdaccio on %s -----\n", v.addr)
	if err := cmd.Start(); err != nil {
		t.Fatalf("verdaccio: starting %s: %v", v.bin, err)
	}
	done := make(chan struct{})
	v.mu.Lock()
	v.cmd, v.done, v.waitErr = cmd, done, nil
	v.mu.Unlock()
	go func() {
		err := cmd.Wait()
		v.mu.Lock()
		v.waitErr = err
		v.mu.Unlock()
		close(done)
	}()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-done:
			v.mu.Lock()
			err := v.waitErr
			v.mu.Unlock()
			t.Fatalf("verdaccio: exited before answering (%v); logs:\n%s", err, v.Logs())
		default:
		}
		resp, err := client.Get(v.URL() + "-/ping")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("GET /-/ping: status %d", resp.StatusCode)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	v.stop(t)
	t.Fatalf("verdaccio: not answering after 60s (last: %v); logs:\n%s", last, v.Logs())
}

// addUser creates a user and returns its token.
func (v *verdaccio) addUser(t *testing.T, name string) string {
	t.Helper()
	var pw [12]byte
	rand.Read(pw[:])
	body, _ := json.Marshal(map[string]any{"name": name, "password": hex.EncodeToString(pw[:]), "type": "user", "roles": []string{}})
	req, err := http.NewRequest("PUT", v.URL()+"-/user/org.couchdb.user:"+name, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("verdaccio: creating user %s: %v", name, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &out) != nil || out.Token == "" {
		t.Fatalf("verdaccio: creating user %s: %d %s; logs:\n%s", name, resp.StatusCode, b, npmTail(v.Logs(), 20))
	}
	return out.Token
}

// URL is the registry's base URL, with a trailing slash.
func (v *verdaccio) URL() string { return "http://" + v.addr + "/" }

// Token is a user's token, good for publishing (reads need none).
func (v *verdaccio) Token() string { return v.token }

// Logs is everything Verdaccio printed (one line per request).
func (v *verdaccio) Logs() string { return v.logs.String() }

// stop stops Verdaccio (SIGTERM to its process group, SIGKILL after 5 s) and
// waits for it: an upstream outage. It is a no-op when it is not running;
// start brings it back on the same port and storage.
func (v *verdaccio) stop(t *testing.T) {
	t.Helper()
	v.mu.Lock()
	cmd, done := v.cmd, v.done
	v.cmd = nil
	v.mu.Unlock()
	if cmd == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	// The group may still hold children (pino's transport runs in a worker
	// thread, but be sure): nothing of it may outlive the test.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	fmt.Fprintf(v.logs, "----- test: Verdaccio stopped -----\n")
}

// writePackage writes a package folder (package.json with dependencies,
// index.js, README.md) to publish, and returns it.
func (v *verdaccio) writePackage(t *testing.T, name, version string, deps map[string]string) string {
	t.Helper()
	extra := map[string]any{"description": "stand-in package " + name, "license": "MIT"}
	if len(deps) > 0 {
		extra["dependencies"] = deps
	}
	return v.npm.write(t, npmPkg{name: name, version: version, extra: extra})
}

// publish runs the real `npm publish` of a package folder against Verdaccio
// (private npmrc with the registry and token, private cache and HOME).
func (v *verdaccio) publish(t *testing.T, dir string) {
	t.Helper()
	r := v.npm.runRC(t, v.npmrc, dir, "publish")
	if r.err != nil {
		t.Fatalf("npm publish %s to Verdaccio: %v\n%s\nVerdaccio logs:\n%s", dir, r.err, r, npmTail(v.Logs(), 20))
	}
}

// publishPackage writes a package folder and publishes it; it returns the folder.
func (v *verdaccio) publishPackage(t *testing.T, name, version string, deps map[string]string) string {
	t.Helper()
	dir := v.writePackage(t, name, version, deps)
	v.publish(t, dir)
	return dir
}

// get sends an anonymous GET and returns the status and body.
func (v *verdaccio) get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, b
}

// packument fetches a package's full packument anonymously (nil when 404).
func (v *verdaccio) packument(t *testing.T, name string) map[string]any {
	t.Helper()
	st, b := v.get(t, v.URL()+npmEscape(name))
	if st == http.StatusNotFound {
		return nil
	}
	if st != http.StatusOK {
		t.Fatalf("verdaccio: GET packument %s: %d %s", name, st, b)
	}
	return npmDecode(t, b)
}

// dist returns a version's dist object from the packument (tarball,
// shasum, integrity).
func (v *verdaccio) dist(t *testing.T, name, version string) (tarball, shasum, integrity string) {
	t.Helper()
	doc := v.packument(t, name)
	vs, _ := doc["versions"].(map[string]any)
	ver, _ := vs[version].(map[string]any)
	d, _ := ver["dist"].(map[string]any)
	if d == nil {
		t.Fatalf("verdaccio: %s@%s has no dist in its packument (versions %v)", name, version, npmVersionsOf(doc))
	}
	tarball, _ = d["tarball"].(string)
	shasum, _ = d["shasum"].(string)
	integrity, _ = d["integrity"].(string)
	return tarball, shasum, integrity
}

// tarball downloads a version's tarball anonymously, from the URL its
// packument gives.
func (v *verdaccio) tarball(t *testing.T, name, version string) []byte {
	t.Helper()
	u, _, _ := v.dist(t, name, version)
	st, b := v.get(t, u)
	if st != http.StatusOK {
		t.Fatalf("verdaccio: GET %s: %d %s", u, st, b)
	}
	return b
}

// verdaccioDigests returns the dist.shasum and dist.integrity of bytes.
func verdaccioDigests(b []byte) (shasum, integrity string) {
	s1, s512 := sha1.Sum(b), sha512.Sum512(b)
	return hex.EncodeToString(s1[:]), "sha512-" + base64.StdEncoding.EncodeToString(s512[:])
}

// tarballPath is where Verdaccio keeps a version's tarball:
// storage/NAME/BASENAME-VERSION.tgz (storage/@scope/name/name-V.tgz).
func (v *verdaccio) tarballPath(name, version string) string {
	base := name[strings.LastIndex(name, "/")+1:]
	return filepath.Join(v.storage, filepath.FromSlash(name), base+"-"+version+".tgz")
}

// tamper rewrites a published tarball in Verdaccio's storage, in place,
// as another valid tarball (the same files plus package/TAMPERED), so that
// the packument's dist.shasum and dist.integrity no longer match the bytes
// served. It checks that Verdaccio serves the new bytes, and returns them.
func (v *verdaccio) tamper(t *testing.T, name, version string) []byte {
	t.Helper()
	path := v.tarballPath(name, version)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("verdaccio: tamper %s@%s: %v", name, version, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(orig))
	if err != nil {
		t.Fatalf("verdaccio: tamper %s@%s: %v", name, version, err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tr, tw := tar.NewReader(zr), tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("verdaccio: tamper %s@%s: reading the tarball: %v", name, version, err)
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	note := "tampered with after publication\n"
	tw.WriteHeader(&tar.Header{Name: "package/TAMPERED", Mode: 0o644, Size: int64(len(note)), Typeflag: tar.TypeReg, ModTime: time.Unix(499162500, 0)})
	tw.Write([]byte(note))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatalf("verdaccio: tamper %s@%s: %v", name, version, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	served := v.tarball(t, name, version)
	if !bytes.Equal(served, buf.Bytes()) {
		t.Fatalf("verdaccio: tamper %s@%s: Verdaccio serves %d bytes, not the %d tampered ones", name, version, len(served), buf.Len())
	}
	if _, shasum, _ := v.dist(t, name, version); shasum != verdaccioSHA1(orig) {
		t.Fatalf("verdaccio: tamper %s@%s: the packument's shasum %s is not the original tarball's", name, version, shasum)
	}
	return served
}

func verdaccioSHA1(b []byte) string {
	s, _ := verdaccioDigests(b)
	return s
}

// TestVerdaccioStandIn checks the stand-in itself: real npm publishes of a
// scoped and an unscoped package with dependencies, anonymous reads of
// packuments and tarballs that match their digests, a tampered tarball that
// no longer does, and an outage.
func TestVerdaccioStandIn(t *testing.T) {
	v := startVerdaccio(t)
	if !strings.HasPrefix(v.URL(), "http://127.0.0.1:") || !strings.HasSuffix(v.URL(), "/") || v.Token() == "" {
		t.Fatalf("URL %q, token %q", v.URL(), v.Token())
	}
	v.publishPackage(t, "standin-leaf", "1.0.0", nil)
	v.publishPackage(t, "standin-leaf", "1.1.0", nil)
	v.publishPackage(t, "@standin/mid", "2.0.0", map[string]string{"standin-leaf": "^1.0.0"})
	v.publishPackage(t, "standin-top", "3.0.0", map[string]string{"@standin/mid": "^2.0.0", "standin-leaf": "1.0.0"})

	// Anonymous reads, as on the public registry.
	for name, want := range map[string][]string{
		"standin-leaf": {"1.0.0", "1.1.0"}, "@standin/mid": {"2.0.0"}, "standin-top": {"3.0.0"},
	} {
		doc := v.packument(t, name)
		if got := npmVersionsOf(doc); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: versions %v, want %v", name, got, want)
		}
		latest := want[len(want)-1]
		if tags := npmTagsOf(doc); tags["latest"] != latest {
			t.Errorf("%s: dist-tags %v, want latest %s", name, tags, latest)
		}
		for _, ver := range want {
			u, shasum, integrity := v.dist(t, name, ver)
			if !strings.HasPrefix(u, v.URL()) {
				t.Errorf("%s@%s: tarball URL %s is not on %s", name, ver, u, v.URL())
			}
			b := v.tarball(t, name, ver)
			if s, i := verdaccioDigests(b); s != shasum || i != integrity {
				t.Errorf("%s@%s: served tarball has shasum %s integrity %s; packument says %s %s", name, ver, s, i, shasum, integrity)
			}
		}
	}
	deps := func(name, version string) map[string]any {
		vs, _ := v.packument(t, name)["versions"].(map[string]any)
		ver, _ := vs[version].(map[string]any)
		d, _ := ver["dependencies"].(map[string]any)
		return d
	}
	if d := deps("@standin/mid", "2.0.0"); d["standin-leaf"] != "^1.0.0" || len(d) != 1 {
		t.Errorf("@standin/mid@2.0.0 dependencies %v", d)
	}
	if d := deps("standin-top", "3.0.0"); d["@standin/mid"] != "^2.0.0" || d["standin-leaf"] != "1.0.0" || len(d) != 2 {
		t.Errorf("standin-top@3.0.0 dependencies %v", d)
	}
	if st, b := v.get(t, v.URL()+"standin-nothing"); st != http.StatusNotFound {
		t.Errorf("GET of a package never published: %d %s", st, b)
	}
	// Publishing needs the token.
	req, _ := http.NewRequest("PUT", v.URL()+"standin-anon", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Errorf("anonymous PUT: %d, want 401 or 403", resp.StatusCode)
		}
	}

	// Tampering: the packument stays, the bytes served change.
	for _, name := range []string{"@standin/mid", "standin-leaf"} {
		ver := map[string]string{"@standin/mid": "2.0.0", "standin-leaf": "1.1.0"}[name]
		_, shasum, integrity := v.dist(t, name, ver)
		b := v.tamper(t, name, ver)
		if s, i := verdaccioDigests(b); s == shasum || i == integrity {
			t.Errorf("%s@%s: tampered tarball still matches the packument (%s %s)", name, ver, s, i)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s@%s: tampered tarball is not gzip: %v", name, ver, err)
		}
		files := map[string]bool{}
		for tr := tar.NewReader(zr); ; {
			h, err := tr.Next()
			if err != nil {
				break
			}
			files[h.Name] = true
		}
		if !files["package/package.json"] || !files["package/TAMPERED"] {
			t.Errorf("%s@%s: tampered tarball holds %v", name, ver, harness.SortedKeys(files))
		}
	}
	_, shasum, _ := v.dist(t, "standin-leaf", "1.0.0")
	if s, _ := verdaccioDigests(v.tarball(t, "standin-leaf", "1.0.0")); s != shasum {
		t.Errorf("standin-leaf@1.0.0 changed too: shasum %s, packument %s", s, shasum)
	}

	// Outage: nothing answers any more.
	v.stop(t)
	client := &http.Client{Timeout: 3 * time.Second}
	if resp, err := client.Get(v.URL() + "standin-leaf"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET after stop: %d, want a connection error", resp.StatusCode)
	}
	if !strings.Contains(v.Logs(), "standin-leaf") {
		t.Errorf("Verdaccio's logs do not show the requests:\n%s", npmTail(v.Logs(), 20))
	}
	v.stop(t) // a second stop is a no-op
}
