package npm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"

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
func (v view) packument(abbreviated bool, all []domain.PackageVersion) (body []byte, ok bool) {
	d := docInput{name: v.name, endpoint: v.endpoint, rev: v.rev, tags: v.tags, modified: v.modified(all)}
	d.versions = make([]docVersion, len(v.versions))
	for i, pv := range v.versions {
		d.versions[i] = docVersion{id: pv.ID, revision: pv.Revision, version: pv.Version, published: pv.PublishedTime,
			summary: pv.Summary, meta: pv.Metadata}
	}
	if latest, ok := v.find(v.latest()); ok {
		d.readme = latest.Readme
	}
	out, _, ok, _ := d.render(abbreviated, nil) // every manifest at hand: no error
	return out.bytes(), ok
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
	// tail, when set, is the end of the full document as an earlier
	// rendering wrote it with the same latest version (docLayout.tail).
	tail []byte
	// fetch fills in a pending version's manifest, when its group must be
	// rendered (errNoFragment: not at hand).
	fetch func(*docVersion) error
}

// docVersion is one visible version.
type docVersion struct {
	id        int64 // 0 (and revision "") when not a row of its own: never reused
	revision  string
	version   string
	published time.Time
	summary   string
	meta      []byte // stored manifest, prepared or legacy
	pending   bool   // meta and summary not read yet (docInput.fetch)
}

// errNoFragment: a version's manifest was needed and is not at hand.
var errNoFragment = errors.New("npm: a version's manifest is not at hand")

// render writes the package document: the full one, or the abbreviated
// one installers ask for. ok is false when no version is visible (the
// package does not exist for npm). The versions are written in groups
// (verGroup); a group that renders the same versions as one of old (the
// groups of an earlier rendering of this document) is that group, bytes
// and all, so a change renders the head and the groups it touched. Each
// version's manifest is copied from its prepared form; only the latest
// one is decoded, for the root fields of the full document.
func (d *docInput) render(abbreviated bool, old []verGroup) (out doc, lay docLayout, ok bool, err error) {
	if len(d.versions) == 0 {
		return doc{}, lay, false, nil
	}
	r := d.groupRenderer(abbreviated, old)
	var groups []verGroup
	start := 0
	for i := range d.versions {
		if i < len(d.versions)-1 && !vindex.EndsGroup(d.versions[i].version) {
			continue
		}
		g, err := r.group(d.versions[start : i+1])
		if err != nil {
			return doc{}, docLayout{}, false, err
		}
		groups = append(groups, g)
		start = i + 1
	}
	var created time.Time
	var latest *docVersion
	for i := range d.versions {
		dv := &d.versions[i]
		if created.IsZero() || dv.published.Before(created) {
			created = dv.published
		}
		if dv.version == d.tags["latest"] {
			latest = dv
		}
	}
	out, lay, err = d.assemble(abbreviated, groups, created, latest)
	return out, lay, err == nil, err
}

// groupRenderer renders groups of versions, each as the group of old that
// shows the same rows at the same revisions when there is one.
type groupRenderer struct {
	d           *docInput
	abbreviated bool
	byFirst     map[int64]*verGroup // old groups by their first row
	prefix      string              // tarball URLs: prefix + version + ".tgz"
	plainPrefix bool                // prefix is plain JSON string text
}

func (d *docInput) groupRenderer(abbreviated bool, old []verGroup) *groupRenderer {
	r := &groupRenderer{d: d, abbreviated: abbreviated, byFirst: make(map[int64]*verGroup, len(old))}
	for i := range old {
		if len(old[i].heads) > 0 {
			r.byFirst[old[i].heads[0].id] = &old[i]
		}
	}
	// When prefix and version are plain JSON string text (the rule),
	// URLs are copied without being built.
	r.prefix = tarballURL(d.endpoint, d.name, "")
	r.prefix = r.prefix[:len(r.prefix)-len(".tgz")]
	r.plainPrefix = plainJSON(r.prefix)
	return r
}

// group returns the group of run.
func (r *groupRenderer) group(run []docVersion) (verGroup, error) {
	if g, ok := r.byFirst[run[0].id]; ok && (g.times == nil) == r.abbreviated && g.sameHeads(run) {
		return *g, nil
	}
	return r.d.renderGroup(run, r.abbreviated, r.prefix, r.plainPrefix)
}

