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
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	if gz {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		b = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
		etag = `W/` + etag
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
