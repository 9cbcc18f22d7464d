package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestConsoleFlag: /console/ is served only with --console, and its
// session key comes from the secrets key, so a second node with the same
// key accepts the first's session.
func TestConsoleFlag(t *testing.T) {
	get := func(h http.Handler, path, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	off, err := New(context.Background(), testConfig(t, "--ephemeral"), quiet(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if rec := get(off.Handler(), "/console/signin", ""); rec.Code != http.StatusNotFound {
		t.Errorf("without --console: %d", rec.Code)
	}

	dir := t.TempDir()
	node := func() *Server {
		cfg := testConfig(t, "--console", "--data-dir", dir)
		cfg.SecretsKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		s, err := New(context.Background(), cfg, quiet(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := node()
	defer a.Close()
	if rec := get(a.Handler(), "/console/signin", ""); rec.Code != http.StatusOK || rec.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("with --console: %d %v", rec.Code, rec.Header())
	}
	form := "access_key_id=" + a.cfg.RootAccessKeyID + "&secret_access_key=" + a.cfg.RootSecretKey
	req := httptest.NewRequest(http.MethodPost, "/console/signin", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	cookie := strings.SplitN(rec.Header().Get("Set-Cookie"), ";", 2)[0]
	if rec.Code != http.StatusSeeOther || cookie == "" {
		t.Fatalf("sign-in: %d %q", rec.Code, cookie)
	}
	if rec := get(a.Handler(), "/console/domains", cookie); rec.Code != http.StatusOK {
		t.Fatalf("domains on the node signed in to: %d", rec.Code)
	}
	a.Close()
	b := node() // another process on the same storage and secrets key
	defer b.Close()
	if rec := get(b.Handler(), "/console/domains", cookie); rec.Code != http.StatusOK {
		t.Fatalf("domains on another node: %d", rec.Code)
	}
}
