package ruby

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
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
	pkgID int64
	stamp string
	name  string
	info  vindex.Doc // the compact index's info/{name}
	// ix holds each Published version's gem files, in Gem::Version order,
	// with their lines of the info file joined per group of versions.
	ix   *vindex.Index[gemFiles]
	size int // bytes held, for the cache's bounds

	// Derived on first use, from ix (or as set by a test).
	entriesOnce sync.Once
	entriesV    []entry // by version (Gem::Version order), then platform
	md5Once     sync.Once
	md5V        string // of info
}

// gemFiles are a version's gem files (one per platform) and their lines of
// the info file.
type gemFiles struct {
	entries []entry
	lines   []byte
	size    int
}

// entries are the package's gem files, by version, then platform: every
// one of them (for the repository-wide files), listed at the first use.
func (p *pkgIndex) entries() []entry {
	p.entriesOnce.Do(func() {
		if p.ix != nil {
			p.entriesV = make([]entry, 0, p.ix.Len())
			p.ix.Each(func(it vindex.Item[gemFiles]) { p.entriesV = append(p.entriesV, it.Val.entries...) })
		}
	})
	return p.entriesV
}

// infoMD5 is the MD5 of the info file, its ETag and its checksum in the
// versions file: the info file's bytes are hashed at the first use.
func (p *pkgIndex) infoMD5() string {
	p.md5Once.Do(func() {
		h := md5.New()
		io.Copy(h, p.info.Reader()) //nolint:errcheck // hashes never fail
		p.md5V = hex.EncodeToString(h.Sum(nil))
	})
	return p.md5V
}

// buildPkgIndex lists the Published versions' files of a package (only
// Published versions are installable: Unlisted ones, which gem yank
// makes, and Archived, Disposed or Unfinished ones leave every index).
func buildPkgIndex(pkg domain.Package, versions []domain.PackageVersion) *pkgIndex {
	return newPkgIndex(pkg, vindex.Build(pkg.ID, loadState(pkg).Stamp, versions, gemSpec))
}

// gemSpec keeps each version's files and their info lines, joined per
// group of versions.
var gemSpec = vindex.Spec[gemFiles]{
	Convert:  versionEntries,
	Sections: []vindex.Section[gemFiles]{{Part: func(g gemFiles) []byte { return g.lines }}},
}

// versionEntries are a Published version's gem files, by platform,
// ordered by Gem::Version (ties by version string).
func versionEntries(v domain.PackageVersion) (vindex.Item[gemFiles], bool) {
	if v.Status != domain.StatusPublished {
		return vindex.Item[gemFiles]{}, false
	}
	var es []entry
	for plat, d := range decodeDoc(v.Metadata).Platforms {
		if d.File == "" || !ValidPlatform(plat) {
			continue
		}
		es = append(es, entry{version: v.Version, platform: plat, doc: d})
	}
	if len(es) == 0 {
		return vindex.Item[gemFiles]{}, false
	}
	sort.Slice(es, func(i, j int) bool { return es[i].platform < es[j].platform })
	g := gemFiles{entries: es}
	for _, e := range es {
		g.lines = appendInfoLine(g.lines, e)
		g.size += 512 + len(e.doc.Description) + len(e.doc.Summary)
	}
	g.size += len(g.lines)
	return vindex.Item[gemFiles]{Key: Rules{}.VersionSortKey(v.Version), Val: g}, true
}

// newPkgIndex makes the index of pkg (as read with ix's versions) from ix:
// it costs the number of groups of versions.
func newPkgIndex(pkg domain.Package, ix *vindex.Index[gemFiles]) *pkgIndex {
	p := &pkgIndex{pkgID: pkg.ID, stamp: ix.Stamp, name: pkg.Name, ix: ix}
	p.info = vindex.NewDoc(append([][]byte{[]byte("---\n")}, ix.Joined(0)...))
	p.size = len(p.name) + 256 + ix.Len()*64 + int(p.info.Size())
	ix.Each(func(it vindex.Item[gemFiles]) { p.size += it.Val.size })
	return p
}

// find returns the entry of version and platform.
func (p *pkgIndex) find(version, platform string) (entry, bool) {
	it, ok := p.ix.Get(version)
	if !ok {
		return entry{}, false
	}
	for _, e := range it.Val.entries {
		if e.platform == platform {
			return e, true
		}
	}
	return entry{}, false
}

// appendInfoLine appends a gem file's line of the info file,
// "VERSION[-PLATFORM] DEP:REQ&REQ,...|checksum:SHA256[,ruby:REQ][,rubygems:REQ]".
func appendInfoLine(b []byte, e entry) []byte {
	b = append(b, e.version...)
	if e.platform != "ruby" {
		b = append(b, "-"+e.platform...)
	}
	b = append(b, ' ')
	first := true
	for _, d := range e.doc.Dependencies {
		if d.Type != depRuntime {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, d.Name+":"+requirement(d.Reqs, "&")...)
	}
	b = append(b, "|checksum:"+e.doc.SHA256...)
	if r := requirement(e.doc.RequiredRuby, "&"); r != ">= 0" {
		b = append(b, ",ruby:"+r...)
	}
	if r := requirement(e.doc.RequiredRubygems, "&"); r != ">= 0" {
		b = append(b, ",rubygems:"+r...)
	}
	return append(b, '\n')
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
		entries := p.entries()
		if len(entries) == 0 {
			continue
		}
		names.WriteString(p.name + "\n")
		vs := make([]string, len(entries))
		latestBy := map[string]entry{}
		var platforms []string
		for i, e := range entries {
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
		fmt.Fprintf(&versions, "%s %s %s\n", p.name, strings.Join(vs, ","), p.infoMD5())
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
		for _, e := range p.entries() {
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
