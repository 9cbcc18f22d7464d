package swift

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/service"
)

// listReleases serves GET {scope}/{name} (Registry.md 4.1).
func (f *Format) listReleases(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef) {
	e, err := f.loadIndex(r.Context(), repo, ref)
	if err != nil {
		f.writeError(w, err)
		return
	}
	links := e.sources
	if e.latest != "" {
		links = append([]string{link(releaseURL(repo.Endpoint, ref.Namespace, ref.Package, e.latest), "latest-version")}, links...)
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	w.Header().Set("Cache-Control", "no-cache") // statuses change at any time
	writeJSONDoc(w, e.doc)
}

// link renders one Link header value (RFC 8288).
func link(target, rel string, params ...string) string {
	s := "<" + target + `>; rel="` + rel + `"`
	for _, p := range params {
		s += "; " + p
	}
	return s
}

// resource is an element of a release's resources (Registry.md 4.2.1).
type resource struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Checksum string   `json:"checksum"`
	Signing  *signing `json:"signing,omitempty"`
}

type signing struct {
	SignatureBase64Encoded string `json:"signatureBase64Encoded"`
	SignatureFormat        string `json:"signatureFormat"`
}

// releaseDoc is the release metadata document (Registry.md 4.2).
type releaseDoc struct {
	ID          string          `json:"id"`
	Version     string          `json:"version"`
	Resources   []resource      `json:"resources"`
	Metadata    json.RawMessage `json:"metadata"`
	PublishedAt string          `json:"publishedAt,omitempty"`
}

// fetchableRelease finds a release whose metadata, manifests and archive
// are served, or answers 404.
func (f *Format) fetchableRelease(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, version string) (*index, release, bool) {
	e, err := f.loadIndex(r.Context(), repo, ref)
	if err != nil {
		f.writeError(w, err)
		return nil, release{}, false
	}
	rel, ok := e.release(version)
	switch {
	case !ok:
		writeProblem(w, http.StatusNotFound, "release "+quote(version)+" of "+ref.Namespace+"."+ref.Package+" not found")
		return nil, release{}, false
	case !fetchable(rel.Status):
		writeProblem(w, http.StatusNotFound, unavailableDetail(rel))
		return nil, release{}, false
	}
	return e, rel, true
}

