package nuget

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

// assetName is the stored name of a version's package file: the
// lowercased ID and the stored version, as the flat container names it
// and as AWS builds it from the normalized name and version.
func assetName(id, version string) string {
	return strings.ToLower(id) + "." + strings.ToLower(version) + ".nupkg"
}

// flatContainer serves PackageBaseAddress/3.0.0 ("Package Content"):
// {id}/index.json, {id}/{version}/{id}.{version}.nupkg and
// {id}/{version}/{id}.nuspec, all lowercase.
func (f *Format) flatContainer(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, segs []string) {
	switch {
	case len(segs) == 2 && segs[1] == "index.json":
		f.flatVersions(w, r, repo, segs[0])
	case len(segs) == 3:
		id, ver, file := strings.ToLower(segs[0]), segs[1], strings.ToLower(segs[2])
		stored, ok := NormalizeVersion(ver)
		if !ok || !ValidID(id) {
			writeError(w, http.StatusNotFound, "Not found")
			return
		}
		switch file {
		case id + "." + strings.ToLower(ver) + ".nupkg", id + "." + stored + ".nupkg":
			f.download(w, r, repo, id, stored)
		case id + ".nuspec":
			f.nuspec(w, r, repo, id, stored)
		default:
			writeError(w, http.StatusNotFound, "Not found: the flat container serves {id}.{version}.nupkg and {id}.nuspec")
		}
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

// flatVersions lists the versions, listed and unlisted, lowercased and
// normalized, oldest first ("Enumerate package versions"). An unknown
// package is 404.
func (f *Format) flatVersions(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, id string) {
	if !ValidID(id) {
		writeError(w, http.StatusNotFound, "Not a valid package ID")
		return
	}
	m, err := f.model(r.Context(), repo, id)
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	if len(m.versions) == 0 {
		writeError(w, http.StatusNotFound, "Package "+id+" has no versions here")
		return
	}
	// The list kept with the model (its ETag from the package's stamp).
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	etag := vindex.ETag(flatRender, repo.Endpoint, id, strconv.FormatInt(m.pkgID, 10), m.stamp)
	if m.stamp == "" { // merged through upstreams: no state names it
		sum := sha256.Sum256(m.flat.Bytes())
		etag = `"` + hex.EncodeToString(sum[:16]) + `"`
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache") // statuses change at any time
	http.ServeContent(w, r, "", time.Time{}, m.flat.Reader())
}

// flatRender changes when the flat container's list is rendered
// otherwise, so that an ETag of an older build is not confirmed.
const flatRender = "1"

// download serves a version's .nupkg, through the upstreams and external
// connection when the repository has them.
func (f *Format) download(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, id, version string) {
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, f.ref(repo, id), version, assetName(id, version), visible)
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	defer dl.Content.Close()
	if !visible(dl.Version.Version.Status) {
		writeError(w, http.StatusNotFound, "Package version "+version+" is "+string(dl.Version.Version.Status)+" and cannot be downloaded")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if dl.Asset.SHA256 != "" {
		w.Header().Set("ETag", `"`+dl.Asset.SHA256+`"`)
	}
	dataplane.ServeObject(w, r, dl.Content)
}

// nuspec serves the manifest kept from the push (or from the kept file
// of an external connection).
func (f *Format) nuspec(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, id, version string) {
	m, err := f.model(r.Context(), repo, id)
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	found := false
	for _, v := range m.versions {
		found = found || v.stored == version
	}
	if !found {
		writeError(w, http.StatusNotFound, "Package version "+version+" not found")
		return
	}
	vi, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, f.ref(repo, id), version)
	var raw []byte
	if err == nil {
		raw = decodeDoc(vi.Version.Metadata).Nuspec
	}
	if len(raw) == 0 {
		// Listed by an upstream or an external connection, not kept here:
		// the package itself has it.
		f.nuspecFromPackage(w, r, repo, id, version)
		return
	}
	writeBody(w, r, http.StatusOK, "application/xml", raw, false)
}

// nuspecFromPackage serves the manifest of a version whose document does
// not hold it, read from its package (spooled, bounded).
func (f *Format) nuspecFromPackage(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, id, version string) {
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, f.ref(repo, id), version, assetName(id, version), visible)
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	defer dl.Content.Close()
	tmp, err := f.tempFile()
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	n, err := io.Copy(tmp, io.LimitReader(dl.Content, MaxPackageBytes+1))
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	p, err := ReadPackage(tmp, n)
	if err != nil {
		f.log.Warn("reading the .nuspec of a stored package", "id", id, "version", version, "err", err)
		writeError(w, http.StatusNotFound, "The package's .nuspec cannot be read")
		return
	}
	writeBody(w, r, http.StatusOK, "application/xml", p.NuspecRaw, false)
}

// tempFile creates the file a package is spooled to.
func (f *Format) tempFile() (*os.File, error) {
	return os.CreateTemp(f.TempDir, "artifactd-nuget-*")
}
