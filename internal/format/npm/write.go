package npm

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"

	"github.com/artifactd/artifactd/internal/semver"
)

// document is the body of PUT /<name>: a publish (with _attachments) or
// an edited packument (deprecate, unpublish of a version).
type document struct {
	Name        string                     `json:"name"`
	DistTags    map[string]string          `json:"dist-tags"`
	Versions    map[string]json.RawMessage `json:"versions"`
	Attachments map[string]attachment      `json:"_attachments"`
	Readme      string                     `json:"readme"`
}

// attachment is one file of a publish; its data is spooled to a temp file
// as the document is read (readDocument).
type attachment struct {
	ContentType string
	Length      *int64
	file        *tarballFile
}

// putPackage handles PUT /<name> and PUT /<name>/-rev/<rev>.
func (f *Format) putPackage(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName, rev string) {
	doc, err := readDocument(http.MaxBytesReader(w, r.Body, f.maxPublishBytes), f.TempDir)
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, "The request body is larger than the limit of "+strconv.FormatInt(f.maxPublishBytes, 10)+" bytes")
		case errors.Is(err, errDocument):
			writeError(w, http.StatusBadRequest, err.Error())
		default:
			f.fail(w, domain.Invalid("The request body could not be read: %v", err))
		}
		return
	}
	defer doc.close()
	if doc.Name != "" && doc.Name != name.String() {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The document names package %q but the URL names %q", doc.Name, name))
		return
	}
	if len(doc.Attachments) > 0 {
		if rev != "" {
			writeError(w, http.StatusBadRequest, "Publish with PUT /"+name.String()+", not with a revision")
			return
		}
		f.publish(w, r, repo, ref, name, doc)
		return
	}
	f.updateDocument(w, r, repo, ref, name, doc, rev)
}

// publishConflict is npm's answer to a publish over an existing version.
func publishConflict(w http.ResponseWriter, version string) {
	writeError(w, http.StatusForbidden, "You cannot publish over the previously published versions: "+version+".")
}

// publish stores a new version from npm's publish document.
func (f *Format) publish(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName, doc document) {
	pub, err := parsePublish(name, doc)
	if err != nil {
		f.fail(w, err)
		return
	}
	// A version that exists already takes no publish. Identical bytes are
	// a harmless no-op (tags untouched); anything else is npm's 403.
	existing, err := f.svc.ListPackageVersionAssets(r.Context(), repo.Caller, ref, pub.version, store.Page{Limit: 10})
	switch {
	case err == nil:
		for _, a := range existing.Assets {
			if a.Name == assetName && a.SHA256 == pub.tarball.sums.SHA256 && visible(existing.Version.Version.Status) {
				writeJSON(w, http.StatusOK, map[string]any{"ok": true, "id": name.String(), "rev": revision(loadState(existing.Version.Package), nil)})
				return
			}
		}
		publishConflict(w, pub.version)
		return
	case !errors.Is(err, domain.ErrNotFound):
		f.fail(w, err)
		return
	}
	now := time.Now()
	res, err := f.svc.PublishVersion(r.Context(), repo.Caller, service.VersionPublish{
		Package: ref,
		Version: pub.version,
		Assets: []service.NewAsset{{
			Name:    assetName,
			Content: pub.tarball.reader(),
			Check:   checkDigests(pub.integrity, pub.shasum),
		}},
		Metadata: pub.meta,
		UpdatePackage: func(p *domain.Package) error {
			st := loadState(*p)
			for _, tag := range pub.tags {
				st.DistTags[tag] = pub.version
			}
			if _, ok := st.DistTags["latest"]; !ok {
				st.DistTags["latest"] = pub.version
			}
			return st.saveTouched(p, now, pub.version)
		},
	})
	if errors.Is(err, domain.ErrConflict) && !errors.Is(err, service.ErrVersionUpstream) {
		publishConflict(w, pub.version)
		return
	}
	if err != nil {
		f.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "id": name.String(), "rev": revision(loadState(res.Package), nil)})
}

// parsedPublish is a checked publish document.
type parsedPublish struct {
	version           string
	tarball           *tarballFile
	integrity, shasum string   // as the client announced them
	tags              []string // dist-tags to point at the version
	meta              *service.VersionMetadata
}

