// Package server wires artifactd together: storage, identity, the service
// and the HTTP surfaces, and runs them until asked to stop.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/artifactd/artifactd/internal/api/awsquery"
	"github.com/artifactd/artifactd/internal/api/codeartifact"
	iamapi "github.com/artifactd/artifactd/internal/api/iam"
	stsapi "github.com/artifactd/artifactd/internal/api/sts"
	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/config"
	"github.com/artifactd/artifactd/internal/console"
	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/metrics"
	"github.com/artifactd/artifactd/internal/seed"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/upstream"
)

// Server is a running artifactd.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	store   store.Store
	svc     *service.Service
	handler http.Handler
	metrics *metrics.Metrics // nil when metrics are off

	memDir    string // an ephemeral server's database folder in memory, if any
	closeOnce sync.Once
	closeErr  error
}

// shmDir is where an ephemeral server's database goes when it can: a
// tmpfs on Linux.
const shmDir = "/dev/shm"

// New opens storage under cfg.DataDir (with cfg.Ephemeral, under a new
// temporary directory that Close removes), applies cfg.Seed, and builds
// the HTTP handler. out receives the credentials notice. The server takes
// no requests until Serve or Run; Close releases it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) (srv *Server, err error) {
	var sd *seed.Seed
	if cfg.Seed != "" {
		// Read before anything is made: a bad seed leaves nothing behind.
		if sd, err = seed.Load(cfg.Seed); err != nil {
			return nil, err
		}
	}
	var memDir string
	if cfg.Ephemeral {
		// Named after the process: what a SIGKILL leaves says whose it was.
		prefix := fmt.Sprintf("artifactd-ephemeral-%d-", os.Getpid())
		if cfg.DataDir, err = os.MkdirTemp("", prefix); err != nil {
			return nil, fmt.Errorf("ephemeral data dir: %w", err)
		}
		// The metadata database goes in memory where there is a tmpfs for
		// it (/dev/shm on Linux): its fsyncs were most of the start-up
		// (BenchmarkEphemeralStart: 51 ms on ext4, 12 ms on tmpfs) and of
		// every write, and an ephemeral server keeps nothing through a
		// crash anyway. Blobs stay in $TMPDIR: they can be large, and
		// /dev/shm is small in containers.
		if d, err := os.MkdirTemp(shmDir, prefix); err == nil {
			memDir = d
			cfg.Database = "sqlite://" + filepath.Join(d, "artifactd.db")
		}
		defer func() {
			if err != nil {
				os.RemoveAll(cfg.DataDir)
				if memDir != "" {
					os.RemoveAll(memDir)
				}
			}
		}()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	key, err := rootKey(cfg, out)
	if err != nil {
		return nil, err
	}
	tmp, err := tempDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("metadata store: %w", err)
	}
	var m *metrics.Metrics
	if cfg.MetricsOn() {
		m = metrics.New()
		st = m.TimeStore(st)
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	blobs, err := openBlobs(ctx, cfg, tmp, m)
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	limits := service.DefaultLimits()
	limits.InlineBlobBytes = int64(cfg.InlineBlobKB) << 10
	svc := service.New(st, blobs, limits, log, formatRules())
	client := useExternal(svc, cfg, tmp, log)
	keys := identity.NewKeyring(key)
	svc.UseKeyDigests(keys)
	identities, sealKey, err := openIdentities(ctx, cfg, st, keys, log)
	if err != nil {
		return nil, err
	}
	verifier := &sigv4.Verifier{Service: "codeartifact", Regions: cfg.Regions, Keys: identities}

	mux := http.NewServeMux()
	// Liveness: the process serves HTTP. Readiness: it can reach its
	// metadata store and its blob store, so a load balancer sends it
	// requests.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if err := st.Read(r.Context(), func(tx store.Tx) error {
			_, err := tx.Orphans().List(r.Context(), 1)
			return err
		}); err != nil {
			log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "metadata store unreachable\n")
			return
		}
		if p, ok := blobs.(blob.Pinger); ok {
			if err := p.Ping(r.Context()); err != nil {
				log.Warn("not ready", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "blob store unreachable\n")
				return
			}
		}
		io.WriteString(w, "ready\n")
	})
	publicURL, err := domain.ParsePublicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	ca := codeartifact.New(svc, verifier, publicURL, log)
	ca.Register(mux)
	ca.RegisterRetention(mux)
	// IAM and STS (the AWS query protocol) share the root path; the
	// signature's credential scope says which service a request is for.
	iamQuery, stsQuery := iamapi.New(identities, log), stsapi.New(identities, log)
	query := awsquery.Router(iamQuery, stsQuery)
	mux.Handle("POST /{$}", query)
	mux.Handle("GET /{$}", query)
	if cfg.Console {
		// Its session key derives from the secrets key (console.New
		// derives again per use): nodes sharing a database accept each
		// other's sessions.
		con, err := console.New(console.Options{Service: svc, Identities: identities, PublicURL: publicURL,
			Region: firstRegion(cfg.Regions), AcceptRegion: verifier.RegionAccepted, SessionKey: sealKey, Log: log})
		if err != nil {
			return nil, err
		}
		mux.Handle("/console/", con)
	}
	fmts := formats(svc, log, tmp)
	handler := dataplane.Mount(mux, svc, identities.TokenCredential, publicURL, log, fmts...)
	var requests *metrics.Requests
	if m != nil {
		instrument(m, svc, identities, blobs, client, fmts, iamQuery, stsQuery)
		requests = m.Requests
		if cfg.MetricsAddr == "" {
			// Token mode: on the main listener, behind the bearer token.
			mux.Handle("GET /metrics", m.Handler(cfg.MetricsToken))
		}
	}
	srv = &Server{cfg: cfg, log: log, store: st, svc: svc, metrics: m, memDir: memDir,
		handler: withRequestLog(log, requests, withBodyDeadline(cfg.BodyReadTimeout, handler))}
	if sd != nil {
		if err := applySeed(ctx, sd, srv.handler, cfg, key, log); err != nil {
			return nil, err
		}
	}
	return srv, nil
}

