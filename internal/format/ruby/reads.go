package ruby

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
)

// maxDependencyGems caps the gems one /api/v1/dependencies request names
// (the public registry allows 200).
const maxDependencyGems = 200

// packageIndex returns a package's index: from the cache when the
// package's stamp is the one it was built from (a request then reads only
// the package record, which also checks access). Packages of
// repositories with upstreams are merged from every repository searched
// (and the external connection's listing) on each request.
func (f *Format) packageIndex(r *http.Request, repo dataplane.Repo, name string) (*pkgIndex, error) {
	ref := f.ref(repo, name)
	cur, found, upstreams, err := f.svc.LookupPackageUpstreams(r.Context(), repo.Caller, ref)
	if err != nil {
		return nil, err
	}
	if upstreams {
		srcs, err := f.svc.PackageThroughUpstreams(r.Context(), repo.Caller, ref)
		if err != nil {
			return nil, err
		}
		return buildPkgIndex(domain.Package{Name: name}, mergeSources(srcs)), nil
	}
	if !found {
		return nil, domain.NotFound(domain.ResPackage, name, "Package %s not found", name)
	}
	return f.cachedIndex(r, repo, cur)
}

// cachedIndex returns the index of pkg as read (its ID and stamp),
// building it when the cache has no entry for that state.
func (f *Format) cachedIndex(r *http.Request, repo dataplane.Repo, cur domain.Package) (*pkgIndex, error) {
	key := pkgKey{repo.Endpoint, cur.Name}
	stamp := loadState(cur).Stamp
	if p, ok := f.pkgs.GetIf(key, func(p *pkgIndex) bool { return stamp != "" && p.pkgID == cur.ID && p.stamp == stamp }); ok {
		return p, nil
	}
	// The index of an earlier state is edited when the package's log
	// names the versions changed since; the versions and the stamp the
	// index is cached under come from one read transaction, so an entry
	// never outlives the state it shows.
	var prev *vindex.Index[gemFiles]
	if old, ok := f.pkgs.Peek(key); ok {
		prev = old.ix
	}
	ix, pkg, how, err := vindex.Load(r.Context(), f.svc, repo.Caller, f.ref(repo, cur.Name), cur, logOf, prev, gemSpec)
	if err != nil {
		return nil, err
	}
	if how == vindex.Edited {
		f.edited.Add(1)
	}
	p := newPkgIndex(pkg, ix)
	if p.stamp != "" {
		f.pkgs.Add(key, p, int64(p.size))
	}
	return p, nil
}

// mergeSources lists the versions bundler and gem see through a
// repository with upstreams: each version from the first repository that
// has it, then the versions only the external connection's index lists.
func mergeSources(srcs []service.PackageSource) []domain.PackageVersion {
	var repos, remote []service.PackageSource
	for _, src := range srcs {
		if src.External != "" {
			remote = append(remote, src)
		} else {
			repos = append(repos, src)
		}
	}
	all := service.MergeVersions(repos)
	seen := make(map[string]bool, len(all))
	for _, v := range all {
		seen[v.Version] = true
	}
	for _, src := range remote {
		for _, v := range src.Versions {
			if !seen[v.Version] {
				seen[v.Version] = true
				all = append(all, v)
			}
		}
	}
	return all
}

// repoFiles returns the files that list the repository's gems, from the
// cache while the repository's listing stamp of gems is unchanged
// (listing.Cache: one row per request, whatever the number of gems). A
// rebuild lists the packages and reads the versions of those whose stamp
// changed only.
func (f *Format) repoFiles(r *http.Request, repo dataplane.Repo) (*repoFiles, error) {
	return f.repos.Get(r.Context(), repo, func(ctx context.Context) (*repoFiles, int64, error) {
		var idx []*pkgIndex
		err := f.repos.Each(ctx, repo, func(p domain.Package) error {
			pi, err := f.cachedIndex(r, repo, p)
			if errors.Is(err, domain.ErrNotFound) {
				return nil // deleted since the listing
			}
			idx = append(idx, pi)
			return err
		})
		if err != nil {
			return nil, 0, err
		}
		rf, err := buildRepoFiles(idx, f.now())
		if err != nil {
			return nil, 0, err
		}
		return rf, int64(rf.size()), nil
	})
}