// parsePublish checks a publish document and reads the tarball's
// package.json and README. The stored manifest is the client's, with the
// server's own digests and without its tarball URL (built per endpoint).
func parsePublish(name pkgName, doc document) (parsedPublish, error) {
	var p parsedPublish
	if err := checkPublishName(name); err != nil {
		return p, err
	}
	if len(doc.Versions) != 1 {
		return p, domain.Invalid("A publish must contain exactly one version, not %d", len(doc.Versions))
	}
	var rawManifest json.RawMessage
	for v, raw := range doc.Versions {
		p.version, rawManifest = v, raw
	}
	if _, ok := semver.Parse(p.version); !ok {
		return p, domain.Invalid("Invalid version %q: versions must be valid SemVer 2.0", p.version)
	}
	// Build metadata does not make another version (npm's semver.clean
	// drops it): 1.0.0+a is published as 1.0.0, so it cannot sit beside
	// 1.0.0 and hand npm install other code for the same version.
	asSent := p.version
	p.version = cleanVersion(p.version)
	var manifest map[string]json.RawMessage
	if err := json.Unmarshal(rawManifest, &manifest); err != nil || manifest == nil {
		return p, domain.Invalid("The manifest of version %s is not a JSON object", p.version)
	}
	if n := str(manifest["name"]); n != "" && n != name.String() {
		return p, domain.Invalid("The manifest names package %q, not %q", n, name)
	}
	if v := str(manifest["version"]); v != "" && cleanVersion(v) != p.version {
		return p, domain.Invalid("The manifest has version %q, not %q", v, p.version)
	}

	if len(doc.Attachments) != 1 {
		return p, domain.Invalid("A publish must attach exactly one tarball, not %d attachments", len(doc.Attachments))
	}
	for file, a := range doc.Attachments {
		if file != name.String()+"-"+asSent+".tgz" && file != name.tarballFile(asSent) &&
			file != name.String()+"-"+p.version+".tgz" && file != name.tarballFile(p.version) {
			return p, domain.Invalid("The attachment %q is not the tarball of %s@%s", file, name, p.version)
		}
		if a.file == nil {
			return p, domain.Invalid("The tarball attachment has no data")
		}
		if a.Length != nil && *a.Length != a.file.sums.Size {
			return p, domain.Invalid("The tarball attachment has %d bytes, but its length says %d", a.file.sums.Size, *a.Length)
		}
		p.tarball = a.file
	}

	var dist struct {
		Integrity json.RawMessage `json:"integrity"`
		Shasum    json.RawMessage `json:"shasum"`
	}
	if raw, ok := manifest["dist"]; ok {
		_ = json.Unmarshal(raw, &dist)
	}
	p.integrity, p.shasum = str(dist.Integrity), str(dist.Shasum)
	// Verify before reading the tarball; PublishVersion checks again
	// against the bytes it stores.
	sums := p.tarball.sums
	if err := checkDigests(p.integrity, p.shasum)(sums); err != nil {
		return p, err
	}

	files, err := readTarballFrom(p.tarball.reader())
	if err != nil {
		return p, err
	}
	pj, err := parsePackageJSON(files.PackageJSON)
	if err != nil {
		return p, err
	}
	if pj.Name != name.String() {
		return p, domain.Invalid("package.json in the tarball names package %q, not %q", pj.Name, name)
	}
	if cleanVersion(pj.Version) != p.version {
		return p, domain.Invalid("package.json in the tarball has version %q, not %q", pj.Version, p.version)
	}

	for tag, v := range doc.DistTags {
		if cleanVersion(v) != p.version {
			continue // a publish tags only the version it publishes
		}
		if err := checkTag(tag); err != nil {
			return p, err
		}
		p.tags = append(p.tags, tag)
	}
	sort.Strings(p.tags)

	readme := files.Readme
	if readme == "" {
		readme = str(manifest["readme"])
	}
	if readme == "" {
		readme = doc.Readme
	}
	distOut := map[string]json.RawMessage{}
	if raw, ok := manifest["dist"]; ok {
		_ = json.Unmarshal(raw, &distOut)
		if distOut == nil {
			distOut = map[string]json.RawMessage{}
		}
	}
	delete(distOut, "tarball")
	sha512sum, _ := hex.DecodeString(sums.SHA512)
	distOut["integrity"] = mustJSON("sha512-" + base64.StdEncoding.EncodeToString(sha512sum))
	distOut["shasum"] = mustJSON(sums.SHA1)
	manifest["dist"] = mustJSON(distOut)
	for _, k := range []string{"readme", "readmeFilename", "_attachments", "_rev", "_revisions"} {
		delete(manifest, k)
	}
	if d, ok := manifest["deprecated"]; ok && str(d) == "" {
		delete(manifest, "deprecated")
	}
	p.meta = versionMetadata(name, pj, readme, nil)
	p.meta.Raw = prepare(mustJSON(manifest), name, p.version, p.meta.Summary)
	return p, nil
}

