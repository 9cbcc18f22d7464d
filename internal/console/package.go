package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

type versionRow struct {
	Loc       loc
	Version   string
	Status    domain.Status
	Origin    string
	Published time.Time
	Size      string
}

type packageView struct {
	Loc        loc
	Info       service.PackageInfo
	Versions   []versionRow
	Default    string
	Status     string
	Statuses   []domain.Status
	Next       string
	Readme     string
	Deps       []domain.Dependency
	DetailsErr *errView
	Saved      bool
}

// readable statuses a version list can be filtered by.
var listStatuses = []domain.Status{domain.StatusPublished, domain.StatusUnlisted, domain.StatusArchived, domain.StatusDisposed, domain.StatusUnfinished}

func (c *Console) packagePage(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	l.Version = ""
	ctx := r.Context()
	crumbs := l.crumbs()
	title := "Package " + l.PackageName()
	if err := c.authorizeAll(ctx, rq, service.ResourcePackage, l, "DescribePackage", "ListPackageVersions"); err != nil {
		c.fail(w, r, rq, title, crumbs, err)
		return
	}
	info, err := c.o.Service.DescribePackage(ctx, rq.caller, l.ref())
	if err != nil {
		c.fail(w, r, rq, title, crumbs, err)
		return
	}
	q := r.URL.Query()
	v := packageView{Loc: l, Info: info, Status: q.Get("status"), Statuses: listStatuses, Saved: q.Get("saved") != ""}
	list, err := c.o.Service.ListPackageVersions(ctx, rq.caller, l.ref(),
		service.ListVersionsInput{Status: domain.Status(v.Status), Sort: store.SortByVersionOrder},
		store.Page{After: q.Get("next"), Limit: pageSize})
	if err != nil {
		c.fail(w, r, rq, title, crumbs, err)
		return
	}
	v.Default = list.DefaultDisplayVersion
	sizes := c.authorize(ctx, rq, "ListPackageVersionAssets", service.ResourcePackage, l) == nil
	for _, pv := range list.Versions {
		row := versionRow{Loc: l.WithVersion(pv.Version), Version: pv.Version, Status: pv.Status, Origin: origin(pv), Published: pv.PublishedTime}
		if sizes {
			row.Size = c.versionSize(r, rq, l, pv.Version)
		}
		v.Versions = append(v.Versions, row)
	}
	if list.Next != "" {
		v.Next = l.link("package", "status", v.Status, "next", list.Next)
	}
	if v.Default != "" {
		v.Readme, v.Deps, v.DetailsErr = c.details(r, rq, l.WithVersion(v.Default))
	}
	c.render(w, r, rq, http.StatusOK, "package", view{Title: title, Crumbs: crumbs, Body: v})
}

// versionSize adds up a version's assets (one page of them: versions
// have a handful).
func (c *Console) versionSize(r *http.Request, rq *request, l loc, version string) string {
	al, err := c.o.Service.ListPackageVersionAssets(r.Context(), rq.caller, l.ref(), version, store.Page{Limit: 100})
	if err != nil {
		return ""
	}
	var n int64
	for _, a := range al.Assets {
		n += a.Size
	}
	s := humanBytes(n)
	if al.Next != "" {
		s = "≥ " + s
	}
	if len(al.Assets) == 1 {
		return s
	}
	return fmt.Sprintf("%s (%d files)", s, len(al.Assets))
}

func origin(v domain.PackageVersion) string {
	s := string(v.OriginType)
	switch {
	case v.EntryExternalConn != "":
		s += " via " + v.EntryExternalConn
	case v.EntryRepository != "":
		s += " via " + v.EntryRepository
	}
	return s
}

// details returns a version's readme and dependencies, as
// GetPackageVersionReadme and ListPackageVersionDependencies would.
func (c *Console) details(r *http.Request, rq *request, l loc) (string, []domain.Dependency, *errView) {
	ctx := r.Context()
	if err := c.authorizeAll(ctx, rq, service.ResourcePackage, l, "GetPackageVersionReadme", "ListPackageVersionDependencies"); err != nil {
		return "", nil, errorView(c.o.Log, err)
	}
	vi, err := c.o.Service.DescribePackageVersion(ctx, rq.caller, l.ref(), l.Version)
	if err != nil {
		return "", nil, errorView(c.o.Log, err)
	}
	return vi.Version.Readme, vi.Version.Dependencies, nil
}

type versionView struct {
	Loc      loc
	Info     service.VersionInfo
	Origin   string
	Licenses string
	Assets   []domain.Asset
	AssetErr *errView
	Readme   string
	Deps     []domain.Dependency
	Download bool // the version's status lets its assets be downloaded
}

func (c *Console) versionPage(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	ctx := r.Context()
	crumbs := l.crumbs()
	title := l.PackageName() + " " + l.Version
	if err := c.authorize(ctx, rq, "DescribePackageVersion", service.ResourcePackage, l); err != nil {
		c.fail(w, r, rq, title, crumbs, err)
		return
	}
	vi, err := c.o.Service.DescribePackageVersion(ctx, rq.caller, l.ref(), l.Version)
	if err != nil {
		c.fail(w, r, rq, title, crumbs, err)
		return
	}
	v := versionView{Loc: l, Info: vi, Origin: origin(vi.Version),
		Download: vi.Version.Status != domain.StatusArchived && vi.Version.Status != domain.StatusDisposed}
	var lic []string
	for _, x := range vi.Version.Licenses {
		lic = append(lic, x.Name)
	}
	v.Licenses = strings.Join(lic, ", ")
	if err := c.authorize(ctx, rq, "ListPackageVersionAssets", service.ResourcePackage, l); err != nil {
		v.AssetErr = errorView(c.o.Log, err)
	} else if al, err := c.o.Service.ListPackageVersionAssets(ctx, rq.caller, l.ref(), l.Version, store.Page{Limit: 100}); err != nil {
		v.AssetErr = errorView(c.o.Log, err)
	} else {
		v.Assets = al.Assets
	}
	var dErr *errView
	v.Readme, v.Deps, dErr = c.details(r, rq, l)
	if dErr != nil && v.AssetErr == nil {
		v.AssetErr = dErr
	}
	c.render(w, r, rq, http.StatusOK, "version", view{Title: title, Crumbs: crumbs, Body: v})
}
