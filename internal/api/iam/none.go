package iam

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/artifactd/artifactd/internal/api/awsquery"
	iamsvc "github.com/artifactd/artifactd/internal/iam"
)

// artifactd has no managed policies, groups, instance profiles, tags,
// passwords, MFA devices, SSH keys, signing certificates or
// service-specific credentials. Tools that manage users and roles read
// them all the same — Terraform's aws_iam_role lists the role's attached
// policies and instance profiles, aws_iam_user with force_destroy lists
// what it must remove before DeleteUser — so these listings answer, for an
// existing user or role, that there are none. The owner is looked up with
// GetUser or GetRole, so they are authorized as iam:GetUser or iam:GetRole
// and answer NoSuchEntity as IAM would.
var noneOfUser = map[string]string{ // action -> list element
	"ListAttachedUserPolicies":       "AttachedPolicies",
	"ListGroupsForUser":              "Groups",
	"ListUserTags":                   "Tags",
	"ListMFADevices":                 "MFADevices",
	"ListSSHPublicKeys":              "SSHPublicKeys",
	"ListSigningCertificates":        "Certificates",
	"ListServiceSpecificCredentials": "ServiceSpecificCredentials",
}

var noneOfRole = map[string]string{
	"ListAttachedRolePolicies":    "AttachedPolicies",
	"ListInstanceProfilesForRole": "InstanceProfiles",
	"ListRoleTags":                "Tags",
}

// userOptional lists the actions whose UserName may be absent (the
// caller).
var userOptional = map[string]bool{
	"ListMFADevices": true, "ListSSHPublicKeys": true, "ListSigningCertificates": true, "ListServiceSpecificCredentials": true,
}

// emptyListing is a listing result with no items: <{list}></{list}>
// and IsTruncated false.
type emptyListing struct{ list string }

func (e emptyListing) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if err := enc.EncodeElement("", xml.StartElement{Name: xml.Name{Local: e.list}}); err != nil {
		return err
	}
	if err := enc.EncodeElement(false, xml.StartElement{Name: xml.Name{Local: "IsTruncated"}}); err != nil {
		return err
	}
	return enc.EncodeToken(start.End())
}

func (h *handler) addNone(actions map[string]awsquery.Action) {
	for action, list := range noneOfUser {
		actions[action] = func(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
			get := p.Required
			if userOptional[action] {
				get = p.Optional
			}
			name, err := get("UserName")
			if err != nil {
				return nil, err
			}
			if _, _, err := p.Paging(); err != nil {
				return nil, err
			}
			if _, err := h.svc.GetUser(ctx, c, name); err != nil {
				return nil, err
			}
			return emptyListing{list}, nil
		}
	}
	for action, list := range noneOfRole {
		actions[action] = func(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
			name, err := p.Required("RoleName")
			if err != nil {
				return nil, err
			}
			if _, _, err := p.Paging(); err != nil {
				return nil, err
			}
			if _, err := h.svc.GetRole(ctx, c, name); err != nil {
				return nil, err
			}
			return emptyListing{list}, nil
		}
	}
	// An account-wide listing of nothing: it reveals nothing, so it needs
	// no authorization.
	actions["ListVirtualMFADevices"] = func(_ context.Context, _ *iamsvc.Credential, p awsquery.Params) (any, error) {
		if _, _, err := p.Paging(); err != nil {
			return nil, err
		}
		return emptyListing{"VirtualMFADevices"}, nil
	}
	// A user has no password: its login profile is not found.
	noLoginProfile := func(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
		name, err := p.Optional("UserName")
		if err != nil {
			return nil, err
		}
		u, err := h.svc.GetUser(ctx, c, name)
		if err != nil {
			return nil, err
		}
		if u.Name == "" {
			u.Name = "root"
		}
		return nil, &awsquery.Error{Code: "NoSuchEntity", Status: http.StatusNotFound,
			Message: "Login Profile for User " + u.Name + " cannot be found."}
	}
	actions["GetLoginProfile"] = noLoginProfile
	actions["DeleteLoginProfile"] = noLoginProfile
}
