package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/artifactd/artifactd/internal/api/codeartifact"
	"github.com/artifactd/artifactd/internal/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one template set per page: the layout and the page.
type pages struct{ byName map[string]*template.Template }

var pageNames = []string{"signin", "error", "domains", "domain", "search", "repository", "package", "version", "confirm", "results"}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"time": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"bytes": humanBytes,
	}
	for _, n := range pageNames {
		t, err := template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		p.byName[n] = t
	}
	return p, nil
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.StripPrefix("/console/static/", http.FileServerFS(sub))
}

// view is what the layout renders around a page.
type view struct {
	Title  string
	Who    string // the signed-in principal, "" on the sign-in page
	CSRF   string
	Crumbs []crumb
	Error  *errView
	Body   any
}

type crumb struct{ Label, Href string }

// errView is a failure as the page shows it: the exception type the API
// would answer with and its message, never a stack.
type errView struct{ Type, Message string }

// errorView classifies err as the API would (its exception type); an
// unclassified error is logged, not shown.
func errorView(log *slog.Logger, err error) *errView {
	if name, _, ok := codeartifact.ExceptionOf(err); ok {
		return &errView{Type: name, Message: domain.TruncateMessage(err.Error())}
	}
	log.Error("console: internal error", "err", err)
	return &errView{Type: "InternalServerException", Message: "An internal error occurred"}
}

func errorStatus(err error) int {
	_, status, _ := codeartifact.ExceptionOf(err)
	return status
}

// render writes a page. rq is nil for pages shown signed out.
func (c *Console) render(w http.ResponseWriter, r *http.Request, rq *request, status int, page string, v view) {
	if rq != nil {
		v.Who = rq.who
		v.CSRF = c.csrfToken(&rq.sess)
	}
	var buf bytes.Buffer
	if err := c.pages.byName[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.o.Log.Error("console: rendering", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders err as the page's answer.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, rq *request, title string, crumbs []crumb, err error) {
	c.render(w, r, rq, errorStatus(err), "error", view{Title: title, Crumbs: crumbs, Error: errorView(c.o.Log, err)})
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
