// Package pypi serves Python packages on the data plane: the legacy upload
// API twine uses, and the simple repository API pip installs from.
//
// Under a repository's endpoint {ep} (…/pypi/d/{domain}-{owner}/{repo}/):
//
//	POST {ep}                                    twine upload (multipart, :action=file_upload)
//	GET  {ep}simple/                             root index (PEP 503 / PEP 691)
//	GET  {ep}simple/{project}/                   project page (PEP 503 HTML or PEP 691 JSON)
//	GET  {ep}packages/{project}/{version}/{file} a distribution file
//	GET  {ep}packages/{project}/{version}/{file}.metadata   a wheel's METADATA (PEP 658)
//
// Project names are stored, looked up and shown normalized (PEP 503);
// the name as uploaded is the version's displayName.
package pypi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/flight"
	"github.com/artifactd/artifactd/internal/format/listing"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
)

// YankedReason is the data-yanked reason of Unlisted versions.
const YankedReason = "Unlisted in this repository"

// Format is the PyPI data plane.
type Format struct {
	svc *service.Service
	log *slog.Logger
	// TempDir holds uploads while they are checked ("" = os.TempDir()).
	TempDir string
	now     func() time.Time
	pages   *pageCache // rendered project pages, keyed on package stamps
	// projects keeps each repository's project names for simple/.
	projects *listing.Cache[[]string]
	// renders runs one rendering at a time of a page for the package
	// state its callers saw.
	renders flight.Group[pageRender, *pageEntry]
	// rendered counts the pages rendered for the cache, edited those of
	// them made from an earlier page (tests; metrics).
	rendered, edited atomic.Int64
	// beforeRender, when set (tests), runs as a rendering starts.
	beforeRender func()
}

// pageRender names the rendering of a page from one state of a package:
// callers share a rendering only when they read the same stamp, so none
// is answered a state older than the one it saw.
type pageRender struct {
	key   pageKey
	pkgID int64
	stamp string
}

// pageCacheBytes bounds the memory of cached project pages.
const pageCacheBytes = 64 << 20

// New returns the PyPI format; uploads are spooled in tmp while they are
// checked ("" = os.TempDir()).
func New(svc *service.Service, log *slog.Logger, tmp string) *Format {
	return &Format{svc: svc, log: log, TempDir: tmp, now: time.Now, pages: newPageCache(pageCacheBytes),
		projects: listing.New[[]string](svc, domain.FormatPypi, pageCacheBytes)}
}

// Name implements dataplane.Format.
func (f *Format) Name() domain.Format { return domain.FormatPypi }

// Listed reports how pip sees a version of status st: Published versions
// are listed; Unlisted ones are listed as yanked (PEP 592), so only a pin
// (==) installs them; Archived, Disposed and Unfinished ones are absent.
func Listed(st domain.Status) (listed, yanked bool) {
	switch st {
	case domain.StatusPublished:
		return true, false
	case domain.StatusUnlisted:
		return true, true
	}
	return false, false
}

// ServeRepo implements dataplane.Format.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	if repo.Path == "" || repo.Path == "legacy" || repo.Path == "legacy/" {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeText(w, http.StatusMethodNotAllowed, "Upload distributions here with POST (twine upload); install from simple/")
			return
		}
		f.upload(w, r, repo)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeText(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	segs := strings.Split(repo.Path, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			writeText(w, http.StatusNotFound, "Malformed path")
			return
		}
		segs[i] = u
	}
	switch {
	case segs[0] == "simple" && len(segs) == 1:
		redirect(w, "simple/")
	case segs[0] == "simple" && len(segs) == 2 && segs[1] == "":
		f.index(w, r, repo)
	case segs[0] == "simple" && len(segs) == 2:
		// simple/Name → simple/name/
		if !ValidName(segs[1]) {
			writeText(w, http.StatusNotFound, "Not a valid project name")
			return
		}
		redirect(w, url.PathEscape(Normalize(segs[1]))+"/")
	case segs[0] == "simple" && len(segs) == 3 && segs[2] == "":
		name := segs[1]
		if !ValidName(name) {
			writeText(w, http.StatusNotFound, "Not a valid project name")
			return
		}
		if n := Normalize(name); n != name {
			redirect(w, "../"+url.PathEscape(n)+"/")
			return
		}
		f.project(w, r, repo, name)
	case segs[0] == "packages" && len(segs) == 4 && segs[1] != "" && segs[2] != "" && segs[3] != "":
		f.download(w, r, repo, segs[1], segs[2], segs[3])
	default:
		writeText(w, http.StatusNotFound, "Not found: the PyPI endpoint serves simple/ and packages/")
	}
}

