package nuget

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// writeBody answers b with an ETag; gzipped (Content-Encoding: gzip) when
// gz, as the RegistrationsBaseUrl/3.4.0 and /3.6.0 hives are.
func writeBody(w http.ResponseWriter, r *http.Request, status int, contentType string, b []byte, gz bool) {
	writePrepared(w, r, status, contentType, prepare(b, gz))
}

// prepared is a body ready to send: gzipped when the hive wants it, and
// its ETag (of the plain bytes).
type prepared struct {
	body []byte
	etag string
	gz   bool
}

func prepare(b []byte, gz bool) prepared {
	sum := sha256.Sum256(b)
	p := prepared{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, gz: gz}
	if gz {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		p.body = buf.Bytes()
		p.etag = `W/` + p.etag
	}
	return p
}

// writePrepared answers a prepared body.
func writePrepared(w http.ResponseWriter, r *http.Request, status int, contentType string, p prepared) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	b, etag := p.body, p.etag
	if p.gz {
		h.Set("Content-Encoding", "gzip")
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
		w.Write(b)
		return
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache") // statuses change at any time
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
