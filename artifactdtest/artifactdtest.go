// Package artifactdtest starts an artifactd server inside a Go test, for
// testing code that uses AWS CodeArtifact (and IAM or STS) without AWS:
//
//	srv := artifactdtest.Start(t)
//	client := codeartifact.NewFromConfig(srv.AWSConfig())
//
// The server runs in the test's process (no binary to build), listens on a
// free port of 127.0.0.1, keeps everything in a temporary directory, and
// is stopped, its directory removed, when the test ends. It is the real
// server: the same API, rules and storage as `artifactd serve --ephemeral`.
package artifactdtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/artifactd/artifactd/internal/config"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/server"
)

// Server is a running in-process artifactd.
type Server struct {
	// Endpoint is the server's base URL (http://127.0.0.1:PORT), for
	// BaseEndpoint or --endpoint-url.
	Endpoint string
	// Region is the region clients sign for: the first of WithRegions, or
	// us-east-1.
	Region string
	// Account is the account the administrator key belongs to.
	Account string
	// Credentials are the administrator's (the account's root): they may
	// do everything, create IAM users and roles included.
	Credentials aws.Credentials
}

type options struct {
	seed       string
	regions    []string
	account    string
	keyID, key string
	flags      []string
	logs       io.Writer
}

// Option configures Start.
type Option func(*options)

// WithSeed applies a seed file (YAML or JSON; see examples/seed.yaml)
// before Start returns.
func WithSeed(path string) Option { return func(o *options) { o.seed = path } }

// WithRegions sets the regions the server accepts signatures for (default:
// every region of the AWS partitions); Region is the first.
func WithRegions(regions ...string) Option { return func(o *options) { o.regions = regions } }

// WithAccount sets the account id (12 digits; default 000000000000).
func WithAccount(id string) Option { return func(o *options) { o.account = id } }

// WithCredentials fixes the administrator key, for code that expects
// known credentials (WithCredentials("test", "test")); by default each
// server gets a random one.
func WithCredentials(accessKeyID, secretAccessKey string) Option {
	return func(o *options) { o.keyID, o.key = accessKeyID, secretAccessKey }
}

// WithFlags passes further `artifactd serve` flags, such as
// "--external-connection", "public:npmjs=http://127.0.0.1:PORT/".
func WithFlags(flags ...string) Option {
	return func(o *options) { o.flags = append(o.flags, flags...) }
}

// WithLogs sends the server's log there as it is written. By default the
// log is kept and shown only if the test fails.
func WithLogs(w io.Writer) Option { return func(o *options) { o.logs = w } }

// Start starts a server and stops it when the test ends (t.Cleanup). It
// fails the test if the server cannot start.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{account: config.DefaultAccount}
	for _, opt := range opts {
		opt(&o)
	}
	if o.keyID == "" {
		o.keyID = "AKIA" + identity.RandomString(16, identity.IDAlphabet)
		o.key = identity.RandomString(40, identity.SecretAlphabet)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("artifactdtest: %v", err)
	}
	args := []string{"--ephemeral", "--addr", ln.Addr().String()}
	for _, r := range o.regions {
		args = append(args, "--region", r)
	}
	if o.seed != "" {
		args = append(args, "--seed", o.seed)
	}
	args = append(args, o.flags...)
	// Only what the options say: the test's own environment (ARTIFACTD_*)
	// does not reach the server.
	env := map[string]string{
		"ARTIFACTD_ACCOUNT_ID":             o.account,
		"ARTIFACTD_ROOT_ACCESS_KEY_ID":     o.keyID,
		"ARTIFACTD_ROOT_SECRET_ACCESS_KEY": o.key,
	}
	cfg, err := config.Parse(args, func(k string) string { return env[k] })
	if err != nil {
		ln.Close()
		t.Fatalf("artifactdtest: %v", err)
	}

	logs := o.logs
	var kept *lockedBuffer
	if logs == nil {
		kept = &lockedBuffer{}
		logs = kept
	}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv, err := server.New(context.Background(), cfg, log, io.Discard)
	if err != nil {
		ln.Close()
		t.Fatalf("artifactdtest: starting artifactd: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("artifactdtest: stopping artifactd: %v", err)
		}
		if kept != nil && t.Failed() {
			t.Logf("artifactdtest: the server's log:\n%s", kept.String())
		}
	})

	region := "us-east-1"
	for _, r := range o.regions {
		if r != "*" && r != "aws" {
			region = r
			break
		}
	}
	return &Server{
		Endpoint:    "http://" + ln.Addr().String(),
		Region:      region,
		Account:     o.account,
		Credentials: aws.Credentials{AccessKeyID: o.keyID, SecretAccessKey: o.key, Source: "artifactdtest"},
	}
}

// AWSConfig is an aws.Config for the server: its endpoint (BaseEndpoint),
// region and administrator credentials, for any client of the SDK the
// server speaks (codeartifact, iam, sts):
//
//	client := codeartifact.NewFromConfig(srv.AWSConfig())
func (s *Server) AWSConfig() aws.Config {
	return s.AWSConfigWith(s.Credentials)
}

// AWSConfigWith is AWSConfig signed with other credentials, such as an IAM
// user's access key or an assumed role's session.
func (s *Server) AWSConfigWith(creds aws.Credentials) aws.Config {
	return aws.Config{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
	}
}

// lockedBuffer keeps the log for a failing test; the server writes from
// its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimRight(b.buf.String(), "\n")
}
