// Package swift serves Swift packages on the data plane: the Swift
// package registry service of SE-0292, as Registry.md in the Swift
// package manager specifies it.
//
// Under a repository's endpoint {ep} (…/swift/d/{domain}-{owner}/{repo}/):
//
//	GET  {ep}{scope}/{name}[.json]                       list releases (4.1)
//	GET  {ep}{scope}/{name}/{version}[.json]             release metadata (4.2)
//	GET  {ep}{scope}/{name}/{version}/Package.swift      manifest, ?swift-version=X (4.3)
//	GET  {ep}{scope}/{name}/{version}.zip                source archive (4.4)
//	GET  {ep}identifiers?url={url}                       identifiers of a repository URL (4.5)
//	PUT  {ep}{scope}/{name}/{version}                    publish a release (4.6)
//	POST {ep}login                                       check credentials
//
// The scope is the package's namespace; scopes and names are stored and
// looked up lowercased (CodeArtifact does so), and shown as published.
package swift

import (
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/flight"
	"github.com/artifactd/artifactd/internal/format/listing"
	"github.com/artifactd/artifactd/internal/service"
)

// Format is the Swift registry data plane.
type Format struct {
	svc *service.Service
	log *slog.Logger
	// TempDir holds source archives while they are checked ("" = os.TempDir()).
	TempDir string
	now     func() time.Time
	indexes *indexCache
	renders flight.Group[indexRender, *index]
	// urls maps each repository's declared repository URLs to package
	// identifiers (GET identifiers).
	urls *listing.Cache[map[string][]string]
	// rendered counts the indexes rendered for the cache (tests).
	rendered atomic.Int64
	// edited counts those of them made from an earlier one (tests).
	edited atomic.Int64
}

// indexCacheBytes bounds the memory of cached release indexes.
const indexCacheBytes = 64 << 20

// New returns the Swift format; uploads are spooled in tmp while they are
// checked ("" = os.TempDir()).
func New(svc *service.Service, log *slog.Logger, tmp string) *Format {
	return &Format{svc: svc, log: log, TempDir: tmp, now: time.Now, indexes: newIndexCache(indexCacheBytes),
		urls: listing.New[map[string][]string](svc, domain.FormatSwift, indexCacheBytes)}
}

// Name implements dataplane.Format.
func (f *Format) Name() domain.Format { return domain.FormatSwift }

// WriteDataPlaneError implements dataplane.ErrorWriter: refusals of the
// data plane itself (401, 403) are problem details too (Registry.md 3.3).
func (f *Format) WriteDataPlaneError(w http.ResponseWriter, status int, msg string) {
	writeProblem(w, status, msg)
}

// ServeRepo implements dataplane.Format.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	w.Header().Set("Content-Version", apiVersion)
	switch negotiate(r.Header.Get("Accept")) {
	case acceptInvalid:
		writeProblem(w, http.StatusBadRequest, "invalid API version")
		return
	case acceptUnsupported:
		writeProblem(w, http.StatusUnsupportedMediaType, "unsupported API version")
		return
	}
	segs := strings.Split(repo.Path, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			writeProblem(w, http.StatusNotFound, "malformed path")
			return
		}
		segs[i] = u
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case len(segs) == 1 && segs[0] == "login":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		// The data plane checked the token for this domain: it is valid.
		w.WriteHeader(http.StatusOK)
	case len(segs) == 1 && segs[0] == "identifiers":
		if !read {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		f.identifiers(w, r, repo)
	case len(segs) == 2:
		if !read {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		name, _ := strings.CutSuffix(segs[1], ".json")
		ref, ok := f.ref(w, repo, segs[0], name)
		if ok {
			f.listReleases(w, r, repo, ref)
		}
	case len(segs) == 3:
		version := segs[2]
		if r.Method == http.MethodPut {
			f.publish(w, r, repo, segs[0], segs[1], version)
			return
		}
		if !read {
			methodNotAllowed(w, "GET, HEAD, PUT")
			return
		}
		ref, ok := f.ref(w, repo, segs[0], segs[1])
		if !ok {
			return
		}
		if v, ok := strings.CutSuffix(version, ".zip"); ok {
			f.downloadArchive(w, r, repo, ref, v)
			return
		}
		version, _ = strings.CutSuffix(version, ".json")
		f.releaseMetadata(w, r, repo, ref, version)
	case len(segs) == 4 && segs[3] == "Package.swift":
		if !read {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		if ref, ok := f.ref(w, repo, segs[0], segs[1]); ok {
			f.manifest(w, r, repo, ref, segs[2])
		}
	default:
		writeProblem(w, http.StatusNotFound, "not found: the Swift registry serves {scope}/{name}[/{version}[.zip|/Package.swift]], identifiers and login")
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeProblem(w, http.StatusMethodNotAllowed, "method not allowed here; use "+allow)
}

// ref checks a scope and name from the path and returns the package's
// coordinates; an invalid one is answered 404, as a package that cannot
// exist.
func (f *Format) ref(w http.ResponseWriter, repo dataplane.Repo, scope, name string) (service.PackageRef, bool) {
	switch {
	case !ValidScope(scope):
		writeProblem(w, http.StatusNotFound, "invalid package scope "+quote(scope)+": 1 to 39 letters, digits and single inner hyphens")
		return service.PackageRef{}, false
	case !ValidName(name):
		writeProblem(w, http.StatusNotFound, "invalid package name "+quote(name)+": 1 to 100 letters, digits and single inner hyphens or underscores")
		return service.PackageRef{}, false
	}
	return repo.Ref(domain.FormatSwift, strings.ToLower(scope), strings.ToLower(name)), true
}

// quote shows client text in a message, bounded.
func quote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// writeError answers a service error as problem details.
func (f *Format) writeError(w http.ResponseWriter, err error) {
	writeProblem(w, dataplane.Status(err), dataplane.Message(f.log, err))
}

// tempFile creates the file a source archive is spooled to.
func (f *Format) tempFile() (*os.File, error) {
	return os.CreateTemp(f.TempDir, "artifactd-swift-*")
}
