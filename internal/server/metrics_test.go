package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/artifactd/artifactd/internal/metrics"
)

// BenchmarkRequestMetrics compares the request wrapper with metrics off
// and on, around a handler that writes a small body (a cached packument
// GET is a few microseconds more than this).
func BenchmarkRequestMetrics(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	body := []byte("{\"name\":\"x\"}")
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	m := metrics.New()
	m.Requests.AddFormats([]string{"npm"})
	for _, c := range []struct {
		name string
		q    *metrics.Requests
	}{{"off", nil}, {"on", m.Requests}} {
		b.Run(c.name, func(b *testing.B) {
			h := withRequestLog(log, c.q, ok)
			r := httptest.NewRequest("GET", "/npm/d/dom-000000000000/repo/lodash", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				w.Body.Reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
