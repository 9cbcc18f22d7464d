package nuget

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
)

// pageSize is the leaves per registration page, and inlineMax the most
// leaves whose pages the index inlines, as the public gallery does (64 and 128):
// clients follow page URLs for bigger packages.
const (
	pageSize  = 64
	inlineMax = 128
)

// urls builds the URLs of one package's documents in one hive.
type urls struct {
	v3, base, id string
}

func newURLs(repo dataplane.Repo, h hive, id string) urls {
	v3 := repo.Endpoint + "v3/"
	return urls{v3: v3, base: v3 + h.path, id: id}
}

func (u urls) index() string { return u.base + u.id + "/index.json" }
func (u urls) page(lower, upper string) string {
	return u.base + u.id + "/page/" + lower + "/" + upper + ".json"
}
func (u urls) leaf(ver string) string { return u.base + u.id + "/" + ver + ".json" }
func (u urls) content(ver string) string {
	return u.v3 + "flatcontainer/" + u.id + "/" + ver + "/" + u.id + "." + ver + ".nupkg"
}
func (u urls) registration(dep string) string { return u.base + strings.ToLower(dep) + "/index.json" }

// registration serves a hive ("Package metadata"): the registration
// index, its pages and its leaves.
func (f *Format) registration(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, h hive, segs []string) {
	if len(segs) < 2 || !ValidID(segs[0]) {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	id := strings.ToLower(segs[0])
	m, err := f.model(r.Context(), repo, id)
	if err != nil {
		f.writeServiceError(w, err)
		return
	}
	u := newURLs(repo, h, id)
	view := m.registrationView(h, u)
	if len(view.vs) == 0 {
		writeError(w, http.StatusNotFound, "Package "+id+" has no versions here")
		return
	}
	switch {
	case len(segs) == 2 && segs[1] == "index.json":
		writePrepared(w, r, http.StatusOK, "application/json; charset=utf-8", view.index)
	case len(segs) == 4 && segs[1] == "page" && strings.HasSuffix(segs[3], ".json"):
		lower, upper := strings.ToLower(segs[2]), strings.ToLower(strings.TrimSuffix(segs[3], ".json"))
		if i, ok := view.pageAt[[2]string{lower, upper}]; ok {
			p := registrationPage(u, view.chunks[i], true)
			p["parent"] = u.index()
			writeJSON(w, r, http.StatusOK, p, h.gzip)
			return
		}
		writeError(w, http.StatusNotFound, "No such registration page")
	case len(segs) == 2 && strings.HasSuffix(segs[1], ".json"):
		ver, ok := NormalizeVersion(strings.TrimSuffix(segs[1], ".json"))
		if it, found := m.ix.Get(ver); ok && found && (h.semver2 || !it.Val.doc.SemVer2) {
			writeJSON(w, r, http.StatusOK, registrationLeaf(u, it.Val), h.gzip)
			return
		}
		writeError(w, http.StatusNotFound, "Package version not found")
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

// registrationView is what a hive shows of a model: its versions, their
// pages and the index document, made at the hive's first request of the
// model's state, so that later requests cost their answer's size.
type registrationView struct {
	vs     []*modelVersion
	chunks [][]*modelVersion
	pageAt map[[2]string]int // lower, upper → chunk
	index  prepared          // the registration index, as JSON (gzipped for a gzip hive)
}

// registrationView returns the view of hive h (whose URLs are u) of m.
func (m *pkgModel) registrationView(h hive, u urls) *registrationView {
	i := slices.Index(hives[:], h)
	m.views[i].once.Do(func() {
		v := &registrationView{pageAt: map[[2]string]int{}}
		for _, mv := range m.versions {
			if h.semver2 || !mv.doc.SemVer2 {
				v.vs = append(v.vs, mv)
			}
		}
		v.chunks = pages(v.vs)
		for i, c := range v.chunks {
			v.pageAt[[2]string{chunkLower(c), chunkUpper(c)}] = i
		}
		if len(v.vs) > 0 {
			b, _ := json.Marshal(registrationIndex(u, v.vs)) // strings and numbers: never fails
			v.index = prepare(b, h.gzip)
		}
		m.views[i].view = v
	})
	return m.views[i].view
}

// pages splits versions (oldest first) into pages of pageSize.
func pages(vs []*modelVersion) [][]*modelVersion {
	var out [][]*modelVersion
	for len(vs) > 0 {
		n := min(pageSize, len(vs))
		out = append(out, vs[:n])
		vs = vs[n:]
	}
	return out
}

func lowerVersion(v *modelVersion) string { return strings.ToLower(v.parsed.Normalized()) }
func chunkLower(c []*modelVersion) string { return lowerVersion(c[0]) }
func chunkUpper(c []*modelVersion) string { return lowerVersion(c[len(c)-1]) }

// registrationIndex is the registration index: its pages inlined with
// their leaves for packages of at most inlineMax versions, else pages
// with their URL and bounds only.
func registrationIndex(u urls, vs []*modelVersion) map[string]any {
	chunks := pages(vs)
	items := make([]map[string]any, 0, len(chunks))
	for _, c := range chunks {
		items = append(items, registrationPage(u, c, len(vs) <= inlineMax))
	}
	return map[string]any{
		"@id":   u.index(),
		"@type": []string{"catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"},
		"count": len(items),
		"items": items,
	}
}

// registrationPage is a registration page object; items (the leaves)
// when withItems.
func registrationPage(u urls, c []*modelVersion, withItems bool) map[string]any {
	lower, upper := chunkLower(c), chunkUpper(c)
	p := map[string]any{
		"@id":   u.page(lower, upper),
		"@type": "catalog:CatalogPage",
		"count": len(c),
		"lower": lower,
		"upper": upper,
	}
	if withItems {
		leaves := make([]map[string]any, 0, len(c))
		for _, v := range c {
			leaves = append(leaves, map[string]any{
				"@id":            u.leaf(lowerVersion(v)),
				"@type":          "Package",
				"catalogEntry":   catalogEntry(u, v),
				"packageContent": u.content(lowerVersion(v)),
				"registration":   u.index(),
			})
		}
		p["items"] = leaves
		p["parent"] = u.index()
	}
	return p
}

// catalogEntry is a leaf's catalog entry: the package metadata
// ("Catalog entry" in the "Package metadata" document).
func catalogEntry(u urls, v *modelVersion) map[string]any {
	d := v.doc
	listed := listedStatus(v.status)
	groups := make([]map[string]any, 0, len(d.DependencyGroups))
	for _, g := range d.DependencyGroups {
		deps := make([]map[string]any, 0, len(g.Dependencies))
		for _, dep := range g.Dependencies {
			deps = append(deps, map[string]any{
				"@type": "PackageDependency", "id": dep.ID, "range": dependencyRange(dep.Range), "registration": u.registration(dep.ID),
			})
		}
		grp := map[string]any{"@type": "PackageDependencyGroup", "dependencies": deps}
		if g.TargetFramework != "" {
			grp["targetFramework"] = g.TargetFramework
		}
		groups = append(groups, grp)
	}
	authors := strings.Join(d.Authors, ", ")
	tags := d.Tags
	if tags == nil {
		tags = []string{}
	}
	e := map[string]any{
		"@id":                      u.leaf(lowerVersion(v)),
		"@type":                    "PackageDetails",
		"id":                       d.ID,
		"version":                  d.Version,
		"authors":                  authors,
		"description":              d.Description,
		"summary":                  d.Summary,
		"title":                    d.Title,
		"tags":                     tags,
		"language":                 d.Language,
		"iconUrl":                  d.IconURL,
		"licenseUrl":               d.LicenseURL,
		"licenseExpression":        d.LicenseExpression,
		"projectUrl":               d.ProjectURL,
		"requireLicenseAcceptance": d.RequireLicenseAcceptance,
		"minClientVersion":         d.MinClientVersion,
		"listed":                   listed,
		"packageContent":           u.content(lowerVersion(v)),
		"dependencyGroups":         groups,
	}
	if p := published(v.version, listed); p != "" {
		e["published"] = p
	}
	return e
}

// dependencyRange is a dependency's range as registration shows it: a
// bare version is NuGet's "minimum version, inclusive" ([1.0.0, )); no
// version is any ((, )).
func dependencyRange(r string) string {
	r = strings.TrimSpace(r)
	if r == "" {
		return "(, )"
	}
	if v, ok := ParseVersion(r); ok {
		return "[" + v.Normalized() + ", )"
	}
	return r
}

// registrationLeaf is the registration leaf document.
func registrationLeaf(u urls, v *modelVersion) map[string]any {
	listed := listedStatus(v.status)
	leaf := map[string]any{
		"@id":            u.leaf(lowerVersion(v)),
		"@type":          []string{"Package", "catalog:Permalink"},
		"catalogEntry":   u.leaf(lowerVersion(v)),
		"listed":         listed,
		"packageContent": u.content(lowerVersion(v)),
		"registration":   u.index(),
	}
	if p := published(v.version, listed); p != "" {
		leaf["published"] = p
	}
	return leaf
}
