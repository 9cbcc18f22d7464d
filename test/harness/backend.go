package harness

// Storage backends. By default every server keeps its metadata and blobs
// under its data directory (the embedded SQLite database and blob folder).
// With ARTIFACTD_TEST_BACKEND=postgres-s3 every server gets instead a fresh
// PostgreSQL database and a prefix of its own in an S3 bucket, so the whole
// conformance suite runs against the clustered configuration too:
//
//	eval "$(scripts/start-postgres)"; eval "$(scripts/start-s3)"
//	ARTIFACTD_TEST_BACKEND=postgres-s3 go test -count=1 ./test/conformance/
//
// ARTIFACTD_TEST_POSTGRES_DSN names a PostgreSQL server and a user that may
// create and drop databases; ARTIFACTD_TEST_S3_URL is a blob-store URL
// (s3://BUCKET[/PREFIX]?region=...&endpoint=...&use_path_style=true) whose
// bucket is created when missing; the S3 credentials come from the usual
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) variables.
// scripts/start-postgres and scripts/start-s3 print all of them.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// Backends, the values of ARTIFACTD_TEST_BACKEND.
const (
	// BackendEmbedded keeps everything under the data directory (the default).
	BackendEmbedded = "embedded"
	// BackendPostgresS3 gives each server a PostgreSQL database and an S3 prefix.
	BackendPostgresS3 = "postgres-s3"
)

// Environment variables of the postgres-s3 backend.
const (
	BackendEnv     = "ARTIFACTD_TEST_BACKEND"
	PostgresDSNEnv = "ARTIFACTD_TEST_POSTGRES_DSN"
	S3URLEnv       = "ARTIFACTD_TEST_S3_URL"
)

// Backend is the backend harness.Start gives servers by default, from
// ARTIFACTD_TEST_BACKEND ("" means embedded).
func Backend() string {
	switch b := os.Getenv(BackendEnv); b {
	case "", BackendEmbedded:
		return BackendEmbedded
	default:
		return b
	}
}

// OnPostgresS3 reports whether servers run on the postgres-s3 backend by
// default (tests that must adapt to it, e.g. skip what moto makes too slow).
func OnPostgresS3() bool { return Backend() == BackendPostgresS3 }

