package conformance

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"

	"github.com/artifactd/artifactd/test/harness"
)

// rawConn opens a TCP connection to the server.
func rawConn(t *testing.T, s *harness.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// writeHead sends a request's line and headers (req's, signed or not) and
// none of its body.
func writeHead(t *testing.T, c net.Conn, req *http.Request, contentLength int) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), req.URL.Host, contentLength)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
}

// statusWithin reads a response's status line, waiting at most d.
func statusWithin(c net.Conn, d time.Duration) (int, error) {
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestUnauthenticatedBodiesAreNotRead: a control-plane request without
// credentials, or naming an unknown key, is refused before its body is
// read, so a few hundred stalled uploads hold neither memory nor the
// handler (issue #11, finding 1).
func TestUnauthenticatedBodiesAreNotRead(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	const conns = 200
	before := peakRSS(t, s.Pid())
	chunk := strings.Repeat("x", 64<<10)
	for i := 0; i < conns; i++ {
		c := rawConn(t, s)
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/package/versions/delete?domain=d&repository=r&format=generic&namespace=n&package=p", nil)
		req.Header.Set("Content-Type", "application/json")
		if i%2 == 1 {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIANOBODYNOBODY0000/20261205/us-east-1/codeartifact/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
			req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
		}
		writeHead(t, c, req, 1<<20)
		io.WriteString(c, chunk) // and the rest never comes
		if st, err := statusWithin(c, 5*time.Second); err != nil || st != http.StatusForbidden {
			t.Fatalf("connection %d: status %d, %v; want 403 before the body is read", i, st, err)
		}
	}
	if grew := peakRSS(t, s.Pid()) - before; grew > 16<<20 {
		t.Errorf("%d stalled unauthenticated uploads grew the server's peak memory by %d MiB", conns, grew>>20)
	}
}

// TestStalledAndBrokenBodies: a signed upload whose body stalls fails
// after --body-read-timeout, one whose client goes away is a client error
// (400, no ERROR in the log), and idle keep-alive connections are closed
// after --idle-timeout (issue #11, findings 1 and 7).
func TestStalledAndBrokenBodies(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.WithArgs("--idle-timeout", "1s", "--body-read-timeout", "1s"))
	c := s.Client(t)
	harness.CreateDomain(t, c, "lim")
	harness.CreateRepository(t, c, "lim", "rr")

	publish := func(version string) (*http.Request, []byte) {
		body := []byte(strings.Repeat("z", 4096))
		sum := sha256.Sum256(body)
		q := url.Values{"domain": {"lim"}, "repository": {"rr"}, "format": {"generic"}, "namespace": {"ns"}, "package": {"p"},
			"version": {version}, "asset": {"a.bin"}}
		req := s.NewRequest(t, http.MethodPost, "/v1/package/version/publish", q, nil)
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		harness.SignV4(t, req, s.Credentials(), body, "codeartifact", s.Region, time.Now())
		return req, body
	}

	t.Run("a stalled body fails after the body read timeout", func(t *testing.T) {
		conn := rawConn(t, s)
		req, body := publish("1.0.0")
		writeHead(t, conn, req, len(body))
		conn.Write(body[:100])
		start := time.Now()
		st, err := statusWithin(conn, 10*time.Second)
		if err != nil || st != http.StatusBadRequest || time.Since(start) > 5*time.Second {
			t.Errorf("stalled upload: status %d, %v after %v; want 400 within a few seconds", st, err, time.Since(start))
		}
	})

	t.Run("a client that goes away mid-body is a client error", func(t *testing.T) {
		conn := rawConn(t, s)
		req, body := publish("2.0.0")
		writeHead(t, conn, req, len(body))
		conn.Write(body[:100])
		conn.Close()
		time.Sleep(500 * time.Millisecond)
	})

	t.Run("idle keep-alive connections are closed", func(t *testing.T) {
		conn := rawConn(t, s)
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(conn)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		start := time.Now()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); err != io.EOF || time.Since(start) > 4*time.Second {
			t.Errorf("idle connection: %v after %v; want closed by the server (EOF) after about 1s", err, time.Since(start))
		}
	})

	if strings.Contains(s.Logs(), "level=ERROR") {
		t.Errorf("broken or stalled bodies were logged as server errors:\n%s", s.Logs())
	}
}

// TestMaxConnections: past --max-connections, new connections wait until
// one closes (issue #11, finding 1).
func TestMaxConnections(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.WithArgs("--max-connections", "2", "--idle-timeout", "500ms"))
	time.Sleep(time.Second) // the harness's own keep-alive connection is closed by now
	var held []net.Conn
	for i := 0; i < 2; i++ {
		conn := rawConn(t, s)
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\n") // a request that never ends holds its slot
		held = append(held, conn)
	}
	time.Sleep(200 * time.Millisecond)
	third := rawConn(t, s)
	io.WriteString(third, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if st, err := statusWithin(third, time.Second); err == nil {
		t.Fatalf("a third connection was served (%d) while two are held", st)
	}
	held[0].Close()
	if st, err := statusWithin(third, 5*time.Second); err != nil || st != http.StatusOK {
		t.Errorf("the third connection after one closed: %d %v", st, err)
	}
}

// TestErrorMessagesAreBounded: an error that quotes a client's value does
// not echo a megabyte back (issue #11, finding 7).
func TestErrorMessagesAreBounded(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	c := s.Client(t)
	huge := strings.Repeat("a", 512<<10)
	_, err := c.CreateDomain(t.Context(), &codeartifact.CreateDomainInput{Domain: aws.String(huge)})
	e := harness.ExpectValidation(t, err)
	if n := len(aws.ToString(e.Message)); n > 2048 {
		t.Errorf("ValidationException message of %d bytes for a 512 KiB name", n)
	}
	req := s.NewRequest(t, http.MethodPost, "/v1/domain", url.Values{"domain": {huge[:64<<10]}}, []byte("{}"))
	s.Sign(t, req, []byte("{}"), "", time.Now())
	resp := s.Do(t, req)
	body := harness.ReadBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest || len(body) > 4096 {
		t.Errorf("status %d, body of %d bytes", resp.StatusCode, len(body))
	}
}
