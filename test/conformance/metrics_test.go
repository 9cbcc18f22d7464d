package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/artifactd/artifactd/test/harness"
)

// metricsPort returns a local address nobody listens on, for
// --metrics-addr.
func metricsPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// scrape is one parsed /metrics answer.
type scrape map[string]*dto.MetricFamily

// getMetrics GETs url with authz (if any) and returns the status and,
// for a 200, the parsed families.
func getMetrics(t *testing.T, url, authz string) (int, scrape) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body := harness.ReadBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not the Prometheus text format: %v\n%.2000s", err, body)
	}
	return resp.StatusCode, fams
}

// value is the sum over the series of family name whose labels include
// want (counters and gauges: their value; histograms: their count).
func (s scrape) value(name string, want map[string]string) float64 {
	f := s[name]
	if f == nil {
		return 0
	}
	var sum float64
series:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		case m.Untyped != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum
}

// TestMetrics: with --metrics-addr, the real binary serves /metrics on that
// address only, in the Prometheus text format, and the counts move as
// control-plane calls, an IAM/STS call, an npm publish, packument reads and
// a tarball download happen; no label names a package, repository or
// domain.
func TestMetrics(t *testing.T) {
	t.Parallel()
	addr := metricsPort(t)
	// Every asset in the blob store, so the tarball's publish moves the
	// blob store's metrics (small assets are otherwise kept in the database).
	e := npmStart(t, harness.WithArgs("--metrics-addr", addr, "--inline-blob-kb", "0"))
	url := "http://" + addr + "/metrics"
	ctx := context.Background()

	code, before := getMetrics(t, url, "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics on --metrics-addr: %d", code)
	}
	// Not on the main listener: only the separate address serves it.
	if code, _ := getMetrics(t, e.srv.URL+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("/metrics on the main listener with --metrics-addr: %d, want 404", code)
	}

	const pkg = "metricsprobe-pkg"
	tgz := e.httpPublish(t, pkg, "1.0.0", nil)
	doc := e.packument(t, pkg)
	e.packument(t, pkg) // the same document again: a cache hit
	tarball := doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["dist"].(map[string]any)["tarball"].(string)
	resp, body := e.do(t, "GET", tarball, nil, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, tgz) {
		t.Fatalf("GET tarball: %d, %d bytes", resp.StatusCode, len(body))
	}
	if _, err := e.c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String(e.domain)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("metricsprobe-missing")}); err == nil {
		t.Fatal("DescribeDomain of a missing domain succeeded")
	}
	form := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	req, err := http.NewRequest("POST", e.srv.URL+"/", bytes.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	harness.SignV4(t, req, e.srv.Credentials(), form, "sts", e.srv.Region, time.Now())
	if resp := e.srv.Do(t, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("sts GetCallerIdentity: %d %s", resp.StatusCode, harness.ReadBody(t, resp))
	} else {
		harness.ReadBody(t, resp)
	}

	_, after := getMetrics(t, url, "")
	delta := func(name string, labels map[string]string) float64 {
		return after.value(name, labels) - before.value(name, labels)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64 // at least
		max    float64 // at most (0: no bound)
	}{
		{"artifactd_api_requests_total", map[string]string{"api": "codeartifact", "operation": "DescribeDomain", "code": "2xx"}, 1, 1},
		{"artifactd_api_requests_total", map[string]string{"api": "codeartifact", "operation": "DescribeDomain", "code": "4xx"}, 1, 1},
		{"artifactd_api_request_duration_seconds", map[string]string{"api": "codeartifact", "operation": "DescribeDomain"}, 2, 2},
		{"artifactd_api_requests_total", map[string]string{"api": "sts", "operation": "GetCallerIdentity", "code": "2xx"}, 1, 1},
		// The publish PUT, two packument GETs, the tarball.
		{"artifactd_dataplane_requests_total", map[string]string{"format": "npm", "code": "2xx"}, 4, 4},
		{"artifactd_dataplane_request_duration_seconds", map[string]string{"format": "npm"}, 4, 4},
		{"artifactd_dataplane_response_bytes_total", map[string]string{"format": "npm"}, float64(len(tgz)), 0},
		{"artifactd_publishes_total", map[string]string{"format": "npm"}, 1, 1},
		{"artifactd_cache_hits_total", map[string]string{"cache": "npm_packuments"}, 1, 0},
		{"artifactd_cache_hits_total", map[string]string{"cache": "tokens"}, 3, 0},      // the same token, four times
		{"artifactd_cache_hits_total", map[string]string{"cache": "access_keys"}, 2, 0}, // the same key signs each call
		{"artifactd_store_duration_seconds", map[string]string{"op": "write"}, 1, 0},
		{"artifactd_store_duration_seconds", map[string]string{"op": "resolve"}, 1, 0},
		{"artifactd_blob_store_duration_seconds", map[string]string{"op": "commit"}, 1, 0},
	} {
		d := delta(c.name, c.labels)
		if d < c.min || c.max > 0 && d > c.max {
			t.Errorf("%s%v moved by %v, want %v..%v", c.name, c.labels, d, c.min, c.max)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
		"artifactd_blob_collector_runs_total", "artifactd_cache_hits_total", "artifactd_cache_misses_total"} {
		if after[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	for _, cache := range []string{"npm_packuments", "pypi_pages", "blobs", "upstream_metadata", "tokens", "access_keys"} {
		if !hasSeries(after, "artifactd_cache_hits_total", "cache", cache) || !hasSeries(after, "artifactd_cache_misses_total", "cache", cache) {
			t.Errorf("no cache series for %s", cache)
		}
	}
	// Bounded labels: no value names what a client chose.
	for name, f := range after {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				for _, bad := range []string{pkg, e.domain, e.repo, "metricsprobe", "000000000000"} {
					if strings.Contains(l.GetValue(), bad) {
						t.Errorf("%s has label %s=%q naming %q", name, l.GetName(), l.GetValue(), bad)
					}
				}
			}
		}
	}
}

// TestMetricsCollector: deleting a version frees its tarball, and the
// blob collector's run, blobs and bytes removed show in the metrics.
func TestMetricsCollector(t *testing.T) {
	t.Parallel()
	addr := metricsPort(t)
	// Every asset in the blob store, so the tarball's publish moves the
	// blob store's metrics (small assets are otherwise kept in the database).
	e := npmStart(t, harness.WithArgs("--metrics-addr", addr, "--inline-blob-kb", "0"))
	url := "http://" + addr + "/metrics"
	tgz := e.httpPublish(t, "metricsprobe-gone", "1.0.0", nil)
	_, before := getMetrics(t, url, "")
	out, err := e.c.DeletePackageVersions(t.Context(), &codeartifact.DeletePackageVersionsInput{Domain: aws.String(e.domain),
		Repository: aws.String(e.repo), Format: types.PackageFormatNpm, Package: aws.String("metricsprobe-gone"), Versions: []string{"1.0.0"}})
	if err != nil || len(out.FailedVersions) != 0 {
		t.Fatalf("DeletePackageVersions: %v %v", out, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, after := getMetrics(t, url, "")
		blobs := after.value("artifactd_blob_collector_removed_blobs_total", nil) - before.value("artifactd_blob_collector_removed_blobs_total", nil)
		bytes := after.value("artifactd_blob_collector_removed_bytes_total", nil) - before.value("artifactd_blob_collector_removed_bytes_total", nil)
		runs := after.value("artifactd_blob_collector_runs_total", map[string]string{"result": "ok"}) - before.value("artifactd_blob_collector_runs_total", map[string]string{"result": "ok"})
		// The three move together at the end of a run; a scrape may land
		// between them, so wait for all.
		if blobs >= 1 && bytes >= float64(len(tgz)) && runs >= 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("20s after the delete the collector had removed %v blobs, %v bytes in %v runs; want the %d-byte tarball", blobs, bytes, runs, len(tgz))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasSeries(s scrape, name, label, value string) bool {
	for _, m := range s[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				return true
			}
		}
	}
	return false
}

// TestMetricsToken: with --metrics-token-env, /metrics is on the main
// listener and answers 401 without the bearer token, 200 with it.
func TestMetricsToken(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.WithArgs("--metrics-token-env", "METRICS_PROBE_TOKEN"),
		harness.WithEnv("METRICS_PROBE_TOKEN=probe-token-123"))
	for _, authz := range []string{"", "Bearer wrong", "Basic cHJvYmU6cHJvYmU=", "probe-token-123"} {
		if code, _ := getMetrics(t, s.URL+"/metrics", authz); code != http.StatusUnauthorized {
			t.Errorf("/metrics with Authorization %q: %d, want 401", authz, code)
		}
	}
	code, fams := getMetrics(t, s.URL+"/metrics", "Bearer probe-token-123")
	if code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d", code)
	}
	// The 401s above were counted (status class 4xx, api other).
	if v := fams.value("artifactd_api_requests_total", map[string]string{"api": "other", "code": "4xx"}); v < 4 {
		t.Errorf("refused scrapes counted %v times, want 4", v)
	}
}

