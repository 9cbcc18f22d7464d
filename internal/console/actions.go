package console

import (
	"errors"
	"net/http"
	"sort"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// The version actions are one form on the package page: the versions
// ticked and the button pressed (op). A status change runs at once;
// dispose and delete first show a confirmation naming every version they
// would remove, and run when it is posted back with confirm=yes.

type confirmView struct {
	Loc      loc
	Op       string
	Verb     string
	Versions []versionRow
}

type resultRow struct {
	Version string
	Status  domain.Status
	Code    string
	Message string
}

type resultsView struct {
	Loc        loc
	Verb       string
	Successful []resultRow
	Failed     []resultRow
}

var verbs = map[string]string{
	string(domain.StatusPublished): "Publish", string(domain.StatusUnlisted): "Unlist", string(domain.StatusArchived): "Archive",
	"dispose": "Dispose", "delete": "Delete",
}

// actionOf is the CodeArtifact action behind an op.
func actionOf(op string) string {
	switch op {
	case "dispose":
		return "DisposePackageVersions"
	case "delete":
		return "DeletePackageVersions"
	}
	return "UpdatePackageVersionsStatus"
}

func (c *Console) versionsAction(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	l.Version = ""
	ctx := r.Context()
	op := r.PostForm.Get("op")
	versions := r.PostForm["version"]
	crumbs := l.crumbs()
	verb, ok := verbs[op]
	if !ok {
		c.fail(w, r, rq, "Versions", crumbs, domain.Invalid("Unknown action %q", op))
		return
	}
	if len(versions) == 0 {
		c.fail(w, r, rq, verb, crumbs, domain.Invalid("Select at least one version"))
		return
	}
	if err := c.authorize(ctx, rq, actionOf(op), service.ResourcePackage, l); err != nil {
		c.fail(w, r, rq, verb, crumbs, err)
		return
	}
	var res service.BatchResult
	var err error
	switch op {
	case "dispose", "delete":
		if r.PostForm.Get("confirm") != "yes" {
			c.confirm(w, r, rq, l, op, verb, versions)
			return
		}
		if op == "dispose" {
			res, err = c.o.Service.DisposePackageVersions(ctx, rq.caller, l.ref(), service.BatchInput{Versions: versions})
		} else {
			res, err = c.o.Service.DeletePackageVersions(ctx, rq.caller, l.ref(), versions, "")
		}
	default:
		res, err = c.o.Service.UpdatePackageVersionsStatus(ctx, rq.caller, l.ref(), service.BatchInput{Versions: versions}, domain.Status(op))
	}
	if err != nil {
		c.fail(w, r, rq, verb, crumbs, err)
		return
	}
	c.o.Log.Info("console: versions changed", "op", op, "domain", l.Domain, "repository", l.Repo, "format", l.Format,
		"package", l.PackageName(), "successful", len(res.Successful), "failed", len(res.Failed), "access_key_id", rq.caller.AccessKey)
	v := resultsView{Loc: l, Verb: verb}
	for _, ver := range sortedKeys(res.Successful) {
		v.Successful = append(v.Successful, resultRow{Version: ver, Status: res.Successful[ver].Status})
	}
	for _, ver := range sortedKeys(res.Failed) {
		e := res.Failed[ver]
		v.Failed = append(v.Failed, resultRow{Version: ver, Code: e.Code, Message: e.Message})
	}
	c.render(w, r, rq, http.StatusOK, "results", view{Title: verb + ": results", Crumbs: crumbs, Body: v})
}

// confirm shows what a dispose or delete would remove, with each
// version's current status.
func (c *Console) confirm(w http.ResponseWriter, r *http.Request, rq *request, l loc, op, verb string, versions []string) {
	if len(versions) > service.MaxBatchVersions {
		c.fail(w, r, rq, verb, l.crumbs(), domain.Invalid("At most %d package versions can be specified", service.MaxBatchVersions))
		return
	}
	v := confirmView{Loc: l, Op: op, Verb: verb}
	// The current status is shown to an identity that may read it.
	describe := c.authorize(r.Context(), rq, "DescribePackageVersion", service.ResourcePackage, l) == nil
	for _, ver := range versions {
		row := versionRow{Loc: l.WithVersion(ver), Version: ver, Status: "unknown"}
		if !describe {
			v.Versions = append(v.Versions, row)
			continue
		}
		if vi, err := c.o.Service.DescribePackageVersion(r.Context(), rq.caller, l.ref(), ver); err == nil {
			row.Status, row.Published = vi.Version.Status, vi.Version.PublishedTime
		} else if errors.Is(err, domain.ErrNotFound) {
			row.Status = "not found"
		}
		v.Versions = append(v.Versions, row)
	}
	c.render(w, r, rq, http.StatusOK, "confirm", view{Title: verb + " " + l.PackageName() + "?", Crumbs: l.crumbs(), Body: v})
}

func (c *Console) originAction(w http.ResponseWriter, r *http.Request, rq *request) {
	l := locOf(r)
	l.Version = ""
	ctx := r.Context()
	if err := c.authorize(ctx, rq, "PutPackageOriginConfiguration", service.ResourcePackage, l); err != nil {
		c.fail(w, r, rq, "Origin controls", l.crumbs(), err)
		return
	}
	oc := domain.OriginConfiguration{Publish: domain.Allow(r.PostForm.Get("publish")), Upstream: domain.Allow(r.PostForm.Get("upstream"))}
	for _, a := range []domain.Allow{oc.Publish, oc.Upstream} {
		if a != domain.AllowAllow && a != domain.AllowBlock {
			c.fail(w, r, rq, "Origin controls", l.crumbs(), domain.Invalid("Origin controls are ALLOW or BLOCK"))
			return
		}
	}
	if _, err := c.o.Service.PutPackageOriginConfiguration(ctx, rq.caller, l.ref(), oc); err != nil {
		c.fail(w, r, rq, "Origin controls", l.crumbs(), err)
		return
	}
	http.Redirect(w, r, l.link("package", "saved", "origin"), http.StatusSeeOther)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
