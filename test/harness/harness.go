// Package harness starts the real artifactd binary as a subprocess for
// black-box tests, and gives tests clients that talk to it: the AWS SDK for Go
// v2 CodeArtifact client, the real `aws` CLI, and raw SigV4-signed HTTP.
//
// The binary is built once per test process with
// `go build -o <tmp>/artifactd ./cmd/artifactd` from the module root, unless
// the environment variable ARTIFACTD_BIN names a prebuilt binary.
//
// Servers keep their state in their data directory, or, with
// ARTIFACTD_TEST_BACKEND=postgres-s3, in a PostgreSQL database and an S3
// prefix of their own; several servers can share those (WithShared). See
// backend.go.
package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
)

const (
	// DefaultAccount is the account id passed to servers unless WithEnv overrides it.
	DefaultAccount = "000000000000"
	// DefaultRegion is the region clients use unless told otherwise.
	DefaultRegion = "us-east-1"

	readyTimeout = 15 * time.Second
	// stopTimeout matches the server's own grace period for in-flight
	// requests (a loaded CI machine can need more than a few seconds).
	stopTimeout = 30 * time.Second
)

// Server is one running (or stopped) artifactd process.
type Server struct {
	URL       string // http://127.0.0.1:PORT
	DataDir   string
	AccessKey string // ARTIFACTD_ROOT_ACCESS_KEY_ID (or the generated one with WithoutRootKey)
	SecretKey string // ARTIFACTD_ROOT_SECRET_ACCESS_KEY
	Account   string // ARTIFACTD_ACCOUNT_ID
	Region    string // default region for clients, "us-east-1"

	addr      string
	bin       string
	args      []string // extra serve flags
	env       []string // full environment of the process
	noRootKey bool
	noDataDir bool     // WithoutDataDir
	storage   *storage // the postgres-s3 backend's database and prefix; nil when embedded

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current process has exited
	waitErr error
	logs    logBuffer // every process of this Server, in order
	logFrom int       // offset in logs where the current process starts
	starts  int
	stopped bool
}

type config struct {
	dataDir   string
	args      []string
	env       []string
	noRootKey bool
	noDataDir bool
	backend   string  // "" = Backend()
	shared    *Server // WithShared
}

// Option configures Start.
type Option func(*config)

// WithDataDir sets the data directory (default t.TempDir()).
func WithDataDir(dir string) Option { return func(c *config) { c.dataDir = dir } }

// WithArgs adds extra `serve` flags, e.g. WithArgs("--region", "*").
// "{port}" in an argument becomes the port the server listens on, e.g.
// WithArgs("--public-url", "http://*.localhost:{port}").
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

// WithEnv adds extra environment variables "K=V" (they override the defaults).
func WithEnv(kv ...string) Option {
	return func(c *config) { c.env = append(c.env, kv...) }
}

// WithoutRootKey starts the server without ARTIFACTD_ROOT_ACCESS_KEY_ID and
// ARTIFACTD_ROOT_SECRET_ACCESS_KEY, so that it generates (or reloads) its own
// credentials. AccessKey and SecretKey are then parsed from the
// `export AWS_ACCESS_KEY_ID=...` / `export AWS_SECRET_ACCESS_KEY=...` lines the
// server prints at start-up.
func WithoutRootKey() Option { return func(c *config) { c.noRootKey = true } }

// WithoutDataDir starts the server without --data-dir (nor --database and
// --blob-store: the embedded backend whatever ARTIFACTD_TEST_BACKEND says),
// for `serve --ephemeral`, which refuses them. DataDir is then unused.
func WithoutDataDir() Option { return func(c *config) { c.noDataDir = true } }

// logBuffer collects the server's stdout and stderr; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of the artifactd binary, building it once per test
// process (or ARTIFACTD_BIN when set).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ARTIFACTD_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatalf("harness: ARTIFACTD_BIN: %v", err)
		}
		return abs
	}
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "artifactd-bin-")
		if err != nil {
			buildErr = err
			return
		}
		// The directory lives for the rest of the test process; it is tiny and
		// removing it from one test's cleanup would break later tests.
		out := filepath.Join(dir, "artifactd")
		cmd := exec.Command("go", "build", "-o", out, "./cmd/artifactd")
		cmd.Dir = root
		var stderr bytes.Buffer
		cmd.Stdout = &stderr
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/artifactd in %s: %v\n%s", root, err, stderr.String())
			return
		}
		buildPath = out
	})
	if buildErr != nil {
		t.Fatalf("harness: building artifactd: %v", buildErr)
	}
	return buildPath
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Ports are drawn from below the kernel's ephemeral range (32768+), so a
// port a stopped server will reuse on restart is never handed to another
// test by the kernel, and never twice by this process.
var (
	portsMu   sync.Mutex
	portsUsed = map[int]bool{}
)