// TestMetricsOff: without --metrics-addr or --metrics-token-env, nothing
// serves /metrics.
func TestMetricsOff(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	for _, authz := range []string{"", "Bearer anything"} {
		if code, _ := getMetrics(t, s.URL+"/metrics", authz); code != http.StatusNotFound {
			t.Errorf("/metrics with metrics off (Authorization %q): %d, want 404", authz, code)
		}
	}
}

// TestMetricsTokenEnvUnset: naming an unset variable is refused at
// start-up rather than served without a token.
func TestMetricsTokenEnvUnset(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.Binary(t), "serve", "--ephemeral", "--addr", metricsPort(t), "--metrics-token-env", "METRICS_PROBE_UNSET")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "METRICS_PROBE_UNSET") {
		t.Errorf("serve with an unset token variable: %v, output %q", err, out)
	}
}

// TestMetricsUpstream: requests to an external connection's registry count
// under the connection's name, and those that fail also as failures; a
// 404 is an answer, not a failure.
func TestMetricsUpstream(t *testing.T) {
	t.Parallel()
	stub := localServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "broken") {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		http.NotFound(w, r)
	}))
	addr := metricsPort(t)
	e := npmStart(t, harness.WithArgs("--metrics-addr", addr, "--external-connection", "public:npmjs="+stub.URL+"/"))
	if _, err := e.c.AssociateExternalConnection(t.Context(), &codeartifact.AssociateExternalConnectionInput{Domain: aws.String(e.domain),
		Repository: aws.String(e.repo), ExternalConnection: aws.String("public:npmjs")}); err != nil {
		t.Fatal(err)
	}
	_, before := getMetrics(t, "http://"+addr+"/metrics", "")
	for _, name := range []string{"metricsprobe-absent", "metricsprobe-broken"} {
		if resp, body := e.do(t, "GET", e.endpoint+name, nil, nil); resp.StatusCode < 400 {
			t.Errorf("GET %s through a failing upstream: %d %s", name, resp.StatusCode, body)
		}
	}
	_, after := getMetrics(t, "http://"+addr+"/metrics", "")
	conn := map[string]string{"connection": "public:npmjs"}
	if d := after.value("artifactd_upstream_fetches_total", conn) - before.value("artifactd_upstream_fetches_total", conn); d < 2 {
		t.Errorf("upstream fetches moved by %v, want at least 2", d)
	}
	if d := after.value("artifactd_upstream_failures_total", conn) - before.value("artifactd_upstream_failures_total", conn); d < 1 {
		t.Errorf("upstream failures moved by %v, want at least 1 (the 503)", d)
	}
	for _, m := range after["artifactd_upstream_fetches_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetValue() != "public:npmjs" {
				t.Errorf("upstream series labelled %s=%q", l.GetName(), l.GetValue())
			}
		}
	}
}