// cleanVersion strips what npm strips from a version (semver.clean):
// spaces, leading "=" and "v", and build metadata.
func cleanVersion(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimLeft(v, "=v")
	v, _, _ = strings.Cut(v, "+")
	return strings.TrimSpace(v)
}

// checkTag refuses dist-tag names npm would read as versions or ranges,
// and names that cannot travel in a URL path segment.
func checkTag(tag string) error {
	if looksLikeRange(tag) {
		return domain.Invalid("Invalid dist-tag %q: a tag must not be a version or a version range", tag)
	}
	if len(tag) > 256 || strings.ContainsAny(tag, "/%") || strings.IndexFunc(tag, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return domain.Invalid("Invalid dist-tag %q", tag)
	}
	return nil
}

// checkDigests verifies the digests npm announced for a tarball:
// integrity (Subresource Integrity, "sha512-<base64>", possibly several
// space-separated) and shasum (SHA-1 hex). Algorithms the server does not
// compute (sha384) are skipped; any mismatch is a 400.
func checkDigests(integrity, shasum string) func(hashing.Sums) error {
	return func(s hashing.Sums) error {
		if shasum != "" && !strings.EqualFold(shasum, s.SHA1) {
			return domain.Invalid("The tarball does not match its shasum: announced %s, received bytes have %s", shasum, s.SHA1)
		}
		for _, item := range strings.Fields(integrity) {
			item, _, _ = strings.Cut(item, "?")
			alg, b64, ok := strings.Cut(item, "-")
			if !ok {
				return domain.Invalid("Invalid integrity %q", item)
			}
			var want string
			switch strings.ToLower(alg) {
			case "sha512":
				want = s.SHA512
			case "sha256":
				want = s.SHA256
			case "sha1":
				want = s.SHA1
			default:
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return domain.Invalid("Invalid integrity %q: %v", item, err)
			}
			if want == "" {
				continue // not computed by the caller of this check
			}
			if hex.EncodeToString(got) != want {
				wantB, _ := hex.DecodeString(want)
				return domain.Invalid("The tarball does not match its integrity: announced %s, received bytes have %s-%s", item, alg, base64.StdEncoding.EncodeToString(wantB))
			}
		}
		return nil
	}
}

// deprecation is a version's deprecation message in a manifest ("" = none).
func deprecation(manifest []byte) string {
	var m struct {
		Deprecated json.RawMessage `json:"deprecated"`
	}
	if json.Unmarshal(manifest, &m) != nil {
		return ""
	}
	return str(m.Deprecated)
}

// setDeprecation writes msg into a stored manifest ("" removes it).
func setDeprecation(manifest []byte, name pkgName, version, msg string) ([]byte, error) {
	m := map[string]json.RawMessage{}
	if len(manifest) > 0 {
		if err := json.Unmarshal(manifest, &m); err != nil || m == nil {
			m = map[string]json.RawMessage{}
		}
	}
	if _, ok := m["name"]; !ok {
		m["name"] = mustJSON(name.String())
		m["version"] = mustJSON(version)
	}
	if msg == "" {
		delete(m, "deprecated")
	} else {
		m["deprecated"] = mustJSON(msg)
	}
	return mustJSON(m), nil
}

// revisionConflict answers a stale `_rev`.
func revisionConflict(w http.ResponseWriter, name pkgName, got, current string) {
	writeError(w, http.StatusConflict, fmt.Sprintf("Document update conflict: %s changed since revision %s (now %s); fetch it again", name, got, current))
}

