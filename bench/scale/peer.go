package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// nginxPeer serves files with nginx: the peer the warm packument loads are
// compared with, given the bytes artifactd answered, in the same visit,
// through the same client. Files under plain/ are served as JSON, those
// under gzip/ with Content-Encoding: gzip (as stored, not compressed by
// nginx).
type nginxPeer struct {
	dir string
	url string
	cmd *exec.Cmd
}

func startNginx(ctx context.Context, bin, dir string) (*nginxPeer, error) {
	for _, d := range []string{"plain", "gzip", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	// As many workers as cores (2 here), files by sendfile, no log per
	// request: nginx at its usual best for static files.
	conf := fmt.Sprintf(`worker_processes auto;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path %[1]s/tmp;
  proxy_temp_path %[1]s/tmp;
  fastcgi_temp_path %[1]s/tmp;
  uwsgi_temp_path %[1]s/tmp;
  scgi_temp_path %[1]s/tmp;
  server {
    listen %[2]s;
    root %[1]s;
    location /plain/ { default_type application/json; }
    location /gzip/ { default_type application/vnd.npm.install-v1+json; add_header Content-Encoding gzip; }
  }
}
`, dir, addr)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-c", confPath, "-p", dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &nginxPeer{dir: dir, url: "http://" + addr, cmd: cmd}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if resp, err := http.Get(p.url + "/plain/none"); err == nil {
			resp.Body.Close()
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("nginx on %s not answering", addr)
}

func (p *nginxPeer) stop() {
	p.cmd.Process.Signal(syscall.SIGQUIT) // graceful: workers finish, then exit
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// put stores body as name under plain/ or gzip/ (written aside and
// renamed, so nginx never serves half a file) and returns its URL.
func (p *nginxPeer) put(gzipped bool, name string, body []byte) (string, error) {
	sub := "plain"
	if gzipped {
		sub = "gzip"
	}
	path := filepath.Join(p.dir, sub, name)
	if err := os.WriteFile(path+".tmp", body, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return "", err
	}
	return p.url + "/" + sub + "/" + strings.ReplaceAll(name, " ", "%20"), nil
}
