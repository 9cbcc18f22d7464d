package npm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

// npmTime is how npm registries write times.
const npmTime = "2006-01-02T15:04:05.000Z"

// abbreviatedFields are the version fields of the abbreviated
// ("corgi", application/vnd.npm.install-v1+json) packument: what an
// installer needs.
var abbreviatedFields = []string{
	"name", "version", "deprecated", "dependencies", "optionalDependencies", "devDependencies",
	"bundleDependencies", "bundledDependencies", "peerDependencies", "peerDependenciesMeta",
	"acceptDependencies", "bin", "directories", "dist", "engines", "_hasShrinkwrap",
	"hasInstallScript", "os", "cpu", "libc", "funding", "license",
}

// rootFields are copied from the latest version's manifest to the top of
// the full packument, where `npm view` and web UIs look for them.
var rootFields = []string{"description", "homepage", "repository", "bugs", "license", "keywords", "author", "maintainers"}

// view is a package as npm clients see it.
type view struct {
	name     pkgName
	endpoint string // the repository endpoint, ending in "/"
	state    state
	rev      string
	tags     map[string]string
	versions []domain.PackageVersion // visible only, in SemVer order
}

// newView selects what npm may see of a package: Published versions, and
// dist-tags that name one of them (latest falls back to the highest).
func newView(name pkgName, endpoint string, pkg domain.Package, all []domain.PackageVersion) view {
	st := loadState(pkg)
	v := view{name: name, endpoint: endpoint, state: st, rev: revision(st, all), tags: fixTags(st.DistTags, all)}
	for _, pv := range all {
		if visible(pv.Status) {
			v.versions = append(v.versions, pv)
		}
	}
	sort.Slice(v.versions, func(i, j int) bool { return compareVersions(v.versions[i].Version, v.versions[j].Version) < 0 })
	return v
}

// revision is the package document's CouchDB-style revision, sent as
// `_rev` and checked on `PUT /<name>/-rev/<rev>` and `DELETE` (unpublish).
// It follows the state's stamp; a package that has none (never touched by
// npm rules) gets a digest of its versions.
func revision(st state, all []domain.PackageVersion) string {
	if st.Stamp != "" {
		return "1-" + st.Stamp
	}
	keys := make([]string, 0, len(all))
	for _, v := range all {
		keys = append(keys, v.Version+"\x00"+v.Revision+"\x00"+string(v.Status))
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "\x00"))
	}
	return "0-" + hex.EncodeToString(h.Sum(nil))[:24]
}

// find returns a visible version.
func (v view) find(version string) (domain.PackageVersion, bool) {
	for _, pv := range v.versions {
		if pv.Version == version {
			return pv, true
		}
	}
	return domain.PackageVersion{}, false
}

// latest is the version `latest` names, "" when nothing is visible.
func (v view) latest() string { return v.tags["latest"] }

// tarballURL is the absolute URL of a version's tarball.
func (v view) tarballURL(version string) string {
	return v.endpoint + v.name.String() + "/-/" + v.name.tarballFile(version)
}

// manifest returns a version's manifest as stored at publish, with its
// identity and tarball URL filled in for this endpoint.
func (v view) manifest(pv domain.PackageVersion) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if len(pv.Metadata) > 0 {
		_ = json.Unmarshal(pv.Metadata, &m)
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	if _, ok := m["description"]; !ok && pv.Summary != "" {
		m["description"] = mustJSON(pv.Summary)
	}
	name := v.name.String()
	m["name"] = mustJSON(name)
	m["version"] = mustJSON(pv.Version)
	m["_id"] = mustJSON(name + "@" + pv.Version)
	dist := map[string]json.RawMessage{}
	if raw, ok := m["dist"]; ok {
		_ = json.Unmarshal(raw, &dist)
		if dist == nil {
			dist = map[string]json.RawMessage{}
		}
	}
	dist["tarball"] = mustJSON(v.tarballURL(pv.Version))
	m["dist"] = mustJSON(dist)
	for _, k := range []string{"readme", "readmeFilename", "_attachments", "_rev"} {
		delete(m, k)
	}
	if d, ok := m["deprecated"]; ok && str(d) == "" {
		delete(m, "deprecated")
	}
	return m
}

// abbreviate keeps the installer's fields of a manifest.
func abbreviate(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(abbreviatedFields))
	for _, k := range abbreviatedFields {
		if raw, ok := m[k]; ok {
			out[k] = raw
		}
	}
	if _, ok := out["hasInstallScript"]; !ok && hasInstallScript(m["scripts"]) {
		out["hasInstallScript"] = json.RawMessage("true")
	}
	return out
}

func hasInstallScript(scripts json.RawMessage) bool {
	var s map[string]any
	if json.Unmarshal(scripts, &s) != nil {
		return false
	}
	for _, k := range []string{"preinstall", "install", "postinstall"} {
		if _, ok := s[k]; ok {
			return true
		}
	}
	return false
}

// modified is when the package last changed.
func (v view) modified(all []domain.PackageVersion) time.Time {
	t := v.state.Modified
	for _, pv := range all {
		if pv.PublishedTime.After(t) {
			t = pv.PublishedTime
		}
	}
	return t
}

// packument renders the package document: the full one, or the
// abbreviated one installers ask for. ok is false when no version is
// visible (the package does not exist for npm).
func (v view) packument(abbreviated bool, all []domain.PackageVersion) (doc []byte, ok bool) {
	if len(v.versions) == 0 {
		return nil, false
	}
	var b obj
	if abbreviated {
		b.field("name", v.name.String())
		b.field("modified", v.modified(all).UTC().Format(npmTime))
		b.field("dist-tags", v.tags)
		b.raw("versions", v.versionsObject(true))
		return b.close(), true
	}
	name := v.name.String()
	b.field("_id", name)
	b.field("_rev", v.rev)
	b.field("name", name)
	b.field("dist-tags", v.tags)
	b.raw("versions", v.versionsObject(false))

	var times obj
	var created time.Time
	for _, pv := range v.versions {
		if created.IsZero() || pv.PublishedTime.Before(created) {
			created = pv.PublishedTime
		}
	}
	times.field("created", created.UTC().Format(npmTime))
	times.field("modified", v.modified(all).UTC().Format(npmTime))
	for _, pv := range v.versions {
		times.field(pv.Version, pv.PublishedTime.UTC().Format(npmTime))
	}
	b.raw("time", times.close())

	if latest, ok := v.find(v.latest()); ok {
		m := v.manifest(latest)
		for _, k := range rootFields {
			if raw, ok := m[k]; ok {
				b.raw(k, raw)
			}
		}
		if latest.Readme != "" {
			b.field("readme", latest.Readme)
		}
	}
	return b.close(), true
}

func (v view) versionsObject(abbreviated bool) []byte {
	var o obj
	for _, pv := range v.versions {
		m := v.manifest(pv)
		if abbreviated {
			m = abbreviate(m)
		}
		o.field(pv.Version, m)
	}
	return o.close()
}

// obj writes a JSON object with fields in insertion order.
type obj struct {
	buf bytes.Buffer
	n   int
}

func (o *obj) raw(key string, raw []byte) {
	if o.n == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.n++
	o.buf.Write(mustJSON(key))
	o.buf.WriteByte(':')
	o.buf.Write(raw)
}

func (o *obj) field(key string, v any) { o.raw(key, mustJSON(v)) }

func (o *obj) close() []byte {
	if o.n == 0 {
		return []byte("{}")
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes()
}

// mustJSON marshals values that always marshal (strings, maps of raw
// JSON, times); it never returns invalid JSON.
func mustJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return json.RawMessage("null")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}
