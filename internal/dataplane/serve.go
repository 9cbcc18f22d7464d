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
	if st, ok := o.(blob.Stream); ok {
		serveStream(w, r, st)
		return
	}
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

// serveStream answers with a file still being fetched: the whole file
// (ranges and conditionals need the complete bytes), sent as it arrives.
// When the fetch fails the response is aborted, so the client sees a
// broken transfer rather than a short file.
func serveStream(w http.ResponseWriter, r *http.Request, o blob.Stream) {
	h := w.Header()
	if size := o.Size(); size >= 0 {
		h["Content-Length"] = []string{strconv.FormatInt(size, 10)}
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := o.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return // the client went away; the fetch goes on
			}
			rc.Flush() //nolint:errcheck // a failed write shows next time
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			panic(http.ErrAbortHandler)
		}
	}
}
