package dataplane

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
)

// PlainGet reports whether r is a GET or HEAD without range or
// conditional headers: such requests can be answered directly; others go
// through http.ServeContent (ranges, If-None-Match → 304...).
func PlainGet(r *http.Request) bool {
	h := r.Header
	return len(h["Range"]) == 0 && len(h["If-None-Match"]) == 0 && len(h["If-Match"]) == 0 &&
		len(h["If-Modified-Since"]) == 0 && len(h["If-Unmodified-Since"]) == 0 && len(h["If-Range"]) == 0
}

var hdrBytes = []string{"bytes"}

// ServeObject answers r with the object's bytes; the caller has set
// Content-Type and ETag. A plain GET is answered without seeking or
// sniffing: bytes already in memory go out with the header in one write,
// a file goes to sendfile(2) right after the header. Other requests get
// http.ServeContent's ranges and conditional answers.
func ServeObject(w http.ResponseWriter, r *http.Request, o blob.Object) {
	if !PlainGet(r) {
		http.ServeContent(w, r, "", time.Time{}, o)
		return
	}
	size := o.Size()
	h := w.Header()
	h["Accept-Ranges"] = hdrBytes
	h["Content-Length"] = []string{strconv.FormatInt(size, 10)}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead || size == 0 {
		return
	}
	if m, ok := o.(blob.InMemory); ok {
		w.Write(m.Bytes()) //nolint:errcheck // the client went away
		return
	}
	// Flushing the header first makes net/http hand the file straight to
	// sendfile instead of reading a first chunk to sniff it.
	if err := http.NewResponseController(w).Flush(); err != nil {
		return
	}
	io.Copy(w, io.LimitReader(o, size)) //nolint:errcheck // the client went away
}
