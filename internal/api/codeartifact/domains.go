package codeartifact

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// bindDomain binds the [D] members every domain-scoped operation shares.
func (b *binder) bindDomain() (name, owner string) {
	return b.required("domain", "domain", fDomain), b.query("domain-owner", "domainOwner", fAccount)
}

// bindTags binds and validates a tag list from a request body.
func (b *binder) bindTags(tags []tagInput) []domain.Tag {
	if len(tags) > 200 {
		b.fail("tags", "tags", "Member must have length less than or equal to 200")
	}
	out := make([]domain.Tag, 0, len(tags))
	for _, t := range tags {
		key := b.bodyString("tags.member.key", t.Key, fTagKey, true)
		value := b.bodyString("tags.member.value", t.Value, fTagValue, true)
		out = append(out, domain.Tag{Key: key, Value: value})
	}
	return out
}

func (h *Handler) createDomain(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name := b.required("domain", "domain", fDomain)
	var in struct {
		EncryptionKey string     `json:"encryptionKey"`
		Tags          []tagInput `json:"tags"`
	}
	b.body(&in)
	if in.EncryptionKey != "" {
		b.check("encryptionKey", in.EncryptionKey, fArn)
	}
	tags := b.bindTags(in.Tags)
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.CreateDomain(r.Context(), c, name, in.EncryptionKey, tags)
	if err != nil {
		return nil, err
	}
	return map[string]any{"domain": toDomainDescription(info)}, nil
}

func (h *Handler) describeDomain(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name, owner := b.bindDomain()
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.DescribeDomain(r.Context(), c, name, owner)
	if err != nil {
		return nil, err
	}
	return map[string]any{"domain": toDomainDescription(info)}, nil
}

func (h *Handler) deleteDomain(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	name, owner := b.bindDomain()
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.DeleteDomain(r.Context(), c, name, owner)
	if err != nil {
		return nil, err
	}
	// The documented answer describes the domain as it is now: Deleted.
	desc := toDomainDescription(info)
	desc.Status = "Deleted"
	if info.Domain.CreatedTime.IsZero() {
		desc.S3BucketArn = "" // it was not there: nothing to name
	}
	return map[string]any{"domain": desc}, nil
}

func (h *Handler) listDomains(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	// ListDomains is the one list operation that pages through its body.
	var in struct {
		MaxResults *int64  `json:"maxResults"`
		NextToken  *string `json:"nextToken"`
	}
	b.body(&in)
	p := store.Page{Limit: 50}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			b.fail(itoa(*in.MaxResults), "maxResults", "Member must have value between 1 and 1000")
		}
		p.Limit = int(*in.MaxResults)
	}
	if in.NextToken != nil {
		b.check("nextToken", *in.NextToken, fToken)
		p.After = *in.NextToken
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	ds, next, err := h.svc.ListDomains(r.Context(), c, p)
	if err != nil {
		return nil, err
	}
	out := struct {
		Domains   []domainSummary `json:"domains"`
		NextToken string          `json:"nextToken,omitempty"`
	}{Domains: []domainSummary{}, NextToken: next}
	for _, d := range ds {
		out.Domains = append(out.Domains, toDomainSummary(d))
	}
	return out, nil
}
