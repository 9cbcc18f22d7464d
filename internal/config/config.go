// Package config reads artifactd's settings from flags, with every flag
// also readable from the environment as ARTIFACTD_<FLAG>.
package config

import (
	"flag"
	"fmt"
	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/upstream"
)

// Config is everything `artifactd serve` needs.
type Config struct {
	Addr    string // where to listen
	DataDir string // embedded storage
	// RetentionInterval is how often the retention rules run; 0 = never.
	RetentionInterval time.Duration
	// DownloadFlushInterval is how often the download times gathered in
	// memory are written to the store (> 0).
	DownloadFlushInterval time.Duration
	Regions               []string // accepted SigV4 regions; "*" = any, sigv4.AWSRegions = the AWS partitions (default)
	LogJSON               bool     // JSON logs instead of text
	// Database is the metadata store: "" for the embedded SQLite database
	// under DataDir, or postgres://... .
	Database string
	// BlobStore is where asset bytes go: "" for DataDir/blobs, file:///PATH,
	// or s3://BUCKET[/PREFIX]?region=&endpoint=&use_path_style=.
	BlobStore string
	// BlobCacheMB is how much memory (MiB) keeps recently downloaded small
	// blobs; 0 turns the cache off.
	BlobCacheMB int
	// InlineBlobKB is the size (KiB) up to which a published asset's bytes
	// are kept in the metadata database instead of the blob store; 0 keeps
	// every asset in the blob store.
	InlineBlobKB int
	// PublicURL is the base of the data-plane endpoints that
	// GetRepositoryEndpoint hands out (default: http://{addr}).
	PublicURL string

	// ExternalConnections are the registries external connections reach
	// (--external-connection NAME=URL); a connection not listed fetches
	// nothing.
	ExternalConnections []upstream.Connection

	// Connection limits: how long a keep-alive connection may sit idle,
	// how long a request body may send nothing, and how many connections
	// are served at once (0 = no limit).
	IdleTimeout     time.Duration
	BodyReadTimeout time.Duration
	MaxConnections  int

	Account         string // the built-in account
	RootAccessKeyID string // administrator key from the environment (optional)
	RootSecretKey   string
	// SecretsKey seals stored access-key secrets (base64 of 32 bytes,
	// ARTIFACTD_SECRETS_KEY). "" = the data directory's secrets.key,
	// generated on first start. Nodes sharing a database share it.
	SecretsKey string

	// Ephemeral keeps everything in a new temporary directory that the
	// server removes when it stops (DataDir is then "" until the server
	// makes it).
	Ephemeral bool
	// Seed is a YAML or JSON file of domains, repositories and packages
	// to create at start-up, before the server takes requests.
	Seed string

	// Metrics are off unless one of these is set. MetricsAddr serves
	// /metrics on a listener of its own; MetricsToken (read from the
	// variable MetricsTokenEnv names) is a bearer token /metrics requires,
	// served on the main listener when MetricsAddr is "".
	MetricsAddr     string
	MetricsTokenEnv string
	MetricsToken    string

	// Console serves the web console at /console/ (off by default).
	Console bool
}

// MetricsOn reports whether the server serves /metrics.
func (c Config) MetricsOn() bool { return c.MetricsAddr != "" || c.MetricsToken != "" }

// DefaultAccount is the built-in account when ARTIFACTD_ACCOUNT_ID is unset.
const DefaultAccount = "000000000000"

type regionList []string

func (r *regionList) String() string { return strings.Join(*r, ",") }
func (r *regionList) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*r = append(*r, x)
		}
	}
	return nil
}

// MaxInlineBlobKB bounds --inline-blob-kb: larger assets belong in the blob
// store, which streams them; an inline one is read whole into memory.
const MaxInlineBlobKB = 1024

