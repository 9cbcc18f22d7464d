package ruby

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

// entry is one installable gem file: a platform of a Published version.
type entry struct {
	version, platform string
	doc               platformDoc
}

func (e entry) fullName(name string) string { return FullName(name, e.version, e.platform) }

// pkgIndex is what the indexes show of one package, derived from its
// versions and cached under the package's stamp.
type pkgIndex struct {
	pkgID   int64
	stamp   string
	name    string
	entries []entry // by version (Gem::Version order), then platform
	info    []byte  // the compact index's info/{name}
	infoMD5 string
	// ix holds each version's entries, for the edit that makes the index
	// of the package's next state.
	ix *vindex.Index[[]entry]
}

func (p *pkgIndex) size() int {
	n := len(p.info) + len(p.name) + 256
	for _, e := range p.entries {
		n += 2 * (512 + len(e.doc.Description) + len(e.doc.Summary))
	}
	return n
}

// buildPkgIndex lists the Published versions' files of a package (only
// Published versions are installable: Unlisted ones, which gem yank
// makes, and Archived, Disposed or Unfinished ones leave every index).
func buildPkgIndex(pkg domain.Package, versions []domain.PackageVersion) *pkgIndex {
	return newPkgIndex(pkg, vindex.Build(pkg.ID, loadState(pkg).Stamp, versions, vindex.Spec[[]entry]{Convert: versionEntries}))
}

// versionEntries are a Published version's gem files, by platform,
// ordered by Gem::Version (ties by version string).
func versionEntries(v domain.PackageVersion) (vindex.Item[[]entry], bool) {
	if v.Status != domain.StatusPublished {
		return vindex.Item[[]entry]{}, false
	}
	var es []entry
	for plat, d := range decodeDoc(v.Metadata).Platforms {
		if d.File == "" || !ValidPlatform(plat) {
			continue
		}
		es = append(es, entry{version: v.Version, platform: plat, doc: d})
	}
	if len(es) == 0 {
		return vindex.Item[[]entry]{}, false
	}
	sort.Slice(es, func(i, j int) bool { return es[i].platform < es[j].platform })
	return vindex.Item[[]entry]{Key: Rules{}.VersionSortKey(v.Version), Val: es}, true
}

// newPkgIndex makes the index of pkg (as read with ix's versions) from ix.
func newPkgIndex(pkg domain.Package, ix *vindex.Index[[]entry]) *pkgIndex {
	p := &pkgIndex{pkgID: pkg.ID, stamp: ix.Stamp, name: pkg.Name, ix: ix}
	for _, it := range ix.Items() {
		p.entries = append(p.entries, it.Val...)
	}
	p.info = renderInfo(p.entries)
	sum := md5.Sum(p.info)
	p.infoMD5 = hex.EncodeToString(sum[:])
	return p
}

// find returns the entry of version and platform.
func (p *pkgIndex) find(version, platform string) (entry, bool) {
	for _, e := range p.entries {
		if e.version == version && e.platform == platform {
			return e, true
		}
	}
	return entry{}, false
}

