package codeartifact

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// resourcePolicy is the wire form of a ResourcePolicy.
type resourcePolicy struct {
	ResourceArn string `json:"resourceArn"`
	Revision    string `json:"revision"`
	Document    string `json:"document"`
}

func policyOut(p domain.ResourcePolicy, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return map[string]any{"policy": resourcePolicy{ResourceArn: p.ResourceARN, Revision: p.Revision, Document: p.Document}}, nil
}

// PutDomainPermissionsPolicy is the one operation that takes its domain
// in the body.
func (h *Handler) putDomainPolicy(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	var in struct {
		Domain         *string `json:"domain"`
		DomainOwner    *string `json:"domainOwner"`
		PolicyRevision *string `json:"policyRevision"`
		PolicyDocument *string `json:"policyDocument"`
	}
	b.body(&in)
	name := b.bodyString("domain", in.Domain, fDomain, true)
	owner := b.bodyString("domainOwner", in.DomainOwner, fAccount, false)
	revision := b.bodyString("policyRevision", in.PolicyRevision, fPolicyRev, false)
	document := b.bodyString("policyDocument", in.PolicyDocument, fPolicyDoc, true)
	if err := b.err(); err != nil {
		return nil, err
	}
	return policyOut(h.svc.PutDomainPermissionsPolicy(r.Context(), c, name, owner, revision, document))
}

func (h *Handler) getDomainPolicy(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name, owner := b.bindDomain()
	if err := b.err(); err != nil {
		return nil, err
	}
	return policyOut(h.svc.GetDomainPermissionsPolicy(r.Context(), c, name, owner))
}

func (h *Handler) deleteDomainPolicy(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name, owner := b.bindDomain()
	revision := b.query("policy-revision", "policyRevision", fPolicyRev)
	if err := b.err(); err != nil {
		return nil, err
	}
	return policyOut(h.svc.DeleteDomainPermissionsPolicy(r.Context(), c, name, owner, revision))
}

func (h *Handler) putRepositoryPolicy(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name, owner := b.bindDomain()
	repo := b.required("repository", "repository", fRepository)
	var in struct {
		PolicyRevision *string `json:"policyRevision"`
		PolicyDocument *string `json:"policyDocument"`
	}
	b.body(&in)
	revision := b.bodyString("policyRevision", in.PolicyRevision, fPolicyRev, false)
	document := b.bodyString("policyDocument", in.PolicyDocument, fPolicyDoc, true)
	if err := b.err(); err != nil {
		return nil, err
	}
	return policyOut(h.svc.PutRepositoryPermissionsPolicy(r.Context(), c, name, owner, repo, revision, document))
}

func (h *Handler) getRepositoryPolicy(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name, owner := b.bindDomain()
	repo := b.required("repository", "repository", fRepository)
	if err := b.err(); err != nil {
		return nil, err
	}
	return policyOut(h.svc.GetRepositoryPermissionsPolicy(r.Context(), c, name, owner, repo))
}

func (h *Handler) deleteRepositoryPolicy(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name, owner := b.bindDomain()
	repo := b.required("repository", "repository", fRepository)
	revision := b.query("policy-revision", "policyRevision", fPolicyRev)
	if err := b.err(); err != nil {
		return nil, err
	}
	return policyOut(h.svc.DeleteRepositoryPermissionsPolicy(r.Context(), c, name, owner, repo, revision))
}
