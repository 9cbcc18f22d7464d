package npm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// abbreviatedType is the media type of abbreviated packuments.
const abbreviatedType = "application/vnd.npm.install-v1+json"

// wantsAbbreviated reports whether the client accepts the abbreviated
// packument (npm install does; npm view and publish ask for the full one).
func wantsAbbreviated(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != abbreviatedType {
			continue
		}
		if q, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v <= 0 {
				return false
			}
		}
		return true
	}
	return false
}

// getPackument serves GET /<name>: the packument, from the cache when the
// package's stamp has not changed since it was rendered. Concurrent
// misses of one document wait for one rebuild.
func (f *Format) getPackument(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName) {
	abbrev := wantsAbbreviated(r)
	key := cacheKey{endpoint: repo.Endpoint, name: name.String(), abbreviated: abbrev}
	cur, _, upstreams, err := f.svc.LookupPackageUpstreams(r.Context(), repo.Caller, ref)
	if errors.Is(err, domain.ErrNotFound) && isPackageMissing(err) {
		packageNotFound(w, name)
		return
	}
	if err != nil {
		f.fail(w, err)
		return
	}
	if upstreams {
		// Rendered each time: the document depends on every repository
		// upstream, which the package's stamp does not cover.
		pkg, all, ok := f.loadThrough(r.Context(), w, repo, ref, name)
		if !ok {
			return
		}
		body, ok := newView(name, repo.Endpoint, pkg, all).packument(abbrev, all)
		servePackument(w, r, newCacheEntry(key, pkg, body, ok), name)
		return
	}
	e, err := f.cache.do(r.Context(), key, cur.ID, stampOf(cur), func() (cacheEntry, error) {
		if e, how, ok := f.fromCached(r.Context(), repo, ref, key, name, cur); ok {
			f.cache.rebuilt(how)
			return e, nil
		}
		f.cache.rebuilt(rebuiltFull)
		return f.buildPackument(r.Context(), repo, ref, name, key)
	})
	if f.loaded(w, name, err) {
		servePackument(w, r, e, name)
	}
}

// buildPackument renders a package's own packument from the heads of its
// Published versions and their fragments: those cached at the head's
// revision are reused, the others read (one, after a change of one
// version) and cached.
func (f *Format) buildPackument(ctx context.Context, repo dataplane.Repo, ref service.PackageRef, name pkgName, key cacheKey) (cacheEntry, error) {
	frags := f.cache.fragments()
	var tags map[string]string
	var have []*fragment // by head; nil where it must be read
	var extra bool       // fragments of versions gone are cached
	pm, err := f.svc.PublishedHeads(ctx, repo.Caller, ref, func(pkg domain.Package, heads []store.VersionHead) ([]int64, string) {
		tags = headTags(loadState(pkg).DistTags, heads)
		if stampOf(pkg) == "" {
			return nil, "" // rendered from every version below
		}
		var fetch []int64
		have, fetch, extra = frags.lookup(pkg.ID, heads)
		return fetch, tags["latest"]
	})
	if err != nil {
		return cacheEntry{}, err
	}
	st := loadState(pm.Package)
	if st.Stamp == "" {
		// The revision of a package without a stamp is a digest of
		// every version: rare (never touched by npm), rendered from
		// every version.
		pkg, all, err := f.svc.PackageVersions(ctx, repo.Caller, ref)
		if err != nil {
			return cacheEntry{}, err
		}
		body, ok := newView(name, repo.Endpoint, pkg, all).packument(key.abbreviated, all)
		return newCacheEntry(key, pkg, body, ok), nil
	}
	if len(pm.Fetched) > 0 || extra {
		fetched := make(map[int64]*fragment, len(pm.Fetched))
		for _, m := range pm.Fetched {
			fetched[m.ID] = newFragment(name, m)
		}
		for i, h := range pm.Heads {
			if have[i] == nil {
				have[i] = fetched[h.ID] // nil if gone (cannot happen in one transaction)
			}
		}
		frags.store(pm.Package.ID, pm.Heads, have)
	}
	d := docInput{name: name, endpoint: repo.Endpoint, rev: revision(st, nil), tags: tags,
		modified: st.Modified, readme: pm.Picked.Readme, latestMeta: pm.Picked.Metadata}
	if pm.LastPublished.After(d.modified) {
		d.modified = pm.LastPublished
	}
	d.versions = sortedVersions(pm.Heads, have)
	// Groups of versions that are as the cached document has them are
	// its bytes.
	var groups []verGroup
	if old, ok := f.cache.peek(key); ok && old.lay != nil && old.pkgID == pm.Package.ID {
		groups = old.lay.groups
	}
	out, lay, ok, err := d.render(key.abbreviated, groups)
	if err != nil || !ok {
		return newCacheEntry(key, pm.Package, out.bytes(), ok), err
	}
	lay.lastPublished, lay.versionsStamp = pm.LastPublished, st.Versions.Stamp
	return stampedEntry(key, pm.Package.ID, st, out, lay, f.cachedGzip(key)), nil
}

