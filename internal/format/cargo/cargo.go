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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
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
}

type fileRender struct {
	key   fileKey
	pkgID int64
	stamp string
}

// New returns the Cargo format.
func New(svc *service.Service, log *slog.Logger) *Format {
	return &Format{svc: svc, log: log, files: newFileCache(fileCacheBytes)}
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

// index serves a crate's index file, from the cache when the package's
// stamp is the one the file was rendered from: a request then reads only
// the package record. Repositories with upstreams merge the versions of
// every repository searched (and of the external connection) on each
// request.
func (f *Format) index(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name string) {
	ref := f.ref(repo, name)
	key := fileKey{endpoint: repo.Endpoint, crate: ref.Package}
	cur, _, upstreams, err := f.svc.LookupPackageUpstreams(r.Context(), repo.Caller, ref)
	if err != nil {
		f.writeErr(w, err)
		return
	}
	if upstreams {
		srcs, err := f.svc.PackageThroughUpstreams(r.Context(), repo.Caller, ref)
		if err != nil {
			f.writeErr(w, err)
			return
		}
		serveFile(w, r, newEntry(key, domain.Package{}, service.MergeVersions(srcs)))
		return
	}
	stamp := loadState(cur).Stamp
	if e, ok := f.files.get(key, cur.ID, stamp); ok {
		serveFile(w, r, e)
		return
	}
	e, _, err := f.renders.Do(r.Context(), fileRender{key, cur.ID, stamp}, func() (*fileEntry, error) {
		if e, ok := f.files.get(key, cur.ID, stamp); ok {
			return e, nil
		}
		// Versions and stamp from one read transaction: an entry never
		// outlives the state it shows.
		pkg, versions, err := f.svc.PackageVersions(r.Context(), repo.Caller, ref)
		if err != nil {
			return nil, err
		}
		e := newEntry(key, pkg, versions)
		f.files.put(e)
		return e, nil
	})
	if err != nil {
		f.writeErr(w, err)
		return
	}
	serveFile(w, r, e)
}

func newEntry(key fileKey, pkg domain.Package, versions []domain.PackageVersion) *fileEntry {
	body := RenderIndex(versions)
	sum := sha256.Sum256(body)
	st := loadState(pkg)
	return &fileEntry{key: key, pkgID: pkg.ID, stamp: st.Stamp, body: body,
		etag: `"` + hex.EncodeToString(sum[:16]) + `"`, modified: st.Changed}
}

// serveFile answers an index file; ServeContent handles HEAD,
// If-None-Match and If-Modified-Since. A crate without a listed version
// is a 404, which cargo reads as "no such crate".
func serveFile(w http.ResponseWriter, r *http.Request, e *fileEntry) {
	if e.body == nil {
		writeError(w, http.StatusNotFound, "crate "+e.key.crate+" has no listed version")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("ETag", e.etag)
	w.Header().Set("Cache-Control", "no-cache") // revalidate: statuses change at any time
	http.ServeContent(w, r, "", e.modified, bytes.NewReader(e.body))
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

// yank moves a version between Published and Unlisted.
func (f *Format) yank(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name, version string, target domain.Status) {
	ref := f.ref(repo, name)
	if err := f.svc.Authorize(r.Context(), repo.Caller, packageAccess("UpdatePackageVersionsStatus", ref)); err != nil {
		f.writeErr(w, err)
		return
	}
	info, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, ref, version)
	if err != nil {
		f.writeErr(w, err)
		return
	}
	from := info.Version.Status
	if from != target {
		if ok, _ := Listed(from); !ok {
			writeError(w, http.StatusBadRequest, "crate version "+name+"@"+version+" is "+string(from)+"; change its status through the control plane")
			return
		}
		res, err := f.svc.UpdatePackageVersionsStatus(r.Context(), repo.Caller, ref,
			service.BatchInput{Versions: []string{version}, ExpectedStatus: from}, target)
		if err != nil {
			f.writeErr(w, err)
			return
		}
		if fail, ok := res.Failed[version]; ok {
			writeError(w, http.StatusConflict, "crate version "+name+"@"+version+": "+fail.Message)
			return
		}
	}
	writeJSON(w, map[string]bool{"ok": true})
}

// tempFile creates the file an upload is spooled to.
func (f *Format) tempFile() (*os.File, error) {
	return os.CreateTemp(f.TempDir, "artifactd-cargo-*")
}

// packageAccess is action on the package ref names.
func packageAccess(action string, ref service.PackageRef) service.Access {
	return service.Access{Action: action, Kind: service.ResourcePackage, Domain: ref.Domain, DomainOwner: ref.DomainOwner,
		Repository: ref.Repository, Format: ref.Format, Namespace: ref.Namespace, Package: ref.Package}
}