func freeAddr(t testing.TB) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		var b [2]byte
		rand.Read(b[:])
		port := 20000 + (int(b[0])<<8|int(b[1]))%10000
		if portsUsed[port] {
			continue
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue // in use by someone else
		}
		l.Close()
		portsUsed[port] = true
		return addr
	}
	t.Fatalf("harness: no free port found in 20000-29999")
	return ""
}

func randomString(t testing.TB, alphabet string, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("harness: random: %v", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Start builds (once) and starts a server, waits until GET /healthz answers
// 200, and registers a cleanup that stops it.
//
// On the embedded backend (the default) the server keeps everything in its
// data directory. On postgres-s3 (ARTIFACTD_TEST_BACKEND, WithPostgresS3)
// it gets a new PostgreSQL database and S3 prefix, removed at the end of
// the test, or those of another server (WithShared); see backend.go.
// Either way Stop, Kill, Start and Restart keep the server's state, and a
// second Start on the same WithDataDir finds it too.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	givenDir := c.dataDir
	if c.dataDir == "" {
		c.dataDir = t.TempDir()
	}
	s := &Server{
		DataDir:   c.dataDir,
		Account:   DefaultAccount,
		Region:    DefaultRegion,
		bin:       Binary(t),
		args:      c.args,
		noRootKey: c.noRootKey,
		noDataDir: c.noDataDir,
	}
	s.addr = freeAddr(t)
	s.URL = "http://" + s.addr

	backend := c.backend
	if backend == "" {
		backend = Backend()
	}
	if c.noDataDir {
		backend = BackendEmbedded
	}
	switch {
	case c.shared != nil:
		if c.shared.storage == nil {
			t.Fatalf("harness: WithShared: the other server runs on the %s backend, whose storage belongs to one "+
				"process; start it with WithPostgresS3 (after RequireSharedStorage)", BackendEmbedded)
		}
		if c.shared.DataDir == s.DataDir {
			t.Fatalf("harness: WithShared: two servers on one data directory %s", s.DataDir)
		}
		s.storage = c.shared.storage
		// Nodes of one installation share the account and root key.
		s.Account = c.shared.Account
	case backend == BackendEmbedded:
	case backend == BackendPostgresS3:
		if givenDir != "" {
			if v, ok := storages.Load(givenDir); ok {
				s.storage = v.(*storage)
			}
		}
		if s.storage == nil {
			s.storage = newStorage(t, givenDir)
		}
	default:
		t.Fatalf("harness: %s=%q: unknown backend (want %s or %s)", BackendEnv, backend, BackendEmbedded, BackendPostgresS3)
	}

	env := make([]string, 0, len(os.Environ())+8)
	for _, kv := range os.Environ() {
		// Never let the test runner's own settings leak into the server.
		if strings.HasPrefix(kv, "ARTIFACTD_") || strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "ARTIFACTD_ACCOUNT_ID="+s.Account)
	if st := s.storage; st != nil {
		env = append(env, st.awsEnv...)
		env = append(env, "TMPDIR="+st.spoolDir, "ARTIFACTD_SECRETS_KEY="+st.sealKey)
	}
	if !c.noRootKey {
		if c.shared != nil {
			s.AccessKey, s.SecretKey = c.shared.AccessKey, c.shared.SecretKey
		} else {
			s.AccessKey = "AKIA" + randomString(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
			s.SecretKey = randomString(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)
		}
		env = append(env,
			"ARTIFACTD_ROOT_ACCESS_KEY_ID="+s.AccessKey,
			"ARTIFACTD_ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	}
	env = append(env, c.env...)
	for _, kv := range c.env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "ARTIFACTD_ACCOUNT_ID":
			s.Account = v
		case "ARTIFACTD_ROOT_ACCESS_KEY_ID":
			s.AccessKey = v
		case "ARTIFACTD_ROOT_SECRET_ACCESS_KEY":
			s.SecretKey = v
		}
	}
	s.env = env

	servers.Store(s.DataDir, s)
	t.Cleanup(func() {
		s.shutdown(t)
		servers.CompareAndDelete(s.DataDir, s)
	})
	s.start(t)
	return s
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	args := []string{"serve", "--addr", s.addr}
	if !s.noDataDir {
		args = append(args, "--data-dir", s.DataDir)
	}
	if st := s.storage; st != nil {
		args = append(args, "--database", st.dsn, "--blob-store", st.blobURL)
	}
	_, port, _ := strings.Cut(s.addr, ":")
	for _, a := range s.args {
		args = append(args, strings.ReplaceAll(a, "{port}", port))
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env
	s.mu.Lock()
	if s.starts > 0 {
		fmt.Fprintf(&s.logs, "\n----- harness: start #%d of artifactd -----\n", s.starts+1)
	}
	s.starts++
	s.logFrom = s.logs.Len()
	s.mu.Unlock()
	cmd.Stdout = &s.logs
	cmd.Stderr = &s.logs
	// Own process group, so that a Ctrl-C of `go test` does not race us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("harness: starting %s: %v", s.bin, err)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd = cmd
	s.done = done
	s.stopped = false
	s.waitErr = nil
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(done)
	}()
	s.waitReady(t, done)
	if s.noRootKey {
		s.readPrintedKey(t)
	}
}

func (s *Server) waitReady(t testing.TB, done chan struct{}) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-done:
			s.mu.Lock()
			err := s.waitErr
			s.mu.Unlock()
			t.Fatalf("harness: artifactd exited before becoming ready (%v); logs:\n%s", err, s.Logs())
		default:
		}
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			lastErr = fmt.Errorf("GET /healthz: status %d", resp.StatusCode)
		} else {
			lastErr = err
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Kill(t)
	t.Fatalf("harness: artifactd not ready after %s (last: %v); logs:\n%s", readyTimeout, lastErr, s.Logs())
}

