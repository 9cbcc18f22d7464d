package npm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"

	"github.com/artifactd/artifactd/internal/semver"
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
	sortBySemver(v.versions, func(pv domain.PackageVersion) string { return pv.Version })
	return v
}

// sortBySemver sorts s in compareVersions order, parsing each version
// once rather than at every comparison.
func sortBySemver[T any](s []T, version func(T) string) {
	type key struct {
		sv semver.Version
		ok bool
		s  string
		i  int
	}
	keys := make([]key, len(s))
	for i, x := range s {
		v := version(x)
		sv, ok := semver.Parse(v)
		keys[i] = key{sv, ok, v, i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		switch {
		case a.ok && b.ok:
			if c := a.sv.Compare(b.sv); c != 0 {
				return c
			}
		case a.ok:
			return 1
		case b.ok:
			return -1
		}
		return strings.Compare(a.s, b.s)
	})
	sorted := make([]T, len(s))
	for i, k := range keys {
		sorted[i] = s[k.i]
	}
	copy(s, sorted)
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
func tarballURL(endpoint string, name pkgName, version string) string {
	return endpoint + name.String() + "/-/" + name.tarballFile(version)
}

// manifest renders a version's full manifest for this endpoint.
func (v view) manifest(pv domain.PackageVersion) []byte {
	return appendManifest(nil, v.name, pv.Metadata, pv.Version, pv.Summary, false, tarballURL(v.endpoint, v.name, pv.Version))
}

// appendManifest appends a version's manifest (full or abbreviated) as
// the packument shows it: spliced from a prepared row, or built the old
// way from a legacy one, to the same bytes.
func appendManifest(dst []byte, name pkgName, meta []byte, version, summary string, abbreviated bool, tarball string) []byte {
	if out, ok := appendRendered(dst, meta, abbreviated, tarball); ok {
		return out
	}
	m := buildManifest(meta, name.String(), version, summary, tarball)
	if abbreviated {
		m = abbreviate(m)
	}
	return append(dst, mustJSON(m)...)
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

// modified is when the package last changed: its state's time, or the
// latest publish (any status) when later.
func (v view) modified(all []domain.PackageVersion) time.Time {
	t := v.state.Modified
	for _, pv := range all {
		if pv.PublishedTime.After(t) {
			t = pv.PublishedTime
		}
	}
	return t
}

// packument renders the package document from loaded versions (the
// path through upstreams, and packages without a stamp).
func (v view) packument(abbreviated bool, all []domain.PackageVersion) (doc []byte, ok bool) {
	d := docInput{name: v.name, endpoint: v.endpoint, rev: v.rev, tags: v.tags, modified: v.modified(all)}
	d.versions = make([]docVersion, len(v.versions))
	for i, pv := range v.versions {
		d.versions[i] = docVersion{version: pv.Version, published: pv.PublishedTime, summary: pv.Summary, meta: pv.Metadata}
	}
	if latest, ok := v.find(v.latest()); ok {
		d.readme = latest.Readme
	}
	doc, _, ok = d.render(abbreviated)
	return doc, ok
}

// docInput is what a packument is rendered from.
type docInput struct {
	name     pkgName
	endpoint string
	rev      string
	tags     map[string]string
	modified time.Time
	versions []docVersion // visible, in SemVer order
	readme   string       // the latest version's
	// latestMeta is the latest version's stored manifest when read
	// (nil: its docVersion's), whose own bytes the root fields of a
	// legacy row are copied from.
	latestMeta []byte
}

// docVersion is one visible version.
type docVersion struct {
	version   string
	published time.Time
	summary   string
	meta      []byte // stored manifest, prepared or legacy
}

// render writes the package document: the full one, or the abbreviated
// one installers ask for. ok is false when no version is visible (the
// package does not exist for npm). Each version's manifest is copied
// from its prepared form; only the latest one is decoded, for the root
// fields of the full document. lay locates in doc what a change of
// dist-tags alone leaves as it is (rerender).
func (d *docInput) render(abbreviated bool) (doc []byte, lay docLayout, ok bool) {
	if len(d.versions) == 0 {
		return nil, lay, false
	}
	// One buffer, sized once: the versions (the bulk of a large
	// document) are written in place, not built apart and copied.
	var b obj
	b.buf = make([]byte, 0, d.versionsSize()+len(d.versions)*(len(npmTime)+24)+len(d.readme)+4096)
	d.head(&b, abbreviated)
	lay.versions[0] = len(b.buf)
	b.buf = d.appendVersions(b.buf, abbreviated)
	lay.versions[1] = len(b.buf)
	lay.latest = d.tags["latest"]
	if abbreviated {
		return b.close(), lay, true
	}
	for _, dv := range d.versions {
		if lay.created.IsZero() || dv.published.Before(lay.created) {
			lay.created = dv.published
		}
	}
	b.key("time")
	b.buf = appendTimeHead(b.buf, lay.created, d.modified)
	lay.rest = len(b.buf)
	times := b.buf
	for _, dv := range d.versions {
		times = append(times, ',')
		times = appendJSONString(times, dv.version)
		times = append(times, ':')
		times = appendTime(times, dv.published)
	}
	b.buf = append(times, '}')

	name := d.name.String()
	latest := d.tags["latest"]
	for _, dv := range d.versions {
		if dv.version != latest {
			continue
		}
		m := map[string]json.RawMessage{}
		url := tarballURL(d.endpoint, d.name, dv.version)
		meta := dv.meta
		if d.latestMeta != nil {
			meta = d.latestMeta
		}
		if isPrepared(meta) {
			_ = json.Unmarshal(appendManifest(nil, d.name, meta, dv.version, dv.summary, false, url), &m)
		} else {
			// Legacy rows keep their stored bytes for these fields.
			m = buildManifest(meta, name, dv.version, dv.summary, url)
		}
		for _, k := range rootFields {
			if raw, ok := m[k]; ok {
				b.raw(k, raw)
			}
		}
		if d.readme != "" {
			b.field("readme", d.readme)
		}
		break
	}
	return b.close(), lay, true
}

// docLayout locates in a rendered document what a change of dist-tags
// alone leaves as it is: the versions object and, in the full document,
// what follows the time object's "modified" (each version's time, the
// latest version's root fields and readme). It is valid for the package
// state whose versions stamp it records, while latest names the same
// version.
type docLayout struct {
	versions      [2]int // the versions object: body[versions[0]:versions[1]]
	rest          int    // full document: body[rest:] is copied (0: abbreviated)
	created       time.Time
	lastPublished time.Time
	latest        string
	versionsStamp string
	// heads are the Published versions the document shows (in no
	// order; shared, never modified), and readme and latestMeta what
	// render took of the latest one: a publish's rebuild starts from
	// them (Format.touchedChanged).
	heads      []store.VersionHead
	readme     string
	latestMeta []byte
}

// size is what the layout costs a cache entry beyond the document.
func (l *docLayout) size() int {
	if l == nil {
		return 0
	}
	return len(l.heads)*80 + len(l.readme) + len(l.latestMeta)
}

// head writes what comes before the versions object, and its key.
func (d *docInput) head(b *obj, abbreviated bool) {
	name := d.name.String()
	if abbreviated {
		b.field("name", name)
		b.field("modified", d.modified.UTC().Format(npmTime))
		b.field("dist-tags", d.tags)
	} else {
		b.field("_id", name)
		b.field("_rev", d.rev)
		b.field("name", name)
		b.field("dist-tags", d.tags)
	}
	b.key("versions")
}

// rerender writes the document of a new package state whose versions are
// those old was rendered from (lay its layout) and whose latest version
// is the same: the head and the time object's first two fields are
// written again, the rest copied. No version is read or decoded.
func (d *docInput) rerender(old []byte, lay docLayout, abbreviated bool) ([]byte, docLayout) {
	var b obj
	b.buf = make([]byte, 0, len(old)+1024)
	d.head(&b, abbreviated)
	out := lay
	out.versions[0] = len(b.buf)
	b.buf = append(b.buf, old[lay.versions[0]:lay.versions[1]]...)
	out.versions[1] = len(b.buf)
	if abbreviated {
		return b.close(), out
	}
	b.key("time")
	b.buf = appendTimeHead(b.buf, lay.created, d.modified)
	out.rest = len(b.buf)
	// old[lay.rest:] closes the time object and the document.
	return append(b.buf, old[lay.rest:]...), out
}

// appendTimeHead opens the time object with its created and modified
// fields; each version's time follows, each after a comma.
func appendTimeHead(dst []byte, created, modified time.Time) []byte {
	dst = append(dst, `{"created":`...)
	dst = appendTime(dst, created)
	dst = append(dst, `,"modified":`...)
	return appendTime(dst, modified)
}

// appendTime appends t as a JSON string in npm's format.
func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, npmTime)
	return append(dst, '"')
}