// RequireSharedStorage is for tests that run several servers on one
// database and one bucket (WithPostgresS3 + WithShared). They need
// ARTIFACTD_TEST_POSTGRES_DSN and ARTIFACTD_TEST_S3_URL, whatever
// ARTIFACTD_TEST_BACKEND says. Without them the test is skipped, except in
// CI (CI set), where it fails: a multi-node setup that is never tested must
// not pass silently.
func RequireSharedStorage(t testing.TB) {
	t.Helper()
	var missing []string
	for _, k := range []string{PostgresDSNEnv, S3URLEnv} {
		if os.Getenv(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("%s not set: several servers can only share PostgreSQL + S3 storage "+
		"(eval \"$(scripts/start-postgres)\"; eval \"$(scripts/start-s3)\" start both and set them)",
		strings.Join(missing, " and "))
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI is set, so this is a failure", msg)
	}
	t.Skip(msg)
}

// WithPostgresS3 starts the server on the postgres-s3 backend whatever
// ARTIFACTD_TEST_BACKEND says (call RequireSharedStorage first).
func WithPostgresS3() Option { return func(c *config) { c.backend = BackendPostgresS3 } }

// WithShared starts a server on the database and blob prefix of other, as
// a second node of one installation: it also gets other's account and root
// key (nodes of a cluster must share them, see docs/deployment.md; with
// WithoutRootKey it generates one of its own instead), and a data directory
// of its own. other must run on the postgres-s3 backend
// (WithPostgresS3, or ARTIFACTD_TEST_BACKEND=postgres-s3): the embedded
// storage belongs to one process.
func WithShared(other *Server) Option { return func(c *config) { c.shared = other } }

// storage is the PostgreSQL database and S3 prefix of one or more servers.
type storage struct {
	dbName   string
	dsn      string // the server's --database
	blobURL  string // the server's --blob-store
	bucket   string
	prefix   string // ends in "/"
	spoolDir string // the servers' TMPDIR, where the S3 store spools uploads
	client   *s3.Client
	awsEnv   []string // credentials for the server process
	sealKey  string   // ARTIFACTD_SECRETS_KEY: every node on this database seals access-key secrets alike
	dataDir  string   // the data dir it was created for ("" when not given by the test)
	adminDSN string

	dropMu  sync.Mutex
	dropped bool
}

// storages maps a data directory given with WithDataDir to its storage, so
// that a second harness.Start on the same data directory finds the same
// state, as it does on the embedded backend.
var storages sync.Map // data dir -> *storage

// newStorage creates a database and picks a prefix for a server, and
// registers their removal at the end of the test.
func newStorage(t testing.TB, dataDir string) *storage {
	t.Helper()
	dsn, rawS3 := os.Getenv(PostgresDSNEnv), os.Getenv(S3URLEnv)
	if dsn == "" || rawS3 == "" {
		t.Fatalf("harness: the %s backend needs %s and %s (eval \"$(scripts/start-postgres)\"; eval \"$(scripts/start-s3)\")",
			BackendPostgresS3, PostgresDSNEnv, S3URLEnv)
	}
	st := &storage{adminDSN: dsn, dataDir: dataDir, sealKey: randomSealKey(t)}
	id := randomString(t, "abcdefghijklmnopqrstuvwxyz0123456789", 12)

	// The database.
	admin := adminDB(t, dsn)
	st.dbName = "t_" + id
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+st.dbName); err != nil {
		t.Fatalf("harness: CREATE DATABASE %s: %v", st.dbName, err)
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("harness: %s must be a postgres:// URL (%v)", PostgresDSNEnv, err)
	}
	u.Path, u.RawPath = "/"+st.dbName, ""
	st.dsn = u.String()

	// The prefix, below the URL's own.
	u, err = url.Parse(rawS3)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		t.Fatalf("harness: %s must be s3://BUCKET[/PREFIX]?... (%v)", S3URLEnv, err)
	}
	st.bucket = u.Host
	st.prefix = path.Join(strings.Trim(u.Path, "/"), "t-"+id) + "/"
	u.Path, u.RawPath = "/"+strings.TrimSuffix(st.prefix, "/"), ""
	st.blobURL = u.String()
	st.client = s3Client(t, u)
	ensureBucket(t, st.client, st.bucket)

	// Only the credentials cross into the server's environment; the empty
	// config files and the disabled instance metadata keep the test
	// runner's own AWS setup (profiles, endpoint_url, roles) out of it.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if v := os.Getenv(k); v != "" {
			st.awsEnv = append(st.awsEnv, k+"="+v)
		}
	}
	st.awsEnv = append(st.awsEnv,
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true")

	// The S3 store spools uploads in os.TempDir: give the servers a folder
	// of their own, so that BlobDigests sees a temp file left behind.
	if st.spoolDir, err = os.MkdirTemp("", "artifactd-spool-"); err != nil {
		t.Fatalf("harness: %v", err)
	}

	t.Cleanup(func() { st.drop(t) })
	if dataDir != "" {
		storages.Store(dataDir, st)
	}
	return st
}

// drop removes the database, the objects under the prefix and the spool
// folder. Servers using them must be stopped first (their cleanups,
// registered later, run earlier).
func (st *storage) drop(t testing.TB) {
	st.dropMu.Lock()
	defer st.dropMu.Unlock()
	if st.dropped {
		return
	}
	st.dropped = true
	if st.dataDir != "" {
		storages.CompareAndDelete(st.dataDir, st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// FORCE: a server the test leaked must not keep the database alive.
	if _, err := adminDB(t, st.adminDSN).ExecContext(ctx, "DROP DATABASE IF EXISTS "+st.dbName+" WITH (FORCE)"); err != nil {
		t.Errorf("harness: dropping database %s: %v", st.dbName, err)
	}
	keys, err := st.keys(ctx)
	if err != nil {
		t.Errorf("harness: listing %s to clean it up: %v", st.prefix, err)
	}
	for chunk := range slices.Chunk(keys, 1000) {
		objs := make([]s3types.ObjectIdentifier, len(chunk))
		for i, k := range chunk {
			objs[i] = s3types.ObjectIdentifier{Key: aws.String(k)}
		}
		_, err := st.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &st.bucket, Delete: &s3types.Delete{Objects: objs, Quiet: aws.Bool(true)},
		})
		if err != nil {
			t.Errorf("harness: cleaning up %s: %v", st.prefix, err)
			break
		}
	}
	os.RemoveAll(st.spoolDir)
}

