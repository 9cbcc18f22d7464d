package codeartifact

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

var (
	fGroupPattern     = newField(2, 520, `[^\p{C}\p{Z}\s]+`)
	fGroupPrefix      = newField(0, 520, `\P{C}*`)
	fContactInfo      = newField(0, 1000, `\P{C}*`)
	restrictionTypes  = enumOf(domain.RestrictionTypes)
	restrictionModes  = []string{"ALLOW", "ALLOW_SPECIFIC_REPOSITORIES", "BLOCK", "INHERIT"}
	emptyGroupUpdates = map[string]map[string][]string{}
)

// groupRef is the wire form of a group named in another group's
// description (parent, inheritedFrom).
type groupRef struct {
	Arn     string `json:"arn"`
	Pattern string `json:"pattern"`
}

type groupRestriction struct {
	Mode              string    `json:"mode"`
	EffectiveMode     string    `json:"effectiveMode"`
	InheritedFrom     *groupRef `json:"inheritedFrom,omitempty"`
	RepositoriesCount int64     `json:"repositoriesCount"`
}

// packageGroupDescription is PackageGroupDescription (and, with the same
// members, PackageGroupSummary).
type packageGroupDescription struct {
	Arn                 string `json:"arn"`
	Pattern             string `json:"pattern"`
	DomainName          string `json:"domainName"`
	DomainOwner         string `json:"domainOwner"`
	CreatedTime         *epoch `json:"createdTime,omitempty"`
	ContactInfo         string `json:"contactInfo,omitempty"`
	Description         string `json:"description,omitempty"`
	OriginConfiguration struct {
		Restrictions map[string]groupRestriction `json:"restrictions"`
	} `json:"originConfiguration"`
	Parent *groupRef `json:"parent,omitempty"`
}

func toGroup(info service.PackageGroupInfo) packageGroupDescription {
	d, g := info.Domain, info.Group
	out := packageGroupDescription{Arn: service.PackageGroupARN(d, g.Pattern), Pattern: g.Pattern, DomainName: d.Name,
		DomainOwner: d.Owner, CreatedTime: epochPtr(g.CreatedTime), ContactInfo: g.ContactInfo, Description: g.Description}
	out.OriginConfiguration.Restrictions = map[string]groupRestriction{}
	for t, r := range info.Restrictions {
		gr := groupRestriction{Mode: string(r.Mode), EffectiveMode: string(r.EffectiveMode), RepositoriesCount: int64(r.RepositoriesCount)}
		if r.InheritedFrom != nil {
			gr.InheritedFrom = &groupRef{Arn: service.PackageGroupARN(d, r.InheritedFrom.Pattern), Pattern: r.InheritedFrom.Pattern}
		}
		out.OriginConfiguration.Restrictions[string(t)] = gr
	}
	if info.Parent != nil {
		out.Parent = &groupRef{Arn: service.PackageGroupARN(d, info.Parent.Pattern), Pattern: info.Parent.Pattern}
	}
	return out
}

// groupPage is the answer of ListPackageGroups and ListSubPackageGroups.
func groupPage(infos []service.PackageGroupInfo, next string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	out := struct {
		PackageGroups []packageGroupDescription `json:"packageGroups"`
		NextToken     string                    `json:"nextToken,omitempty"`
	}{PackageGroups: make([]packageGroupDescription, 0, len(infos)), NextToken: next}
	for _, info := range infos {
		out.PackageGroups = append(out.PackageGroups, toGroup(info))
	}
	return out, nil
}

type groupBody struct {
	PackageGroup *string    `json:"packageGroup"`
	ContactInfo  *string    `json:"contactInfo"`
	Description  *string    `json:"description"`
	Tags         []tagInput `json:"tags"`
}

// bindGroupBody reads CreatePackageGroup's and UpdatePackageGroup's body.
func (b *binder) bindGroupBody() (groupBody, string) {
	var in groupBody
	b.body(&in)
	pattern := ""
	if in.PackageGroup == nil {
		b.fail("null", "packageGroup", "Member must not be null")
	} else {
		pattern = *in.PackageGroup
		b.check("packageGroup", pattern, fGroupPattern)
	}
	if in.ContactInfo != nil {
		b.check("contactInfo", *in.ContactInfo, fContactInfo)
	}
	if in.Description != nil {
		b.check("description", *in.Description, fDescription)
	}
	return in, pattern
}

func (b *binder) bindGroupQuery() string {
	return b.required("package-group", "packageGroup", fGroupPattern)
}

