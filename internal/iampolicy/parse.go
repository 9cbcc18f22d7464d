// Package iampolicy parses and evaluates IAM JSON policy documents: the
// identity-based policies attached to users and roles and the
// resource-based policies attached to CodeArtifact domains and
// repositories (and, later, role trust policies).
//
// Parse compiles a document once (wildcards, policy variables, condition
// values); Evaluate then decides a request against the caller's identity
// policies and the resource's policy following AWS's published evaluation
// logic for one account and across accounts, without allocating.
//
// Semantics, where AWS's documentation leaves a choice:
//
//   - Actions match case-insensitively, resources and ARN conditions
//     case-sensitively; * and ? are wildcards in Action, Resource,
//     StringLike and the Arn operators. In ARNs a wildcard stays within its
//     colon-separated segment, and the pattern's last segment takes the rest
//     of the ARN ("arn:aws:codeartifact:*" matches every CodeArtifact ARN).
//   - Condition key names are case-insensitive. Values of one key are OR-ed
//     (NOR-ed for negated operators), keys and operators AND-ed. A missing
//     key: false for positive operators, true for negated ones and for
//     ...IfExists, true for ForAllValues, false for ForAnyValue. An
//     unqualified operator on a key with several values is true when some
//     value matches, and its negated form is the exact opposite.
//   - Policy variables (Version 2012-10-17 only) are substituted in Resource,
//     NotResource and String/Arn condition values, with ${key, 'default'}
//     and the escapes ${*} ${?} ${$}. A key that is absent or has several
//     values, with no default, matches nothing.
//   - Account principals ("123456789012", "arn:aws:iam::123456789012:root")
//     match every principal of the account; a role ARN matches its sessions;
//     Service, Federated and CanonicalUser principals never match. In
//     identity policies Principal is not consulted (Validate rejects it).
//   - The root principal (Principal.Root, artifactd's administrator key)
//     needs no identity policy; explicit denies still bind it.
//
// The package is pure: no I/O, no global mutable state. A *Policy is
// immutable and safe for concurrent use.
package iampolicy

import (
	"fmt"
	"strings"
)

// MaxDocumentSize bounds the documents Parse accepts, in bytes. It is a
// safety bound well above IAM's own limits (resource policies of
// CodeArtifact take at most 7168 characters, identity policies 2048 to
// 10240); callers enforce those with the error each API returns.
const MaxDocumentSize = 128 << 10

// The two policy language versions. 2008-10-17, the default when a
// document has no Version, has no policy variables: "${aws:username}" is
// literal text there.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Error is a problem with a policy document. Its message says what is wrong
// and where, for a MalformedPolicyDocumentException or ValidationException.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Policy is a parsed, compiled policy document.
type Policy struct {
	version    string
	versionSet bool
	id         string
	statements []statement
}

// Version returns the document's Version ("2012-10-17" or "2008-10-17";
// "2008-10-17" when it has none).
func (p *Policy) Version() string { return p.version }

// ID returns the document's Id element, if any.
func (p *Policy) ID() string { return p.id }

// Len returns the number of statements.
func (p *Policy) Len() int { return len(p.statements) }

// Sid returns the Sid of statement i (0-based), possibly "".
func (p *Policy) Sid(i int) string { return p.statements[i].sid }

type effect uint8

const (
	effAllow effect = iota + 1
	effDeny
)

type statement struct {
	sid    string
	effect effect

	principal    *principalSet // nil: neither Principal nor NotPrincipal
	notPrincipal bool

	actions   []glob
	notAction bool

	resources   []arnPattern // empty with hasResource false: no Resource element
	hasResource bool
	notResource bool

	conditions []condition
}

