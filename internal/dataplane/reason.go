package dataplane

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// WriteWithReason answers a refused write with msg as the status line's
// reason phrase as well as in the body: twine and NuGet's client print
// only the status line ("400 The name is not valid"), as the public
// registries make it. net/http writes the standard phrase, so the
// connection is taken over to write the response itself; on HTTP/2, or
// when it cannot be taken over, fallback answers the usual way.
func WriteWithReason(w http.ResponseWriter, r *http.Request, status int, msg, contentType, body string, fallback func()) {
	// Read what is left of a small request so the client sees the answer
	// rather than a reset connection.
	io.Copy(io.Discard, io.LimitReader(r.Body, 16<<20))
	if r.ProtoMajor != 1 {
		fallback()
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		fallback()
		return
	}
	defer conn.Close()
	NoteStatus(w, status)
	h := w.Header().Clone()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	h.Set("Connection", "close")
	fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", status, ReasonPhrase(msg, status))
	h.Write(buf)
	buf.WriteString("\r\n" + body)
	buf.Flush()
}

// ReasonPhrase makes msg safe for a status line: one line of printable
// ASCII, at most 300 characters (the status's standard text if nothing
// is left).
func ReasonPhrase(msg string, status int) string {
	var b strings.Builder
	for _, r := range msg {
		if b.Len() >= 300 {
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	if s := strings.TrimSpace(b.String()); s != "" {
		return s
	}
	return http.StatusText(status)
}