// cachedGzip is the gzip of the cached document of key, if any.
func (f *Format) cachedGzip(key cacheKey) *lazyGzip {
	if old, ok := f.cache.peek(key); ok {
		return old.gz
	}
	return nil
}

// fromCached renders pkg's document from the cached one of an earlier
// state whose versions differ by publishes alone (its versions' log) or
// not at all (only dist-tags changed): the published versions are read
// again, one row each, every other version's rendering is the cached
// document's (its group of versions, bytes and all) or, in a group a
// publish changed, its cached fragment. Nothing else is read from the
// store. ok is false when that cannot be done (anything else changed, a
// fragment was evicted, latest moved to a version not at hand): the
// caller then renders from every version. how says which change it was.
func (f *Format) fromCached(ctx context.Context, repo dataplane.Repo, ref service.PackageRef, key cacheKey, name pkgName, pkg domain.Package) (e cacheEntry, how int, ok bool) {
	old, ok := f.cache.peek(key)
	if !ok || old.lay == nil || old.notFound || old.pkgID != pkg.ID {
		return cacheEntry{}, 0, false
	}
	st := loadState(pkg)
	if st.Stamp == "" || st.Versions.Stamp == "" {
		return cacheEntry{}, 0, false
	}
	how = rebuiltTags
	var touched []string
	if st.Versions.Stamp != old.lay.versionsStamp {
		if touched, ok = st.Versions.Since(old.lay.versionsStamp); !ok {
			return cacheEntry{}, 0, false
		}
		how = rebuiltTouched
	}
	rows, lastPublished, ok := f.readTouched(ctx, repo, ref, pkg.ID, st.Stamp, touched, old.lay.lastPublished)
	if !ok {
		return cacheEntry{}, 0, false
	}
	frags := f.cache.fragments()
	fetched := map[int64]*fragment{} // of the touched versions now Published
	for _, pv := range rows {
		fr := newFragment(name, store.VersionManifest{ID: pv.ID, Revision: pv.Revision, Version: pv.Version,
			PublishedTime: pv.PublishedTime, Summary: pv.Summary, Metadata: pv.Metadata})
		frags.add(pkg.ID, pv.ID, fr)
		fetched[pv.ID] = fr
	}
	d := docInput{name: name, endpoint: repo.Endpoint, rev: revision(st, nil), modified: st.Modified}
	if lastPublished.After(d.modified) {
		d.modified = lastPublished
	}
	d.fetch = func(dv *docVersion) error {
		fr, ok := fetched[dv.id]
		if !ok {
			if fr, ok = frags.get(pkg.ID, dv.id, dv.revision, dv.version); !ok {
				return errNoFragment
			}
		}
		dv.meta, dv.summary = fr.meta, fr.summary
		return nil
	}
	edited, created, recount := touchGroups(old.lay.groups, touched, rows, old.lay.created)
	groups, err := regroup(old.lay.groups, edited, d.groupRenderer(key.abbreviated, old.lay.groups))
	if err != nil || len(groups) == 0 {
		return cacheEntry{}, 0, false // no version left, or a manifest not at hand: rendered from the store
	}
	if recount {
		created = earliest(groups)
	}
	// The dist-tags naming a version the document shows (every save
	// keeps latest on one; without it, it is rendered from the store).
	d.tags = make(map[string]string, len(st.DistTags))
	for tag, v := range st.DistTags {
		if k := newVersionKey(v); hasVersion(groups, &k) {
			d.tags[tag] = v
		}
	}
	var latest *docVersion
	switch pv, ok := rows[d.tags["latest"]]; {
	case ok:
		d.readme, d.latestMeta = pv.Readme, pv.Metadata
		fr := fetched[pv.ID]
		latest = &docVersion{id: pv.ID, revision: pv.Revision, version: pv.Version, published: pv.PublishedTime, summary: fr.summary, meta: fr.meta}
	case d.tags["latest"] != "" && d.tags["latest"] == old.lay.latest:
		d.tail = old.lay.tail // the latest version's root fields and readme, as they were
	default:
		return cacheEntry{}, 0, false // latest's readme is not at hand
	}
	doc, lay, err := d.assemble(key.abbreviated, groups, created, latest)
	if err != nil {
		return cacheEntry{}, 0, false
	}
	lay.versionsStamp, lay.lastPublished = st.Versions.Stamp, lastPublished
	return stampedEntry(key, pkg.ID, st, doc, lay, old.gz), how, true
}