func (h *Handler) createPackageGroup(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	in, pattern := b.bindGroupBody()
	tags := b.bindTags(in.Tags)
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.CreatePackageGroup(r.Context(), c, service.CreatePackageGroupInput{
		Domain: d, DomainOwner: owner, Pattern: pattern, ContactInfo: deref(in.ContactInfo), Description: deref(in.Description), Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"packageGroup": toGroup(info)}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *Handler) describePackageGroup(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	pattern := b.bindGroupQuery()
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.DescribePackageGroup(r.Context(), c, d, owner, pattern)
	if err != nil {
		return nil, err
	}
	return map[string]any{"packageGroup": toGroup(info)}, nil
}

func (h *Handler) updatePackageGroup(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	in, pattern := b.bindGroupBody()
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.UpdatePackageGroup(r.Context(), c, d, owner, pattern, in.ContactInfo, in.Description)
	if err != nil {
		return nil, err
	}
	return map[string]any{"packageGroup": toGroup(info)}, nil
}

func (h *Handler) deletePackageGroup(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	pattern := b.bindGroupQuery()
	if err := b.err(); err != nil {
		return nil, err
	}
	info, err := h.svc.DeletePackageGroup(r.Context(), c, d, owner, pattern)
	if err != nil {
		return nil, err
	}
	return map[string]any{"packageGroup": toGroup(info)}, nil
}

func (h *Handler) listPackageGroups(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	prefix := b.query("prefix", "prefix", fGroupPrefix)
	p := b.page(defaultPageMax)
	if err := b.err(); err != nil {
		return nil, err
	}
	return groupPage(h.svc.ListPackageGroups(r.Context(), c, d, owner, prefix, p))
}

func (h *Handler) listSubPackageGroups(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	pattern := b.bindGroupQuery()
	p := b.page(defaultPageMax)
	if err := b.err(); err != nil {
		return nil, err
	}
	return groupPage(h.svc.ListSubPackageGroups(r.Context(), c, d, owner, pattern, p))
}

func (h *Handler) updatePackageGroupOriginConfiguration(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	pattern := b.bindGroupQuery()
	type allowedRepo struct {
		RepositoryName        string `json:"repositoryName"`
		OriginRestrictionType string `json:"originRestrictionType"`
	}
	var body struct {
		Restrictions  map[string]string `json:"restrictions"`
		AddAllowed    []allowedRepo     `json:"addAllowedRepositories"`
		RemoveAllowed []allowedRepo     `json:"removeAllowedRepositories"`
	}
	b.body(&body)
	in := service.OriginConfigurationUpdate{Domain: d, DomainOwner: owner, Pattern: pattern,
		Restrictions: map[domain.RestrictionType]domain.RestrictionMode{}}
	for t, m := range body.Restrictions {
		b.checkEnum("restrictions.key", t, restrictionTypes)
		b.checkEnum("restrictions.value", m, restrictionModes)
		in.Restrictions[domain.RestrictionType(t)] = domain.RestrictionMode(m)
	}
	bind := func(member string, list []allowedRepo) []service.AllowedRepository {
		out := make([]service.AllowedRepository, 0, len(list))
		for _, a := range list {
			b.check(member+".member.repositoryName", a.RepositoryName, fRepository)
			b.checkEnum(member+".member.originRestrictionType", a.OriginRestrictionType, restrictionTypes)
			out = append(out, service.AllowedRepository{Repository: a.RepositoryName, Type: domain.RestrictionType(a.OriginRestrictionType)})
		}
		return out
	}
	in.Add = bind("addAllowedRepositories", body.AddAllowed)
	in.Remove = bind("removeAllowedRepositories", body.RemoveAllowed)
	if err := b.err(); err != nil {
		return nil, err
	}
	info, updates, err := h.svc.UpdatePackageGroupOriginConfiguration(r.Context(), c, in)
	if err != nil {
		return nil, err
	}
	wire := emptyGroupUpdates
	if len(updates) > 0 {
		wire = map[string]map[string][]string{}
		for t, m := range updates {
			wire[string(t)] = m
		}
	}
	return map[string]any{"packageGroup": toGroup(info), "allowedRepositoryUpdates": wire}, nil
}

func (h *Handler) listAllowedRepositoriesForGroup(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	pattern := b.bindGroupQuery()
	t := b.enum("originRestrictionType", "originRestrictionType", restrictionTypes, true)
	p := b.page(defaultPageMax)
	if err := b.err(); err != nil {
		return nil, err
	}
	repos, next, err := h.svc.ListAllowedRepositoriesForGroup(r.Context(), c, d, owner, pattern, domain.RestrictionType(t), p)
	if err != nil {
		return nil, err
	}
	if repos == nil {
		repos = []string{}
	}
	return struct {
		AllowedRepositories []string `json:"allowedRepositories"`
		NextToken           string   `json:"nextToken,omitempty"`
	}{repos, next}, nil
}

func associationType(weak bool) string {
	if weak {
		return "WEAK"
	}
	return "STRONG"
}

func (h *Handler) getAssociatedPackageGroup(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	format := domain.Format(b.enum("format", "format", formats, true))
	namespace := b.query("namespace", "namespace", fNamespace)
	name := b.required("package", "package", fPackage)
	if err := b.err(); err != nil {
		return nil, err
	}
	info, weak, err := h.svc.GetAssociatedPackageGroup(r.Context(), c, d, owner, format, namespace, name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"packageGroup": toGroup(info), "associationType": associationType(weak)}, nil
}

func (h *Handler) listAssociatedPackages(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	pattern := b.bindGroupQuery()
	preview := b.boolean("preview", "preview")
	p := b.page(defaultPageMax)
	if err := b.err(); err != nil {
		return nil, err
	}
	pkgs, next, err := h.svc.ListAssociatedPackages(r.Context(), c, d, owner, pattern, preview, p)
	if err != nil {
		return nil, err
	}
	type associated struct {
		Format          string `json:"format"`
		Namespace       string `json:"namespace,omitempty"`
		Package         string `json:"package"`
		AssociationType string `json:"associationType"`
	}
	out := struct {
		Packages  []associated `json:"packages"`
		NextToken string       `json:"nextToken,omitempty"`
	}{Packages: []associated{}, NextToken: next}
	for _, a := range pkgs {
		out.Packages = append(out.Packages, associated{string(a.Coordinate.Format), a.Coordinate.Namespace, a.Coordinate.Name, associationType(a.Weak)})
	}
	return out, nil
}