// redirect answers 301 with a Location relative to the request, so it
// holds behind proxies that mount the endpoint elsewhere.
func redirect(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusMovedPermanently)
}

// writeText answers a plain-text message; pip shows the status.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// writeError answers a service error as plain text.
func (f *Format) writeError(w http.ResponseWriter, err error) {
	writeText(w, dataplane.Status(err), dataplane.Message(f.log, err))
}

func (f *Format) ref(repo dataplane.Repo, project string) service.PackageRef {
	return repo.Ref(domain.FormatPypi, "", Normalize(project))
}

// index serves simple/: every PyPI project of the repository, from the
// list kept while the repository's listing stamp of PyPI projects is
// unchanged (one row per request, whatever the number of projects).
func (f *Format) index(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	names, err := f.projects.Get(r.Context(), repo, func(ctx context.Context) ([]string, int64, error) {
		var names []string
		size := int64(0)
		err := f.projects.Each(ctx, repo, func(p domain.Package) error {
			names = append(names, p.Name)
			size += int64(len(p.Name)) + 16
			return nil
		})
		sort.Strings(names)
		return names, size, err
	})
	if err != nil {
		f.writeError(w, err)
		return
	}
	ct := Negotiate(r.Header.Get("Accept"))
	setPageHeaders(w, ct)
	if ct == ContentTypeJSON {
		WriteIndexJSON(w, names)
	} else {
		WriteIndexHTML(w, names)
	}
}

