package nuget

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
)

// writeRefusal answers a refused push, unlist or relist. NuGet's client
// prints only the status line ("Response status code does not indicate
// success: 409 (Conflict)"), so the message is also the reason phrase, as
// the public gallery does: the connection is taken over to write a custom status
// line (PyPI's uploads do the same for twine). The body is the JSON error.
func (f *Format) writeRefusal(w http.ResponseWriter, r *http.Request, status int, msg string) {
	f.log.Info("nuget write refused", "status", status, "message", msg, "path", r.URL.Path)
	// Read what is left of a small request so the client sees the answer
	// rather than a reset connection.
	io.Copy(io.Discard, io.LimitReader(r.Body, 16<<20))
	if r.ProtoMajor != 1 {
		writeError(w, status, msg)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, status, msg)
		return
	}
	defer conn.Close()
	dataplane.NoteStatus(w, status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	body := string(b) + "\n"
	h := w.Header().Clone()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	h.Set("Connection", "close")
	fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", status, reasonPhrase(msg, status))
	h.Write(buf)
	buf.WriteString("\r\n" + body)
	buf.Flush()
}

// reasonPhrase makes msg safe for a status line: one line of printable
// ASCII, at most 300 characters.
func reasonPhrase(msg string, status int) string {
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
