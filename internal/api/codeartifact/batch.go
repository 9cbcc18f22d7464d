package codeartifact

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// batchBody is the JSON body shared by the batch operations; each uses
// the members its model has.
type batchBody struct {
	Versions            []string          `json:"versions"`
	VersionRevisions    map[string]string `json:"versionRevisions"`
	ExpectedStatus      *string           `json:"expectedStatus"`
	TargetStatus        *string           `json:"targetStatus"`
	AllowOverwrite      bool              `json:"allowOverwrite"`
	IncludeFromUpstream bool              `json:"includeFromUpstream"`
}

// bindBatch decodes and validates a batch body. versionsRequired is the
// model's `required` on versions (Copy makes it optional).
func (b *binder) bindBatch(versionsRequired bool) batchBody {
	var in batchBody
	b.body(&in)
	if in.Versions == nil && versionsRequired {
		b.fail("null", "versions", "Member must not be null")
	}
	if len(in.Versions) > service.MaxBatchVersions {
		b.fail("versions", "versions", "Member must have length less than or equal to 100")
	}
	for _, v := range in.Versions {
		b.check("versions.member", v, fVersion)
	}
	for v, rev := range in.VersionRevisions {
		b.check("versionRevisions.key", v, fVersion)
		b.check("versionRevisions.value", rev, fRevision)
	}
	if in.ExpectedStatus != nil {
		b.checkEnum("expectedStatus", *in.ExpectedStatus, statuses)
	}
	return in
}

func (in batchBody) expected() domain.Status {
	if in.ExpectedStatus == nil {
		return ""
	}
	return domain.Status(*in.ExpectedStatus)
}

func (in batchBody) input() service.BatchInput {
	return service.BatchInput{Versions: in.Versions, VersionRevisions: in.VersionRevisions, ExpectedStatus: in.expected()}
}

func (h *Handler) updatePackageVersionsStatus(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("repository")
	in := b.bindBatch(true)
	if in.TargetStatus == nil {
		b.fail("null", "targetStatus", "Member must not be null")
	} else {
		b.checkEnum("targetStatus", *in.TargetStatus, statuses)
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	res, err := h.svc.UpdatePackageVersionsStatus(r.Context(), c, ref, in.input(), domain.Status(*in.TargetStatus))
	if err != nil {
		return nil, err
	}
	return toBatchOutput(res), nil
}

func (h *Handler) disposePackageVersions(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("repository")
	in := b.bindBatch(true)
	if err := b.err(); err != nil {
		return nil, err
	}
	res, err := h.svc.DisposePackageVersions(r.Context(), c, ref, in.input())
	if err != nil {
		return nil, err
	}
	return toBatchOutput(res), nil
}

func (h *Handler) deletePackageVersions(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("repository")
	in := b.bindBatch(true)
	if err := b.err(); err != nil {
		return nil, err
	}
	res, err := h.svc.DeletePackageVersions(r.Context(), c, ref, in.Versions, in.expected())
	if err != nil {
		return nil, err
	}
	return toBatchOutput(res), nil
}

func (h *Handler) copyPackageVersions(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	ref := b.bindPackage("source-repository")
	dst := b.required("destination-repository", "destinationRepository", fRepository)
	in := b.bindBatch(false)
	if err := b.err(); err != nil {
		return nil, err
	}
	res, err := h.svc.CopyPackageVersions(r.Context(), c, service.CopyInput{
		Package: ref, Destination: dst, Versions: in.Versions, VersionRevisions: in.VersionRevisions,
		AllowOverwrite: in.AllowOverwrite, IncludeFromUpstream: in.IncludeFromUpstream,
	})
	if err != nil {
		return nil, err
	}
	return toBatchOutput(res), nil
}
