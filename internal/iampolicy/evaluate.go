package iampolicy

import "strings"

// Principal is who makes a request.
type Principal struct {
	// Account is the principal's 12-digit account id.
	Account string
	// ARN is the principal's ARN: arn:aws:iam::{account}:user/{path/}{name},
	// arn:aws:sts::{account}:assumed-role/{role}/{session}, or
	// arn:aws:iam::{account}:root for the account's root (administrator).
	ARN string
	// RoleARN is, for an assumed-role session, the role's ARN
	// (arn:aws:iam::{account}:role/{path/}{name}). A resource policy naming
	// the role matches its sessions, and aws:PrincipalArn is the role's ARN.
	RoleARN string
	// Username is an IAM user's name (aws:username); empty for others.
	Username string
	// UserID is the unique id (aws:userid): AIDA... for a user,
	// AROA...:{session} for a role session, the account id for the root.
	UserID string
	// Root marks the account's root principal: in artifactd, the
	// installation's administrator key. It needs no identity policy in its
	// own account (it has every permission there, as AWS's root user does),
	// and an explicit Deny in a resource policy still binds it.
	Root bool
}

// Request is what is to be decided.
type Request struct {
	Principal Principal
	// Action is "service:Action", e.g. "codeartifact:ReadFromRepository".
	Action string
	// Resource is the resource's ARN.
	Resource string
	// Context holds the request's condition keys (aws:SourceIp,
	// aws:SecureTransport, aws:RequestTag/{k}, aws:ResourceTag/{k},
	// aws:TagKeys, ...). Key names are case-insensitive; an exact or
	// lower-case spelling is found fastest. aws:PrincipalAccount,
	// aws:PrincipalArn, aws:username and aws:userid come from Principal
	// when Context does not hold them.
	Context map[string][]string
}

// Effect is the outcome of an evaluation.
type Effect uint8

