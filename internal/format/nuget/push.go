package nuget

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// push handles PackagePublish/2.0.0's push: "PUT {@id}" with a
// multipart/form-data body whose file part is the .nupkg. 201 on success,
// 400 for an invalid package, 409 when the version exists.
func (f *Format) push(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	file, size, err := f.readPush(r)
	if file != nil {
		defer func() { file.Close(); os.Remove(file.Name()) }()
	}
	if err == nil {
		err = f.publish(r, repo, file, size)
	}
	if err != nil {
		f.writeRefusal(w, r, dataplane.Status(err), dataplane.Message(f.log, err))
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// readPush spools the first part of the multipart body: "the first item
// in the request body is the raw bytes of the .nupkg being pushed.
// Subsequent items in the multipart body are ignored. The file name or
// any other headers of the multipart items are ignored." ("Push and
// Delete", Request body).
func (f *Format) readPush(r *http.Request) (*os.File, int64, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return nil, 0, domain.Invalid("A push is a multipart/form-data request with the .nupkg as its first part (dotnet nuget push)")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, 0, domain.Invalid("Malformed multipart request: %v", err)
	}
	p, err := mr.NextPart()
	if errors.Is(err, io.EOF) {
		return nil, 0, domain.Invalid("The push has no package part")
	}
	if err != nil {
		return nil, 0, domain.Invalid("Malformed multipart request: %v", err)
	}
	defer p.Close()
	tmp, err := f.tempFile()
	if err != nil {
		return nil, 0, fmt.Errorf("spooling a push: %w", err)
	}
	n, err := io.Copy(tmp, io.LimitReader(p, MaxPackageBytes+1))
	if err != nil {
		return tmp, 0, domain.Invalid("Receiving the package failed: %v", err)
	}
	if n > MaxPackageBytes {
		return tmp, 0, domain.Invalid("The package is larger than the maximum of %d bytes", int64(MaxPackageBytes))
	}
	return tmp, n, nil
}

// publish checks a pushed package and records it as a new version.
func (f *Format) publish(r *http.Request, repo dataplane.Repo, file *os.File, size int64) error {
	p, err := ReadPackage(file, size)
	if err != nil {
		return domain.Invalid("Invalid package: %s", strings.TrimPrefix(err.Error(), ErrPackage.Error()+": "))
	}
	m := &p.Nuspec.Metadata
	version, _ := NormalizeVersion(m.Version)
	id := strings.ToLower(m.ID)
	ref := f.ref(repo, id)
	// NuGet never replaces a version: 409 even for identical bytes.
	if _, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, ref, version); err == nil {
		return domain.Conflict(domain.ResPackageVersion, version, "Package %s version %s already exists in repository %s", m.ID, version, repo.Repository)
	} else if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	doc := docFromPackage(p, size)
	var meta domain.PackageVersion
	applyMetadata(&meta, p)
	_, err = f.svc.PublishVersion(r.Context(), repo.Caller, service.VersionPublish{
		Package: ref,
		Version: version,
		Assets:  []service.NewAsset{{Name: assetName(id, version), Content: file}},
		Metadata: &service.VersionMetadata{
			DisplayName: meta.DisplayName, Summary: meta.Summary, HomePage: meta.HomePage,
			SourceCodeRepository: meta.SourceCodeRepository, Readme: meta.Readme,
			Licenses: meta.Licenses, Dependencies: meta.Dependencies, Raw: doc.encode(),
		},
		UpdatePackage: func(p *domain.Package) error { return renewStamp(p, []string{version}) },
	})
	return err
}

// setListed handles "DELETE {@id}/{ID}/{VERSION}" (unlist: the version
// becomes Unlisted) and "POST {@id}/{ID}/{VERSION}" (relist: Published).
// 204 / 200 on success, 404 when the version does not exist.
func (f *Format) setListed(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, id, ver string, listed bool) {
	version, ok := NormalizeVersion(ver)
	if !ok || !ValidID(id) {
		f.writeRefusal(w, r, http.StatusNotFound, "Not a valid package ID and version")
		return
	}
	target := domain.StatusUnlisted
	if listed {
		target = domain.StatusPublished
	}
	// Only versions NuGet clients see are unlisted or relisted: an
	// Archived (or Disposed, Unfinished) version is not found here, so the
	// data plane cannot bring it back; the control plane can.
	vi, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, f.ref(repo, id), version)
	if err == nil && !visible(vi.Version.Status) {
		err = domain.NotFound(domain.ResPackageVersion, version, "Package %s version %s is %s here; change its status with UpdatePackageVersionsStatus", id, version, vi.Version.Status)
	}
	if err != nil {
		f.writeRefusal(w, r, dataplane.Status(err), dataplane.Message(f.log, err))
		return
	}
	res, err := f.svc.UpdatePackageVersionsStatus(r.Context(), repo.Caller, f.ref(repo, id),
		service.BatchInput{Versions: []string{version}, ExpectedStatus: vi.Version.Status}, target)
	if err != nil {
		f.writeRefusal(w, r, dataplane.Status(err), dataplane.Message(f.log, err))
		return
	}
	if fail, bad := res.Failed[version]; bad {
		status := http.StatusConflict
		if fail.Code == service.CodeNotFound {
			status = http.StatusNotFound
		}
		f.writeRefusal(w, r, status, "Package "+id+" version "+version+": "+fail.Message)
		return
	}
	if listed {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