// repoFile serves versions, names and the legacy specs files. A
// repository with upstreams answers 404 for versions and names, so
// bundler asks the dependency API gem by gem (which searches the
// upstreams) instead of trusting a list of only the gems it keeps.
func (f *Format) repoFile(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name string) {
	if name == "versions" || name == "names" {
		up, err := f.hasUpstreams(r, repo)
		if err != nil {
			f.writeError(w, err)
			return
		}
		if up {
			writeText(w, http.StatusNotFound, "This repository has upstreams: its gems are listed one by one (info/{name}, api/v1/dependencies)")
			return
		}
	}
	rf, err := f.repoFiles(r, repo)
	if err != nil {
		f.writeError(w, err)
		return
	}
	b, ok := rf.files[name]
	if !ok {
		writeText(w, http.StatusNotFound, "Not found")
		return
	}
	ct := "application/octet-stream"
	if name == "versions" || name == "names" {
		ct = "text/plain; charset=utf-8"
	}
	serveBytes(w, r, ct, rf.etags[name], b)
}

// info serves the compact index's info/{name}.
func (f *Format) info(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name string) {
	if !ValidName(name) {
		writeText(w, http.StatusNotFound, "Not a valid gem name")
		return
	}
	p, err := f.packageIndex(r, repo, name)
	if err != nil {
		f.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("ETag", `"`+p.infoMD5()+`"`)
	w.Header().Set("Cache-Control", "no-cache") // statuses change at any time
	http.ServeContent(w, r, "", time.Time{}, p.info.Reader())
}

// dependencies serves /api/v1/dependencies?gems=a,b: the installable files
// of each gem named, as a Marshal Array of Hashes (missing gems are left
// out, as the public registry does).
func (f *Format) dependencies(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, asJSON bool) {
	if asJSON {
		writeText(w, http.StatusNotFound, "Only the Marshal form of the dependency API is served")
		return
	}
	var names []string
	for _, n := range strings.Split(r.URL.Query().Get("gems"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) > maxDependencyGems {
		writeText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Too many gems (use %d or fewer)", maxDependencyGems))
		return
	}
	var idx []*pkgIndex
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] || !ValidName(n) {
			continue
		}
		seen[n] = true
		p, err := f.packageIndex(r, repo, n)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			f.writeError(w, err)
			return
		}
		idx = append(idx, p)
	}
	serveBytes(w, r, "application/octet-stream", "", dependencyList(idx))
}

// lookup finds the installable file a full name (name-version[-platform])
// names.
func (f *Format) lookup(r *http.Request, repo dataplane.Repo, full string) (*pkgIndex, entry, error) {
	var lastErr error = domain.NotFound(domain.ResPackageVersion, full, "No gem %s in this repository", full)
	for _, fn := range ParseFullName(full) {
		p, err := f.packageIndex(r, repo, fn.name)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, entry{}, err
		}
		if e, ok := p.find(fn.version, fn.platform); ok {
			return p, e, nil
		}
	}
	return nil, entry{}, lastErr
}

// quick serves a quick gemspec.
func (f *Format) quick(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, full string) {
	p, e, err := f.lookup(r, repo, full)
	if err != nil {
		f.writeError(w, err)
		return
	}
	b, err := quickSpec(p.name, e)
	if err != nil {
		f.writeError(w, err)
		return
	}
	serveBytes(w, r, "application/octet-stream", "", b)
}

// download serves a .gem of a Published version (through the upstreams
// and external connection when the repository has them).
func (f *Format) download(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, file string) {
	p, e, err := f.lookup(r, repo, strings.TrimSuffix(file, ".gem"))
	if err != nil {
		f.writeError(w, err)
		return
	}
	if e.doc.File != file {
		writeText(w, http.StatusNotFound, "No gem file "+file)
		return
	}
	dl, err := f.svc.OpenThroughUpstreams(r.Context(), repo.Caller, f.ref(repo, p.name), e.version, file, published)
	if err != nil {
		f.writeError(w, err)
		return
	}
	defer dl.Content.Close()
	if dl.Version.Version.Status != domain.StatusPublished {
		writeText(w, http.StatusNotFound, "Gem "+file+" is "+string(dl.Version.Version.Status)+" and cannot be downloaded")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if dl.Asset.SHA256 != "" {
		w.Header().Set("ETag", `"`+dl.Asset.SHA256+`"`)
	}
	dataplane.ServeObject(w, r, dl.Content)
}

func published(st domain.Status) bool { return st == domain.StatusPublished }
