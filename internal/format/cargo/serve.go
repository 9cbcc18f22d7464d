package cargo

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
)

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
		// The file of an earlier state is edited when the package's log
		// names the versions changed since; versions and stamp come from
		// one read transaction: an entry never outlives the state it
		// shows.
		var prev *vindex.Index[[]byte]
		if old, ok := f.files.lru.Peek(key); ok {
			prev = old.ix
		}
		ix, pkg, how, err := vindex.Load(r.Context(), f.svc, repo.Caller, ref, cur, logOf, prev, indexSpec)
		if err != nil {
			return nil, err
		}
		if how == vindex.Edited {
			f.edited.Add(1)
		}
		st := loadState(pkg)
		e := &fileEntry{key: key, pkgID: pkg.ID, stamp: ix.Stamp, doc: indexDoc(ix), ix: ix, modified: st.Changed,
			etag: vindex.ETag(renderVersion, key.endpoint, key.crate, strconv.FormatInt(pkg.ID, 10), ix.Stamp)}
		f.files.put(e)
		return e, nil
	})
	if err != nil {
		f.writeErr(w, err)
		return
	}
	serveFile(w, r, e)
}

// renderVersion changes when the rendering of index files does, so that
// an ETag of an older build (made from the stamp alone) is not confirmed.
const renderVersion = "1"

// newEntry renders an index file that is never cached (a repository with
// upstreams); its ETag is the hash of its bytes.
func newEntry(key fileKey, pkg domain.Package, versions []domain.PackageVersion) *fileEntry {
	body := RenderIndex(versions)
	sum := sha256.Sum256(body)
	st := loadState(pkg)
	return &fileEntry{key: key, pkgID: pkg.ID, stamp: st.Stamp, doc: vindex.NewDoc([][]byte{body}),
		etag: `"` + hex.EncodeToString(sum[:16]) + `"`, modified: st.Changed}
}

// serveFile answers an index file; ServeContent handles HEAD,
// If-None-Match and If-Modified-Since. A crate without a listed version
// is a 404, which cargo reads as "no such crate".
func serveFile(w http.ResponseWriter, r *http.Request, e *fileEntry) {
	if e.doc.Size() == 0 {
		writeError(w, http.StatusNotFound, "crate "+e.key.crate+" has no listed version")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("ETag", e.etag)
	w.Header().Set("Cache-Control", "no-cache") // revalidate: statuses change at any time
	http.ServeContent(w, r, "", e.modified, e.doc.Reader())
}