var (
	exportKeyRE    = regexp.MustCompile(`export AWS_ACCESS_KEY_ID=['"]?([A-Za-z0-9]+)['"]?`)
	exportSecretRE = regexp.MustCompile(`AWS_SECRET_ACCESS_KEY=['"]?([A-Za-z0-9+/=]+)['"]?`)
)

// readPrintedKey fills AccessKey/SecretKey from the export lines the current
// process printed. The lines may come just after the listener opens, so wait
// briefly. On a restart a server may legitimately print nothing (it reuses
// its stored key); then the previous values are kept.
func (s *Server) readPrintedKey(t testing.TB) {
	t.Helper()
	restart := s.AccessKey != ""
	wait := 5 * time.Second
	if restart {
		wait = time.Second
	}
	deadline := time.Now().Add(wait)
	for {
		logs := s.ProcessLogs()
		k := exportKeyRE.FindAllStringSubmatch(logs, -1)
		sec := exportSecretRE.FindAllStringSubmatch(logs, -1)
		if len(k) > 0 && len(sec) > 0 {
			s.AccessKey = k[len(k)-1][1]
			s.SecretKey = sec[len(sec)-1][1]
			return
		}
		if time.Now().After(deadline) {
			if restart {
				return
			}
			t.Fatalf("harness: started without a root key but the server printed no "+
				"`export AWS_ACCESS_KEY_ID=...` / `AWS_SECRET_ACCESS_KEY=...` lines; logs:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Logs returns the captured stdout and stderr of every process this Server
// ran (restarts are separated by a "----- harness: start #N" line).
func (s *Server) Logs() string { return s.logs.String() }

// Pid is the process id of the running server (0 when stopped).
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil || s.stopped {
		return 0
	}
	return s.cmd.Process.Pid
}

// ProcessLogs returns the captured output of the current (or last) process only.
func (s *Server) ProcessLogs() string {
	s.mu.Lock()
	from := s.logFrom
	s.mu.Unlock()
	all := s.logs.String()
	if from > len(all) {
		return ""
	}
	return all[from:]
}

// Stop sends SIGTERM and waits up to 10 s for the process to exit, then
// SIGKILLs it and fails the test.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	cmd, done, stopped := s.cmd, s.done, s.stopped
	s.stopped = true
	s.mu.Unlock()
	if cmd == nil || stopped {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("harness: artifactd did not exit within %s of SIGTERM; killed. logs:\n%s", stopTimeout, s.Logs())
		return
	}
	s.mu.Lock()
	err := s.waitErr
	s.mu.Unlock()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			// Died of the signal itself rather than shutting down: not graceful,
			// but the data must survive that anyway.
			t.Logf("harness: artifactd was terminated by %v (no graceful shutdown)", ws.Signal())
			return
		}
		t.Errorf("harness: artifactd exited with %v after SIGTERM; logs:\n%s", err, s.Logs())
	}
}

