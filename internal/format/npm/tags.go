package npm

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"

	"github.com/artifactd/artifactd/internal/semver"
)

// serveDistTags handles /-/package/<name>/dist-tags[/<tag>] (npm dist-tag
// ls, add, rm).
func (f *Format) serveDistTags(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, path string) {
	name, rest, ok := splitName(path)
	if !ok || len(rest) == 0 || rest[0] != "dist-tags" || len(rest) > 2 {
		writeError(w, http.StatusNotFound, "Not found: /-/package/"+path)
		return
	}
	ref := repo.Ref(domain.FormatNpm, name.Scope, name.Name)
	tag := ""
	if len(rest) == 2 {
		tag = rest[1]
	}
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		pkg, all, ok := f.loadThrough(r.Context(), w, repo, ref, name)
		if !ok {
			return
		}
		tags := newView(name, repo.Endpoint, pkg, all).tags
		w.Header().Set("Cache-Control", "no-cache")
		if tag == "" {
			writeJSON(w, http.StatusOK, tags)
			return
		}
		if v, ok := tags[tag]; ok {
			writeJSON(w, http.StatusOK, v)
			return
		}
		writeError(w, http.StatusNotFound, "Not found: "+name.String()+" has no dist-tag "+tag)
	case tag == "":
		methodNotAllowed(w, "GET")
	case r.Method == http.MethodPut || r.Method == http.MethodPost:
		version, ok := readVersionBody(w, r)
		if !ok {
			return
		}
		f.setTag(w, r, repo, name, tag, version)
	case r.Method == http.MethodDelete:
		f.setTag(w, r, repo, name, tag, "")
	default:
		methodNotAllowed(w, "GET, PUT, DELETE")
	}
}

// setTag points tag at version, or removes it when version is "".
// Only Published versions can be tagged; `latest` cannot be removed
// (it would come back at once on the highest version).
func (f *Format) setTag(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name pkgName, tag, version string) {
	if err := checkTag(tag); err != nil {
		f.fail(w, err)
		return
	}
	if version == "" && tag == "latest" {
		writeError(w, http.StatusBadRequest, "The latest dist-tag cannot be removed; point it at another version with npm dist-tag add")
		return
	}
	ref := repo.Ref(domain.FormatNpm, name.Scope, name.Name)
	// Reads the tags and the one version to tag, not every version.
	pkg, err := f.svc.UpdatePackage(r.Context(), repo.Caller, ref, func(p *domain.Package, versions service.VersionReader) error {
		st := loadState(*p)
		tags, err := fixTagsIn(st.DistTags, versions)
		if err != nil {
			return err
		}
		st.DistTags = tags
		if version == "" {
			if _, ok := st.DistTags[tag]; !ok {
				return domain.NotFound("dist-tag", tag, "%s is not a dist-tag of %s", tag, name)
			}
			delete(st.DistTags, tag)
			return st.saveTags(p, time.Now())
		}
		v, err := versions.Get(version)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.NotFound(domain.ResPackageVersion, version, "Version %s of %s not found", version, name)
		}
		if err != nil {
			return err
		}
		if !visible(v.Status) {
			return domain.Invalid("Version %s of %s is %s; only Published versions can be tagged", version, name, v.Status)
		}
		st.DistTags[tag] = version
		return st.saveTags(p, time.Now())
	})
	if errors.Is(err, domain.ErrNotFound) && isPackageMissing(err) {
		packageNotFound(w, name)
		return
	}
	if err != nil {
		f.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "dist-tags": loadState(pkg).DistTags})
}

// readVersionBody reads the version a dist-tag is set to: a JSON string,
// as npm sends it, or the bare version some clients send.
func readVersionBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err != nil {
		writeError(w, http.StatusBadRequest, "The request body must be the version to tag, as a JSON string")
		return "", false
	}
	var version string
	if json.Unmarshal(b, &version) != nil {
		version = string(b)
	}
	version = strings.TrimSpace(version)
	if version == "" {
		writeError(w, http.StatusBadRequest, "The request body must be the version to tag, as a JSON string")
		return "", false
	}
	return version, true
}

// looksLikeRange reports whether a dist-tag name would be read by npm as a
// version or range (npm refuses such tags: `npm install pkg@1` must mean
// a version).
func looksLikeRange(tag string) bool {
	if tag == "" {
		return true
	}
	if semver.Valid(tag) {
		return true
	}
	switch tag[0] {
	case '^', '~', '<', '>', '=', '*':
		return true
	}
	if tag[0] >= '0' && tag[0] <= '9' {
		return true
	}
	if (tag[0] == 'v' || tag[0] == 'V') && len(tag) > 1 && tag[1] >= '0' && tag[1] <= '9' {
		return true
	}
	return tag == "x" || tag == "X"
}