// keys lists every key under the prefix.
func (st *storage) keys(ctx context.Context) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(st.client, &s3.ListObjectsV2Input{Bucket: &st.bucket, Prefix: &st.prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

var adminDBs sync.Map // DSN -> *sql.DB, for the life of the test process

func adminDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	if db, ok := adminDBs.Load(dsn); ok {
		return db.(*sql.DB)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("harness: %s: %v", PostgresDSNEnv, err)
	}
	db.SetMaxOpenConns(4)
	if actual, loaded := adminDBs.LoadOrStore(dsn, db); loaded {
		db.Close()
		return actual.(*sql.DB)
	}
	return db
}

// s3Client is a client for the URL's endpoint with the test process's AWS
// credentials. moto's in-memory backend now and then answers a 500 under
// concurrent writes: the harness's own calls retry more than the default.
func s3Client(t testing.TB, u *url.URL) *s3.Client {
	t.Helper()
	q := u.Query()
	var opts []func(*awsconfig.LoadOptions) error
	if r := q.Get("region"); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatalf("harness: AWS configuration for %s: %v", S3URLEnv, err)
	}
	pathStyle := false
	for _, k := range []string{"use_path_style", "s3ForcePathStyle"} {
		if b, _ := strconv.ParseBool(q.Get(k)); b {
			pathStyle = true
		}
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if e := q.Get("endpoint"); e != "" {
			o.BaseEndpoint = aws.String(e)
		}
		o.UsePathStyle = pathStyle
		o.RetryMaxAttempts = 10
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

var bucketsMade sync.Map // bucket -> func() error, once per bucket and process

func ensureBucket(t testing.TB, client *s3.Client, bucket string) {
	t.Helper()
	v, _ := bucketsMade.LoadOrStore(bucket, sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); err == nil {
			return nil
		}
		_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
		var owned *s3types.BucketAlreadyOwnedByYou
		var exists *s3types.BucketAlreadyExists
		if errors.As(err, &owned) || errors.As(err, &exists) {
			return nil
		}
		return err
	}))
	if err := v.(func() error)(); err != nil {
		t.Fatalf("harness: creating bucket %s: %v", bucket, err)
	}
}

// servers maps a data directory to the last Server started on it, for
// helpers that only know the data directory (ServerOf).
var servers sync.Map // data dir -> *Server

// ServerOf returns the Server most recently started on data directory dir
// in this test process, or nil.
func ServerOf(dir string) *Server {
	if s, ok := servers.Load(dir); ok {
		return s.(*Server)
	}
	return nil
}

// Backend is the backend this server runs on.
func (s *Server) Backend() string {
	if s.storage != nil {
		return BackendPostgresS3
	}
	return BackendEmbedded
}

// DatabaseName is the server's PostgreSQL database ("" on the embedded backend).
func (s *Server) DatabaseName() string {
	if s.storage == nil {
		return ""
	}
	return s.storage.dbName
}

// S3Client returns a client of the server's bucket, the bucket and the
// key prefix (ending in "/") its blobs live under; nil on the embedded
// backend.
func (s *Server) S3Client() (client *s3.Client, bucket, prefix string) {
	if s.storage == nil {
		return nil, "", ""
	}
	return s.storage.client, s.storage.bucket, s.storage.prefix
}

