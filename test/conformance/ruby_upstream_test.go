package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// rbStandin is a stand-in for the public registry behind
// public:ruby-gems-org: a compact index (info/{name}, with each file's
// sha256) and gems/{file}, on 127.0.0.1.
type rbStandin struct {
	url   string
	info  map[string]string
	gems  map[string][]byte
	gets  atomic.Int64 // requests for gem files
	close func()
}

func newRbStandin(t *testing.T, gems ...string) *rbStandin {
	t.Helper()
	st := &rbStandin{info: map[string]string{}, gems: map[string][]byte{}}
	for _, path := range gems {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Base(path)
		st.gems[file] = b
		base := strings.TrimSuffix(file, ".gem")
		i := strings.LastIndex(base, "-")
		name, version := base[:i], base[i+1:]
		sum := sha256.Sum256(b)
		if st.info[name] == "" {
			st.info[name] = "---\n"
		}
		st.info[name] += fmt.Sprintf("%s |checksum:%s\n", version, hex.EncodeToString(sum[:]))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/info/") && st.info[strings.TrimPrefix(r.URL.Path, "/info/")] != "":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, st.info[strings.TrimPrefix(r.URL.Path, "/info/")])
		case strings.HasPrefix(r.URL.Path, "/gems/") && st.gems[strings.TrimPrefix(r.URL.Path, "/gems/")] != nil:
			st.gets.Add(1)
			w.Write(st.gems[strings.TrimPrefix(r.URL.Path, "/gems/")])
		default:
			http.NotFound(w, r)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	st.url = "http://" + ln.Addr().String() + "/"
	return st
}

// TestRubyUpstreamsAndExternalConnection installs, with the real gem and
// bundler, from a repository whose upstreams are a repository holding a
// pushed gem and a store repository connected to public:ruby-gems-org (a
// local stand-in) holding its dependency.
func TestRubyUpstreamsAndExternalConnection(t *testing.T) {
	t.Parallel()
	rbRequireTool(t, "gem")
	// The public gems are built first (with a throwaway HOME), then served.
	builder := &rubyRepo{home: t.TempDir()}
	pub10 := rbGem{Name: "rb-public", Version: "1.0.0", Summary: "Public"}.build(t, builder)
	pub12 := rbGem{Name: "rb-public", Version: "1.2.0", Summary: "Public", License: "BSD-2-Clause"}.build(t, builder)
	st := newRbStandin(t, pub10, pub12)

	s := harness.Start(t, harness.WithArgs("--external-connection", "public:ruby-gems-org="+st.url+";ttl=1s;timeout=10s"))
	team := newRubyRepo(t, s, "team")
	store := newRubyRepo(t, s, "ruby-store")
	if _, err := store.c.AssociateExternalConnection(t.Context(), &codeartifact.AssociateExternalConnectionInput{Domain: aws.String("acme"),
		Repository: aws.String("ruby-store"), ExternalConnection: aws.String("public:ruby-gems-org")}); err != nil {
		t.Fatalf("AssociateExternalConnection: %v", err)
	}
	app := newRubyRepo(t, s, "app", "team", "ruby-store")
	team.mustPush(t, rbGem{Name: "rb-team", Version: "1.0.0", Summary: "Team", Deps: []string{`"rb-public", "~> 1.0"`}}.build(t, team))

	t.Run("gem install", func(t *testing.T) {
		dir, out, err := app.gemInstall(t, "rb-team")
		if err != nil {
			t.Fatalf("gem install: %v\n%s", err, out)
		}
		if got := rbInstalled(t, dir); !slices.Equal(got, []string{"rb-public-1.2.0", "rb-team-1.0.0"}) {
			t.Errorf("installed %v\n%s", got, out)
		}
		if st.gets.Load() == 0 {
			t.Errorf("the stand-in served no gem")
		}
		lv, err := store.c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{Domain: aws.String("acme"),
			Repository: aws.String("ruby-store"), Format: types.PackageFormatRuby, Package: aws.String("rb-public")})
		if err != nil {
			t.Fatal(err)
		}
		if len(lv.Versions) != 1 || aws.ToString(lv.Versions[0].Version) != "1.2.0" || lv.Versions[0].Origin.OriginType != types.PackageVersionOriginTypeExternal {
			t.Errorf("ruby-store keeps %+v, want rb-public 1.2.0 EXTERNAL", lv.Versions)
		}
		dv, err := store.c.DescribePackageVersion(t.Context(), &codeartifact.DescribePackageVersionInput{Domain: aws.String("acme"),
			Repository: aws.String("ruby-store"), Format: types.PackageFormatRuby, Package: aws.String("rb-public"), PackageVersion: aws.String("1.2.0")})
		if err != nil {
			t.Fatal(err)
		}
		if l := dv.PackageVersion.Licenses; len(l) != 1 || aws.ToString(l[0].Name) != "BSD-2-Clause" {
			t.Errorf("kept version's licenses = %+v, want the gemspec's", l)
		}
	})

	t.Run("bundle install", func(t *testing.T) {
		rbRequireTool(t, "bundle")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "Gemfile"), []byte("source \""+app.endpoint+"\"\ngem \"rb-team\"\ngem \"rb-public\", \"< 1.2\"\n"), 0o644)
		env := app.env("BUNDLE_PATH="+filepath.Join(dir, "vendor"), "BUNDLE_APP_CONFIG="+filepath.Join(dir, ".bundle"))
		if out, err := app.run(t, dir, env, "bundle", "config", "set", "--global", app.endpoint, "aws:"+app.token); err != nil {
			t.Fatalf("bundle config: %v\n%s", err, out)
		}
		out, err := app.run(t, dir, env, "bundle", "install")
		if err != nil {
			t.Fatalf("bundle install: %v\n%s", err, out)
		}
		lock, _ := os.ReadFile(filepath.Join(dir, "Gemfile.lock"))
		if !strings.Contains(string(lock), "rb-public (1.0.0)") || !strings.Contains(string(lock), "rb-team (1.0.0)") {
			t.Errorf("Gemfile.lock:\n%s\n%s", lock, out)
		}
	})
}
