package npm

// The packument renderer as it was before prepared manifests (issue #15),
// kept as the reference the new one must match byte for byte.

import (
	"encoding/json"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

// manifest returns a version's manifest as stored at publish, with its
// identity and tarball URL filled in for this endpoint.
func (v view) oldManifest(pv domain.PackageVersion) map[string]json.RawMessage {
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
	dist["tarball"] = mustJSON(tarballURL(v.endpoint, v.name, pv.Version))
	m["dist"] = mustJSON(dist)
	for _, k := range []string{"readme", "readmeFilename", "_attachments", "_rev"} {
		delete(m, k)
	}
	if d, ok := m["deprecated"]; ok && str(d) == "" {
		delete(m, "deprecated")
	}
	return m
}

// packument renders the package document: the full one, or the
// abbreviated one installers ask for. ok is false when no version is
// visible (the package does not exist for npm).
func (v view) oldPackument(abbreviated bool, all []domain.PackageVersion) (doc []byte, ok bool) {
	if len(v.versions) == 0 {
		return nil, false
	}
	var b obj
	if abbreviated {
		b.field("name", v.name.String())
		b.field("modified", v.modified(all).UTC().Format(npmTime))
		b.field("dist-tags", v.tags)
		b.raw("versions", v.oldVersionsObject(true))
		return b.close(), true
	}
	name := v.name.String()
	b.field("_id", name)
	b.field("_rev", v.rev)
	b.field("name", name)
	b.field("dist-tags", v.tags)
	b.raw("versions", v.oldVersionsObject(false))

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
		m := v.oldManifest(latest)
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

func (v view) oldVersionsObject(abbreviated bool) []byte {
	var o obj
	for _, pv := range v.versions {
		m := v.oldManifest(pv)
		if abbreviated {
			m = abbreviate(m)
		}
		o.field(pv.Version, m)
	}
	return o.close()
}
