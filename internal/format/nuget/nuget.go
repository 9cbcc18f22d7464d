// Package nuget serves NuGet packages on the data plane: the NuGet V3
// server API ("NuGet Server API" documents) that dotnet, nuget.exe and
// Visual Studio use.
//
// Under a repository's endpoint {ep} (…/nuget/d/{domain}-{owner}/{repo}/):
//
//	GET    {ep}v3/index.json                                 service index
//	PUT    {ep}v3/package/                                   push (multipart .nupkg)       PackagePublish/2.0.0
//	DELETE {ep}v3/package/{id}/{version}                     unlist
//	POST   {ep}v3/package/{id}/{version}                     relist
//	GET    {ep}v3/flatcontainer/{id}/index.json              versions                      PackageBaseAddress/3.0.0
//	GET    {ep}v3/flatcontainer/{id}/{ver}/{id}.{ver}.nupkg  package content
//	GET    {ep}v3/flatcontainer/{id}/{ver}/{id}.nuspec       manifest
//	GET    {ep}v3/registration{,-gz,-gz-semver2}/{id}/index.json             RegistrationsBaseUrl*
//	GET    {ep}v3/registration{,-gz,-gz-semver2}/{id}/page/{lower}/{upper}.json
//	GET    {ep}v3/registration{,-gz,-gz-semver2}/{id}/{ver}.json
//	GET    {ep}v3/search?q=&skip=&take=&prerelease=&semVerLevel=             SearchQueryService
//	GET    {ep}v3/autocomplete?q=&id=&skip=&take=&prerelease=&semVerLevel=   SearchAutocompleteService
//
// Package IDs are stored lowercased (the ID as the nuspec spells it is
// the version's displayName); versions are stored NuGet-normalized and
// lowercased (NormalizeVersion).
package nuget

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/flight"
	"github.com/artifactd/artifactd/internal/service"
)

// Format is the NuGet data plane.
type Format struct {
	svc *service.Service
	log *slog.Logger
	// TempDir holds pushes while they are checked ("" = os.TempDir()).
	TempDir string
	models  *modelCache
	builds  flight.Group[modelBuild, *pkgModel]
	// built counts the models built for the cache (tests).
	built atomic.Int64
	// edited counts the models made from an earlier one (tests).
	edited atomic.Int64
}

// modelCacheBytes bounds the memory of cached package models.
const modelCacheBytes = 64 << 20

// New returns the NuGet format; uploads are spooled in tmp while they are
// checked ("" = os.TempDir()).
func New(svc *service.Service, log *slog.Logger, tmp string) *Format {
	return &Format{svc: svc, log: log, TempDir: tmp, models: newModelCache(modelCacheBytes)}
}

// Name implements dataplane.Format.
func (f *Format) Name() domain.Format { return domain.FormatNuget }

func (f *Format) ref(repo dataplane.Repo, id string) service.PackageRef {
	return repo.Ref(domain.FormatNuget, "", strings.ToLower(id))
}

// Registration hives: the plain one and the gzipped one leave SemVer
// 2.0.0 versions out, as the RegistrationsBaseUrl document says of
// RegistrationsBaseUrl, /3.0.0-beta, /3.0.0-rc and /3.4.0; /3.6.0 has them.
type hive struct {
	path    string
	gzip    bool
	semver2 bool
}

var hives = [...]hive{
	{"registration/", false, false},
	{"registration-gz/", true, false},
	{"registration-gz-semver2/", true, true},
}

// ServeRepo implements dataplane.Format.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	rest, ok := strings.CutPrefix(repo.Path, "v3/")
	if !ok {
		writeError(w, http.StatusNotFound, "Not found: the NuGet source is "+repo.Endpoint+"v3/index.json")
		return
	}
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			writeError(w, http.StatusNotFound, "Malformed path")
			return
		}
		segs[i] = u
	}
	if segs[0] == "package" {
		f.servePublish(w, r, repo, segs[1:])
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	switch {
	case rest == "index.json":
		f.serviceIndex(w, r, repo)
	case segs[0] == "flatcontainer":
		f.flatContainer(w, r, repo, segs[1:])
	case segs[0] == "search" && len(segs) == 1:
		f.search(w, r, repo)
	case segs[0] == "autocomplete" && len(segs) == 1:
		f.autocomplete(w, r, repo)
	default:
		for _, h := range hives {
			if strings.TrimSuffix(h.path, "/") == segs[0] {
				f.registration(w, r, repo, h, segs[1:])
				return
			}
		}
		writeError(w, http.StatusNotFound, "Not found")
	}
}