// Parse reads the serve command's flags. getenv supplies defaults from the
// environment (os.Getenv in production).
func Parse(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv("ARTIFACTD_" + name); v != "" {
			return v
		}
		return def
	}
	var c Config
	var regions regionList
	var conns connectionList
	var badEnv []error
	fs.StringVar(&c.Addr, "addr", env("ADDR", "127.0.0.1:8700"), "address to listen on (HOST:PORT) [ARTIFACTD_ADDR]")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "./data"), "directory of the embedded storage [ARTIFACTD_DATA_DIR]")
	fs.Var(&regions, "region", "accepted SigV4 region; repeat for several; 'aws' for every region of the AWS partitions (the default), '*' for any name [ARTIFACTD_REGION, comma-separated]")
	fs.StringVar(&c.Database, "database", env("DATABASE", ""), "metadata store URL: postgres://USER@HOST/DB (default: SQLite in the data dir) [ARTIFACTD_DATABASE]")
	fs.StringVar(&c.BlobStore, "blob-store", env("BLOB_STORE", ""), "blob store URL: s3://BUCKET[/PREFIX]?region=R&endpoint=URL&use_path_style=true or file:///PATH (default: the data dir) [ARTIFACTD_BLOB_STORE]")
	fs.StringVar(&c.PublicURL, "public-url", env("PUBLIC_URL", ""), "base URL clients reach the server at, for repository endpoints (default http://ADDR); a wildcard host (https://*.repo.example.com) gives host-style endpoints [ARTIFACTD_PUBLIC_URL]")
	cacheMB, err := strconv.Atoi(env("BLOB_CACHE_MB", "64"))
	if err != nil {
		return c, fmt.Errorf("ARTIFACTD_BLOB_CACHE_MB: %w", err)
	}
	fs.IntVar(&c.BlobCacheMB, "blob-cache-mb", cacheMB, "memory for recently downloaded blobs of up to 1 MiB, in MiB; 0 = none [ARTIFACTD_BLOB_CACHE_MB]")
	inlineKB, err := strconv.Atoi(env("INLINE_BLOB_KB", "16"))
	if err != nil {
		return c, fmt.Errorf("ARTIFACTD_INLINE_BLOB_KB: %w", err)
	}
	fs.IntVar(&c.InlineBlobKB, "inline-blob-kb", inlineKB, "keep published assets of up to this many KiB in the metadata database, written with the publish's one transaction, instead of the blob store; 0 = never, at most 1024 [ARTIFACTD_INLINE_BLOB_KB]")
	fs.Var(&conns, "external-connection", "registry an external connection reaches: NAME=URL[;ttl=30m][;timeout=60s][;token-env=VAR|basic-env=VAR], e.g. public:npmjs=https://REGISTRY/; repeat for several [ARTIFACTD_EXTERNAL_CONNECTION, comma-separated]")
	durationFlag := func(p *time.Duration, name, envName, def, usage string) {
		d, err := time.ParseDuration(env(envName, def))
		if err != nil {
			d, _ = time.ParseDuration(def)
			badEnv = append(badEnv, fmt.Errorf("ARTIFACTD_%s: %w", envName, err))
		}
		fs.DurationVar(p, name, d, usage+" [ARTIFACTD_"+envName+"]")
	}
	durationFlag(&c.RetentionInterval, "retention-interval", "RETENTION_INTERVAL", "1h", "how often the retention rules run (on one node of a cluster); 0 = never")
	durationFlag(&c.DownloadFlushInterval, "download-flush-interval", "DOWNLOAD_FLUSH_INTERVAL", "5s", "how often the download times kept in memory are written to the database (what retention's --downloaded-within-days reads)")
	durationFlag(&c.IdleTimeout, "idle-timeout", "IDLE_TIMEOUT", "2m", "how long a keep-alive connection may stay idle before it is closed")
	durationFlag(&c.BodyReadTimeout, "body-read-timeout", "BODY_READ_TIMEOUT", "1m", "how long a request body may send nothing before the request fails (slow uploads are fine while bytes arrive)")
	maxConns, err := strconv.Atoi(env("MAX_CONNECTIONS", "4096"))
	if err != nil {
		return c, fmt.Errorf("ARTIFACTD_MAX_CONNECTIONS: %w", err)
	}
	fs.IntVar(&c.MaxConnections, "max-connections", maxConns, "connections served at once; more wait to be accepted (0 = no limit) [ARTIFACTD_MAX_CONNECTIONS]")
	fs.BoolVar(&c.LogJSON, "log-json", env("LOG_JSON", "") == "true", "log as JSON [ARTIFACTD_LOG_JSON]")
	fs.BoolVar(&c.Ephemeral, "ephemeral", env("EPHEMERAL", "") == "true", "keep everything in a temporary directory removed when the server stops; for tests (not with --data-dir, --database or --blob-store) [ARTIFACTD_EPHEMERAL]")
	fs.StringVar(&c.Seed, "seed", env("SEED", ""), "YAML or JSON file of domains, repositories and packages to create at start-up (what exists already is kept) [ARTIFACTD_SEED]")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this address of its own (HOST:PORT, e.g. 127.0.0.1:9700); off by default [ARTIFACTD_METRICS_ADDR]")
	fs.StringVar(&c.MetricsTokenEnv, "metrics-token-env", env("METRICS_TOKEN_ENV", ""), "name of an environment variable holding a bearer token that /metrics requires; without --metrics-addr, /metrics is then served on the main listener [ARTIFACTD_METRICS_TOKEN_ENV]")
	fs.BoolVar(&c.Console, "console", env("CONSOLE", "") == "true", "serve the web console at /console/ (sign in with an access key or an authorization token); off by default [ARTIFACTD_CONSOLE]")
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.Ephemeral {
		// Storage flags name places that outlive the process: refuse them
		// rather than leave something behind or ignore them silently.
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		for _, name := range []string{"data-dir", "database", "blob-store"} {
			envName := "ARTIFACTD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
			switch {
			case given[name]:
				return c, fmt.Errorf("--ephemeral keeps everything in a temporary directory: it cannot be combined with --%s", name)
			case getenv(envName) != "":
				return c, fmt.Errorf("--ephemeral keeps everything in a temporary directory: it cannot be combined with %s", envName)
			}
		}
		c.DataDir = ""
	}
	if len(badEnv) > 0 {
		return c, badEnv[0]
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if len(regions) == 0 {
		regions.Set(env("REGION", sigv4.AWSRegions))
	}
	c.Regions = regions
	if len(conns) == 0 {
		conns.Set(env("EXTERNAL_CONNECTION", ""))
	}
	seen := map[string]bool{}
	for _, spec := range conns {
		conn, err := upstream.ParseConnection(spec, getenv)
		if err != nil {
			return c, err
		}
		if _, ok := domain.ExternalConnectionFormat(conn.Name); !ok {
			return c, fmt.Errorf("--external-connection: %s is not an external connection name (public:npmjs, public:pypi, public:maven-central, public:maven-googleandroid, public:maven-gradleplugins, public:maven-commonsware, public:maven-clojars, public:nuget-org, public:crates-io, public:ruby-gems-org)", conn.Name)
		}
		if seen[conn.Name] {
			return c, fmt.Errorf("--external-connection: %s is given twice", conn.Name)
		}
		seen[conn.Name] = true
		c.ExternalConnections = append(c.ExternalConnections, conn)
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	c.Account = env("ACCOUNT_ID", DefaultAccount)
	c.RootAccessKeyID = getenv("ARTIFACTD_ROOT_ACCESS_KEY_ID")
	c.RootSecretKey = getenv("ARTIFACTD_ROOT_SECRET_ACCESS_KEY")
	c.SecretsKey = getenv("ARTIFACTD_SECRETS_KEY")
	if c.MetricsTokenEnv != "" {
		if c.MetricsToken = getenv(c.MetricsTokenEnv); c.MetricsToken == "" {
			// Refused rather than served openly: the operator asked for a token.
			return c, fmt.Errorf("--metrics-token-env: the environment variable %s is unset or empty", c.MetricsTokenEnv)
		}
	}
	return c, c.validate()
}

// connectionList collects --external-connection values; the environment
// variable's value is a comma-separated list.
type connectionList []string

func (l *connectionList) String() string { return strings.Join(*l, ",") }
func (l *connectionList) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*l = append(*l, x)
		}
	}
	return nil
}