func setPageHeaders(w http.ResponseWriter, ct string) {
	if ct != ContentTypeJSON {
		ct += "; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Vary", "Accept")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// project serves simple/{project}/, from the page cache when the
// package's stamp is the one the page was rendered from: a request reads
// only the package record (which also checks access) unless the package
// changed since. Pages of repositories with upstreams list the files of
// every repository searched and are rendered on each request.
func (f *Format) project(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name string) {
	ref := f.ref(repo, name)
	key := pageKey{endpoint: repo.Endpoint, project: ref.Package, ct: Negotiate(r.Header.Get("Accept"))}
	cur, _, upstreams, err := f.svc.LookupPackageUpstreams(r.Context(), repo.Caller, ref)
	if err != nil {
		f.writeError(w, err)
		return
	}
	if upstreams {
		srcs, err := f.svc.PackageThroughUpstreams(r.Context(), repo.Caller, ref)
		if err != nil {
			f.writeError(w, err)
			return
		}
		e, err := renderPage(key, srcs[0].Package, mergeSources(srcs))
		if err != nil {
			f.writeError(w, err)
			return
		}
		servePage(w, r, e)
		return
	}
	stamp := loadState(cur).Stamp
	if e, ok := f.pages.get(key, cur.ID, stamp); ok {
		servePage(w, r, e)
		return
	}
	e, _, err := f.renders.Do(r.Context(), pageRender{key, cur.ID, stamp}, func() (*pageEntry, error) {
		// Rendered by a call that ended just before this one began?
		if e, ok := f.pages.get(key, cur.ID, stamp); ok {
			return e, nil
		}
		if f.beforeRender != nil {
			f.beforeRender()
		}
		// The page of an earlier state is edited when the package's log
		// names the versions changed since; the versions and the stamp
		// the page is cached under come from one read transaction, so an
		// entry never outlives the state it shows.
		var prev *vindex.Index[pagePart]
		if old, ok := f.pages.lru.Peek(key); ok {
			prev = old.ix
		}
		ix, pkg, how, err := vindex.Load(r.Context(), f.svc, repo.Caller, ref, cur, logOf, prev, pageSpec(cur.Name, key.ct))
		if err != nil {
			return nil, err
		}
		e := assemblePage(key, pkg, ix)
		f.rendered.Add(1)
		if how == vindex.Edited {
			f.edited.Add(1)
		}
		f.pages.put(e)
		return e, nil
	})
	if err != nil {
		f.writeError(w, err)
		return
	}
	servePage(w, r, e)
}

// mergeSources lists the versions pip sees through a repository with
// upstreams: each version of the repositories from the first that has it
// (service.MergeVersions), then the versions an external connection's
// index lists. AWS keeps every file of a version it takes from a public
// registry; artifactd keeps only the files requested, so a version kept
// from the connection also lists the index's files it does not keep yet
// (its kept files win). Versions published in a repository never take
// files from the index.
func mergeSources(srcs []service.PackageSource) []domain.PackageVersion {
	var repos, remote []service.PackageSource
	for _, src := range srcs {
		if src.External != "" {
			remote = append(remote, src)
		} else {
			repos = append(repos, src)
		}
	}
	all := service.MergeVersions(repos)
	at := make(map[string]int, len(all))
	for i, v := range all {
		at[v.Version] = i
	}
	for _, src := range remote {
		for _, v := range src.Versions {
			i, ok := at[v.Version]
			if !ok {
				at[v.Version] = len(all)
				all = append(all, v)
				continue
			}
			if all[i].OriginType == domain.OriginExternal {
				all[i].Metadata = addFiles(all[i].Metadata, v.Metadata)
			}
		}
	}
	return all
}

// addFiles returns the version document kept with the files of listed
// that it lacks.
func addFiles(kept, listed []byte) []byte {
	doc, more := decodeDoc(kept), decodeDoc(listed)
	added := false
	for fn, fd := range more.Files {
		if _, ok := doc.Files[fn]; !ok {
			doc.Files[fn] = fd
			added = true
		}
	}
	if !added {
		return kept
	}
	return doc.encode()
}

// renderPage renders a project page of pkg's versions.
func renderPage(key pageKey, pkg domain.Package, versions []domain.PackageVersion) (*pageEntry, error) {
	p := BuildProject(pkg.Name, versions)
	var buf bytes.Buffer
	var err error
	if key.ct == ContentTypeJSON {
		err = WriteProjectJSON(&buf, p)
	} else {
		err = WriteProjectHTML(&buf, p)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return &pageEntry{key: key, pkgID: pkg.ID, doc: vindex.NewDoc([][]byte{buf.Bytes()}), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil
}

// servePage answers a rendered project page; ServeContent handles HEAD,
// If-None-Match and ranges.
func servePage(w http.ResponseWriter, r *http.Request, e *pageEntry) {
	setPageHeaders(w, e.key.ct)
	w.Header().Set("ETag", e.etag)
	w.Header().Set("Cache-Control", "no-cache") // revalidate: statuses change at any time
	http.ServeContent(w, r, "", time.Time{}, e.doc.Reader())
}

// BuildProject lists the files pip may see among a package's versions,
// oldest version first, with URLs relative to simple/{project}/.
func BuildProject(name string, versions []domain.PackageVersion) Project {
	vs := append([]domain.PackageVersion(nil), versions...)
	sort.SliceStable(vs, func(i, j int) bool {
		if !vs[i].PublishedTime.Equal(vs[j].PublishedTime) {
			return vs[i].PublishedTime.Before(vs[j].PublishedTime)
		}
		return vs[i].Version < vs[j].Version
	})
	p := Project{Name: name, Versions: []string{}}
	for _, v := range vs {
		if files := versionFiles(name, v); len(files) > 0 {
			p.Versions = append(p.Versions, v.Version)
			p.Files = append(p.Files, files...)
		}
	}
	return p
}

// versionFiles lists the files of a version pip may see (none when the
// version is not listed), by name.
func versionFiles(name string, v domain.PackageVersion) []File {
	listed, yanked := Listed(v.Status)
	if !listed {
		return nil
	}
	doc := decodeDoc(v.Metadata)
	if len(doc.Files) == 0 {
		return nil
	}
	names := make([]string, 0, len(doc.Files))
	for fn := range doc.Files {
		names = append(names, fn)
	}
	sort.Strings(names)
	files := make([]File, 0, len(names))
	for _, fn := range names {
		fd := doc.Files[fn]
		file := File{
			Filename:       fn,
			URL:            "../../packages/" + url.PathEscape(name) + "/" + url.PathEscape(v.Version) + "/" + url.PathEscape(fn),
			SHA256:         fd.SHA256,
			Size:           fd.Size,
			RequiresPython: fd.RequiresPython,
			MetadataSHA256: fd.MetadataSHA256,
			Yanked:         yanked || fd.Yanked,
			UploadTime:     fd.Uploaded,
		}
		if yanked {
			file.YankedReason = YankedReason
		} else if fd.Yanked {
			file.YankedReason = fd.YankedReason
		}
		files = append(files, file)
	}
	return files
}

// download serves a distribution file, or with ".metadata" appended the
// core metadata of a wheel (PEP 658), for listed versions only.
func (f *Format) download(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, project, version, filename string) {
	asset, metadata := filename, false
	if base, ok := strings.CutSuffix(filename, ".metadata"); ok {
		asset, metadata = base, true
	}
	ref := f.ref(repo, project)
	if metadata {
		if fn, ok := ParseFilename(asset); !ok || fn.Kind != KindWheel {
			writeText(w, http.StatusNotFound, "Only wheels have separate core metadata")
			return
		}
	}
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, ref, version, asset, listed)
	if err == nil && metadata {
		if _, ok := dl.Content.(blob.Stream); ok {
			// The wheel is being fetched through an external connection
			// (pages do not advertise the metadata of such files, but a
			// client may ask): its METADATA is read once it is kept.
			_, cerr := io.Copy(io.Discard, dl.Content)
			dl.Content.Close()
			if cerr != nil {
				f.log.Warn("fetching a wheel for its METADATA", "file", asset, "err", cerr)
			}
			dl, err = f.svc.OpenAssetFast(r.Context(), repo.Caller, ref, version, asset)
		}
	}
	if err != nil {
		f.writeError(w, err)
		return
	}
	defer dl.Content.Close()
	if listed, _ := Listed(dl.Version.Version.Status); !listed {
		writeText(w, http.StatusNotFound, "Package version "+version+" is "+string(dl.Version.Version.Status)+" and cannot be downloaded")
		return
	}
	if metadata {
		b, err := WheelMetadata(readerAt(dl.Content), dl.Content.Size(), ref.Package)
		if err != nil {
			f.log.Error("reading the METADATA of a stored wheel", "file", asset, "err", err)
			writeText(w, http.StatusNotFound, "The wheel's METADATA cannot be read")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(b)))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if dl.Asset.SHA256 != "" { // "" while it is fetched through an external connection
		w.Header().Set("ETag", `"`+dl.Asset.SHA256+`"`)
		w.Header().Set("X-Checksum-Sha256", dl.Asset.SHA256)
	}
	dataplane.ServeObject(w, r, dl.Content)
}

// listed reports whether pip may see a version (Published, or Unlisted as
// yanked).
func listed(st domain.Status) bool {
	ok, _ := Listed(st)
	return ok
}

// readerAt gives random access to a stored object; the file-system store
// already has it, others go through Seek.
func readerAt(o io.ReadSeeker) io.ReaderAt {
	if ra, ok := o.(io.ReaderAt); ok {
		return ra
	}
	return &seekReaderAt{rs: o}
}

type seekReaderAt struct {
	mu sync.Mutex
	rs io.ReadSeeker
}

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.rs, p)
}

