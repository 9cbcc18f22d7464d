package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/service"
)

// download streams an asset through the session, as
// GetPackageVersionAsset does (Archived and Disposed versions refuse),
// always as an attachment under a safe file name.
func (c *Console) download(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	name := r.URL.Query().Get("a")
	ctx := r.Context()
	if err := c.authorize(ctx, rq, "GetPackageVersionAsset", service.ResourcePackage, l); err != nil {
		c.fail(w, r, rq, "Download", l.crumbs(), err)
		return
	}
	dl, err := c.o.Service.GetPackageVersionAsset(ctx, rq.caller, l.ref(), l.Version, name, "")
	if err != nil {
		c.fail(w, r, rq, "Download", l.crumbs(), err)
		return
	}
	defer dl.Content.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", contentDisposition(dl.Asset.Name))
	h.Set("ETag", `"`+dl.Asset.SHA256+`"`)
	http.ServeContent(w, r, "", time.Time{}, dl.Content)
}

// contentDisposition names an attachment: the asset's last path segment
// with anything but letters, digits and ._- replaced, plus the exact name
// in RFC 5987 form for browsers that read it.
func contentDisposition(name string) string {
	base := name[strings.LastIndexByte(name, '/')+1:]
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, base)
	safe = strings.TrimLeft(safe, ".")
	if safe == "" {
		safe = "download"
	}
	return `attachment; filename="` + safe + `"; filename*=UTF-8''` + url.PathEscape(base)
}