// Kill sends SIGKILL and waits for the process to go away.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	cmd, done, stopped := s.cmd, s.done, s.stopped
	s.stopped = true
	s.mu.Unlock()
	if cmd == nil || stopped {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Start starts a stopped or killed server again on the same data dir and
// port. It is a no-op on a running server.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if !stopped {
		return
	}
	s.start(t)
}

// Restart stops the server (SIGTERM) and starts it again on the same data dir and port.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop(t)
	s.start(t)
}

// shutdown is the cleanup: stop quietly, then report a SIGTERM timeout.
func (s *Server) shutdown(t testing.TB) {
	s.mu.Lock()
	cmd, done, stopped := s.cmd, s.done, s.stopped
	s.stopped = true
	s.mu.Unlock()
	if cmd == nil || stopped {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("harness: artifactd did not exit within %s of SIGTERM at cleanup; killed", stopTimeout)
	}
	if t.Failed() {
		t.Logf("artifactd logs (last %d lines):\n%s", maxLogLines, tail(s.Logs(), maxLogLines))
	}
}

const maxLogLines = 60

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return s
	}
	return "...\n" + strings.Join(lines[len(lines)-n:], "\n")
}

// Credentials returns the root credentials as SDK credentials.
func (s *Server) Credentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey, Source: "artifactd-harness"}
}

// transport carries the harness's requests. It is not
// http.DefaultTransport, whose idle connections httptest.Server.Close
// closes under the feet of tests running in parallel.
var transport = http.DefaultTransport.(*http.Transport).Clone()

// Client returns a CodeArtifact client with the root credentials, endpoint
// s.URL and region s.Region (or region[0]); retries are off.
func (s *Server) Client(t testing.TB, region ...string) *codeartifact.Client {
	t.Helper()
	return s.ClientWithKeys(t, s.AccessKey, s.SecretKey, region...)
}

// ClientWithKeys is Client with explicit (possibly wrong) credentials.
func (s *Server) ClientWithKeys(t testing.TB, accessKey, secretKey string, region ...string) *codeartifact.Client {
	t.Helper()
	r := s.Region
	if len(region) > 0 && region[0] != "" {
		r = region[0]
	}
	return codeartifact.New(codeartifact.Options{
		Region:       r,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		Retryer:      connectionRetryer(),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second, Transport: transport},
	})
}

// connectionRetryer retries a call once when its connection broke under
// it ("use of closed network connection", "connection reset": seen, rarely,
// on a 200 whose body the client could not read) and never otherwise, so
// that tests see every error the server answers. The SDK's default
// retryer retries these too (aws-sdk-go-v2 #2737).
func connectionRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 2
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 10 * time.Millisecond, nil })
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if msg := err.Error(); strings.Contains(msg, "use of closed network connection") || strings.Contains(msg, "connection reset") {
				return aws.TrueTernary
			}
			return aws.FalseTernary
		})}
	})
}

// CLI runs `aws --endpoint-url URL --region REGION --output json codeartifact ARGS...`
// with the root credentials and an isolated HOME/config. It returns stdout,
// stderr and the exit code. Without `aws` on PATH it fails the test, or skips
// it when ARTIFACTD_ALLOW_SKIP=1.
func (s *Server) CLI(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return s.CLIRegion(t, s.Region, args...)
}

// CLIRegion is CLI with an explicit region.
func (s *Server) CLIRegion(t testing.TB, region string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return s.AWS(t, s.Credentials(), region, append([]string{"codeartifact"}, args...)...)
}