// servePublish routes PackagePublish/2.0.0: NuGet's client PUTs to the
// resource URL with a trailing slash, and DELETEs or POSTs {id}/{version}
// under it.
func (f *Format) servePublish(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, segs []string) {
	switch {
	case len(segs) == 0 || (len(segs) == 1 && segs[0] == ""):
		if r.Method != http.MethodPut {
			w.Header().Set("Allow", "PUT")
			writeError(w, http.StatusMethodNotAllowed, "Push packages here with PUT (dotnet nuget push)")
			return
		}
		f.push(w, r, repo)
	case len(segs) == 2 || (len(segs) == 3 && segs[2] == ""):
		switch r.Method {
		case http.MethodDelete:
			f.setListed(w, r, repo, segs[0], segs[1], false)
		case http.MethodPost:
			f.setListed(w, r, repo, segs[0], segs[1], true)
		default:
			w.Header().Set("Allow", "DELETE, POST")
			writeError(w, http.StatusMethodNotAllowed, "DELETE unlists a version, POST relists it")
		}
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

// serviceIndex answers the service index ("Service index": version
// "3.0.0" and the resources, each with @id, @type and comment).
func (f *Format) serviceIndex(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	v3 := repo.Endpoint + "v3/"
	type resource struct {
		ID      string `json:"@id"`
		Type    string `json:"@type"`
		Comment string `json:"comment,omitempty"`
	}
	res := []resource{
		{v3 + "package/", "PackagePublish/2.0.0", "Push (PUT), unlist (DELETE) and relist (POST) packages"},
		{v3 + "flatcontainer/", "PackageBaseAddress/3.0.0", "Package versions, contents and manifests"},
	}
	for _, t := range []string{"SearchQueryService", "SearchQueryService/3.0.0-beta", "SearchQueryService/3.0.0-rc", "SearchQueryService/3.5.0"} {
		res = append(res, resource{v3 + "search", t, "Search packages by ID prefix"})
	}
	for _, t := range []string{"SearchAutocompleteService", "SearchAutocompleteService/3.0.0-beta", "SearchAutocompleteService/3.0.0-rc", "SearchAutocompleteService/3.5.0"} {
		res = append(res, resource{v3 + "autocomplete", t, "Package IDs and versions"})
	}
	for _, t := range []string{"RegistrationsBaseUrl", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl/3.0.0-rc"} {
		res = append(res, resource{v3 + "registration/", t, "Package metadata; SemVer 2.0.0 versions left out"})
	}
	res = append(res,
		resource{v3 + "registration-gz/", "RegistrationsBaseUrl/3.4.0", "Package metadata, gzipped; SemVer 2.0.0 versions left out"},
		resource{v3 + "registration-gz-semver2/", "RegistrationsBaseUrl/3.6.0", "Package metadata, gzipped, SemVer 2.0.0 versions included"},
		resource{v3 + "registration-gz-semver2/", "RegistrationsBaseUrl/Versioned", "Package metadata, gzipped, SemVer 2.0.0 versions included"},
	)
	writeJSON(w, r, http.StatusOK, map[string]any{"version": "3.0.0", "resources": res}, false)
}

// writeJSON answers a JSON document, gzipped when asked (the gzipped
// registration hives are always, as the public gallery's).
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any, gz bool) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal server error")
		return
	}
	writeBody(w, r, status, "application/json; charset=utf-8", b, gz)
}

// writeError answers an error as JSON ({"error": message}).
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// writeServiceError answers a service error.
func (f *Format) writeServiceError(w http.ResponseWriter, err error) {
	writeError(w, dataplane.Status(err), dataplane.Message(f.log, err))
}
