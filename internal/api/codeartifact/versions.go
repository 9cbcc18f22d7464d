package codeartifact

import (
	"net/http"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// versionHeader is the shared head of the per-version list responses.
type versionHeader struct {
	Format          string `json:"format"`
	Namespace       string `json:"namespace,omitempty"`
	Package         string `json:"package"`
	Version         string `json:"version"`
	VersionRevision string `json:"versionRevision,omitempty"`
}

func toVersionHeader(vi service.VersionInfo) versionHeader {
	return versionHeader{Format: string(vi.Package.Format), Namespace: vi.Package.Namespace, Package: vi.Package.Name,
		Version: vi.Version.Version, VersionRevision: vi.Version.Revision}
}

func (b *binder) bindVersion() string { return b.required("version", "packageVersion", fVersion) }

func (h *Handler) describePackageVersion(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref, version := b.bindPackage("repository"), b.bindVersion()
	if err := b.err(); err != nil {
		return nil, err
	}
	vi, err := h.svc.DescribePackageVersion(r.Context(), c, ref, version)
	if err != nil {
		return nil, err
	}
	return map[string]any{"packageVersion": toVersionDescription(vi.Package, vi.Version)}, nil
}

func (h *Handler) listPackageVersions(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("repository")
	in := service.ListVersionsInput{
		Status:     domain.Status(b.enum("status", "status", statuses, false)),
		OriginType: domain.OriginType(b.enum("originType", "originType", originTypes, false)),
	}
	// Without sortBy, the format's version order, newest first (the
	// documented examples list 1.0.10 before 1.0.2, releases before their
	// prereleases); sortBy=PUBLISHED_TIME, the one value, newest first.
	in.Sort = store.SortByVersionOrder
	if b.enum("sortBy", "sortBy", sortTypes, false) != "" {
		in.Sort = store.SortByPublishedTime
	}
	p := b.page(50)
	if err := b.err(); err != nil {
		return nil, err
	}
	list, err := h.svc.ListPackageVersions(r.Context(), c, ref, in, p)
	if err != nil {
		return nil, err
	}
	out := struct {
		DefaultDisplayVersion string           `json:"defaultDisplayVersion,omitempty"`
		Format                string           `json:"format"`
		Namespace             string           `json:"namespace,omitempty"`
		Package               string           `json:"package"`
		Versions              []versionSummary `json:"versions"`
		NextToken             string           `json:"nextToken,omitempty"`
	}{DefaultDisplayVersion: list.DefaultDisplayVersion, Format: string(list.Package.Format), Namespace: list.Package.Namespace,
		Package: list.Package.Name, Versions: []versionSummary{}, NextToken: list.Next}
	for _, v := range list.Versions {
		out.Versions = append(out.Versions, versionSummary{Version: v.Version, Revision: v.Revision, Status: string(v.Status), Origin: toVersionOrigin(v)})
	}
	return out, nil
}

func (h *Handler) listPackageVersionAssets(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref, version := b.bindPackage("repository"), b.bindVersion()
	p := b.page(50)
	if err := b.err(); err != nil {
		return nil, err
	}
	list, err := h.svc.ListPackageVersionAssets(r.Context(), c, ref, version, p)
	if err != nil {
		return nil, err
	}
	out := struct {
		versionHeader
		NextToken string         `json:"nextToken,omitempty"`
		Assets    []assetSummary `json:"assets"`
	}{versionHeader: toVersionHeader(list.Version), NextToken: list.Next, Assets: []assetSummary{}}
	for _, a := range list.Assets {
		out.Assets = append(out.Assets, toAssetSummary(a))
	}
	return out, nil
}

func (h *Handler) getPackageVersionAsset(c service.Caller, w http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref, version := b.bindPackage("repository"), b.bindVersion()
	asset := b.required("asset", "asset", fAssetName)
	revision := b.query("revision", "packageVersionRevision", fRevision)
	if err := b.err(); err != nil {
		return nil, err
	}
	dl, err := h.svc.GetPackageVersionAsset(r.Context(), c, ref, version, asset, revision)
	if err != nil {
		return nil, err
	}
	defer dl.Content.Close()
	hd := w.Header()
	hd.Set("X-AssetName", dl.Asset.Name)
	hd.Set("X-PackageVersion", dl.Version.Version.Version)
	hd.Set("X-PackageVersionRevision", dl.Version.Version.Revision)
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("ETag", `"`+dl.Asset.SHA256+`"`)
	http.ServeContent(w, r, "", time.Time{}, dl.Content)
	return nil, nil
}

func (h *Handler) getPackageVersionReadme(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref, version := b.bindPackage("repository"), b.bindVersion()
	if err := b.err(); err != nil {
		return nil, err
	}
	vi, err := h.svc.DescribePackageVersion(r.Context(), c, ref, version)
	if err != nil {
		return nil, err
	}
	return struct {
		versionHeader
		Readme string `json:"readme,omitempty"`
	}{toVersionHeader(vi), vi.Version.Readme}, nil
}

func (h *Handler) listPackageVersionDependencies(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref, version := b.bindPackage("repository"), b.bindVersion()
	b.query("next-token", "nextToken", fToken) // every dependency fits on one page
	if err := b.err(); err != nil {
		return nil, err
	}
	vi, err := h.svc.DescribePackageVersion(r.Context(), c, ref, version)
	if err != nil {
		return nil, err
	}
	deps := vi.Version.Dependencies
	if deps == nil {
		deps = []domain.Dependency{}
	}
	return struct {
		versionHeader
		Dependencies []domain.Dependency `json:"dependencies"`
	}{toVersionHeader(vi), deps}, nil
}

func (h *Handler) publishPackageVersion(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref, version := b.bindPackage("repository"), b.bindVersion()
	asset := service.NewAsset{
		Name:    b.required("asset", "assetName", fAssetName),
		Content: r.Body,
		SHA256:  r.Header.Get("x-amz-content-sha256"),
	}
	unfinished := b.boolean("unfinished", "unfinished")
	if asset.SHA256 == "" {
		b.fail("null", "assetSHA256", "Member must not be null")
	} else {
		b.check("assetSHA256", asset.SHA256, fSHA256)
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	res, err := h.svc.PublishPackageVersion(r.Context(), c, ref, version, asset, unfinished)
	if err != nil {
		return nil, err
	}
	return struct {
		Format          string       `json:"format"`
		Namespace       string       `json:"namespace,omitempty"`
		Package         string       `json:"package"`
		Version         string       `json:"version"`
		VersionRevision string       `json:"versionRevision"`
		Status          string       `json:"status"`
		Asset           assetSummary `json:"asset"`
	}{string(res.Package.Format), res.Package.Namespace, res.Package.Name, res.Version.Version,
		res.Version.Revision, string(res.Version.Status), toAssetSummary(res.Assets[0])}, nil
}
