// Package console serves the web console at /console/: server-rendered
// pages (html/template) over the same service methods, and the same
// authorization, as the CodeArtifact API. Every page and action is
// authorized as the signed-in identity, re-resolved at each request.
package console

import (
	"context"
	"crypto/cipher"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/service"
)

// Identities resolves access keys (an *iam.Service).
type Identities interface {
	Lookup(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Key, error)
	TokenCredential(ctx context.Context, accessKeyID, sessionToken string) (*iam.Credential, error)
}

// Options configure a Console.
type Options struct {
	Service    *service.Service
	Identities Identities
	PublicURL  domain.PublicURL // base of the data-plane endpoints
	// Region is the region a signed-in access key acts in (a token names
	// its own).
	Region string
	// AcceptRegion says which regions a user may sign in to (the API's
	// own rule, --region); nil accepts Region only.
	AcceptRegion func(string) bool
	// SessionKey (at least 32 bytes) seals session cookies: every node
	// given the same key accepts the others' sessions.
	SessionKey []byte
	Log        *slog.Logger
	// SessionTTL is how long a sign-in lasts (default 12h).
	SessionTTL time.Duration
	Now        func() time.Time // default time.Now
}

// Console is the web console's HTTP handler.
type Console struct {
	o     Options
	aead  cipher.AEAD
	csrf  []byte // MAC key of the CSRF tokens
	pages *pages
	mux   *http.ServeMux
}

// New returns the console.
func New(o Options) (*Console, error) {
	if o.Service == nil || o.Identities == nil || o.Log == nil {
		return nil, errors.New("console: Service, Identities and Log are required")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	aead, csrf, err := sessionKeys(o.SessionKey)
	if err != nil {
		return nil, err
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	c := &Console{o: o, aead: aead, csrf: csrf, pages: p, mux: http.NewServeMux()}
	c.routes()
	return c, nil
}

// ServeHTTP serves everything under /console/, with the security headers
// on every answer.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

func (c *Console) routes() {
	m := c.mux
	m.Handle("GET /console/static/", staticHandler())
	m.HandleFunc("GET /console/{$}", c.signedIn(func(w http.ResponseWriter, r *http.Request, _ *request) {
		http.Redirect(w, r, "/console/domains", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /console/signin", c.signInPage)
	m.HandleFunc("POST /console/signin", c.signIn)
	m.HandleFunc("POST /console/signout", c.signedIn(c.signOut))
	m.HandleFunc("GET /console/domains", c.signedIn(c.domainsPage))
	m.HandleFunc("GET /console/domain", c.signedIn(c.domainPage))
	m.HandleFunc("GET /console/search", c.signedIn(c.searchPage))
	m.HandleFunc("GET /console/repository", c.signedIn(c.repositoryPage))
	m.HandleFunc("GET /console/package", c.signedIn(c.packagePage))
	m.HandleFunc("GET /console/version", c.signedIn(c.versionPage))
	m.HandleFunc("GET /console/download", c.signedIn(c.download))
	m.HandleFunc("POST /console/package/versions", c.signedIn(c.versionsAction))
	m.HandleFunc("POST /console/package/origin", c.signedIn(c.originAction))
	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, nil, http.StatusNotFound, "error", view{Title: "Not found",
			Error: &errView{Type: "NotFound", Message: "There is no console page at " + r.URL.Path}})
	})
}