// openIdentities starts the IAM/STS service over the metadata store, with
// the key that seals access-key secrets: ARTIFACTD_SECRETS_KEY, or the data
// directory's secrets.key (made on first start).
func openIdentities(ctx context.Context, cfg config.Config, st store.Store, keys *identity.Keyring, log *slog.Logger) (*iam.Service, []byte, error) {
	var sealKey []byte
	var err error
	switch {
	case cfg.SecretsKey != "":
		sealKey, err = identity.ParseSealKey(cfg.SecretsKey)
	case cfg.Ephemeral:
		// The secrets it seals go with the server: no file, no fsync.
		sealKey = make([]byte, 32)
		_, err = rand.Read(sealKey)
	default:
		sealKey, err = identity.LoadOrCreateSealKey(filepath.Join(cfg.DataDir, "secrets.key"))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("secrets key: %w", err)
	}
	ids, err := iam.New(st, keys, sealKey, log)
	if err != nil {
		return nil, nil, err
	}
	if err := ids.CheckSealKey(ctx); err != nil {
		return nil, nil, err
	}
	return ids, sealKey, nil
}

// tempDir returns the data directory's area for files being received
// (uploads, fetches, S3 spools), made if missing, after removing what a
// crash left there: everything in it is temporary, and a file untouched
// for an hour belongs to no request.
func tempDir(dataDir string) (string, error) {
	tmp := filepath.Join(dataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	cutoff := time.Now().Add(-time.Hour)
	for _, e := range ents {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(tmp, e.Name()))
		}
	}
	return tmp, nil
}

// useExternal lets repositories fetch through the configured external
// connections, spooling files being fetched in tmp.
func useExternal(svc *service.Service, cfg config.Config, tmp string, log *slog.Logger) *upstream.Client {
	for _, c := range cfg.ExternalConnections {
		log.Info("external connection", "connection", c.String(), "ttl", c.TTL.String(), "timeout", c.Timeout.String())
	}
	client := upstream.New(cfg.ExternalConnections, log)
	svc.UseExternal(service.External{Client: client, Formats: remoteFormats(), TempDir: tmp})
	return client
}

// rootKey returns the administrator key: from the environment, or from
// the data directory, generated there on first start.
func rootKey(cfg config.Config, out io.Writer) (identity.Key, error) {
	if cfg.RootAccessKeyID != "" {
		return identity.Key{AccessKeyID: cfg.RootAccessKeyID, SecretAccessKey: cfg.RootSecretKey, Account: cfg.Account}, nil
	}
	if cfg.Ephemeral {
		// Nothing to keep it for: made in memory, shown once, gone with
		// the server.
		key := identity.Key{AccessKeyID: "AKIA" + identity.RandomString(16, identity.IDAlphabet),
			SecretAccessKey: identity.RandomString(40, identity.SecretAlphabet), Account: cfg.Account}
		fmt.Fprintf(out, `
artifactd generated administrator credentials for account %s, valid while this ephemeral server runs
(ARTIFACTD_ROOT_ACCESS_KEY_ID and ARTIFACTD_ROOT_SECRET_ACCESS_KEY choose fixed ones):

  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s
  aws --endpoint-url http://%s codeartifact list-domains

`, cfg.Account, key.AccessKeyID, key.SecretAccessKey, firstRegion(cfg.Regions), cfg.Addr)
		return key, nil
	}
	key, created, err := identity.LoadOrCreateRootKey(filepath.Join(cfg.DataDir, "credentials.json"), cfg.Account)
	if err != nil {
		return key, fmt.Errorf("root credentials: %w", err)
	}
	if created {
		// Printed once, to the terminal only: never through the logger.
		fmt.Fprintf(out, `
artifactd generated administrator credentials for account %s and saved them in %s.
Use them with the AWS CLI:

  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s
  aws --endpoint-url http://%s codeartifact list-domains

`, cfg.Account, filepath.Join(cfg.DataDir, "credentials.json"), key.AccessKeyID, key.SecretAccessKey, firstRegion(cfg.Regions), cfg.Addr)
	} else {
		fmt.Fprintf(out, "artifactd: using the administrator access key %s kept in %s\n", key.AccessKeyID, filepath.Join(cfg.DataDir, "credentials.json"))
	}
	return key, nil
}

