package server

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/internal/config"
	"github.com/artifactd/artifactd/internal/seed"
)

const seedYAML = `
domains:
  - name: acme
    tags: {team: platform}
    repositories:
      - name: store
        externalConnection: public:npmjs
      - name: main
        upstreams: [store]
        packages:
          - namespace: tools
            name: hello
            versions:
              - version: 1.0.0
                assets: [{file: hello.txt}, {file: hello.txt, name: copy.txt}]
              - version: 0.9.0
                status: Archived
                assets: [{file: hello.txt}]
`

// testConfig is a serve configuration with a fixed root key, as read from
// the command line.
func testConfig(t testing.TB, args ...string) config.Config {
	t.Helper()
	env := map[string]string{"ARTIFACTD_ROOT_ACCESS_KEY_ID": "test", "ARTIFACTD_ROOT_SECRET_ACCESS_KEY": "test"}
	cfg, err := config.Parse(append([]string{"--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func writeSeed(t testing.TB, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// serve runs srv on a port of the kernel's choosing and returns a
// CodeArtifact client for it and a function that stops it.
func serve(t testing.TB, srv *Server) (*codeartifact.Client, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	client := codeartifact.New(codeartifact.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + ln.Addr().String()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return client, stop
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// An ephemeral server keeps everything in a directory of its own under
// $TMPDIR, serves the seed from its first request, and removes the
// directory when it stops.
func TestEphemeralSeeded(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx := context.Background()
	srv, err := New(ctx, testConfig(t, "--ephemeral", "--seed", writeSeed(t, seedYAML)), quiet(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir := srv.DataDir()
	if filepath.Dir(dir) != tmp || !strings.HasPrefix(filepath.Base(dir), ephemeralPrefix()) {
		t.Errorf("ephemeral data dir %s, want %s* in $TMPDIR %s", dir, ephemeralPrefix(), tmp)
	}
	if _, err := os.Stat(shmDir); err == nil {
		if !strings.HasPrefix(srv.memDir, shmDir+"/"+ephemeralPrefix()) || srv.cfg.Database != "sqlite://"+srv.memDir+"/artifactd.db" {
			t.Errorf("with %s, the database is %s (folder %q), want it there", shmDir, srv.cfg.Database, srv.memDir)
		}
	}
	client, stop := serve(t, srv)

	repos, err := client.ListRepositoriesInDomain(ctx, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	if len(repos.Repositories) != 2 {
		t.Errorf("repositories = %d, want 2", len(repos.Repositories))
	}
	store, err := client.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("store")})
	if err != nil || len(store.Repository.ExternalConnections) != 1 || aws.ToString(store.Repository.ExternalConnections[0].ExternalConnectionName) != "public:npmjs" {
		t.Errorf("store's external connections: %+v, %v", store, err)
	}
	main, err := client.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("main")})
	if err != nil || len(main.Repository.Upstreams) != 1 || aws.ToString(main.Repository.Upstreams[0].RepositoryName) != "store" {
		t.Errorf("main's upstreams: %+v, %v", main, err)
	}
	vs, err := client.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String("acme"), Repository: aws.String("main"),
		Format: types.PackageFormatGeneric, Namespace: aws.String("tools"), Package: aws.String("hello")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]types.PackageVersionStatus{}
	for _, v := range vs.Versions {
		got[aws.ToString(v.Version)] = v.Status
	}
	if len(got) != 2 || got["1.0.0"] != types.PackageVersionStatusPublished || got["0.9.0"] != types.PackageVersionStatusArchived {
		t.Errorf("versions = %v", got)
	}
	assets, err := client.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{Domain: aws.String("acme"), Repository: aws.String("main"),
		Format: types.PackageFormatGeneric, Namespace: aws.String("tools"), Package: aws.String("hello"), PackageVersion: aws.String("1.0.0")})
	if err != nil || len(assets.Assets) != 2 {
		t.Errorf("assets of 1.0.0: %+v, %v", assets, err)
	}

	if err := stop(); err != nil {
		t.Errorf("stopping: %v", err)
	}
	for _, d := range []string{dir, srv.memDir} {
		if _, err := os.Stat(d); d != "" && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ephemeral folder %s after stop: %v", d, err)
		}
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left in $TMPDIR after stop: %v", ents)
	}
}

// A seed given again to a persistent data dir creates nothing twice.
func TestSeedTwiceOnDataDir(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t, "--data-dir", t.TempDir(), "--seed", writeSeed(t, seedYAML))
	for i := range 2 {
		srv, err := New(ctx, cfg, quiet(), io.Discard)
		if err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		client, stop := serve(t, srv)
		d, err := client.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		if err != nil || d.Domain.RepositoryCount != 2 {
			t.Errorf("start %d: domain %+v, %v", i+1, d, err)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// A seed the service refuses stops the start-up with the file, the line
// and the service's reason, and an ephemeral server leaves nothing.
func TestSeedRefused(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	p := writeSeed(t, "domains:\n  - name: acme\n  - name: Not_A_Domain!\n")
	_, err := New(context.Background(), testConfig(t, "--ephemeral", "--seed", p), quiet(), io.Discard)
	var se *seed.Error
	if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(err.Error(), p+":3: domains[1]: domain Not_A_Domain!: ValidationException: ") {
		t.Errorf("error = %v", err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left in $TMPDIR after a failed start: %v", ents)
	}
	if left, _ := filepath.Glob(filepath.Join(shmDir, ephemeralPrefix()+"*")); len(left) != 0 {
		t.Errorf("left in %s after a failed start: %v", shmDir, left)
	}
}

// ephemeralPrefix is the name of this process's ephemeral folders.
func ephemeralPrefix() string { return fmt.Sprintf("artifactd-ephemeral-%d-", os.Getpid()) }

// BenchmarkEphemeralStart is a test set-up's cost: an ephemeral server
// made, listening, answering one signed request, and stopped.
func BenchmarkEphemeralStart(b *testing.B) {
	b.Setenv("TMPDIR", b.TempDir())
	ctx := context.Background()
	cfg := testConfig(b, "--ephemeral")
	var first time.Duration
	for b.Loop() {
		start := time.Now()
		srv, err := New(ctx, cfg, quiet(), io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		client, stop := serve(b, srv)
		if _, err := client.ListDomains(ctx, &codeartifact.ListDomainsInput{}); err != nil {
			b.Fatal(err)
		}
		first += time.Since(start)
		if err := stop(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "ms-to-first-200")
}

// The seed's in-memory calls do not depend on the address the server will
// listen on (a wildcard address is no host to sign for).
func TestSeedWildcardAddr(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	cfg := testConfig(t, "--ephemeral", "--seed", writeSeed(t, seedYAML))
	cfg.Addr = ":0"
	srv, err := New(context.Background(), cfg, quiet(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
}

// npmTarball is a tarball as npm pack makes it: package/package.json.
func npmTarball(t testing.TB, name, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for file, body := range map[string]string{
		"package/package.json": `{"name": "` + name + `", "version": "` + version + `", "description": "seeded"}`,
		"package/index.js":     "module.exports = 1;\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: file, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

// npm versions are seeded as npm publishes them, through the data plane.
func TestSeedNPM(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	p := writeSeed(t, `
domains:
  - name: acme
    repositories:
      - name: main
        packages:
          - format: npm
            namespace: acme
            name: left-pad
            versions:
              - version: 1.2.3
                assets: [{file: left-pad-1.2.3.tgz}]
              - version: 1.0.0
                status: Unlisted
                assets: [{file: left-pad-1.0.0.tgz}]
          - format: npm
            name: wrong
            versions:
              - version: 1.0.0
                assets: [{file: left-pad-1.0.0.tgz}]
`)
	dir := filepath.Dir(p)
	for _, v := range []string{"1.2.3", "1.0.0"} {
		if err := os.WriteFile(filepath.Join(dir, "left-pad-"+v+".tgz"), npmTarball(t, "@acme/left-pad", v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The last package's tarball names another package: npm's rules refuse it.
	_, err := New(context.Background(), testConfig(t, "--ephemeral", "--seed", p), quiet(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), p+":20: domains[0].repositories[0].packages[1].versions[0].assets[0]: publishing left-pad-1.0.0.tgz as npm version 1.0.0 of wrong: ") ||
		!strings.Contains(err.Error(), "@acme/left-pad") {
		t.Fatalf("seeding a tarball under another name: %v", err)
	}
	body, _ := os.ReadFile(p)
	os.WriteFile(p, body[:bytes.Index(body, []byte("          - format: npm\n            name: wrong"))], 0o644)
	srv, err := New(context.Background(), testConfig(t, "--ephemeral", "--seed", p), quiet(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	client, _ := serve(t, srv)
	vs, err := client.ListPackageVersions(context.Background(), &codeartifact.ListPackageVersionsInput{Domain: aws.String("acme"), Repository: aws.String("main"),
		Format: types.PackageFormatNpm, Namespace: aws.String("acme"), Package: aws.String("left-pad")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]types.PackageVersionStatus{}
	for _, v := range vs.Versions {
		got[aws.ToString(v.Version)] = v.Status
	}
	if len(got) != 2 || got["1.2.3"] != types.PackageVersionStatusPublished || got["1.0.0"] != types.PackageVersionStatusUnlisted {
		t.Errorf("npm versions = %v", got)
	}
}

// Maven versions are seeded as mvn deploy makes them: files, then the
// artifact's maven-metadata.xml.
func TestSeedMaven(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	p := writeSeed(t, `
domains:
  - name: acme
    repositories:
      - name: main
        packages:
          - format: maven
            namespace: com.acme
            name: lib
            versions:
              - version: 1.0.0
                assets: [{file: lib-1.0.0.jar}, {file: lib-1.0.0.pom}]
              - version: 0.9.0
                status: Archived
                assets: [{file: lib-0.9.0.jar, name: lib-0.9.0.jar}, {file: lib-0.9.0.pom}]
              - version: 2.0.0
                status: Unfinished
                assets: [{file: lib-2.0.0.jar}]
`)
	dir := filepath.Dir(p)
	for _, v := range []string{"1.0.0", "0.9.0", "2.0.0"} {
		pom := `<?xml version="1.0"?><project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId><artifactId>lib</artifactId><version>` + v + `</version></project>`
		os.WriteFile(filepath.Join(dir, "lib-"+v+".pom"), []byte(pom), 0o644)
		os.WriteFile(filepath.Join(dir, "lib-"+v+".jar"), []byte("PK not really a jar "+v), 0o644)
	}
	srv, err := New(context.Background(), testConfig(t, "--ephemeral", "--seed", p), quiet(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	client, _ := serve(t, srv)
	ctx := context.Background()
	vs, err := client.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String("acme"), Repository: aws.String("main"),
		Format: types.PackageFormatMaven, Namespace: aws.String("com.acme"), Package: aws.String("lib")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]types.PackageVersionStatus{}
	for _, v := range vs.Versions {
		got[aws.ToString(v.Version)] = v.Status
	}
	if len(got) != 3 || got["1.0.0"] != types.PackageVersionStatusPublished || got["0.9.0"] != types.PackageVersionStatusArchived ||
		got["2.0.0"] != types.PackageVersionStatusUnfinished {
		t.Errorf("maven versions = %v", got)
	}
	assets, err := client.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{Domain: aws.String("acme"), Repository: aws.String("main"),
		Format: types.PackageFormatMaven, Namespace: aws.String("com.acme"), Package: aws.String("lib"), PackageVersion: aws.String("1.0.0")})
	if err != nil || len(assets.Assets) != 2 {
		t.Errorf("assets of 1.0.0: %+v, %v", assets, err)
	}
}
