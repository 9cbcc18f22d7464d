package nuget

import (
	"encoding/json"
	"net/http"

	"github.com/artifactd/artifactd/internal/dataplane"
)

// writeRefusal answers a refused push, unlist or relist. NuGet's client
// prints only the status line ("Response status code does not indicate
// success: 409 (Conflict)"), so the message is also the reason phrase, as
// the public gallery does. The body is the JSON error.
func (f *Format) writeRefusal(w http.ResponseWriter, r *http.Request, status int, msg string) {
	f.log.Info("nuget write refused", "status", status, "message", msg, "path", r.URL.Path)
	b, _ := json.Marshal(map[string]string{"error": msg})
	dataplane.WriteWithReason(w, r, status, msg, "application/json; charset=utf-8", string(b)+"\n",
		func() { writeError(w, status, msg) })
}
