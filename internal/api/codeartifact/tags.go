package codeartifact

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/service"
)

func (h *Handler) tagResource(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	arn := b.required("resourceArn", "resourceArn", fArn)
	var in struct {
		Tags *[]tagInput `json:"tags"`
	}
	b.body(&in)
	if in.Tags == nil {
		b.fail("null", "tags", "Member must not be null")
		in.Tags = &[]tagInput{}
	}
	tags := b.bindTags(*in.Tags)
	if err := b.err(); err != nil {
		return nil, err
	}
	return struct{}{}, h.svc.TagResource(r.Context(), c, arn, tags)
}

func (h *Handler) untagResource(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	arn := b.required("resourceArn", "resourceArn", fArn)
	var in struct {
		TagKeys *[]string `json:"tagKeys"`
	}
	b.body(&in)
	if in.TagKeys == nil {
		b.fail("null", "tagKeys", "Member must not be null")
		in.TagKeys = &[]string{}
	}
	if len(*in.TagKeys) > 200 {
		b.fail("tagKeys", "tagKeys", "Member must have length less than or equal to 200")
	}
	for _, k := range *in.TagKeys {
		b.check("tagKeys.member", k, fTagKey)
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	return struct{}{}, h.svc.UntagResource(r.Context(), c, arn, *in.TagKeys)
}

func (h *Handler) listTagsForResource(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	arn := b.required("resourceArn", "resourceArn", fArn)
	if err := b.err(); err != nil {
		return nil, err
	}
	tags, err := h.svc.ListTagsForResource(r.Context(), c, arn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": toTags(tags)}, nil
}
