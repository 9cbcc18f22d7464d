package cargo

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// yank moves a version between Published and Unlisted.
func (f *Format) yank(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, name, version string, target domain.Status) {
	ref := f.ref(repo, name)
	if err := f.svc.Authorize(r.Context(), repo.Caller, packageAccess("UpdatePackageVersionsStatus", ref)); err != nil {
		f.writeErr(w, err)
		return
	}
	info, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, ref, version)
	if err != nil {
		f.writeErr(w, err)
		return
	}
	from := info.Version.Status
	if from != target {
		if ok, _ := Listed(from); !ok {
			writeError(w, http.StatusBadRequest, "crate version "+name+"@"+version+" is "+string(from)+"; change its status through the control plane")
			return
		}
		res, err := f.svc.UpdatePackageVersionsStatus(r.Context(), repo.Caller, ref,
			service.BatchInput{Versions: []string{version}, ExpectedStatus: from}, target)
		if err != nil {
			f.writeErr(w, err)
			return
		}
		if fail, ok := res.Failed[version]; ok {
			writeError(w, http.StatusConflict, "crate version "+name+"@"+version+": "+fail.Message)
			return
		}
	}
	writeJSON(w, map[string]bool{"ok": true})
}

// packageAccess is action on the package ref names.
func packageAccess(action string, ref service.PackageRef) service.Access {
	return service.Access{Action: action, Kind: service.ResourcePackage, Domain: ref.Domain, DomainOwner: ref.DomainOwner,
		Repository: ref.Repository, Format: ref.Format, Namespace: ref.Namespace, Package: ref.Package}
}