func (c Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: %w", c.Addr, err)
	}
	if !identity.ValidAccount(c.Account) {
		return fmt.Errorf("ARTIFACTD_ACCOUNT_ID %q is not a 12-digit account id", c.Account)
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretKey == "") {
		return fmt.Errorf("set both ARTIFACTD_ROOT_ACCESS_KEY_ID and ARTIFACTD_ROOT_SECRET_ACCESS_KEY, or neither")
	}
	if c.SecretsKey != "" {
		if _, err := identity.ParseSealKey(c.SecretsKey); err != nil {
			return fmt.Errorf("ARTIFACTD_SECRETS_KEY: %w", err)
		}
	}
	if _, err := domain.ParsePublicURL(c.PublicURL); err != nil {
		return fmt.Errorf("--public-url: %w", err)
	}
	if c.IdleTimeout < 0 || c.BodyReadTimeout < 0 || c.MaxConnections < 0 {
		return fmt.Errorf("--idle-timeout, --body-read-timeout and --max-connections must not be negative")
	}
	if c.DownloadFlushInterval <= 0 {
		return fmt.Errorf("--download-flush-interval must be positive")
	}
	if c.BlobCacheMB < 0 {
		return fmt.Errorf("--blob-cache-mb must not be negative")
	}
	if c.InlineBlobKB < 0 || c.InlineBlobKB > MaxInlineBlobKB {
		return fmt.Errorf("--inline-blob-kb must be between 0 and %d", MaxInlineBlobKB)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %q: %w", c.MetricsAddr, err)
		}
	}
	if c.DataDir == "" && !c.Ephemeral {
		return fmt.Errorf("--data-dir must not be empty")
	}
	return nil
}