// releaseMetadata serves GET {scope}/{name}/{version} (Registry.md 4.2).
func (f *Format) releaseMetadata(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, version string) {
	e, rel, ok := f.fetchableRelease(w, r, repo, ref, version)
	if !ok {
		return
	}
	name := rel.DisplayName
	if name == "" {
		name = e.name
	}
	res := resource{Name: "source-archive", Type: contentTypeZip, Checksum: rel.Doc.Checksum}
	if rel.Doc.Signature != "" {
		res.Signing = &signing{SignatureBase64Encoded: rel.Doc.Signature, SignatureFormat: rel.Doc.SignatureFormat}
	}
	doc := releaseDoc{
		ID: ref.Namespace + "." + name, Version: rel.Version, Resources: []resource{res},
		Metadata: rel.Doc.Metadata,
		// Whole seconds: SwiftPM decodes dates with Foundation's .iso8601
		// strategy, which refuses fractional seconds.
		PublishedAt: rel.Published.UTC().Format(time.RFC3339),
	}
	body, err := json.Marshal(doc)
	if err != nil {
		f.writeError(w, err)
		return
	}
	var links []string
	at := func(v string) string { return releaseURL(repo.Endpoint, ref.Namespace, ref.Package, v) }
	if e.latest != "" {
		links = append(links, link(at(e.latest), "latest-version"))
	}
	succ, pred := e.neighbours(rel.Version)
	if succ != "" {
		links = append(links, link(at(succ), "successor-version"))
	}
	if pred != "" {
		links = append(links, link(at(pred), "predecessor-version"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, append(body, '\n'))
}

// manifest serves GET {scope}/{name}/{version}/Package.swift, and with
// ?swift-version=X the version-specific manifest Package@swift-X.swift,
// or a 303 to the unqualified one when the release has none
// (Registry.md 4.3, 4.3.1). Manifests were read from the archive at
// publish and stored as assets of the release: no archive is opened here.
func (f *Format) manifest(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, version string) {
	_, rel, ok := f.fetchableRelease(w, r, repo, ref, version)
	if !ok {
		return
	}
	file := "Package.swift"
	if sv := r.URL.Query().Get("swift-version"); sv != "" {
		want := versionedManifestFor(rel.Doc.Manifests, sv)
		if want == "" {
			w.Header().Set("Location", releaseURL(repo.Endpoint, ref.Namespace, ref.Package, rel.Version)+"/Package.swift")
			w.WriteHeader(http.StatusSeeOther)
			return
		}
		file = want
	} else {
		var names []string
		for n := range rel.Doc.Manifests {
			if n != "Package.swift" {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		var links []string
		base := releaseURL(repo.Endpoint, ref.Namespace, ref.Package, rel.Version) + "/Package.swift?swift-version="
		for _, n := range names {
			sv := strings.TrimSuffix(strings.TrimPrefix(n, "Package@swift-"), ".swift")
			params := []string{`filename="` + n + `"`}
			if tv := rel.Doc.Manifests[n]; tv != "" {
				params = append(params, `swift-tools-version="`+tv+`"`)
			}
			links = append(links, link(base+url.QueryEscape(sv), "alternate", params...))
		}
		if len(links) > 0 {
			w.Header().Set("Link", strings.Join(links, ", "))
		}
	}
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, ref, rel.Version, file, fetchable)
	if err != nil {
		f.writeError(w, err)
		return
	}
	defer dl.Content.Close()
	h := w.Header()
	h.Set("Content-Type", contentTypeSwift)
	h.Set("Content-Disposition", `attachment; filename="`+file+`"`)
	h.Set("Cache-Control", "public, immutable")
	if dl.Asset.SHA256 != "" {
		h.Set("ETag", `"`+dl.Asset.SHA256+`"`)
	}
	dataplane.ServeObject(w, r, dl.Content)
}

// archiveName is the asset name of a release's source archive, the file
// name Registry.md 4.4 gives it: {name}-{version}.zip.
func archiveName(name, version string) string { return name + "-" + version + ".zip" }

// downloadArchive serves GET {scope}/{name}/{version}.zip (Registry.md
// 4.4) with the Digest header of 4.4.1, and the signature headers of a
// signed release.
func (f *Format) downloadArchive(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, version string) {
	_, rel, ok := f.fetchableRelease(w, r, repo, ref, version)
	if !ok {
		return
	}
	asset := rel.Doc.Archive
	if asset == "" {
		asset = archiveName(ref.Package, rel.Version)
	}
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, ref, rel.Version, asset, fetchable)
	if err != nil {
		f.writeError(w, err)
		return
	}
	defer dl.Content.Close()
	h := w.Header()
	h.Set("Content-Type", contentTypeZip)
	h.Set("Content-Disposition", `attachment; filename="`+archiveName(ref.Package, rel.Version)+`"`)
	h.Set("Cache-Control", "public, immutable")
	if sum, err := hex.DecodeString(dl.Asset.SHA256); err == nil && len(sum) == 32 {
		h.Set("Digest", "sha-256="+base64.StdEncoding.EncodeToString(sum))
		h.Set("ETag", `"`+dl.Asset.SHA256+`"`)
	}
	if rel.Doc.Signature != "" {
		h.Set("X-Swift-Package-Signature-Format", rel.Doc.SignatureFormat)
		h.Set("X-Swift-Package-Signature", rel.Doc.Signature)
	}
	dataplane.ServeObject(w, r, dl.Content)
}

// versionedManifestFor finds the version-specific manifest for
// ?swift-version=sv (Registry.md 4.3.1): Package@swift-{sv}.swift, or
// the file naming the same version with fewer or more ".0" parts, since
// SwiftPM asks with its tools version spelled in full (swift-version=5.7.0
// for Package@swift-5.7.swift). "" when the release has none.
func versionedManifestFor(manifests map[string]string, sv string) string {
	want := "Package@swift-" + sv + ".swift"
	if _, ok := manifests[want]; ok && versionedManifest.MatchString(want) {
		return want
	}
	key, ok := manifestVersion(want)
	if !ok {
		return ""
	}
	best := ""
	for name := range manifests {
		if k, ok := manifestVersion(name); ok && k == key && (best == "" || name < best) {
			best = name
		}
	}
	return best
}

// manifestVersion is the version a version-specific manifest's name
// gives, as three numbers ("5.7" and "5.7.0" are one).
func manifestVersion(name string) ([3]uint64, bool) {
	var v [3]uint64
	m := versionedManifest.FindStringSubmatch(name)
	if m == nil {
		return v, false
	}
	for i := range v {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseUint(m[i+1], 10, 32)
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}
