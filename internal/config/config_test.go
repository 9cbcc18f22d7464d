package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestDefaults(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:8700", DataDir: "./data", Regions: []string{"aws"}, Account: DefaultAccount, PublicURL: "http://127.0.0.1:8700", BlobCacheMB: 64, InlineBlobKB: 16,
		IdleTimeout: 2 * time.Minute, BodyReadTimeout: time.Minute, MaxConnections: 4096, RetentionInterval: time.Hour,
		DownloadFlushInterval: 5 * time.Second}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults = %+v, want %+v", c, want)
	}
}

func TestFlagsBeatEnvironment(t *testing.T) {
	e := env(map[string]string{"ARTIFACTD_ADDR": "127.0.0.1:1", "ARTIFACTD_DATA_DIR": "/env", "ARTIFACTD_REGION": "eu-west-1,us-west-2"})
	c, err := Parse([]string{"--addr", "127.0.0.1:2", "--public-url", "https://repo.example.com/"}, e)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:2" || c.DataDir != "/env" || c.PublicURL != "https://repo.example.com" {
		t.Errorf("got %+v", c)
	}
	if !reflect.DeepEqual(c.Regions, []string{"eu-west-1", "us-west-2"}) {
		t.Errorf("regions from the environment = %v", c.Regions)
	}
	c, err = Parse([]string{"--region", "us-east-1", "--region", "*"}, e)
	if err != nil || !reflect.DeepEqual(c.Regions, []string{"us-east-1", "*"}) {
		t.Errorf("repeated --region: %v, %v", c.Regions, err)
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--addr", "nope"}, nil, "--addr"},
		{nil, map[string]string{"ARTIFACTD_ACCOUNT_ID": "123"}, "12-digit"},
		{nil, map[string]string{"ARTIFACTD_ROOT_ACCESS_KEY_ID": "AKID"}, "both"},
		{[]string{"extra"}, nil, "unexpected"},
		{[]string{"--blob-cache-mb", "-1"}, nil, "negative"},
		{[]string{"--inline-blob-kb", "-1"}, nil, "between 0 and 1024"},
		{[]string{"--inline-blob-kb", "1025"}, nil, "between 0 and 1024"},
		{nil, map[string]string{"ARTIFACTD_INLINE_BLOB_KB": "x"}, "ARTIFACTD_INLINE_BLOB_KB"},
		{[]string{"--public-url", "http://repo.*.example.com"}, nil, "wildcard"},
		{[]string{"--public-url", "https://*.example.com/base"}, nil, "wildcard"},
		{[]string{"--public-url", "ftp://example.com"}, nil, "public-url"},
		{nil, map[string]string{"ARTIFACTD_BLOB_CACHE_MB": "lots"}, "BLOB_CACHE_MB"},
	} {
		_, err := Parse(tc.args, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%v, %v) = %v, want an error mentioning %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestExternalConnectionsAndLimits(t *testing.T) {
	e := env(map[string]string{
		"ARTIFACTD_EXTERNAL_CONNECTION": "public:npmjs=http://127.0.0.1:1/;ttl=1m, public:pypi=http://127.0.0.1:2/simple/",
		"ARTIFACTD_IDLE_TIMEOUT":        "5s",
		"ARTIFACTD_MAX_CONNECTIONS":     "10",
	})
	c, err := Parse([]string{"--body-read-timeout", "3s"}, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ExternalConnections) != 2 || c.ExternalConnections[0].Name != "public:npmjs" || c.ExternalConnections[0].TTL != time.Minute ||
		c.ExternalConnections[1].URL.String() != "http://127.0.0.1:2/simple/" {
		t.Errorf("connections %+v", c.ExternalConnections)
	}
	if c.IdleTimeout != 5*time.Second || c.BodyReadTimeout != 3*time.Second || c.MaxConnections != 10 {
		t.Errorf("limits %v %v %d", c.IdleTimeout, c.BodyReadTimeout, c.MaxConnections)
	}
	c, err = Parse([]string{"--external-connection", "public:crates-io=http://127.0.0.1:3/"}, e)
	if err != nil || len(c.ExternalConnections) != 1 || c.ExternalConnections[0].Name != "public:crates-io" {
		t.Errorf("the flag replaces the environment's list: %+v %v", c.ExternalConnections, err)
	}
	for _, args := range [][]string{
		{"--external-connection", "public:nope=http://127.0.0.1:1/"},
		{"--external-connection", "public:npmjs=http://127.0.0.1:1/", "--external-connection", "public:npmjs=http://127.0.0.1:2/"},
		{"--external-connection", "public:npmjs=file:///etc/"},
		{"--max-connections", "-1"},
		{"--idle-timeout", "-1s"},
	} {
		if _, err := Parse(args, env(nil)); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := Parse(nil, env(map[string]string{"ARTIFACTD_BODY_READ_TIMEOUT": "soon"})); err == nil {
		t.Error("a malformed ARTIFACTD_BODY_READ_TIMEOUT accepted")
	}
}

func TestEphemeral(t *testing.T) {
	c, err := Parse([]string{"--ephemeral", "--seed", "seed.yaml"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Ephemeral || c.DataDir != "" || c.Seed != "seed.yaml" {
		t.Errorf("--ephemeral --seed: %+v", c)
	}
	c, err = Parse(nil, env(map[string]string{"ARTIFACTD_EPHEMERAL": "true", "ARTIFACTD_SEED": "s.json"}))
	if err != nil || !c.Ephemeral || c.Seed != "s.json" {
		t.Errorf("from the environment: %+v, %v", c, err)
	}
	// Storage that outlives the process is refused, from flags or the
	// environment, with the name the user gave.
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--ephemeral", "--data-dir", "/srv/data"}, nil, "--data-dir"},
		{[]string{"--ephemeral", "--database", "postgres://db/x"}, nil, "--database"},
		{[]string{"--ephemeral", "--blob-store", "file:///srv/blobs"}, nil, "--blob-store"},
		{[]string{"--ephemeral"}, map[string]string{"ARTIFACTD_DATA_DIR": "/srv/data"}, "ARTIFACTD_DATA_DIR"},
		{nil, map[string]string{"ARTIFACTD_EPHEMERAL": "true", "ARTIFACTD_BLOB_STORE": "s3://b"}, "ARTIFACTD_BLOB_STORE"},
	} {
		_, err := Parse(tc.args, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--ephemeral") {
			t.Errorf("Parse(%v, %v) = %v, want an error naming --ephemeral and %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestMetricsFlags(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil || c.MetricsOn() {
		t.Fatalf("metrics on by default: %+v, %v", c, err)
	}
	c, err = Parse([]string{"--metrics-addr", "127.0.0.1:9700"}, env(nil))
	if err != nil || !c.MetricsOn() || c.MetricsAddr != "127.0.0.1:9700" || c.MetricsToken != "" {
		t.Errorf("--metrics-addr: %+v, %v", c, err)
	}
	c, err = Parse(nil, env(map[string]string{"ARTIFACTD_METRICS_TOKEN_ENV": "MY_TOKEN", "MY_TOKEN": "s3cret"}))
	if err != nil || !c.MetricsOn() || c.MetricsToken != "s3cret" || c.MetricsAddr != "" {
		t.Errorf("ARTIFACTD_METRICS_TOKEN_ENV: %+v, %v", c, err)
	}
	if _, err := Parse([]string{"--metrics-token-env", "UNSET_TOKEN"}, env(nil)); err == nil || !strings.Contains(err.Error(), "UNSET_TOKEN") {
		t.Errorf("an unset token variable: %v", err)
	}
	if _, err := Parse([]string{"--metrics-addr", "9700"}, env(nil)); err == nil {
		t.Error("--metrics-addr without a port was accepted")
	}
}

func TestConsoleFlag(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil || c.Console {
		t.Fatalf("console on by default: %+v, %v", c, err)
	}
	if c, err = Parse([]string{"--console"}, env(nil)); err != nil || !c.Console {
		t.Errorf("--console: %+v, %v", c, err)
	}
	if c, err = Parse(nil, env(map[string]string{"ARTIFACTD_CONSOLE": "true"})); err != nil || !c.Console {
		t.Errorf("ARTIFACTD_CONSOLE=true: %+v, %v", c, err)
	}
}