// assemble writes the document from its groups of versions; latest is the
// version the latest tag names (nil: none, or d.tail is its end).
func (d *docInput) assemble(abbreviated bool, groups []verGroup, created time.Time, latest *docVersion) (out doc, lay docLayout, err error) {
	lay.groups, lay.created, lay.latest = groups, created, d.tags["latest"]
	var b obj
	d.head(&b, abbreviated)
	out.add(append(b.buf, '{'))
	for i, g := range groups {
		if i == 0 {
			out.add(g.items[1:]) // no comma before the first version
		} else {
			out.add(g.items)
		}
	}
	if abbreviated {
		out.add([]byte("}}"))
		return out, lay, nil
	}
	out.add(appendTimeHead([]byte(`},"time":`), created, d.modified))
	for _, g := range groups {
		out.add(g.times)
	}
	if lay.tail = d.tail; lay.tail == nil {
		if lay.tail, err = d.renderTail(latest); err != nil {
			return doc{}, docLayout{}, err
		}
	}
	out.add(lay.tail)
	return out, lay, nil
}

// renderGroup renders a run of versions.
func (d *docInput) renderGroup(run []docVersion, abbreviated bool, prefix string, plainPrefix bool) (verGroup, error) {
	g := verGroup{heads: make([]groupHead, len(run))}
	size := 0
	for i := range run {
		dv := &run[i]
		if dv.pending {
			if d.fetch == nil {
				return g, errNoFragment
			}
			if err := d.fetch(dv); err != nil {
				return g, err
			}
			dv.pending = false
		}
		g.heads[i] = groupHead{id: dv.id, revision: dv.revision, version: dv.version, published: dv.published}
		size += len(dv.meta) + 2*len(dv.version) + len(prefix) + 24
	}
	items := make([]byte, 0, size)
	for i := range run {
		dv := &run[i]
		items = append(items, ',')
		items = appendJSONString(items, dv.version)
		items = append(items, ':')
		if body, at, ok := preparedParts(dv.meta, abbreviated); ok && plainPrefix && plainJSON(dv.version) {
			items = append(items, body[:at]...)
			items = append(items, '"')
			items = append(items, prefix...)
			items = append(items, dv.version...)
			items = append(items, `.tgz"`...)
			items = append(items, body[at:]...)
			continue
		}
		items = appendManifest(items, d.name, dv.meta, dv.version, dv.summary, abbreviated, tarballURL(d.endpoint, d.name, dv.version))
	}
	g.items = items
	if abbreviated {
		return g, nil
	}
	times := make([]byte, 0, len(run)*(len(npmTime)+24))
	for i := range run {
		times = append(times, ',')
		times = appendJSONString(times, run[i].version)
		times = append(times, ':')
		times = appendTime(times, run[i].published)
	}
	g.times = times
	return g, nil
}

// renderTail writes the end of the full document: the time object's
// close, the root fields of the latest version (dv; nil: none) and its
// readme, and the document's close.
func (d *docInput) renderTail(dv *docVersion) ([]byte, error) {
	b := obj{buf: []byte("}"), n: 1} // after the time object: fields follow with commas
	if dv != nil {
		meta := d.latestMeta
		if meta == nil {
			if dv.pending {
				if d.fetch == nil {
					return nil, errNoFragment
				}
				if err := d.fetch(dv); err != nil {
					return nil, err
				}
				dv.pending = false
			}
			meta = dv.meta
		}
		m := map[string]json.RawMessage{}
		url := tarballURL(d.endpoint, d.name, dv.version)
		if isPrepared(meta) {
			_ = json.Unmarshal(appendManifest(nil, d.name, meta, dv.version, dv.summary, false, url), &m)
		} else {
			// Legacy rows keep their stored bytes for these fields.
			m = buildManifest(meta, d.name.String(), dv.version, dv.summary, url)
		}
		for _, k := range rootFields {
			if raw, ok := m[k]; ok {
				b.raw(k, raw)
			}
		}
		if d.readme != "" {
			b.field("readme", d.readme)
		}
	}
	return append(b.buf, '}'), nil
}

// docLayout is what a later rendering of a document reuses: its groups
// of versions, and the end of the full document (which depends on the
// latest version alone). It is valid for the package state whose
// versions stamp it records.
type docLayout struct {
	groups        []verGroup
	created       time.Time // the earliest publish time of the versions
	tail          []byte    // full document
	lastPublished time.Time
	latest        string
	versionsStamp string
}

// size is what the layout costs a cache entry beyond the document's
// bytes.
func (l *docLayout) size() int {
	if l == nil {
		return 0
	}
	n := 0
	for _, g := range l.groups {
		n += len(g.heads)*80 + 64
	}
	return n
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
