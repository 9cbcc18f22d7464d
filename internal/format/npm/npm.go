// Package npm serves the npm registry protocol on a repository's npm
// endpoint: packuments (full and abbreviated), tarballs, publish,
// dist-tags, deprecate, unpublish, ping and whoami.
//
// State lives in the service: a version's manifest (as npm published it)
// in PackageVersion.Metadata, the tarball as its one asset "package.tgz",
// and the dist-tags with a change stamp in Package.Metadata (see state).
package npm

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// assetName is the name of a version's tarball asset, as on CodeArtifact.
const assetName = "package.tgz"

// Defaults of the options.
const (
	DefaultMaxPublishBytes = 2 << 30 // a publish request body (base64 tarball + JSON), as CodeArtifact allows
	// DefaultCacheBytes bounds the rendered packuments kept in memory.
	// A package of 20,000 versions renders to about 16 MiB full and 10
	// MiB abbreviated, plus their gzip: 256 MiB keeps several such
	// packages beside the many small ones.
	DefaultCacheBytes = 256 << 20
)

// Format is the npm data plane (dataplane.Format).
type Format struct {
	svc             *service.Service
	log             *slog.Logger
	rules           *Rules
	cache           *packumentCache
	maxPublishBytes int64
	// TempDir holds publish tarballs while they are checked ("" =
	// os.TempDir(); the server gives the data directory's).
	TempDir string
}

// Option configures New.
type Option func(*Format)

// WithMaxPublishBytes bounds the size of a publish request.
func WithMaxPublishBytes(n int64) Option { return func(f *Format) { f.maxPublishBytes = n } }

// WithCacheBytes sets the packument cache budget (0 disables it). The
// cache of per-version fragments that packuments are rebuilt from takes a
// quarter of that again, on top.
func WithCacheBytes(n int) Option {
	return func(f *Format) {
		f.cache = nil
		if n > 0 {
			f.cache = newPackumentCache(n)
		}
	}
}

// New returns the npm format; uploads are spooled in tmp while they are
// checked ("" = os.TempDir()).
func New(svc *service.Service, log *slog.Logger, tmp string, opts ...Option) *Format {
	f := &Format{svc: svc, log: log, TempDir: tmp, rules: NewRules(), cache: newPackumentCache(DefaultCacheBytes), maxPublishBytes: DefaultMaxPublishBytes}
	for _, o := range opts {
		o(f)
	}
	return f
}

// Name is "npm".
func (f *Format) Name() domain.Format { return domain.FormatNpm }

// ServeRepo routes one request under a repository's npm endpoint.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	p := repo.Path
	switch {
	case p == "-/ping":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	case p == "-/whoami":
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"username": whoami(repo.Caller)})
	case strings.HasPrefix(p, "-/package/"):
		f.serveDistTags(w, r, repo, strings.TrimPrefix(p, "-/package/"))
	case strings.HasPrefix(p, "-/"), p == "":
		writeError(w, http.StatusNotFound, "Not found: this registry does not support "+r.Method+" /"+p)
	default:
		f.servePackage(w, r, repo)
	}
}

// whoami names the caller: the account the token was minted for.
func whoami(c service.Caller) string {
	if c.Account != "" {
		return c.Account
	}
	return "aws"
}

// servePackage handles the paths that start with a package name.
func (f *Format) servePackage(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	name, rest, ok := splitName(repo.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "Not found: invalid package name in "+repo.Path)
		return
	}
	ref := repo.Ref(domain.FormatNpm, name.Scope, name.Name)
	switch {
	case len(rest) == 0:
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			f.getPackument(w, r, repo, ref, name)
		case http.MethodPut:
			f.putPackage(w, r, repo, ref, name, "")
		case http.MethodDelete:
			writeError(w, http.StatusBadRequest, "Unpublishing needs the package revision: DELETE /"+name.String()+"/-rev/<rev>")
		default:
			methodNotAllowed(w, "GET, PUT")
		}
	case len(rest) == 2 && rest[0] == "-rev":
		switch r.Method {
		case http.MethodPut:
			f.putPackage(w, r, repo, ref, name, rest[1])
		case http.MethodDelete:
			f.deletePackage(w, r, repo, ref, name, rest[1])
		default:
			methodNotAllowed(w, "PUT, DELETE")
		}
	case len(rest) == 2 && rest[0] == "-":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		f.getTarball(w, r, repo, ref, name, rest[1])
	case len(rest) == 4 && rest[0] == "-" && rest[2] == "-rev":
		if r.Method != http.MethodDelete {
			methodNotAllowed(w, "DELETE")
			return
		}
		f.deleteTarball(w, r, repo, ref, name, rest[1], rest[3])
	case len(rest) == 1 && rest[0] != "":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		f.getVersion(w, r, repo, ref, name, rest[0])
	default:
		writeError(w, http.StatusNotFound, "Not found: "+repo.Path)
	}
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(mustJSON(v))
}

// writeRawJSON answers a JSON document already encoded.
func writeRawJSON(w http.ResponseWriter, status int, doc []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(doc)
}

// writeError answers {"error": msg}, which npm prints after the status.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
}

// fail answers a service error.
func (f *Format) fail(w http.ResponseWriter, err error) {
	dataplane.WriteError(w, f.log, err)
}

// packageNotFound is npm's 404 for a package (npm install prints E404).
func packageNotFound(w http.ResponseWriter, n pkgName) {
	writeError(w, http.StatusNotFound, "Not found: package "+n.String()+" does not exist in this repository")
}