// AWS runs `aws --endpoint-url URL --region REGION --output json ARGS...`
// (ARGS starting with the service: iam, sts, codeartifact) with creds
// (their session token too, for role sessions) and an isolated
// HOME/config. region "" is the server's default.
func (s *Server) AWS(t testing.TB, creds aws.Credentials, region string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("aws CLI not on PATH (ARTIFACTD_ALLOW_SKIP=1)")
		}
		t.Fatalf("harness: aws CLI not on PATH: %v (set ARTIFACTD_ALLOW_SKIP=1 to skip)", err)
	}
	if region == "" {
		region = s.Region
	}
	home := s.cliHome(t)
	full := append([]string{"--endpoint-url", s.URL, "--region", region, "--output", "json"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsPath, full...)
	env := make([]string, 0, len(os.Environ())+8)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_RETRY_MODE=standard",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	if creds.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+creds.SessionToken)
	}
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout = &o
	cmd.Stderr = &e
	err = cmd.Run()
	code = 0
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else {
			t.Fatalf("harness: running aws %s: %v", strings.Join(full, " "), err)
		}
	}
	return o.String(), e.String(), code
}

var cliHomes sync.Map // *Server -> string

func (s *Server) cliHome(t testing.TB) string {
	t.Helper()
	if v, ok := cliHomes.Load(s); ok {
		return v.(string)
	}
	home, err := os.MkdirTemp("", "artifactd-cli-home-")
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatalf("harness: %v", err)
	}
	// Empty config and credentials files: nothing from the user's own setup.
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(home, ".aws", f), nil, 0o600); err != nil {
			t.Fatalf("harness: %v", err)
		}
	}
	actual, loaded := cliHomes.LoadOrStore(s, home)
	if loaded {
		os.RemoveAll(home)
		return actual.(string)
	}
	t.Cleanup(func() {
		cliHomes.Delete(s)
		os.RemoveAll(home)
	})
	return home
}

// SignedRequest sends a SigV4-signed request (service "codeartifact") with the
// root credentials to s.URL+path. region "" means s.Region. A non-nil body is
// sent with Content-Type application/json. The caller closes the response body.
func (s *Server) SignedRequest(t testing.TB, method, path string, query url.Values, body []byte, region string) *http.Response {
	t.Helper()
	req := s.NewRequest(t, method, path, query, body)
	s.Sign(t, req, body, region, time.Now())
	return s.Do(t, req)
}

// NewRequest builds an unsigned request to s.URL+path.
func (s *Server) NewRequest(t testing.TB, method, path string, query url.Values, body []byte) *http.Request {
	t.Helper()
	u := s.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// Sign signs req in place with the root credentials.
func (s *Server) Sign(t testing.TB, req *http.Request, body []byte, region string, at time.Time) {
	t.Helper()
	s.SignWith(t, req, s.Credentials(), body, region, at)
}

// SignWith signs req in place with the given credentials.
func (s *Server) SignWith(t testing.TB, req *http.Request, creds aws.Credentials, body []byte, region string, at time.Time) {
	t.Helper()
	if region == "" {
		region = s.Region
	}
	SignV4(t, req, creds, body, "codeartifact", region, at)
}

// SignV4 signs req in place with the SDK's SigV4 signer for any service and
// region (the body is hashed for the signature; no x-amz-content-sha256
// header is added, as with the AWS CLI).
func SignV4(t testing.TB, req *http.Request, creds aws.Credentials, body []byte, service, region string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at.UTC())
	if err != nil {
		t.Fatalf("harness: signing: %v", err)
	}
}

// Presign returns a presigned URL for req (signed with the root credentials,
// payload hash of the empty body). X-Amz-Expires=300 is added to the query
// unless req already carries one.
func (s *Server) Presign(t testing.TB, req *http.Request, region string, at time.Time) (string, http.Header) {
	t.Helper()
	if region == "" {
		region = s.Region
	}
	q := req.URL.Query()
	if q.Get("X-Amz-Expires") == "" {
		q.Set("X-Amz-Expires", "300")
		req.URL.RawQuery = q.Encode()
	}
	sum := sha256.Sum256(nil)
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), s.Credentials(), req, hex.EncodeToString(sum[:]), "codeartifact", region, at.UTC())
	if err != nil {
		t.Fatalf("harness: presigning: %v", err)
	}
	return u, hdr
}

// Do sends req with a plain HTTP client (no retries, 30 s timeout).
func (s *Server) Do(t testing.TB, req *http.Request) *http.Response {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second, Transport: transport}).Do(req)
	if err != nil {
		t.Fatalf("harness: %s %s: %v", req.Method, req.URL, err)
	}
	return resp
}
