package server

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/artifactd/artifactd/internal/metrics"
)

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// NoteStatus records the status of a response written on a hijacked
// connection (dataplane.NoteStatus), which the log would not see.
func (w *statusWriter) NoteStatus(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the response writer's sendfile path (net/http uses it
// when the source is an *os.File) working through the wrapper.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController and io.Copy's sendfile path reach
// the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	var out [36]byte // 8-4-4-4-12 hex digits
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// withRequestLog gives every response an x-amzn-RequestId and logs one
// access line per request, and counts it in the metrics (requests is nil
// when they are off). Query strings are left out of the log: presigned
// URLs carry signatures there.
func withRequestLog(log *slog.Logger, requests *metrics.Requests, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, obs := requests.Start(r)
		id := newRequestID()
		w.Header()["X-Amzn-Requestid"] = []string{id} // canonical form of x-amzn-RequestId
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			p := recover()
			if p == http.ErrAbortHandler {
				// A deliberate abort (a fetched file failed its checks):
				// logged, then handed on so net/http breaks the connection.
				defer panic(p)
				sw.status = http.StatusBadGateway
			} else if p != nil {
				log.Error("panic serving request", "request_id", id, "panic", p)
				if sw.status == 0 {
					w.Header().Set("x-amzn-ErrorType", "InternalServerException")
					w.Header().Set("Content-Type", "application/json")
					sw.WriteHeader(http.StatusInternalServerError)
					sw.Write([]byte(`{"__type":"InternalServerException","message":"An internal error occurred"}`))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			// LogAttrs with typed attributes: no boxing into interfaces.
			log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", id),
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
				slog.Int64("bytes", sw.bytes), slog.Int64("duration_ms", elapsed.Milliseconds()),
				slog.String("remote", r.RemoteAddr))
			obs.Done(status, sw.bytes, elapsed)
		}()
		next.ServeHTTP(sw, r)
	})
}