// BlobDigests lists, sorted, the digests whose bytes the server's blob
// store holds: the files <data-dir>/blobs/sha256/ab/cd/<digest> on the
// embedded backend, the keys PREFIX/sha256/ab/cd/<digest> on postgres-s3.
// Anything else found there is listed too, by a description that is not a
// digest, so that comparing the result with a list of digests fails and
// names it: a file in blobs/ outside that layout (an upload's temp file in
// blobs/tmp/ is "file blobs/tmp/upload-..."), a key outside it ("key
// PREFIX/..."), or a file the S3 store left in its spool folder ("spool
// artifactd-s3-upload-...").
func (s *Server) BlobDigests(t testing.TB) []string {
	t.Helper()
	out, err := s.ListBlobs(context.Background())
	if err != nil {
		t.Fatalf("harness: listing the blob store: %v", err)
	}
	return out
}

// ListBlobs is BlobDigests for callers without a testing.TB.
func (s *Server) ListBlobs(ctx context.Context) ([]string, error) {
	var out []string
	if st := s.storage; st != nil {
		keys, err := st.keys(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", st.bucket, st.prefix, err)
		}
		for _, k := range keys {
			if d, ok := blobDigest(strings.TrimPrefix(k, st.prefix)); ok {
				out = append(out, d)
			} else {
				out = append(out, "key "+k)
			}
		}
		entries, err := os.ReadDir(st.spoolDir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			out = append(out, "spool "+e.Name())
		}
	} else {
		root := filepath.Join(s.DataDir, "blobs")
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // not created yet, or removed while walking
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			if dg, ok := blobDigest(filepath.ToSlash(rel)); ok && d.Type().IsRegular() {
				out = append(out, dg)
			} else {
				out = append(out, "file "+filepath.ToSlash(filepath.Join("blobs", rel)))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	inline, err := s.inlineDigests(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, inline...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// inlineDigests lists the digests whose bytes the server keeps in its
// database (--inline-blob-kb): they are blobs too, only stored elsewhere.
func (s *Server) inlineDigests(ctx context.Context) ([]string, error) {
	var db *sql.DB
	if st := s.storage; st != nil {
		var err error
		if db, err = sql.Open("pgx", st.dsn); err != nil {
			return nil, err
		}
		defer db.Close()
	} else {
		p := filepath.Join(s.DataDir, "artifactd.db")
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, nil // no server has run here yet
		}
		var err error
		if db, err = sqlite.OpenReadOnly(ctx, p); err != nil {
			return nil, err
		}
		defer db.Close()
	}
	rows, err := db.QueryContext(ctx, "SELECT sha256 FROM inline_blobs")
	if err != nil {
		return nil, fmt.Errorf("listing inline blobs: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// blobDigest returns the digest of a path sha256/ab/cd/<digest> relative
// to the store's root, and whether it is one.
func blobDigest(rel string) (string, bool) {
	parts := strings.Split(rel, "/")
	if len(parts) != 4 || parts[0] != "sha256" {
		return "", false
	}
	d := parts[3]
	if len(d) != 64 || strings.Trim(d, "0123456789abcdef") != "" || parts[1] != d[:2] || parts[2] != d[2:4] {
		return "", false
	}
	return d, true
}

// RunCommand runs another artifactd command (fsck, ...) on the server's
// storage: with --data-dir, plus --database and --blob-store on
// postgres-s3, and the server's environment. The server may be running
// or stopped. It returns the command's output and exit status.
func (s *Server) RunCommand(t testing.TB, command string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	full := []string{command, "--data-dir", s.DataDir}
	if st := s.storage; st != nil {
		full = append(full, "--database", st.dsn, "--blob-store", st.blobURL)
	}
	cmd := exec.Command(s.bin, append(full, args...)...)
	cmd.Env = s.env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("harness: running artifactd %s: %v", command, err)
	}
	return out.String(), errOut.String(), code
}

// randomSealKey returns a fresh ARTIFACTD_SECRETS_KEY value (32 random
// bytes, base64).
func randomSealKey(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}
