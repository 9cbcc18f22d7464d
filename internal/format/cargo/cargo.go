// Package cargo serves Rust crates on the data plane: the sparse registry
// protocol cargo (≥ 1.74) reads, and the web API it publishes and yanks
// through.
//
// Under a repository's endpoint {ep} (…/cargo/d/{domain}-{owner}/{repo}/):
//
//	GET    {ep}config.json                                 {"dl": "{ep}api/v1/crates", "api": "{ep} less its /", "auth-required": true}
//	GET    {ep}1/{n}, 2/{n}, 3/{c}/{n}, {ab}/{cd}/{n}       a crate's index file (one JSON line per version)
//	PUT    {ep}api/v1/crates/new                           cargo publish
//	GET    {ep}api/v1/crates/{crate}/{version}/download    the .crate file
//	DELETE {ep}api/v1/crates/{crate}/{version}/yank        cargo yank: Published → Unlisted
//	PUT    {ep}api/v1/crates/{crate}/{version}/unyank      cargo yank --undo: Unlisted → Published
//
// Crates are stored under Normalize(name) (lowercase, '_' as '-'); the
// spelling published is the versions' display name and the index lines'
// name.
package cargo

import (
	"bytes"
	"encoding/json"
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
	"github.com/artifactd/artifactd/internal/service"
)

// fileCacheBytes bounds the memory of cached index files.
const fileCacheBytes = 32 << 20

// Format is the Cargo data plane.
type Format struct {
	svc *service.Service
	log *slog.Logger
	// TempDir holds uploads while they are checked ("" = os.TempDir()).
	TempDir string
	files   *fileCache
	// renders runs one rendering at a time of an index file for the
	// package state its callers saw.
	renders flight.Group[fileRender, *fileEntry]
	// edited counts the index files made from an earlier one (tests).
	edited atomic.Int64
}

type fileRender struct {
	key   fileKey
	pkgID int64
	stamp string
}

// New returns the Cargo format; uploads are spooled in tmp while they are
// checked ("" = os.TempDir()).
func New(svc *service.Service, log *slog.Logger, tmp string) *Format {
	return &Format{svc: svc, log: log, TempDir: tmp, files: newFileCache(fileCacheBytes)}
}

// Name implements dataplane.Format.
func (f *Format) Name() domain.Format { return domain.FormatCargo }

// ServeRepo implements dataplane.Format.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	p := repo.Path
	if rest, ok := strings.CutPrefix(p, "api/v1/crates/"); ok {
		f.api(w, r, repo, rest)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if p == "config.json" {
		f.config(w, r, repo)
		return
	}
	if name, ok := nameFromIndexPath(p); ok {
		f.index(w, r, repo, name)
		return
	}
	writeError(w, http.StatusNotFound, "not found: the Cargo endpoint serves config.json, the sparse index and api/v1/crates")
}

// api routes the web API under api/v1/crates/.
func (f *Format) api(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, rest string) {
	if rest == "new" {
		if r.Method != http.MethodPut {
			w.Header().Set("Allow", "PUT")
			writeError(w, http.StatusMethodNotAllowed, "publish with PUT (cargo publish)")
			return
		}
		f.publish(w, r, repo)
		return
	}
	segs := strings.Split(rest, "/")
	if len(segs) != 3 {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			writeError(w, http.StatusNotFound, "malformed path")
			return
		}
		segs[i] = u
	}
	name, version, action := segs[0], segs[1], segs[2]
	if !ValidName(name) || version == "" {
		writeError(w, http.StatusNotFound, "not a valid crate name or version")
		return
	}
	switch {
	case action == "download" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		f.download(w, r, repo, name, version)
	case action == "yank" && r.Method == http.MethodDelete:
		f.yank(w, r, repo, name, version, domain.StatusUnlisted)
	case action == "unyank" && r.Method == http.MethodPut:
		f.yank(w, r, repo, name, version, domain.StatusPublished)
	case action == "download" || action == "yank" || action == "unyank":
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	default:
		writeError(w, http.StatusNotFound, "not found")
	}
}

// writeError answers the error shape cargo prints:
// {"errors":[{"detail":"..."}]}.
func writeError(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"detail": detail}}})
}

// writeErr answers a service error.
func (f *Format) writeErr(w http.ResponseWriter, err error) {
	writeError(w, dataplane.Status(err), dataplane.Message(f.log, err))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (f *Format) ref(repo dataplane.Repo, name string) service.PackageRef {
	return repo.Ref(domain.FormatCargo, "", Normalize(name))
}

// Config is a sparse registry's config.json.
type Config struct {
	DL           string `json:"dl"`
	API          string `json:"api,omitempty"`
	AuthRequired bool   `json:"auth-required,omitempty"`
}

// ConfigFor is the config.json of the registry at endpoint ep (ending in
// "/"): cargo appends /{crate}/{version}/download to dl and
// /api/v1/crates/... to api.
func ConfigFor(ep string) Config {
	return Config{DL: ep + "api/v1/crates", API: strings.TrimSuffix(ep, "/"), AuthRequired: true}
}

func (f *Format) config(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	b, _ := json.Marshal(ConfigFor(repo.Endpoint))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// AssetName is the name of a version's .crate asset.
func AssetName(name, version string) string {
	return strings.ToLower(name) + "-" + version + ".crate"
}

// download serves a listed version's .crate (through upstreams and the
// external connection when the repository lacks it).
func (f *Format) download(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name, version string) {
	ref := f.ref(repo, name)
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, ref, version, AssetName(name, version), listed)
	if err != nil {
		f.writeErr(w, err)
		return
	}
	defer dl.Content.Close()
	if !listed(dl.Version.Version.Status) {
		writeError(w, http.StatusNotFound, "crate version "+name+"@"+version+" is "+string(dl.Version.Version.Status)+" and cannot be downloaded")
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	if dl.Asset.SHA256 != "" { // "" while it is fetched through an external connection
		w.Header().Set("ETag", `"`+dl.Asset.SHA256+`"`)
	}
	dataplane.ServeObject(w, r, dl.Content)
}

// listed reports whether cargo may see (and so download) a version: yanked
// versions stay downloadable, as on crates-io, for lock files naming them.
func listed(st domain.Status) bool {
	ok, _ := Listed(st)
	return ok
}

// tempFile creates the file an upload is spooled to.
func (f *Format) tempFile() (*os.File, error) {
	return os.CreateTemp(f.TempDir, "artifactd-cargo-*")
}
