// Package iam serves the IAM subset artifactd implements (users, access
// keys, roles and their inline policies) in the AWS query protocol, so the
// AWS CLI's `aws iam`, boto3, the SDKs and Terraform manage identities
// unchanged. Handlers bind parameters and shape answers; the rules live in
// internal/iam.
package iam

import (
	"context"
	"log/slog"

	"github.com/artifactd/artifactd/internal/api/awsquery"
	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	iamsvc "github.com/artifactd/artifactd/internal/iam"
)

// Namespace is the XML namespace of IAM's answers.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// New returns the IAM endpoint: requests signed for service "iam" (any
// region), authenticated by svc's keys.
func New(svc *iamsvc.Service, log *slog.Logger) *awsquery.Service {
	h := &handler{svc: svc}
	s := &awsquery.Service{
		Namespace: Namespace,
		Verifier:  &sigv4.Verifier{Service: "iam", Regions: []string{"*"}, Keys: svc},
		Log:       log,
		Actions: map[string]awsquery.Action{
			"CreateUser":             h.createUser,
			"GetUser":                h.getUser,
			"ListUsers":              h.listUsers,
			"DeleteUser":             h.deleteUser,
			"CreateAccessKey":        h.createAccessKey,
			"ListAccessKeys":         h.listAccessKeys,
			"UpdateAccessKey":        h.updateAccessKey,
			"DeleteAccessKey":        h.deleteAccessKey,
			"PutUserPolicy":          h.putUserPolicy,
			"GetUserPolicy":          h.getUserPolicy,
			"ListUserPolicies":       h.listUserPolicies,
			"DeleteUserPolicy":       h.deleteUserPolicy,
			"CreateRole":             h.createRole,
			"GetRole":                h.getRole,
			"ListRoles":              h.listRoles,
			"UpdateAssumeRolePolicy": h.updateAssumeRolePolicy,
			"DeleteRole":             h.deleteRole,
			"PutRolePolicy":          h.putRolePolicy,
			"GetRolePolicy":          h.getRolePolicy,
			"ListRolePolicies":       h.listRolePolicies,
			"DeleteRolePolicy":       h.deleteRolePolicy,
		},
	}
	h.addNone(s.Actions)
	return s
}

type handler struct {
	svc *iamsvc.Service
}

// Wire shapes, element names as in IAM's model (com.amazonaws.iam).

type userXML struct {
	Path       string `xml:"Path,omitempty"`
	UserName   string `xml:"UserName,omitempty"`
	UserId     string `xml:"UserId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate,omitempty"`
}

type roleLastUsedXML struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	Region       string `xml:"Region,omitempty"`
}

type roleXML struct {
	Path                     string           `xml:"Path"`
	RoleName                 string           `xml:"RoleName"`
	RoleId                   string           `xml:"RoleId"`
	Arn                      string           `xml:"Arn"`
	CreateDate               string           `xml:"CreateDate"`
	AssumeRolePolicyDocument string           `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string           `xml:"Description,omitempty"`
	MaxSessionDuration       int              `xml:"MaxSessionDuration,omitempty"`
	RoleLastUsed             *roleLastUsedXML `xml:"RoleLastUsed,omitempty"`
}

type accessKeyXML struct {
	UserName        string `xml:"UserName"`
	AccessKeyId     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey,omitempty"` // CreateAccessKey only
	CreateDate      string `xml:"CreateDate"`
}

type userResult struct {
	User userXML `xml:"User"`
}

type roleResult struct {
	Role roleXML `xml:"Role"`
}

type listUsersResult struct {
	Users       awsquery.List[userXML] `xml:"Users"`
	IsTruncated bool                   `xml:"IsTruncated"`
	Marker      string                 `xml:"Marker,omitempty"`
}

type listRolesResult struct {
	Roles       awsquery.List[roleXML] `xml:"Roles"`
	IsTruncated bool                   `xml:"IsTruncated"`
	Marker      string                 `xml:"Marker,omitempty"`
}