// Parse parses and compiles an IAM policy document.
func Parse(document string) (*Policy, error) {
	if len(document) > MaxDocumentSize {
		return nil, errorf("the policy document is %d bytes long, more than the %d allowed", len(document), MaxDocumentSize)
	}
	if strings.TrimSpace(document) == "" {
		return nil, errorf("the policy document is empty")
	}
	root, err := decodeJSON(document)
	if err != nil {
		return nil, err
	}
	if root.kind != jObject {
		return nil, errorf("the policy document must be a JSON object, not %s", root.kind)
	}
	p := &Policy{version: Version2008}
	var stmts *jvalue
	for i := range root.obj {
		m := &root.obj[i]
		switch m.key {
		case "Version":
			if m.val.kind != jString {
				return nil, errorf("Version must be a string, not %s", m.val.kind)
			}
			if m.val.str != Version2012 && m.val.str != Version2008 {
				return nil, errorf("Version %q is not valid: use %q (or %q)", clip(m.val.str), Version2012, Version2008)
			}
			p.version, p.versionSet = m.val.str, true
		case "Id":
			if m.val.kind != jString {
				return nil, errorf("Id must be a string, not %s", m.val.kind)
			}
			p.id = m.val.str
		case "Statement":
			stmts = &m.val
		default:
			return nil, errorf("unknown policy element %q: a policy has Version, Id and Statement", clip(m.key))
		}
	}
	if stmts == nil {
		return nil, errorf("the policy document has no Statement")
	}
	var list []jvalue
	switch stmts.kind {
	case jObject:
		list = []jvalue{*stmts}
	case jArray:
		list = stmts.arr
	default:
		return nil, errorf("Statement must be an object or a list of objects, not %s", stmts.kind)
	}
	if len(list) == 0 {
		return nil, errorf("Statement must hold at least one statement")
	}
	vars := p.version == Version2012
	sids := make(map[string]bool, len(list))
	p.statements = make([]statement, 0, len(list))
	for i := range list {
		st, err := parseStatement(&list[i], vars)
		if err != nil {
			where := fmt.Sprintf("statement %d", i+1)
			if st.sid != "" {
				where += fmt.Sprintf(" (Sid %q)", clip(st.sid))
			}
			return nil, errorf("%s: %s", where, err)
		}
		if st.sid != "" {
			if sids[st.sid] {
				return nil, errorf("statement %d: Sid %q is already used by another statement; Sids must be unique within a policy", i+1, clip(st.sid))
			}
			sids[st.sid] = true
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func parseStatement(v *jvalue, vars bool) (statement, error) {
	var st statement
	if v.kind != jObject {
		return st, errorf("a statement must be an object, not %s", v.kind)
	}
	// The Sid first, so that errors can name the statement.
	for _, m := range v.obj {
		if m.key == "Sid" {
			if m.val.kind != jString {
				return st, errorf("Sid must be a string, not %s", m.val.kind)
			}
			st.sid = m.val.str
		}
	}
	var hasAction bool
	for i := range v.obj {
		m := &v.obj[i]
		var err error
		switch m.key {
		case "Sid":
		case "Effect":
			if m.val.kind != jString {
				return st, errorf("Effect must be \"Allow\" or \"Deny\", not %s", m.val.kind)
			}
			switch m.val.str {
			case "Allow":
				st.effect = effAllow
			case "Deny":
				st.effect = effDeny
			default:
				return st, errorf("Effect must be \"Allow\" or \"Deny\", not %q", clip(m.val.str))
			}
		case "Principal", "NotPrincipal":
			if st.principal != nil {
				return st, errorf("a statement has either Principal or NotPrincipal, not both")
			}
			st.principal, err = parsePrincipal(m.key, &m.val)
			st.notPrincipal = m.key == "NotPrincipal"
		case "Action", "NotAction":
			if hasAction {
				return st, errorf("a statement has either Action or NotAction, not both")
			}
			hasAction = true
			st.notAction = m.key == "NotAction"
			st.actions, err = parseActions(m.key, &m.val)
		case "Resource", "NotResource":
			if st.hasResource {
				return st, errorf("a statement has either Resource or NotResource, not both")
			}
			st.hasResource = true
			st.notResource = m.key == "NotResource"
			st.resources, err = parseResources(m.key, &m.val, vars)
		case "Condition":
			st.conditions, err = parseConditions(&m.val, vars)
		default:
			return st, errorf("unknown statement element %q", clip(m.key))
		}
		if err != nil {
			return st, err
		}
	}
	if st.effect == 0 {
		return st, errorf("the statement has no Effect")
	}
	if !hasAction {
		return st, errorf("the statement has neither Action nor NotAction")
	}
	return st, nil
}

// stringList reads a string or a non-empty list of strings.
func stringList(name string, v *jvalue) ([]string, error) {
	switch v.kind {
	case jString:
		return []string{v.str}, nil
	case jArray:
		if len(v.arr) == 0 {
			return nil, errorf("%s must not be an empty list", name)
		}
		out := make([]string, len(v.arr))
		for i := range v.arr {
			if v.arr[i].kind != jString {
				return nil, errorf("%s must hold strings, not %s", name, v.arr[i].kind)
			}
			out[i] = v.arr[i].str
		}
		return out, nil
	}
	return nil, errorf("%s must be a string or a list of strings, not %s", name, v.kind)
}

func parseActions(name string, v *jvalue) ([]glob, error) {
	list, err := stringList(name, v)
	if err != nil {
		return nil, err
	}
	out := make([]glob, len(list))
	for i, a := range list {
		if a != "*" {
			colon := strings.IndexByte(a, ':')
			if colon <= 0 || colon == len(a)-1 {
				return nil, errorf("%s %q must be \"*\" or a service prefix and an action, like \"codeartifact:ReadFromRepository\"", name, clip(a))
			}
		}
		out[i], err = compileGlob(a, true, false, foldASCII)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseResources(name string, v *jvalue, vars bool) ([]arnPattern, error) {
	list, err := stringList(name, v)
	if err != nil {
		return nil, err
	}
	out := make([]arnPattern, len(list))
	for i, r := range list {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return nil, errorf("%s %q must be an ARN or \"*\"", name, clip(r))
		}
		out[i], err = compileARN(r, vars)
		if err != nil {
			return nil, errorf("%s %q: %s", name, clip(r), err)
		}
	}
	return out, nil
}

// Kind is the role a policy document plays; Validate checks the rules IAM
// adds for each.
type Kind uint8

const (
	// IdentityPolicy: attached to a user or role (PutUserPolicy,
	// PutRolePolicy). No Principal; Resource or NotResource required.
	IdentityPolicy Kind = iota + 1
	// ResourcePolicy: attached to a domain or repository
	// (Put*PermissionsPolicy). Principal or NotPrincipal required; Resource
	// may be left out (the resource is implied).
	ResourcePolicy
	// TrustPolicy: a role's assume-role policy. Principal required, no
	// Resource or NotResource.
	TrustPolicy
)

// Validate checks the rules of a policy of the given kind beyond the
// grammar Parse checks.
func (p *Policy) Validate(kind Kind) error {
	for i := range p.statements {
		s := &p.statements[i]
		where := fmt.Sprintf("statement %d", i+1)
		if s.sid != "" {
			where += fmt.Sprintf(" (Sid %q)", clip(s.sid))
		}
		switch kind {
		case IdentityPolicy:
			if s.principal != nil {
				return errorf("%s: an identity-based policy must not specify a principal (Principal or NotPrincipal)", where)
			}
			if !s.hasResource {
				return errorf("%s: the statement must contain Resource or NotResource", where)
			}
		case ResourcePolicy:
			if s.principal == nil {
				return errorf("%s: a resource-based policy must specify a principal (Principal or NotPrincipal)", where)
			}
		case TrustPolicy:
			if s.principal == nil {
				return errorf("%s: a trust policy must specify a principal (Principal or NotPrincipal)", where)
			}
			if s.hasResource {
				return errorf("%s: a trust policy must not have Resource or NotResource", where)
			}
		default:
			return errorf("unknown policy kind %d", kind)
		}
	}
	return nil
}

// UsesKeyPrefix reports whether a condition of p names a context key
// starting with prefix (compared in lower case, e.g. "aws:resourcetag/"):
// callers skip gathering costly keys no policy asks for.
func (p *Policy) UsesKeyPrefix(prefix string) bool {
	if p == nil {
		return false
	}
	for i := range p.statements {
		for j := range p.statements[i].conditions {
			if strings.HasPrefix(p.statements[i].conditions[j].keyLower, prefix) {
				return true
			}
		}
	}
	return false
}
