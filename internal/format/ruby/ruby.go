// Package ruby serves RubyGems on the data plane: gem push and yank, the
// legacy index gem install reads, and the compact index and dependency
// API bundler reads.
//
// Under a repository's endpoint {ep} (…/ruby/d/{domain}-{owner}/{repo}/):
//
//	POST   {ep}api/v1/gems                  gem push (the raw .gem)
//	DELETE {ep}api/v1/gems/yank             gem yank (form: gem_name, version, platform)
//	GET    {ep}api/v1/dependencies?gems=a,b the dependency API (Marshal)
//	GET    {ep}versions, names, info/{name} the compact index
//	GET    {ep}specs.4.8.gz, latest_specs.4.8.gz, prerelease_specs.4.8.gz
//	GET    {ep}quick/Marshal.4.8/{name}-{version}[-{platform}].gemspec.rz
//	GET    {ep}gems/{name}-{version}[-{platform}].gem
//
// A package is a gem (its name as pushed: gem names are case-sensitive),
// a package version a gem version, and each platform's .gem an asset of
// that version.
package ruby

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/listing"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/service"
)

// Format is the RubyGems data plane.
type Format struct {
	svc *service.Service
	log *slog.Logger
	// TempDir holds pushed gems while they are checked ("" = os.TempDir()).
	TempDir string
	now     func() time.Time
	// pkgs caches each package's index (by endpoint and name), valid
	// while the package keeps its ID and stamp.
	pkgs *lru.Cache[pkgKey, *pkgIndex]
	// edited counts the package indexes made from an earlier one (tests).
	edited atomic.Int64
	// repos caches each repository's whole-repository files, valid
	// while the repository's listing stamp of gems is the one they were
	// built at: any push, yank or status change of any gem (any write of
	// a gem's package row) changes it.
	repos *listing.Cache[*repoFiles]
}

type pkgKey struct{ endpoint, name string }

// cacheBytes bounds the memory of each cache.
const cacheBytes = 64 << 20

// New returns the RubyGems format; uploads are spooled in tmp while they are
// checked ("" = os.TempDir()).
func New(svc *service.Service, log *slog.Logger, tmp string) *Format {
	return &Format{svc: svc, log: log, TempDir: tmp, now: time.Now,
		pkgs: lru.New[pkgKey, *pkgIndex](cacheBytes), repos: listing.New[*repoFiles](svc, domain.FormatRuby, cacheBytes)}
}

// Name implements dataplane.Format.
func (f *Format) Name() domain.Format { return domain.FormatRuby }

// ServeRepo implements dataplane.Format.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	p, err := url.PathUnescape(repo.Path)
	if err != nil || strings.Contains(p, "..") {
		writeText(w, http.StatusNotFound, "Malformed path")
		return
	}
	switch {
	case p == "api/v1/gems":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		f.push(w, r, repo)
		return
	case p == "api/v1/gems/yank":
		if r.Method != http.MethodDelete {
			methodNotAllowed(w, "DELETE")
			return
		}
		f.yank(w, r, repo)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return
	}
	switch {
	case p == "":
		f.root(w, r, repo)
	case p == "api/v1/dependencies" || p == "api/v1/dependencies.json":
		f.dependencies(w, r, repo, strings.HasSuffix(p, ".json"))
	case p == "versions" || p == "names" || strings.HasSuffix(p, "specs.4.8.gz") || strings.HasSuffix(p, "specs.4.8"):
		f.repoFile(w, r, repo, p)
	case strings.HasPrefix(p, "info/"):
		f.info(w, r, repo, strings.TrimPrefix(p, "info/"))
	case strings.HasPrefix(p, "quick/Marshal.4.8/") && strings.HasSuffix(p, ".gemspec.rz"):
		f.quick(w, r, repo, strings.TrimSuffix(strings.TrimPrefix(p, "quick/Marshal.4.8/"), ".gemspec.rz"))
	case strings.HasPrefix(p, "gems/") && strings.HasSuffix(p, ".gem"):
		f.download(w, r, repo, strings.TrimPrefix(p, "gems/"))
	default:
		writeText(w, http.StatusNotFound, "Not found: the RubyGems endpoint serves api/v1/, the compact index (versions, info/) and the legacy index (specs.4.8.gz, quick/, gems/)")
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeText(w, http.StatusMethodNotAllowed, "Method not allowed")
}

// writeText answers a plain-text message; gem and bundler print it.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

func (f *Format) writeError(w http.ResponseWriter, err error) {
	writeText(w, dataplane.Status(err), dataplane.Message(f.log, err))
}

func (f *Format) ref(repo dataplane.Repo, name string) service.PackageRef {
	return repo.Ref(domain.FormatRuby, "", name)
}

// hasUpstreams reports whether the repository has upstream repositories
// or an external connection. It looks up a name no gem can have: that
// authorizes a read of the repository, as every index read does, without
// needing DescribeRepository's permission.
func (f *Format) hasUpstreams(r *http.Request, repo dataplane.Repo) (bool, error) {
	_, _, up, err := f.svc.LookupPackageUpstreams(r.Context(), repo.Caller, f.ref(repo, "-"))
	var de *domain.Error
	if errors.As(err, &de) && errors.Is(err, domain.ErrNotFound) && de.ResourceType == domain.ResPackage {
		return false, nil // the repository exists, without upstreams
	}
	return up, err
}

// root answers the endpoint itself, which gem install probes with HEAD:
// a success makes it resolve gem by gem through info/{name}, a 404
// through the legacy index. Repositories without upstreams answer 404, so
// gem install reads specs.4.8.gz (which lists every gem they hold);
// repositories with upstreams answer 200, since their gems cannot all be
// listed (an external connection's registry is not enumerated).
func (f *Format) root(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	up, err := f.hasUpstreams(r, repo)
	if err != nil {
		f.writeError(w, err)
		return
	}
	if !up {
		writeText(w, http.StatusNotFound, "This RubyGems repository serves its gems through specs.4.8.gz, versions and info/")
		return
	}
	writeText(w, http.StatusOK, "RubyGems repository "+repo.Repository)
}

// serveBytes answers a derived file with its ETag (the MD5 bundler
// compares), If-None-Match and Range handled by ServeContent.
func serveBytes(w http.ResponseWriter, r *http.Request, contentType, etag string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	if etag == "" {
		sum := md5.Sum(b)
		etag = `"` + hex.EncodeToString(sum[:]) + `"`
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache") // statuses change at any time
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