const (
	// ImplicitDeny: nothing allowed the request (the default).
	ImplicitDeny Effect = iota
	// Allow: the request is allowed.
	Allow
	// ExplicitDeny: a Deny statement applies; nothing overrides it.
	ExplicitDeny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Source is the kind of policy a statement came from.
type Source uint8

const (
	SourceNone     Source = iota
	SourceIdentity        // an identity-based policy of the caller
	SourceResource        // the resource-based policy
	SourceRoot            // no statement: the root principal's own permissions
)

func (s Source) String() string {
	switch s {
	case SourceIdentity:
		return "identity-based policy"
	case SourceResource:
		return "resource-based policy"
	case SourceRoot:
		return "root"
	}
	return "none"
}

// StatementRef names a statement: which policy (Policy is the index in the
// identity slice; 0 for the resource policy) and which statement (0-based).
type StatementRef struct {
	Source    Source
	Policy    int
	Statement int
	Sid       string
}

// Decision is the result of Evaluate.
type Decision struct {
	Effect Effect
	// By is the statement that decided: the Deny statement for ExplicitDeny;
	// for Allow the granting statement (the identity-based one if any, in
	// the same account; the resource-based one across accounts). Its Source
	// is SourceNone for ImplicitDeny.
	By StatementRef
	// IdentityAllow and ResourceAllow are the first Allow statements that
	// applied on each side (Source SourceNone if none; SourceRoot for the
	// root's own permissions). Not filled after an explicit deny, and
	// ResourceAllow is not looked for when an identity Allow already
	// decided a same-account request.
	IdentityAllow StatementRef
	ResourceAllow StatementRef
	// CrossAccount reports that the principal's account is not the
	// resource's: both sides had to allow.
	CrossAccount bool
}

// Allowed reports whether the request is allowed.
func (d Decision) Allowed() bool { return d.Effect == Allow }

// Reason completes AWS's AccessDenied message after the resource, e.g.
// "because no identity-based policy allows the codeartifact:PublishPackageVersion action"
// or "with an explicit deny in a resource-based policy". It is "" for Allow.
func (d Decision) Reason(action string) string {
	switch d.Effect {
	case ExplicitDeny:
		if d.By.Source == SourceResource {
			return "with an explicit deny in a resource-based policy"
		}
		return "with an explicit deny in an identity-based policy"
	case ImplicitDeny:
		if d.CrossAccount && d.IdentityAllow.Source != SourceNone {
			return "because no resource-based policy allows the " + action + " action"
		}
		return "because no identity-based policy allows the " + action + " action"
	}
	return ""
}

// Message is the AccessDeniedException message AWS gives for a denied
// request: "User: {arn} is not authorized to perform: {action} on
// resource: {arn} because no identity-based policy allows the {action}
// action". It is "" for Allow.
func (d Decision) Message(req Request) string {
	if d.Effect == Allow {
		return ""
	}
	return "User: " + req.Principal.ARN + " is not authorized to perform: " + req.Action +
		" on resource: " + req.Resource + " " + d.Reason(req.Action)
}

// Evaluate decides req as AWS does for identity-based and resource-based
// policies:
//
//  1. An explicit Deny in any applicable statement (of an identity policy,
//     or of the resource policy when its Principal matches the caller)
//     denies.
//  2. Same account (Principal.Account == resourceAccount): an Allow from
//     an identity policy, or from the resource policy (when its Principal
//     matches the caller), allows. The root principal needs no Allow in its
//     own account.
//  3. Another account: an Allow is needed from both sides: the caller's
//     identity policies (or the caller being its account's root) and the
//     resource policy.
//  4. Otherwise the request is implicitly denied.
//
// identity holds the caller's identity-based policies (nil entries are
// skipped); resource is the resource's policy, nil if it has none.
// Principal elements in identity policies are not consulted (the statement
// applies to the identity it is attached to), while a resource policy
// statement with neither Principal nor NotPrincipal applies to nobody.
// SCPs, permissions boundaries and session policies are not modelled.
func Evaluate(req Request, identity []*Policy, resource *Policy, resourceAccount string) Decision {
	e := evalCtx{req: &req}
	e.colons, e.ncolons = arnColons(req.Resource)
	d := Decision{CrossAccount: req.Principal.Account != resourceAccount}

	for i, p := range identity {
		if p == nil {
			continue
		}
		deny, allow := p.eval(&e, false, d.IdentityAllow.Source != SourceNone)
		if deny >= 0 {
			d.Effect = ExplicitDeny
			d.By = StatementRef{SourceIdentity, i, deny, p.statements[deny].sid}
			d.IdentityAllow = StatementRef{}
			return d
		}
		if allow >= 0 && d.IdentityAllow.Source == SourceNone {
			d.IdentityAllow = StatementRef{SourceIdentity, i, allow, p.statements[allow].sid}
		}
	}
	if resource != nil {
		// In the same account an identity Allow suffices: the resource
		// policy is then only searched for a Deny.
		skip := !d.CrossAccount && d.IdentityAllow.Source != SourceNone
		deny, allow := resource.eval(&e, true, skip)
		if deny >= 0 {
			d.Effect = ExplicitDeny
			d.By = StatementRef{SourceResource, 0, deny, resource.statements[deny].sid}
			d.IdentityAllow = StatementRef{}
			return d
		}
		if allow >= 0 {
			d.ResourceAllow = StatementRef{SourceResource, 0, allow, resource.statements[allow].sid}
		}
	}
	if d.IdentityAllow.Source == SourceNone && req.Principal.Root {
		d.IdentityAllow = StatementRef{Source: SourceRoot}
	}
	switch {
	case d.CrossAccount:
		if d.IdentityAllow.Source != SourceNone && d.ResourceAllow.Source != SourceNone {
			d.Effect, d.By = Allow, d.ResourceAllow
		}
	case d.IdentityAllow.Source != SourceNone:
		d.Effect, d.By = Allow, d.IdentityAllow
	case d.ResourceAllow.Source != SourceNone:
		d.Effect, d.By = Allow, d.ResourceAllow
	}
	return d
}

// eval returns the first statement that denies (-1 if none) and, unless
// skipAllow, the first that allows (-1 if none). It stops at a deny.
func (p *Policy) eval(e *evalCtx, checkPrincipal, skipAllow bool) (deny, allow int) {
	allow = -1
	for i := range p.statements {
		s := &p.statements[i]
		if s.effect == effAllow && (skipAllow || allow >= 0) {
			continue
		}
		if !s.applies(e, checkPrincipal) {
			continue
		}
		if s.effect == effDeny {
			return i, allow
		}
		allow = i
	}
	return -1, allow
}

// applies reports whether the statement covers the request: its action,
// resource, principal (for resource policies) and conditions all match.
// The cheap, selective tests come first.
func (s *statement) applies(e *evalCtx, checkPrincipal bool) bool {
	req := e.req
	matched := false
	for i := range s.actions {
		if s.actions[i].match(req.Action, e) {
			matched = true
			break
		}
	}
	if matched == s.notAction {
		return false
	}
	if s.hasResource {
		matched = false
		for i := range s.resources {
			if s.resources[i].match(req.Resource, &e.colons, e.ncolons, e) {
				matched = true
				break
			}
		}
		if matched == s.notResource {
			return false
		}
	}
	if checkPrincipal {
		if s.principal == nil || s.principal.match(&req.Principal) == s.notPrincipal {
			return false
		}
	}
	for i := range s.conditions {
		if !s.conditions[i].eval(e) {
			return false
		}
	}
	return true
}

// evalCtx is one evaluation's state; it lives on Evaluate's stack.
type evalCtx struct {
	req     *Request
	colons  [5]int // of req.Resource
	ncolons int
}

// valueSet is a context key's values without copying them: a slice of the
// request's Context, or one value derived from the principal.
type valueSet struct {
	list []string
	one  string
	n    int
}

func (v *valueSet) at(i int) string {
	if v.list != nil {
		return v.list[i]
	}
	return v.one
}

// lookup finds a condition key's values: in Context (by the spelling of the
// policy, then lower case, then any case), else derived from the principal.
func (e *evalCtx) lookup(key, lower string) valueSet {
	ctx := e.req.Context
	if vs, ok := ctx[key]; ok {
		return valueSet{list: vs, n: len(vs)}
	}
	if lower != key {
		if vs, ok := ctx[lower]; ok {
			return valueSet{list: vs, n: len(vs)}
		}
	}
	p := &e.req.Principal
	derived, isDerived := "", true
	switch lower {
	case "aws:principalaccount":
		derived = p.Account
	case "aws:principalarn":
		derived = p.ARN
		if p.RoleARN != "" {
			derived = p.RoleARN
		}
	case "aws:username":
		derived = p.Username
	case "aws:userid":
		derived = p.UserID
	default:
		isDerived = false
	}
	if isDerived && derived != "" {
		return valueSet{one: derived, n: 1}
	}
	for k, vs := range ctx {
		if len(k) == len(key) && strings.EqualFold(k, key) {
			return valueSet{list: vs, n: len(vs)}
		}
	}
	return valueSet{}
}

// variable resolves a policy variable: the key's single value, else the
// default, else nothing (a key that is absent or has several values cannot
// be substituted, and the pattern holding it matches nothing).
func (e *evalCtx) variable(t *token) (string, bool) {
	vs := e.lookup(t.s, t.lower)
	if vs.n == 1 {
		return vs.at(0), true
	}
	return t.def, t.hasDef
}
