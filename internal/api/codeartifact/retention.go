package codeartifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// The retention admin API (artifactd retention ...): JSON under
// /artifactd/v1/retention-rules, SigV4-signed like the control plane;
// the service decides who may use it (Service.authorizeRetention).

// RetentionRuleJSON is a rule on the wire.
type RetentionRuleJSON struct {
	ID            int64         `json:"id,omitempty"`
	Domain        string        `json:"domain"`
	DomainOwner   string        `json:"domainOwner,omitempty"`
	Repository    string        `json:"repository"`
	Format        domain.Format `json:"format,omitempty"`
	Namespace     string        `json:"namespace,omitempty"`
	PackagePrefix string        `json:"packagePrefix,omitempty"`
	// PackageGroup is a package group's pattern: the rule acts on the
	// packages associated with it, instead of format/namespace/prefix.
	PackageGroup string `json:"packageGroup,omitempty"`
	KeepNewest   int    `json:"keepNewest,omitempty"`
	KeepDays     int    `json:"keepDays,omitempty"`
	// DownloadedWithinDays keeps the versions downloaded in the last so
	// many days (never downloaded: counted from the publish time).
	DownloadedWithinDays int                    `json:"downloadedWithinDays,omitempty"`
	ExemptStatuses       []domain.Status        `json:"exemptStatuses,omitempty"`
	Action               domain.RetentionAction `json:"action"`
	CreatedTime          string                 `json:"createdTime,omitempty"`
}

// RetentionApplyJSON is what apply answers.
type RetentionApplyJSON struct {
	Applied int               `json:"applied"`
	Skipped map[string]string `json:"skipped"`
}

func ruleJSON(info service.RetentionRuleInfo) RetentionRuleJSON {
	r := info.Rule
	return RetentionRuleJSON{ID: r.ID, Domain: info.Domain, DomainOwner: info.DomainOwner, Repository: info.Repository,
		Format: r.Format, Namespace: r.Namespace, PackagePrefix: r.PackagePrefix, PackageGroup: r.PackageGroup,
		KeepNewest: r.KeepNewest, KeepDays: r.KeepDays, DownloadedWithinDays: r.KeepDownloadedDays, ExemptStatuses: r.ExemptStatuses, Action: r.Action,
		CreatedTime: r.CreatedTime.Format("2006-01-02T15:04:05Z07:00")}
}

// RegisterRetention mounts the retention admin routes on mux.
func (h *Handler) RegisterRetention(mux *http.ServeMux) {
	const base = "/artifactd/v1/retention-rules"
	mux.HandleFunc("POST "+base, h.admin(func(c service.Caller, r *http.Request, body []byte) (any, error) {
		var in RetentionRuleJSON
		if err := strictJSON(body, &in); err != nil {
			return nil, err
		}
		info, err := h.svc.PutRetentionRule(r.Context(), c, service.RetentionRuleInput{Domain: in.Domain,
			DomainOwner: in.DomainOwner, Repository: in.Repository, Format: in.Format, Namespace: in.Namespace,
			PackagePrefix: in.PackagePrefix, PackageGroup: in.PackageGroup, KeepNewest: in.KeepNewest, KeepDays: in.KeepDays,
			KeepDownloadedDays: in.DownloadedWithinDays, ExemptStatuses: in.ExemptStatuses, Action: in.Action})
		if err != nil {
			return nil, err
		}
		return ruleJSON(info), nil
	}))
	mux.HandleFunc("GET "+base, h.admin(func(c service.Caller, r *http.Request, _ []byte) (any, error) {
		q := r.URL.Query()
		list, err := h.svc.ListRetentionRules(r.Context(), c, q.Get("domain"), q.Get("domain-owner"), q.Get("repository"))
		if err != nil {
			return nil, err
		}
		out := struct {
			Rules []RetentionRuleJSON `json:"rules"`
		}{Rules: []RetentionRuleJSON{}}
		for _, info := range list {
			out.Rules = append(out.Rules, ruleJSON(info))
		}
		return out, nil
	}))
	mux.HandleFunc("DELETE "+base+"/{id}", h.admin(func(c service.Caller, r *http.Request, _ []byte) (any, error) {
		id, err := ruleID(r)
		if err != nil {
			return nil, err
		}
		q := r.URL.Query()
		return struct{}{}, h.svc.DeleteRetentionRule(r.Context(), c, q.Get("domain"), q.Get("domain-owner"), q.Get("repository"), id)
	}))
	mux.HandleFunc("POST "+base+"/{id}/plan", h.admin(func(c service.Caller, r *http.Request, _ []byte) (any, error) {
		id, err := ruleID(r)
		if err != nil {
			return nil, err
		}
		q := r.URL.Query()
		plan, err := h.svc.PlanRetentionRule(r.Context(), c, q.Get("domain"), q.Get("domain-owner"), q.Get("repository"), id)
		if plan.Packages == nil {
			plan.Packages = []service.RetentionPackagePlan{}
		}
		return plan, err
	}))
	mux.HandleFunc("POST "+base+"/apply", h.admin(func(c service.Caller, r *http.Request, body []byte) (any, error) {
		var plan service.RetentionPlan
		if err := strictJSON(body, &plan); err != nil {
			return nil, err
		}
		res, err := h.svc.ApplyRetention(r.Context(), c, plan)
		return RetentionApplyJSON{Applied: res.Applied, Skipped: res.Skipped}, err
	}))
}

func ruleID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Invalid("invalid retention rule id %q", r.PathValue("id"))
	}
	return id, nil
}

func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return domain.Invalid("invalid request body: %v", err)
	}
	return nil
}

// admin verifies a request's signature (over its whole, small body) and
// runs fn as the signing identity.
func (h *Handler) admin(fn func(c service.Caller, r *http.Request, body []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h.verifier.Precheck(r); err != nil {
			writeError(w, h.log, err)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 16*maxBodyBytes+1))
		if err != nil || int64(len(body)) > 16*maxBodyBytes {
			writeError(w, h.log, domain.Invalid("the request body is unreadable or larger than 16 MiB"))
			return
		}
		sum := sha256.Sum256(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		id, err := h.verifier.Verify(r, hex.EncodeToString(sum[:]))
		if err != nil {
			writeError(w, h.log, err)
			return
		}
		out, err := fn(callerOf(id, r), r, body)
		if err != nil {
			writeError(w, h.log, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}
}