type createAccessKeyResult struct {
	AccessKey accessKeyXML `xml:"AccessKey"`
}

type listAccessKeysResult struct {
	AccessKeyMetadata awsquery.List[accessKeyXML] `xml:"AccessKeyMetadata"`
	IsTruncated       bool                        `xml:"IsTruncated"`
	Marker            string                      `xml:"Marker,omitempty"`
}

type listPoliciesResult struct {
	PolicyNames awsquery.List[string] `xml:"PolicyNames"`
	IsTruncated bool                  `xml:"IsTruncated"`
	Marker      string                `xml:"Marker,omitempty"`
}

type getUserPolicyResult struct {
	UserName       string `xml:"UserName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"` // URL-encoded, as IAM sends it
}

type getRolePolicyResult struct {
	RoleName       string `xml:"RoleName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

func userOut(u domain.IAMUser) userXML {
	return userXML{Path: u.Path, UserName: u.Name, UserId: u.UserID, Arn: iamsvc.UserARN(u),
		CreateDate: awsquery.FormatTime(u.Created)}
}

func roleOut(r domain.IAMRole) roleXML {
	return roleXML{Path: r.Path, RoleName: r.Name, RoleId: r.RoleID, Arn: iamsvc.RoleARN(r),
		CreateDate: awsquery.FormatTime(r.Created), AssumeRolePolicyDocument: awsquery.EncodeDocument(r.TrustPolicy),
		Description: r.Description, MaxSessionDuration: r.MaxSessionDuration}
}

func keyOut(user string, k domain.AccessKey) accessKeyXML {
	return accessKeyXML{UserName: user, AccessKeyId: k.AccessKeyID, Status: string(k.Status),
		CreateDate: awsquery.FormatTime(k.Created)}
}

// Users.

func (h *handler) createUser(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Required("UserName")
	if err != nil {
		return nil, err
	}
	path, err := p.Optional("Path")
	if err != nil {
		return nil, err
	}
	if err := p.Refuse("PermissionsBoundary", "Tags"); err != nil {
		return nil, err
	}
	u, err := h.svc.CreateUser(ctx, c, name, path)
	if err != nil {
		return nil, err
	}
	return userResult{userOut(u)}, nil
}

func (h *handler) getUser(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Optional("UserName")
	if err != nil {
		return nil, err
	}
	u, err := h.svc.GetUser(ctx, c, name)
	if err != nil {
		return nil, err
	}
	if u.Name == "" {
		// The administrator asking about itself: the account's root
		// identity has no name or path, as IAM answers for the root user.
		return userResult{userXML{UserId: u.UserID, Arn: c.Principal.ARN, CreateDate: awsquery.FormatTime(u.Created)}}, nil
	}
	return userResult{userOut(u)}, nil
}

func (h *handler) listUsers(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	prefix, err := p.Optional("PathPrefix")
	if err != nil {
		return nil, err
	}
	marker, maxItems, err := p.Paging()
	if err != nil {
		return nil, err
	}
	users, next, err := h.svc.ListUsers(ctx, c, prefix, marker, maxItems)
	if err != nil {
		return nil, err
	}
	out := listUsersResult{IsTruncated: next != "", Marker: next}
	out.Users.Member = make([]userXML, len(users))
	for i, u := range users {
		out.Users.Member[i] = userOut(u)
	}
	return out, nil
}

func (h *handler) deleteUser(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Required("UserName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteUser(ctx, c, name)
}

// Access keys.

func (h *handler) createAccessKey(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Optional("UserName")
	if err != nil {
		return nil, err
	}
	k, user, secret, err := h.svc.CreateAccessKey(ctx, c, name)
	if err != nil {
		return nil, err
	}
	out := keyOut(user, k)
	out.SecretAccessKey = secret
	return createAccessKeyResult{out}, nil
}

func (h *handler) listAccessKeys(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Optional("UserName")
	if err != nil {
		return nil, err
	}
	marker, maxItems, err := p.Paging()
	if err != nil {
		return nil, err
	}
	keys, user, err := h.svc.ListAccessKeys(ctx, c, name)
	if err != nil {
		return nil, err
	}
	// A user has at most two keys: the service lists them whole and the
	// page is cut here. The marker is the id of the first key not shown.
	start := 0
	if marker != "" {
		start = -1
		for i, k := range keys {
			if k.AccessKeyID == marker {
				start = i
				break
			}
		}
		if start < 0 {
			return nil, &awsquery.Error{Code: "InvalidInput", Status: 400, Message: "Invalid Marker."}
		}
	}
	keys = keys[start:]
	out := listAccessKeysResult{}
	if maxItems > 0 && len(keys) > maxItems {
		out.IsTruncated, out.Marker = true, keys[maxItems].AccessKeyID
		keys = keys[:maxItems]
	}
	out.AccessKeyMetadata.Member = make([]accessKeyXML, len(keys))
	for i, k := range keys {
		out.AccessKeyMetadata.Member[i] = keyOut(user, k)
	}
	return out, nil
}

func (h *handler) updateAccessKey(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Optional("UserName")
	if err != nil {
		return nil, err
	}
	id, err := p.Required("AccessKeyId")
	if err != nil {
		return nil, err
	}
	status, err := p.Required("Status")
	if err != nil {
		return nil, err
	}
	switch s := domain.AccessKeyStatus(status); s {
	case domain.KeyActive, domain.KeyInactive:
		return nil, h.svc.UpdateAccessKey(ctx, c, name, id, s)
	}
	return nil, awsquery.Validation("Value '" + status + "' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
}

func (h *handler) deleteAccessKey(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Optional("UserName")
	if err != nil {
		return nil, err
	}
	id, err := p.Required("AccessKeyId")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteAccessKey(ctx, c, name, id)
}

// Inline policies: the user and role forms differ only by the owner's
// parameter, the service calls and the Get answer's shape.

type policyOps struct {
	owner  string // "UserName" or "RoleName"
	put    func(ctx context.Context, c *iamsvc.Credential, owner, name, doc string) error
	get    func(ctx context.Context, c *iamsvc.Credential, owner, name string) (string, error)
	list   func(ctx context.Context, c *iamsvc.Credential, owner, marker string, maxItems int) ([]string, string, error)
	delete func(ctx context.Context, c *iamsvc.Credential, owner, name string) error
}

func (h *handler) userPolicies() policyOps {
	return policyOps{"UserName", h.svc.PutUserPolicy, h.svc.GetUserPolicy, h.svc.ListUserPolicies, h.svc.DeleteUserPolicy}
}

func (h *handler) rolePolicies() policyOps {
	return policyOps{"RoleName", h.svc.PutRolePolicy, h.svc.GetRolePolicy, h.svc.ListRolePolicies, h.svc.DeleteRolePolicy}
}

func (o policyOps) names(p awsquery.Params, withPolicy bool) (owner, policy string, err error) {
	if owner, err = p.Required(o.owner); err != nil {
		return "", "", err
	}
	if withPolicy {
		if policy, err = p.Required("PolicyName"); err != nil {
			return "", "", err
		}
	}
	return owner, policy, nil
}

func (o policyOps) doPut(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	owner, name, err := o.names(p, true)
	if err != nil {
		return nil, err
	}
	doc, err := p.Required("PolicyDocument")
	if err != nil {
		return nil, err
	}
	return nil, o.put(ctx, c, owner, name, doc)
}

func (o policyOps) doGet(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (owner, name, doc string, err error) {
	if owner, name, err = o.names(p, true); err != nil {
		return "", "", "", err
	}
	doc, err = o.get(ctx, c, owner, name)
	return owner, name, awsquery.EncodeDocument(doc), err
}

func (o policyOps) doList(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	owner, _, err := o.names(p, false)
	if err != nil {
		return nil, err
	}
	marker, maxItems, err := p.Paging()
	if err != nil {
		return nil, err
	}
	names, next, err := o.list(ctx, c, owner, marker, maxItems)
	if err != nil {
		return nil, err
	}
	out := listPoliciesResult{IsTruncated: next != "", Marker: next}
	out.PolicyNames.Member = names
	return out, nil
}

func (o policyOps) doDelete(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	owner, name, err := o.names(p, true)
	if err != nil {
		return nil, err
	}
	return nil, o.delete(ctx, c, owner, name)
}

func (h *handler) putUserPolicy(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	return h.userPolicies().doPut(ctx, c, p)
}

func (h *handler) getUserPolicy(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	user, name, doc, err := h.userPolicies().doGet(ctx, c, p)
	if err != nil {
		return nil, err
	}
	return getUserPolicyResult{UserName: user, PolicyName: name, PolicyDocument: doc}, nil
}

func (h *handler) listUserPolicies(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	return h.userPolicies().doList(ctx, c, p)
}

func (h *handler) deleteUserPolicy(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	return h.userPolicies().doDelete(ctx, c, p)
}

func (h *handler) putRolePolicy(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	return h.rolePolicies().doPut(ctx, c, p)
}

func (h *handler) getRolePolicy(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	role, name, doc, err := h.rolePolicies().doGet(ctx, c, p)
	if err != nil {
		return nil, err
	}
	return getRolePolicyResult{RoleName: role, PolicyName: name, PolicyDocument: doc}, nil
}

func (h *handler) listRolePolicies(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	return h.rolePolicies().doList(ctx, c, p)
}

func (h *handler) deleteRolePolicy(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	return h.rolePolicies().doDelete(ctx, c, p)
}

// Roles.

func (h *handler) createRole(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	var in iamsvc.RoleInput
	var err error
	if in.Name, err = p.Required("RoleName"); err != nil {
		return nil, err
	}
	if in.TrustPolicy, err = p.Required("AssumeRolePolicyDocument"); err != nil {
		return nil, err
	}
	if in.Path, err = p.Optional("Path"); err != nil {
		return nil, err
	}
	in.Description = p.Raw("Description") // may be empty: IAM's minimum length is 0
	if in.MaxSessionDuration, err = p.IntRange("MaxSessionDuration", 3600, 43200); err != nil {
		return nil, err
	}
	if err := p.Refuse("PermissionsBoundary", "Tags"); err != nil {
		return nil, err
	}
	r, err := h.svc.CreateRole(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return roleResult{roleOut(r)}, nil
}

func (h *handler) getRole(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Required("RoleName")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.GetRole(ctx, c, name)
	if err != nil {
		return nil, err
	}
	out := roleOut(r)
	out.RoleLastUsed = &roleLastUsedXML{} // IAM answers an empty one for a role never used
	return roleResult{out}, nil
}

func (h *handler) listRoles(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	prefix, err := p.Optional("PathPrefix")
	if err != nil {
		return nil, err
	}
	marker, maxItems, err := p.Paging()
	if err != nil {
		return nil, err
	}
	roles, next, err := h.svc.ListRoles(ctx, c, prefix, marker, maxItems)
	if err != nil {
		return nil, err
	}
	out := listRolesResult{IsTruncated: next != "", Marker: next}
	out.Roles.Member = make([]roleXML, len(roles))
	for i, r := range roles {
		out.Roles.Member[i] = roleOut(r)
	}
	return out, nil
}

func (h *handler) updateAssumeRolePolicy(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Required("RoleName")
	if err != nil {
		return nil, err
	}
	doc, err := p.Required("PolicyDocument")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.UpdateAssumeRolePolicy(ctx, c, name, doc)
}

func (h *handler) deleteRole(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	name, err := p.Required("RoleName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteRole(ctx, c, name)
}