// readTouched reads the touched versions, each in a transaction that
// sees the package at stamp (ok false otherwise, or on an error): those
// now Published by version, and the latest publish time among them and
// lastPublished.
func (f *Format) readTouched(ctx context.Context, repo dataplane.Repo, ref service.PackageRef, pkgID int64, stamp string, touched []string, lastPublished time.Time) (rows map[string]domain.PackageVersion, latest time.Time, ok bool) {
	rows = map[string]domain.PackageVersion{}
	for _, v := range touched {
		same := false
		_, pv, found, err := f.svc.PackageVersion(ctx, repo.Caller, ref, func(p domain.Package) string {
			same = p.ID == pkgID && stampOf(p) == stamp
			if !same {
				return ""
			}
			return v
		})
		if err != nil || !same {
			return nil, time.Time{}, false
		}
		if !found {
			continue
		}
		if pv.PublishedTime.After(lastPublished) {
			lastPublished = pv.PublishedTime
		}
		if visible(pv.Status) {
			rows[pv.Version] = pv
		}
	}
	return rows, lastPublished, true
}

// stampedEntry wraps a document rendered from the package state st alone
// (its versions and dist-tags): its ETag follows from the state's stamp
// rather than from hashing the document (~18 ms for 24 MB), since one
// stamp never names two states. prevGz is an earlier document's gzip,
// whose compressed parts are reused for the parts the two share.
func stampedEntry(key cacheKey, pkgID int64, st state, d doc, lay docLayout, prevGz *lazyGzip) cacheEntry {
	h := sha256.New()
	// renderVersion changes when the rendering does, so that a client's
	// cached copy from an older build is not confirmed by a 304.
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00%d\x00%s", renderVersion, key.endpoint, key.name, key.abbreviated, pkgID, st.Stamp)
	etag := `"s` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
	return cacheEntry{key: key, pkgID: pkgID, stamp: st.Stamp, doc: d, etag: etag,
		gzEtag: strings.TrimSuffix(etag, `"`) + `-gz"`, gz: newLazyGzip(d, prevGz), lay: &lay}
}

// renderVersion names the packument rendering in stamp-derived ETags.
const renderVersion = "2"

// headTags is publishedTags for the heads of the Published versions,
// without a set of every version: only the tagged ones are looked for,
// and the set is built only when latest must fall back to the highest.
func headTags(tags map[string]string, heads []store.VersionHead) map[string]string {
	tagged := make(map[string]bool, len(tags))
	for _, v := range tags {
		tagged[v] = false
	}
	for _, h := range heads {
		if _, ok := tagged[h.Version]; ok {
			tagged[h.Version] = true
		}
	}
	if tagged[tags["latest"]] {
		return publishedTags(tags, tagged) // every tag is judged on its own version
	}
	published := make(map[string]bool, len(heads))
	for _, h := range heads {
		published[h.Version] = true
	}
	return publishedTags(tags, published)
}

// newCacheEntry wraps a rendered packument (found false: none to show)
// with its ETags and its gzipped form, made when first asked for.
func newCacheEntry(key cacheKey, pkg domain.Package, body []byte, found bool) cacheEntry {
	e := cacheEntry{key: key, pkgID: pkg.ID, stamp: loadState(pkg).Stamp, doc: wholeDoc(body), notFound: !found}
	if found {
		sum := sha256.Sum256(body)
		e.etag = `"` + hex.EncodeToString(sum[:16]) + `"`
		e.gz = newLazyGzip(e.doc, nil)
		e.gzEtag = strings.TrimSuffix(e.etag, `"`) + `-gz"`
	}
	return e
}

// isPackageMissing tells a missing package apart from a missing domain or
// repository (which keep the service's own message).
func isPackageMissing(err error) bool {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.ResourceType == domain.ResPackage
	}
	return true
}

