package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"

	"github.com/artifactd/artifactd/test/harness"
)

// exampleSeed is the README's examples/seed.yaml, as an absolute path.
func exampleSeed(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../examples/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// emptyDir fails unless dir holds nothing.
func emptyDir(t *testing.T, dir, when string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) > 0 {
		t.Errorf("%s, $TMPDIR still holds %v", when, names)
	}
}

// noShm fails if the process pid left an ephemeral folder in /dev/shm,
// where the server keeps an ephemeral database when it can.
func noShm(t *testing.T, pid int, when string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join("/dev/shm", "artifactd-ephemeral-"+strconv.Itoa(pid)+"-*"))
	if len(left) > 0 {
		t.Errorf("%s, /dev/shm still holds %v", when, left)
	}
}

// `artifactd serve --ephemeral --seed examples/seed.yaml`, as the README
// shows it: the AWS CLI finds the seeded domain, repositories and
// versions, and the server's temporary directory is gone once it stops.
func TestEphemeralSeedExample(t *testing.T) {
	tmp := t.TempDir()
	s := harness.Start(t, harness.WithoutDataDir(), harness.WithEnv("TMPDIR="+tmp),
		harness.WithArgs("--ephemeral", "--seed", exampleSeed(t)))
	ents, _ := os.ReadDir(tmp)
	if len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "artifactd-ephemeral-") {
		t.Errorf("$TMPDIR of the running server holds %v, want one artifactd-ephemeral-* directory", ents)
	}

	cli := func(args ...string) map[string]any {
		t.Helper()
		stdout, stderr, code := s.CLI(t, args...)
		if code != 0 {
			t.Fatalf("aws codeartifact %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("aws codeartifact %s: %v\n%s", args[0], err, stdout)
		}
		return out
	}
	names := func(out map[string]any, list, field string) []string {
		var got []string
		items, _ := out[list].([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			got = append(got, m[field].(string))
		}
		slices.Sort(got)
		return got
	}
	if got := names(cli("list-domains"), "domains", "name"); !slices.Equal(got, []string{"acme"}) {
		t.Errorf("list-domains: %v, want [acme]", got)
	}
	if got := names(cli("list-repositories-in-domain", "--domain", "acme"), "repositories", "name"); !slices.Equal(got, []string{"main", "npm-store"}) {
		t.Errorf("list-repositories-in-domain: %v, want [main npm-store]", got)
	}
	if got := names(cli("list-packages", "--domain", "acme", "--repository", "main"), "packages", "package"); !slices.Equal(got, []string{"greet", "hello"}) {
		t.Errorf("list-packages: %v, want [greet hello] (npm @acme/greet, generic tools/hello)", got)
	}
	out := cli("list-package-versions", "--domain", "acme", "--repository", "main", "--format", "generic", "--namespace", "tools", "--package", "hello")
	status := map[string]any{}
	for _, v := range out["versions"].([]any) {
		m := v.(map[string]any)
		status[m["version"].(string)] = m["status"]
	}
	if len(status) != 2 || status["1.0.0"] != "Published" || status["2.0.0-beta.1"] != "Unlisted" {
		t.Errorf("list-package-versions: %v, want 1.0.0 Published and 2.0.0-beta.1 Unlisted", status)
	}

	if !strings.Contains(s.Logs(), "database=sqlite:///dev/shm/artifactd-ephemeral-") {
		if _, err := os.Stat("/dev/shm"); err == nil {
			t.Errorf("the database of an ephemeral server is not in /dev/shm:\n%s", s.Logs())
		}
	}
	pid := s.Pid()
	s.Stop(t)
	emptyDir(t, tmp, "after SIGTERM")
	noShm(t, pid, "after SIGTERM")
}

// What --ephemeral refuses, and a seed that fails, stop the start with a
// message that says why, and leave nothing behind.
func TestEphemeralRefusals(t *testing.T) {
	bin := harness.Binary(t)
	tmp := t.TempDir()
	bad := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(bad, []byte("domains:\n  - name: acme\n  - name: NOT-OK\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--ephemeral", "--data-dir", t.TempDir()}, 2, []string{"--ephemeral", "--data-dir"}},
		{[]string{"--ephemeral", "--blob-store", "file:///tmp/x"}, 2, []string{"--ephemeral", "--blob-store"}},
		{[]string{"--ephemeral", "--seed", bad}, 1, []string{bad + ":3: domains[1]: domain NOT-OK: ValidationException"}},
		{[]string{"--ephemeral", "--seed", bad + ".missing"}, 1, []string{bad + ".missing", "no such file"}},
	} {
		cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "ARTIFACTD_ROOT_ACCESS_KEY_ID=", "ARTIFACTD_DATA_DIR=", "ARTIFACTD_DATABASE=", "ARTIFACTD_BLOB_STORE=")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != tc.code {
			t.Errorf("serve %v: exit %d (%v), want %d\n%s", tc.args, code, err, tc.code, out)
		}
		for _, w := range tc.want {
			if !bytes.Contains(out, []byte(w)) {
				t.Errorf("serve %v: output does not say %q:\n%s", tc.args, w, out)
			}
		}
		noShm(t, cmd.ProcessState.Pid(), fmt.Sprintf("after serve %v", tc.args))
	}
	emptyDir(t, tmp, "after the refused starts")
}

// TestEphemeralStartup times `artifactd serve --ephemeral` from exec to the
// first 200 on a signed request (ListDomains through the SDK), three
// times, each stopped by a signal (SIGINT, SIGTERM, SIGINT) after which its
// directory must be gone. The times are reported, not asserted: the
// machine is shared. The best must stay under 2 s, a guard against a
// start-up that went badly wrong.
func TestEphemeralStartup(t *testing.T) {
	bin := harness.Binary(t)
	tmp := t.TempDir()
	var times []time.Duration
	for i, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGINT} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		client := codeartifact.New(codeartifact.Options{
			Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		})
		var logs bytes.Buffer
		cmd := exec.Command(bin, "serve", "--ephemeral", "--addr", addr)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "ARTIFACTD_ROOT_ACCESS_KEY_ID=test", "ARTIFACTD_ROOT_SECRET_ACCESS_KEY=test",
			"ARTIFACTD_DATA_DIR=", "ARTIFACTD_DATABASE=", "ARTIFACTD_BLOB_STORE=")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		for {
			_, err = client.ListDomains(ctx, &codeartifact.ListDomainsInput{})
			if err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
		took := time.Since(start)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("start %d: no 200 within 15 s: %v\n%s", i+1, err, logs.String())
		}
		times = append(times, took)
		cmd.Process.Signal(sig)
		if err := cmd.Wait(); err != nil {
			t.Errorf("start %d: exit after %v: %v\n%s", i+1, sig, err, logs.String())
		}
		emptyDir(t, tmp, "after "+sig.String())
		noShm(t, cmd.Process.Pid, "after "+sig.String())
	}
	best := slices.Min(times)
	t.Logf("serve --ephemeral, exec to first signed 200: %v (best %v)", times, best)
	if best > 2*time.Second {
		t.Errorf("serve --ephemeral took %v at best to answer its first signed request (guard: 2 s)", best)
	}
}
