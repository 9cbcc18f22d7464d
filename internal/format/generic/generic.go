// Package generic serves generic packages on the data plane, so plain HTTP
// clients (curl, wget) can download assets with a token:
//
//	GET {endpoint}{namespace}/{package}/{version}/{asset}
//
// CodeArtifact has no package-manager protocol for generic packages; this
// read-only view is artifactd's own. Publishing stays PublishPackageVersion.
package generic

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// Format is the generic data plane.
type Format struct {
	svc *service.Service
	log *slog.Logger
}

// New returns the generic format.
func New(svc *service.Service, log *slog.Logger) *Format { return &Format{svc: svc, log: log} }

// Name implements dataplane.Format.
func (f *Format) Name() domain.Format { return domain.FormatGeneric }

// ServeRepo implements dataplane.Format.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		dataplane.WriteError(w, f.log, domain.Invalid("generic packages are published with PublishPackageVersion"))
		return
	}
	parts := strings.Split(repo.Path, "/")
	if len(parts) != 4 {
		dataplane.WriteError(w, f.log, domain.NotFound(domain.ResAsset, repo.Path, "expected {namespace}/{package}/{version}/{asset}"))
		return
	}
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			dataplane.WriteError(w, f.log, domain.NotFound(domain.ResAsset, repo.Path, "malformed path"))
			return
		}
		parts[i] = u
	}
	ref := repo.Ref(domain.FormatGeneric, parts[0], parts[1])
	dl, err := f.svc.OpenAsset(r.Context(), repo.Caller, ref, parts[2], parts[3])
	if err != nil {
		dataplane.WriteError(w, f.log, err)
		return
	}
	defer dl.Content.Close()
	// Package managers may fetch Published and Unlisted versions only.
	if st := dl.Version.Version.Status; st != domain.StatusPublished && st != domain.StatusUnlisted {
		dataplane.WriteError(w, f.log, domain.NotFound(domain.ResPackageVersion, parts[2], "Package version %s is %s", parts[2], st))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", `"`+dl.Asset.SHA256+`"`)
	w.Header().Set("X-Checksum-Sha256", dl.Asset.SHA256)
	dataplane.ServeObject(w, r, dl.Content)
}