// renderInfo writes the compact index's info file: after "---", one line
// per gem file, "VERSION[-PLATFORM] DEP:REQ&REQ,...|checksum:SHA256[,ruby:REQ][,rubygems:REQ]".
func renderInfo(entries []entry) []byte {
	var b bytes.Buffer
	b.WriteString("---\n")
	for _, e := range entries {
		b.WriteString(e.version)
		if e.platform != "ruby" {
			b.WriteString("-" + e.platform)
		}
		b.WriteByte(' ')
		first := true
		for _, d := range e.doc.Dependencies {
			if d.Type != depRuntime {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(d.Name + ":" + requirement(d.Reqs, "&"))
		}
		b.WriteString("|checksum:" + e.doc.SHA256)
		if r := requirement(e.doc.RequiredRuby, "&"); r != ">= 0" {
			b.WriteString(",ruby:" + r)
		}
		if r := requirement(e.doc.RequiredRubygems, "&"); r != ">= 0" {
			b.WriteString(",rubygems:" + r)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// repoFiles are the files that list every gem of a repository.
type repoFiles struct {
	files map[string][]byte
	etags map[string]string
}

func (r *repoFiles) size() int {
	n := 256
	for k, v := range r.files {
		n += len(k) + len(v) + 64
	}
	return n
}

// buildRepoFiles renders versions, names and the legacy specs files
// from the repository's packages, by name.
func buildRepoFiles(pkgs []*pkgIndex, now time.Time) (*repoFiles, error) {
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].name < pkgs[j].name })
	var versions, names bytes.Buffer
	// created_at is when the file was built: bundler only reads past "---".
	fmt.Fprintf(&versions, "created_at: %s\n---\n", now.UTC().Format(time.RFC3339))
	names.WriteString("---\n")
	var specs, latest, pre marr
	for _, p := range pkgs {
		if len(p.entries) == 0 {
			continue
		}
		names.WriteString(p.name + "\n")
		vs := make([]string, len(p.entries))
		latestBy := map[string]entry{}
		var platforms []string
		for i, e := range p.entries {
			vs[i] = strings.TrimPrefix(e.fullName(p.name), p.name+"-")
			tuple := marr{mstr(p.name), gemVersion(e.version), mstr(e.platform)}
			if Prerelease(e.version) {
				pre = append(pre, tuple)
				continue
			}
			specs = append(specs, tuple)
			if _, ok := latestBy[e.platform]; !ok {
				platforms = append(platforms, e.platform)
			}
			latestBy[e.platform] = e // entries ascend: the last wins
		}
		sort.Strings(platforms)
		for _, plat := range platforms {
			e := latestBy[plat]
			latest = append(latest, marr{mstr(p.name), gemVersion(e.version), mstr(plat)})
		}
		fmt.Fprintf(&versions, "%s %s %s\n", p.name, strings.Join(vs, ","), p.infoMD5)
	}
	r := &repoFiles{files: map[string][]byte{
		"versions": versions.Bytes(),
		"names":    names.Bytes(),
	}, etags: map[string]string{}}
	for name, list := range map[string]marr{"specs.4.8": specs, "latest_specs.4.8": latest, "prerelease_specs.4.8": pre} {
		m := marshal(emptyArr(list))
		r.files[name] = m
		gz, err := gzipBytes(m)
		if err != nil {
			return nil, err
		}
		r.files[name+".gz"] = gz
	}
	for name, b := range r.files {
		sum := md5.Sum(b)
		r.etags[name] = `"` + hex.EncodeToString(sum[:]) + `"`
	}
	return r, nil
}

func emptyArr(a marr) marr {
	if a == nil {
		return marr{}
	}
	return a
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// quickSpec renders quick/Marshal.4.8/{full name}.gemspec.rz: the zlib
// deflate of Marshal.dump(Gem::Specification), whose _dump is the array
// Gem::Specification._load reads (rubygems/specification.rb).
func quickSpec(name string, e entry) ([]byte, error) {
	s := e.doc.Spec
	deps := make(marr, 0, len(s.Dependencies))
	for _, d := range s.Dependencies {
		deps = append(deps, gemDependency(d))
	}
	var homepage mvalue = mnil{}
	if s.Homepage != "" {
		homepage = mstr(s.Homepage)
	}
	var email mvalue = mnil{}
	switch len(s.Email) {
	case 0:
	case 1:
		email = mstr(s.Email[0])
	default:
		email = strs(s.Email)
	}
	fields := marr{
		mstr(s.RubygemsVersion),
		mint(s.SpecVersion),
		mstr(name),
		gemVersion(e.version),
		mstr(s.Date), // Gem::Specification#date= parses YYYY-MM-DD
		mstr(s.Summary),
		gemRequirement(s.RequiredRuby),
		gemRequirement(s.RequiredRubygems),
		mstr(e.platform),
		deps,
		mstr(""), // rubyforge_project
		email,
		strs(s.Authors),
		mstr(s.Description),
		homepage,
		mbool(true), // has_rdoc
		mstr(e.platform),
		strs(s.Licenses),
		strHash(s.Metadata),
	}
	m := marshal(mdump{class: "Gem::Specification", data: marshal(fields)})
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(m); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// dependencyList is /api/v1/dependencies's answer for some packages: an
// Array of {name:, number:, platform:, dependencies: [[name, req]]}.
func dependencyList(pkgs []*pkgIndex) []byte {
	out := marr{}
	for _, p := range pkgs {
		for _, e := range p.entries {
			deps := marr{}
			for _, d := range e.doc.Dependencies {
				if d.Type == depRuntime {
					deps = append(deps, marr{mstr(d.Name), mstr(requirement(d.Reqs, ", "))})
				}
			}
			out = append(out, mhash{
				{msym("name"), mstr(p.name)},
				{msym("number"), mstr(e.version)},
				{msym("platform"), mstr(e.platform)},
				{msym("dependencies"), deps},
			})
		}
	}
	return marshal(out)
}