// Header values of the read paths, shared by every response (net/http
// only reads them).
var (
	hdrJSON        = []string{"application/json"}
	hdrAbbreviated = []string{abbreviatedType}
	hdrVary        = []string{"Accept, Accept-Encoding, Authorization"}
	hdrNoCache     = []string{"no-cache"} // revalidate: statuses change at any time
	hdrGzip        = []string{"gzip"}
	hdrOctets      = []string{"application/octet-stream"}
	hdrBytes       = []string{"bytes"}
)

func servePackument(w http.ResponseWriter, r *http.Request, e cacheEntry, name pkgName) {
	if e.notFound {
		packageNotFound(w, name)
		return
	}
	h := w.Header()
	if e.key.abbreviated {
		h["Content-Type"] = hdrAbbreviated
	} else {
		h["Content-Type"] = hdrJSON
	}
	h["Vary"] = hdrVary
	h["Cache-Control"] = hdrNoCache
	body, etag := e.doc, e.etag
	if e.gz != nil && acceptsGzip(r) {
		if gz, ok := e.gz.bytes(); ok {
			body, etag = gz, e.gzEtag
			h["Content-Encoding"] = hdrGzip
		}
	}
	h["Etag"] = []string{etag}
	if !dataplane.PlainGet(r) {
		http.ServeContent(w, r, "", time.Time{}, body.reader())
		return
	}
	// The common case: the whole cached document with its length, part
	// after part (the large ones go straight to the connection).
	h["Accept-Ranges"] = hdrBytes
	h["Content-Length"] = []string{strconv.Itoa(body.size)}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		body.writeTo(w)
	}
}

// gzipMin is the size from which packuments are also kept gzipped.
const gzipMin = 1024

// acceptsGzip reports whether Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// getVersion serves GET /<name>/<version-or-tag>: one version's manifest.
// Without upstreams it reads that one version: the tag is resolved from
// the package's state, whose tags PackageChanged keeps on Published
// versions; anything else (a tag naming a version that is not Published,
// latest missing) takes the path that loads every version, which fixes
// the tags as a packument shows them.
func (f *Format) getVersion(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName, spec string) {
	_, _, upstreams, err := f.svc.LookupPackageUpstreams(r.Context(), repo.Caller, ref)
	if errors.Is(err, domain.ErrNotFound) && isPackageMissing(err) {
		packageNotFound(w, name)
		return
	}
	if err != nil {
		f.fail(w, err)
		return
	}
	if !upstreams {
		tagged := false
		_, pv, found, err := f.svc.PackageVersion(r.Context(), repo.Caller, ref, func(pkg domain.Package) string {
			if v, ok := loadState(pkg).DistTags[spec]; ok {
				tagged = true
				return v
			}
			if spec == "latest" {
				return ""
			}
			return spec
		})
		if !f.loaded(w, name, err) {
			return
		}
		switch {
		case found && visible(pv.Status):
			w.Header().Set("Cache-Control", "no-cache")
			writeRawJSON(w, http.StatusOK, appendManifest(nil, name, pv.Metadata, pv.Version, pv.Summary, false, tarballURL(repo.Endpoint, name, pv.Version)))
			return
		case !tagged && spec != "latest":
			writeError(w, http.StatusNotFound, "Not found: version or tag "+spec+" of "+name.String())
			return
		}
	}
	pkg, all, ok := f.loadThrough(r.Context(), w, repo, ref, name)
	if !ok {
		return
	}
	v := newView(name, repo.Endpoint, pkg, all)
	version := spec
	if tagged, ok := v.tags[spec]; ok {
		version = tagged
	}
	pv, ok := v.find(version)
	if !ok {
		writeError(w, http.StatusNotFound, "Not found: version or tag "+spec+" of "+name.String())
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeRawJSON(w, http.StatusOK, v.manifest(pv))
}

// versionOfTarball reads the version from a tarball file name
// "<name>-<version>.tgz".
func versionOfTarball(name pkgName, file string) (string, bool) {
	rest, ok := strings.CutPrefix(file, name.Name+"-")
	if !ok {
		return "", false
	}
	version, ok := strings.CutSuffix(rest, ".tgz")
	return version, ok && version != ""
}

// getTarball streams a version's tarball. Published and Unlisted versions
// serve it; Archived, Disposed and Unfinished ones are not found.
func (f *Format) getTarball(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName, file string) {
	version, ok := versionOfTarball(name, file)
	if !ok {
		writeError(w, http.StatusNotFound, "Not found: "+file+" is not a tarball of "+name.String())
		return
	}
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, ref, version, assetName, downloadable)
	if errors.Is(err, domain.ErrNotFound) {
		var de *domain.Error
		if errors.As(err, &de) && (de.ResourceType == domain.ResDomain || de.ResourceType == domain.ResRepository) {
			f.fail(w, err)
			return
		}
		writeError(w, http.StatusNotFound, "Not found: "+name.String()+"@"+version+" has no tarball in this repository")
		return
	}
	if err != nil {
		f.fail(w, err)
		return
	}
	defer dl.Content.Close()
	if st := dl.Version.Version.Status; !downloadable(st) {
		writeError(w, http.StatusNotFound, "Not found: "+name.String()+"@"+version+" is "+string(st)+" and cannot be downloaded")
		return
	}
	h := w.Header()
	h["Content-Type"] = hdrOctets
	if dl.Asset.SHA256 != "" { // "" while it is fetched from an upstream
		h["Etag"] = []string{`"` + dl.Asset.SHA256 + `"`}
	}
	dataplane.ServeObject(w, r, dl.Content)
}

