package ruby

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

// MaxGemBytes caps a pushed .gem (CodeArtifact's asset limit).
const MaxGemBytes = 5 << 30

// maxFormBytes caps gem yank's form.
const maxFormBytes = 64 << 10

// push handles gem push: the body is the .gem. Its gemspec names the
// gem, version and platform; each platform's .gem is an asset of the
// version, and a file once pushed cannot be pushed again (as the public registry
// refuses "repushing").
func (f *Format) push(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	file, err := os.CreateTemp(f.TempDir, "artifactd-gem-*")
	if err != nil {
		f.writeError(w, err)
		return
	}
	defer func() { file.Close(); os.Remove(file.Name()) }()
	n, err := io.Copy(file, io.LimitReader(r.Body, MaxGemBytes+1))
	if err != nil {
		writeText(w, http.StatusBadRequest, "Receiving the gem failed: "+err.Error())
		return
	}
	if n > MaxGemBytes {
		writeText(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The gem is larger than the maximum of %d bytes", int64(MaxGemBytes)))
		return
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		f.writeError(w, err)
		return
	}
	raw, err := ReadGem(file)
	var spec Spec
	if err == nil {
		spec, err = ParseSpec(raw)
	}
	if err != nil {
		writeText(w, http.StatusUnprocessableEntity, "RubyGems could not read the gem: "+strings.TrimPrefix(err.Error(), ErrGem.Error()+": "))
		return
	}
	if err := f.publish(r, repo, file, spec); err != nil {
		f.writeError(w, err)
		return
	}
	writeText(w, http.StatusOK, fmt.Sprintf("Successfully registered gem: %s (%s)", spec.Name, FullName("", spec.Version, spec.Platform)[1:]))
}

func (f *Format) publish(r *http.Request, repo dataplane.Repo, file *os.File, spec Spec) error {
	ref := f.ref(repo, spec.Name)
	name := spec.File()
	_, _, err := f.svc.LookupAsset(r.Context(), repo.Caller, ref, spec.Version, name)
	switch {
	case err == nil:
		return domain.Conflict(domain.ResAsset, name, "Repushing of gem versions is not allowed: %s already exists. Please bump the version number.", name)
	case !errors.Is(err, domain.ErrNotFound):
		return err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var sums hashing.Sums
	_, err = f.svc.PublishVersion(r.Context(), repo.Caller, service.VersionPublish{
		Package:        ref,
		Version:        spec.Version,
		Assets:         []service.NewAsset{{Name: name, Content: file, Check: func(s hashing.Sums) error { sums = s; return nil }}},
		AddToPublished: true, // another platform's .gem joins the version
		// A new stamp, in the publish's transaction, retires the cached
		// indexes.
		UpdatePackage: func(p *domain.Package) error { return renewStamp(p, []string{spec.Version}) },
		UpdateVersion: func(v *domain.PackageVersion) error {
			doc := decodeDoc(v.Metadata)
			if doc.Remote {
				doc = versionDoc{Platforms: map[string]platformDoc{}}
			}
			doc.Platforms[spec.Platform] = platformDoc{Spec: spec, File: name, SHA256: sums.SHA256, Size: sums.Size, Uploaded: f.now().UTC()}
			applyDoc(v, doc)
			v.Metadata = doc.encode()
			return nil
		},
	})
	return err
}

// yank handles gem yank: the version becomes Unlisted, which takes every
// platform's file out of every index (statuses are per version). The
// control plane can publish it again (UpdatePackageVersionsStatus).
func (f *Format) yank(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if err != nil || len(body) > maxFormBytes {
		writeText(w, http.StatusBadRequest, "Malformed yank request")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeText(w, http.StatusBadRequest, "Malformed yank request")
		return
	}
	for k, v := range r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	name, version := strings.TrimSpace(form.Get("gem_name")), strings.TrimSpace(form.Get("version"))
	if !ValidName(name) || !ValidVersion(version) {
		writeText(w, http.StatusUnprocessableEntity, "gem_name and version are required")
		return
	}
	ref := f.ref(repo, name)
	info, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, ref, version)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			writeText(w, http.StatusNotFound, fmt.Sprintf("The version %s of %s does not exist.", version, name))
			return
		}
		f.writeError(w, err)
		return
	}
	if info.Version.Status == domain.StatusUnlisted {
		writeText(w, http.StatusUnprocessableEntity, fmt.Sprintf("The version %s of %s has already been yanked.", version, name))
		return
	}
	res, err := f.svc.UpdatePackageVersionsStatus(r.Context(), repo.Caller, ref, service.BatchInput{Versions: []string{version}}, domain.StatusUnlisted)
	if err != nil {
		f.writeError(w, err)
		return
	}
	if fail, ok := res.Failed[version]; ok {
		writeText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Cannot yank %s %s: %s", name, version, fail.Message))
		return
	}
	writeText(w, http.StatusOK, fmt.Sprintf("Successfully deleted gem: %s (%s)", name, version))
}