// updateDocument applies an edited packument. Deprecation messages
// change on the versions npm can see. With a revision (PUT
// /<name>/-rev/<rev>, the first step of `npm unpublish pkg@ver`) the
// revision must be current, and visible versions missing from the
// document are deleted. dist-tags in the document are ignored: the
// registry fixes them itself when versions go.
func (f *Format) updateDocument(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName, doc document, rev string) {
	ctx := r.Context()
	pkg, all, ok := f.loadPackage(ctx, w, repo, ref, name)
	if !ok {
		return
	}
	v := newView(name, repo.Endpoint, pkg, all)
	if rev != "" && rev != v.rev {
		revisionConflict(w, name, rev, v.rev)
		return
	}
	if rev != "" && doc.Versions == nil {
		writeError(w, http.StatusBadRequest, "The document has no versions; to unpublish the whole package use DELETE /"+name.String()+"/-rev/"+rev)
		return
	}
	deprecate := map[string]string{}
	var remove []string
	for _, pv := range v.versions {
		raw, kept := doc.Versions[pv.Version]
		switch {
		case !kept && rev != "":
			remove = append(remove, pv.Version)
		case kept && deprecation(raw) != deprecation(manifestJSON(pv.Metadata)):
			deprecate[pv.Version] = deprecation(raw)
		}
	}
	for _, version := range sortedKeys(deprecate) {
		msg := deprecate[version]
		_, err := f.svc.UpdateVersionMetadata(ctx, repo.Caller, ref, version, func(pv *domain.PackageVersion) error {
			if !visible(pv.Status) {
				return domain.Conflict(domain.ResPackageVersion, version, "Version %s is %s and cannot be deprecated", version, pv.Status)
			}
			m, err := setDeprecation(manifestJSON(pv.Metadata), name, version, msg)
			if err != nil {
				return err
			}
			pv.Metadata = prepare(m, name, version, pv.Summary)
			return nil
		})
		if err != nil {
			f.fail(w, err)
			return
		}
	}
	// Deprecations renewed the package's stamp through PackageChanged, in
	// their own transactions; so does a deletion.
	if len(remove) > 0 && !f.deleteVersions(w, r, repo, ref, remove) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "id": name.String()})
}

// deleteVersions deletes Published versions as DeletePackageVersions
// does (all or nothing); it answers the client itself on failure.
func (f *Format) deleteVersions(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, versions []string) bool {
	res, err := f.svc.DeletePackageVersions(r.Context(), repo.Caller, ref, versions, domain.StatusPublished)
	if err != nil {
		f.fail(w, err)
		return false
	}
	if len(res.Failed) > 0 {
		var msgs []string
		for _, v := range sortedKeys(res.Failed) {
			if e := res.Failed[v]; e.Code != service.CodeSkipped {
				msgs = append(msgs, v+": "+e.Message)
			}
		}
		writeError(w, http.StatusConflict, "Nothing was unpublished: "+strings.Join(msgs, "; "))
		return false
	}
	return true
}

// deletePackage handles DELETE /<name>/-rev/<rev> (`npm unpublish pkg
// --force`): every version npm can see goes. When those are all the
// package has, the package is deleted too; versions npm cannot see
// (Unlisted, Archived...) are kept, with the package.
func (f *Format) deletePackage(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName, rev string) {
	pkg, all, ok := f.loadPackage(r.Context(), w, repo, ref, name)
	if !ok {
		return
	}
	v := newView(name, repo.Endpoint, pkg, all)
	if rev != v.rev {
		revisionConflict(w, name, rev, v.rev)
		return
	}
	switch {
	case len(v.versions) == len(all):
		if _, err := f.svc.DeletePackage(r.Context(), repo.Caller, ref); err != nil {
			f.fail(w, err)
			return
		}
	case len(v.versions) > 0:
		versions := make([]string, len(v.versions))
		for i, pv := range v.versions {
			versions[i] = pv.Version
		}
		if !f.deleteVersions(w, r, repo, ref, versions) {
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "id": name.String()})
}

// deleteTarball handles DELETE /<name>/-/<file>/-rev/<rev>, the last
// step of `npm unpublish pkg@ver`. The version is normally gone already
// (the PUT before removed it); if it is still visible, it is deleted.
func (f *Format) deleteTarball(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, ref service.PackageRef, name pkgName, file, rev string) {
	version, ok := versionOfTarball(name, file)
	if !ok {
		writeError(w, http.StatusNotFound, "Not found: "+file+" is not a tarball of "+name.String())
		return
	}
	pkg, all, ok := f.loadPackage(r.Context(), w, repo, ref, name)
	if !ok {
		return
	}
	v := newView(name, repo.Endpoint, pkg, all)
	if _, ok := v.find(version); ok {
		if rev != v.rev {
			revisionConflict(w, name, rev, v.rev)
			return
		}
		if !f.deleteVersions(w, r, repo, ref, []string{version}) {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		return
	}
	for _, pv := range all {
		if pv.Version == version {
			writeError(w, http.StatusNotFound, "Not found: "+name.String()+"@"+version+" is "+string(pv.Status))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true}) // already unpublished
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