// stampOf reads only the stamp of a package's npm state (what the
// packument cache is keyed on), without building the dist-tags map.
func stampOf(p domain.Package) string {
	if len(p.Metadata) == 0 {
		return ""
	}
	var st struct {
		Stamp string `json:"stamp"`
	}
	if json.Unmarshal(p.Metadata, &st) != nil {
		return ""
	}
	return st.Stamp
}

// loadThrough reads a package as clients see it through the repository,
// upstreams included (service.PackageThroughUpstreams): each version from
// the first repository that has it, and the dist-tags merged, an
// upstream's tag winning over the repository's own and the nearest
// upstream's over farther ones (as on CodeArtifact). The package record
// is the repository's own when it has one (its revision and stamp), else
// the first upstream's with no state of its own.
func (f *Format) loadThrough(ctx context.Context, w http.ResponseWriter, repo dataplane.Repo, ref service.PackageRef, name pkgName) (domain.Package, []domain.PackageVersion, bool) {
	srcs, err := f.svc.PackageThroughUpstreams(ctx, repo.Caller, ref)
	if errors.Is(err, domain.ErrNotFound) && isPackageMissing(err) {
		packageNotFound(w, name)
		return domain.Package{}, nil, false
	}
	if err != nil {
		f.fail(w, err)
		return domain.Package{}, nil, false
	}
	pkg, all := mergeSources(srcs)
	return pkg, all, true
}

func mergeSources(srcs []service.PackageSource) (domain.Package, []domain.PackageVersion) {
	pkg := srcs[0].Package
	st := state{DistTags: map[string]string{}}
	if srcs[0].Own {
		st = loadState(pkg)
	}
	all := service.MergeVersions(srcs)
	for i := len(srcs) - 1; i >= 0; i-- {
		if srcs[i].Own || srcs[i].Remote != nil {
			continue
		}
		for tag, v := range loadState(srcs[i].Package).DistTags {
			st.DistTags[tag] = v
		}
	}
	// The registry behind an external connection is the upstream of the
	// repository that keeps its versions: its tags win over the tags
	// that repository computed from the versions it keeps.
	if last := srcs[len(srcs)-1]; last.Remote != nil {
		for tag, v := range last.Remote.Tags {
			st.DistTags[tag] = v
		}
	}
	if !srcs[0].Own {
		st.Stamp = ""
	}
	if b, err := json.Marshal(st); err == nil {
		pkg.Metadata = b
	}
	return pkg, all
}

// loadPackage reads a package with every version for a handler, answering
// the client itself (404 for a missing package) when it cannot.
func (f *Format) loadPackage(ctx context.Context, w http.ResponseWriter, repo dataplane.Repo, ref service.PackageRef, name pkgName) (domain.Package, []domain.PackageVersion, bool) {
	pkg, all, err := f.svc.PackageVersions(ctx, repo.Caller, ref)
	if !f.loaded(w, name, err) {
		return pkg, nil, false
	}
	return pkg, all, true
}

// loaded answers the client when a read of a package failed (404 for a
// missing package) and reports whether it succeeded.
func (f *Format) loaded(w http.ResponseWriter, name pkgName, err error) bool {
	if errors.Is(err, domain.ErrNotFound) && isPackageMissing(err) {
		packageNotFound(w, name)
		return false
	}
	if err != nil {
		f.fail(w, err)
		return false
	}
	return true
}