// fileDoc is what artifactd keeps about one file of a version, in the
// version's metadata document, to render the simple API without reading
// the files.
type fileDoc struct {
	Kind           string    `json:"kind"`
	SHA256         string    `json:"sha256"`
	Size           int64     `json:"size"`
	RequiresPython string    `json:"requiresPython,omitempty"`
	MetadataSHA256 string    `json:"metadataSha256,omitempty"`
	Uploaded       time.Time `json:"uploaded"`
	// Yanked: the index behind an external connection yanked the file
	// (PEP 592), with YankedReason.
	Yanked       bool   `json:"yanked,omitempty"`
	YankedReason string `json:"yankedReason,omitempty"`
}

// versionDoc is a PyPI version's metadata document.
type versionDoc struct {
	Files map[string]fileDoc `json:"files"`
	// Remote: the document lists the files an external connection's index
	// offers for a version not kept yet (Remote.ParseMetadata), not kept
	// files.
	Remote bool `json:"remote,omitempty"`
}

func decodeDoc(b []byte) versionDoc {
	var d versionDoc
	if len(b) > 0 {
		if err := json.Unmarshal(b, &d); err != nil {
			d = versionDoc{}
		}
	}
	if d.Files == nil {
		d.Files = map[string]fileDoc{}
	}
	return d
}

func (d versionDoc) encode() []byte {
	b, _ := json.Marshal(d)
	return b
}

// tempFile creates the file an upload is spooled to.
func (f *Format) tempFile() (*os.File, error) {
	return os.CreateTemp(f.TempDir, "artifactd-pypi-*")
}