func firstRegion(rs []string) string {
	for _, r := range rs {
		if r != "*" && r != sigv4.AWSRegions {
			return r
		}
	}
	return "us-east-1"
}

// Handler is the server's HTTP handler (for in-process tests).
func (s *Server) Handler() http.Handler { return s.handler }

// DataDir is where the server keeps its embedded storage (the temporary
// directory of an ephemeral server, gone once it is closed).
func (s *Server) DataDir() string { return s.cfg.DataDir }

// Run serves on cfg.Addr until ctx is cancelled, then shuts down
// gracefully: in-flight requests finish before storage closes. It closes
// the server.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		s.Close()
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (an in-process server on
// a port the kernel chose); it closes ln and the server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var metricsLn net.Listener
	if s.metrics != nil && s.cfg.MetricsAddr != "" {
		var err error
		if metricsLn, err = net.Listen("tcp", s.cfg.MetricsAddr); err != nil {
			ln.Close()
			s.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	ln = newLimitListener(ln, s.cfg.MaxConnections)
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: s.cfg.IdleTimeout,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.log.Info("listening", "addr", ln.Addr().String(), "data_dir", s.cfg.DataDir, "ephemeral", s.cfg.Ephemeral,
		"regions", s.cfg.Regions, "database", redact(s.cfg.Database), "blob_store", s.cfg.BlobStore)

	bg, stopBG := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.collectLoop(bg) }()
	retentionDone := make(chan struct{})
	go func() { defer close(retentionDone); s.retentionLoop(bg) }()
	// Download times: written every interval, and the rest once requests
	// have finished (stopBG comes after the HTTP shutdown).
	flushDone := make(chan struct{})
	go func() { defer close(flushDone); s.svc.RunDownloadFlusher(bg, s.cfg.DownloadFlushInterval) }()
	metricsDone := s.serveMetrics(bg, metricsLn)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	stopBG()
	<-done
	<-retentionDone
	<-flushDone
	if metricsDone != nil {
		<-metricsDone
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close closes storage and, for an ephemeral server, removes its
// directory. Serve and Run close the server when they return; Close is for
// a server that never served, and may be called again.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.store.Close()
		if s.cfg.Ephemeral {
			for _, dir := range []string{s.cfg.DataDir, s.memDir} {
				if dir == "" {
					continue
				}
				if err := os.RemoveAll(dir); err != nil && s.closeErr == nil {
					s.closeErr = fmt.Errorf("removing the ephemeral data dir: %w", err)
				}
			}
		}
	})
	return s.closeErr
}

// collectLoop removes unreferenced blob bytes at start-up (recovering from
// a crash between a delete and its collection), periodically, and at once
// when an operation that freed blobs wakes it (Service.WakeCollector;
// wake-ups that arrive during a run coalesce into one more run). When
// several nodes share the store, only the one that leads the job runs it;
// a node woken while another leads retries shortly, so bytes a delete on
// it freed after the leader's last look do not wait for the next period.
func (s *Server) collectLoop(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	var retry <-chan time.Time
	woken, retries := false, 0
	for {
		retry = nil
		if !s.leading(ctx, "blob-collector", s.svc.CollectOrphans) && woken && retries < 30 {
			retry = time.After(time.Second)
			retries++
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			woken = false
		case <-s.svc.CollectorWake():
			woken, retries = true, 0
		case <-retry:
		}
	}
}

// retentionLoop runs the retention rules every --retention-interval, on
// the node that leads the job. The first run waits one interval: a node
// starting up (or a test) does not act on versions at once.
func (s *Server) retentionLoop(ctx context.Context) {
	if s.cfg.RetentionInterval <= 0 {
		return
	}
	t := time.NewTicker(s.cfg.RetentionInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.leading(ctx, "retention", s.svc.RunRetention)
		}
	}
}

// leading runs job if this process leads it (always, on a store that only
// one process uses) and reports whether it ran.
func (s *Server) leading(ctx context.Context, name string, job func(context.Context)) bool {
	l, shared := s.store.(store.Leader)
	if !shared {
		job(ctx)
		return true
	}
	release, ok, err := l.TryLead(ctx, name)
	if err != nil {
		s.log.Warn("taking the lead", "job", name, "err", err)
		return false
	}
	if !ok {
		return false // another node runs it
	}
	defer release()
	job(ctx)
	return true
}