// versionsSize bounds the size of the versions object.
func (d *docInput) versionsSize() int {
	prefix := len(tarballURL(d.endpoint, d.name, ""))
	size := 2
	for _, dv := range d.versions {
		size += len(dv.meta) + 2*len(dv.version) + prefix + 16
	}
	return size
}

// appendVersions appends the versions object.
func (d *docInput) appendVersions(out []byte, abbreviated bool) []byte {
	if len(d.versions) == 0 {
		return append(out, "{}"...)
	}
	// Tarball URLs are prefix + version + ".tgz"; when both are plain
	// JSON string text (the rule) they are copied without building the
	// URL.
	prefix := tarballURL(d.endpoint, d.name, "")
	prefix = prefix[:len(prefix)-len(".tgz")]
	plainPrefix := plainJSON(prefix)
	for i, dv := range d.versions {
		if i == 0 {
			out = append(out, '{')
		} else {
			out = append(out, ',')
		}
		out = appendJSONString(out, dv.version)
		out = append(out, ':')
		if doc, at, ok := preparedParts(dv.meta, abbreviated); ok && plainPrefix && plainJSON(dv.version) {
			out = append(out, doc[:at]...)
			out = append(out, '"')
			out = append(out, prefix...)
			out = append(out, dv.version...)
			out = append(out, `.tgz"`...)
			out = append(out, doc[at:]...)
			continue
		}
		out = appendManifest(out, d.name, dv.meta, dv.version, dv.summary, abbreviated, tarballURL(d.endpoint, d.name, dv.version))
	}
	return append(out, '}')
}

// obj writes a JSON object with fields in insertion order.
type obj struct {
	buf []byte
	n   int
}

// key starts a field: its value is appended to buf next.
func (o *obj) key(key string) {
	if o.n == 0 {
		o.buf = append(o.buf, '{')
	} else {
		o.buf = append(o.buf, ',')
	}
	o.n++
	o.buf = append(o.buf, mustJSON(key)...)
	o.buf = append(o.buf, ':')
}

func (o *obj) raw(key string, raw []byte) {
	o.key(key)
	o.buf = append(o.buf, raw...)
}

func (o *obj) field(key string, v any) { o.raw(key, mustJSON(v)) }

func (o *obj) close() []byte {
	if o.n == 0 {
		return []byte("{}")
	}
	return append(o.buf, '}')
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

// publishedTags is fixTags given the set of Published versions: tags
// naming another version are dropped, and latest falls back to the
// highest Published version.
func publishedTags(tags map[string]string, published map[string]bool) map[string]string {
	out := make(map[string]string, len(tags)+1)
	for tag, v := range tags {
		if published[v] {
			out[tag] = v
		}
	}
	if _, ok := out["latest"]; !ok {
		if best := highest(published); best != "" {
			out["latest"] = best
		}
	}
	return out
}
