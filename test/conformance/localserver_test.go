package conformance

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// localServer starts a test HTTP server on 127.0.0.1 and stops it when the
// test ends. It stops it with the underlying http.Server's Close, not
// httptest.Server.Close: the latter also closes the idle connections of
// http.DefaultTransport, which breaks requests of tests running in
// parallel ("use of closed network connection").
func localServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(func() { s.Config.Close() })
	return s
}