// TestMetricsPrometheus: a real Prometheus server (Debian's prometheus
// package) scrapes artifactd's /metrics with the bearer token, and its
// query API then answers with artifactd's series, including the calls
// made here.
func TestMetricsPrometheus(t *testing.T) {
	t.Parallel()
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("prometheus not found (apt-get install prometheus); ARTIFACTD_ALLOW_SKIP=1")
		}
		t.Fatal("prometheus not found: apt-get install prometheus (set ARTIFACTD_ALLOW_SKIP=1 to skip)")
	}
	s := harness.Start(t, harness.WithArgs("--metrics-token-env", "METRICS_PROM_TOKEN"),
		harness.WithEnv("METRICS_PROM_TOKEN=prom-scrape-token"))
	ctx := context.Background()
	c := s.Client(t)
	const dom = "promprobe"
	if _, err := c.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String(dom)}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String(dom)}); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("prom-scrape-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := strings.TrimPrefix(s.URL, "http://")
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: artifactd
    authorization:
      type: Bearer
      credentials_file: %s
    static_configs:
      - targets: ['%s']
`, token, target)
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	webAddr := metricsPort(t)
	var logs bytes.Buffer
	cmd := exec.Command(prom, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+webAddr)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})

	// Wait until Prometheus has scraped artifactd successfully and a query
	// sees the DescribeDomain calls made above.
	api := "http://" + webAddr + "/api/v1/"
	query := url.Values{"query": {`sum(artifactd_api_requests_total{job="artifactd",operation="DescribeDomain",code="2xx"})`}}
	deadline := time.Now().Add(60 * time.Second)
	var lastTargets, lastQuery string
	for {
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus never saw artifactd's series\ntargets: %.2000s\nquery: %.1000s", lastTargets, lastQuery)
		}
		time.Sleep(500 * time.Millisecond)
		targets, ok := promGet(api + "targets")
		lastTargets = targets
		if !ok || !strings.Contains(targets, `"health":"up"`) {
			continue
		}
		body, ok := promGet(api + "query?" + query.Encode())
		lastQuery = body
		if !ok {
			continue
		}
		var res struct {
			Status string `json:"status"`
			Data   struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("query answer: %v: %s", err, body)
		}
		if res.Status != "success" || len(res.Data.Result) != 1 {
			continue
		}
		v, _ := res.Data.Result[0].Value[1].(string)
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 3 {
			break
		}
	}
	// Go runtime series come through too.
	body, ok := promGet(api + "query?" + url.Values{"query": {`go_goroutines{job="artifactd"}`}}.Encode())
	if !ok || !strings.Contains(body, `"go_goroutines"`) {
		t.Errorf("go_goroutines not scraped: %.1000s", body)
	}
}

// promGet GETs a Prometheus API URL; ok is false unless it answered 200.
func promGet(u string) (string, bool) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(u)
	if err != nil {
		return err.Error(), false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode == http.StatusOK
}
