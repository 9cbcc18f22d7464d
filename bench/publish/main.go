// Command publish measures generic PublishPackageVersion through the real
// API: it starts the artifactd binary it is given on a fresh data
// directory, creates a domain and a repository, then runs -n publishes of
// small random assets from -c concurrent clients (SigV4, the AWS SDK), and
// reports publishes/s and latency percentiles. Every answer must be 200 and
// every version must exist afterwards (ListPackageVersions), or it fails.
//
//	go build -o /tmp/artifactd ./cmd/artifactd
//	go run ./bench/publish -bin /tmp/artifactd -n 5000 -c 8
//
// bench/publish.sh runs it on several builds, interleaved. BENCH_PERF=FILE
// records the server with `perf record -g -o FILE` during the measured run.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

func main() {
	bin := flag.String("bin", "", "the artifactd binary to start (required)")
	n := flag.Int("n", 5000, "publishes to make")
	conc := flag.Int("c", 8, "concurrent clients")
	size := flag.Int("size", 1024, "asset size in bytes")
	pkgs := flag.Int("packages", 8, "packages the versions are spread over")
	warm := flag.Int("warmup", 200, "publishes made (and not measured) before the run")
	label := flag.String("label", "", "name printed with the results")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-bin is required")
	}
	if err := run(*bin, *label, *n, *conc, *size, *pkgs, *warm); err != nil {
		log.Fatal(err)
	}
}

func run(bin, label string, n, conc, size, pkgs, warm int) error {
	dir, err := os.MkdirTemp("", "artifactd-bench-publish-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	key, secret := "AKIABENCH"+randHex(6), randHex(30)
	port, err := freePort()
	if err != nil {
		return err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	logf, err := os.Create(filepath.Join(dir, "artifactd.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "ARTIFACTD_ROOT_ACCESS_KEY_ID="+key, "ARTIFACTD_ROOT_SECRET_ACCESS_KEY="+secret)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	if err := waitHealthy(url + "/healthz"); err != nil {
		out, _ := os.ReadFile(logf.Name())
		return fmt.Errorf("%v\n%s", err, out)
	}

	tr := &http.Transport{MaxIdleConnsPerHost: conc * 2}
	c := codeartifact.New(codeartifact.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:     aws.NopRetryer{},
		HTTPClient:  &http.Client{Timeout: 60 * time.Second, Transport: tr},
	})
	ctx := context.Background()
	if _, err := c.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("bench")}); err != nil {
		return err
	}
	if _, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("bench"), Repository: aws.String("gen")}); err != nil {
		return err
	}

	publish := func(i int, prefix string) error {
		body := make([]byte, size)
		rand.Read(body)
		sum := sha256.Sum256(body)
		_, err := c.PublishPackageVersion(ctx, &codeartifact.PublishPackageVersionInput{
			Domain: aws.String("bench"), Repository: aws.String("gen"), Format: types.PackageFormatGeneric,
			Namespace: aws.String("bench"), Package: aws.String(fmt.Sprintf("pkg-%d", i%pkgs)),
			PackageVersion: aws.String(fmt.Sprintf("%s%d", prefix, i)),
			AssetName:      aws.String("asset.bin"), AssetContent: bytes.NewReader(body),
			AssetSHA256: aws.String(hex.EncodeToString(sum[:])),
		})
		return err
	}
	// many runs publishes 0..count-1 from conc clients; lat gets each one's latency.
	many := func(count int, prefix string, lat []time.Duration) error {
		var next atomic.Int64
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= count {
						return
					}
					t0 := time.Now()
					err := publish(i, prefix)
					if lat != nil {
						lat[i] = time.Since(t0)
					}
					if err != nil {
						mu.Lock()
						errs = append(errs, fmt.Errorf("publish %d: %w", i, err))
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	if err := many(warm, "0.0.", nil); err != nil {
		return err
	}
	lat := make([]time.Duration, n)
	var perf *exec.Cmd
	if out := os.Getenv("BENCH_PERF"); out != "" { // profile the server during the run
		perf = exec.Command("perf", "record", "-g", "-o", out, "-p", strconv.Itoa(cmd.Process.Pid))
		if err := perf.Start(); err != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
	srv0, self0 := cpuOf(cmd.Process.Pid), selfCPU()
	t0 := time.Now()
	err = many(n, "1.0.", lat)
	elapsed := time.Since(t0)
	srvCPU, selfCPUs := cpuOf(cmd.Process.Pid)-srv0, selfCPU()-self0
	if perf != nil {
		perf.Process.Signal(os.Interrupt)
		perf.Wait()
	}
	if err != nil {
		return err
	}

	// Every version answered 200 must be there.
	total := 0
	for p := range pkgs {
		in := &codeartifact.ListPackageVersionsInput{Domain: aws.String("bench"), Repository: aws.String("gen"),
			Format: types.PackageFormatGeneric, Namespace: aws.String("bench"), Package: aws.String(fmt.Sprintf("pkg-%d", p)),
			MaxResults: aws.Int32(1000)}
		for pg := codeartifact.NewListPackageVersionsPaginator(c, in); pg.HasMorePages(); {
			out, err := pg.NextPage(ctx)
			if err != nil {
				return err
			}
			total += len(out.Versions)
		}
	}
	if want := n + warm; total != want {
		return fmt.Errorf("%d versions listed after %d publishes answered 200", total, want)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("%-8s publishes=%d clients=%d size=%dB  %.0f publishes/s  p50=%.2fms p90=%.2fms p99=%.2fms max=%.1fms  "+
		"CPU/publish: server %.2fms, clients %.2fms  (all 200, %d versions listed)\n",
		label, n, conc, size, float64(n)/elapsed.Seconds(),
		ms(pct(0.50)), ms(pct(0.90)), ms(pct(0.99)), ms(lat[len(lat)-1]),
		ms(srvCPU)/float64(n), ms(selfCPUs)/float64(n), total)
	return nil
}

// cpuOf is the user+system CPU time of process pid so far (Linux; 0
// elsewhere).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / 100 // USER_HZ
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitHealthy(url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within 30 s", url)
}
