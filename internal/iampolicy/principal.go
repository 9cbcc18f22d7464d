package iampolicy

import "strings"

// principalSet is a compiled Principal or NotPrincipal element.
//
// In the AWS key:
//   - "*" is everyone;
//   - an account id "123456789012", or its root ARN
//     "arn:aws:iam::123456789012:root", is every principal of that account
//     (its root, users, roles and role sessions), as AWS treats account
//     principals;
//   - any other ARN is that principal: a user, a role (which also matches
//     the sessions of the role: Principal.RoleARN), an assumed-role session;
//   - a unique id (AIDA..., AROA...) is the principal with that UserID
//     (IAM writes unique ids in place of the ARNs of deleted principals).
//
// Service, Federated and CanonicalUser principals parse and never match:
// artifactd has no callers of those kinds.
type principalSet struct {
	any      bool
	accounts []string
	arns     []string
	ids      []string
}

func parsePrincipal(name string, v *jvalue) (*principalSet, error) {
	ps := &principalSet{}
	switch v.kind {
	case jString:
		if v.str != "*" {
			return nil, errorf("%s must be \"*\" or an object such as {\"AWS\": \"123456789012\"}, not %q", name, clip(v.str))
		}
		ps.any = true
		return ps, nil
	case jObject:
	default:
		return nil, errorf("%s must be \"*\" or an object such as {\"AWS\": \"123456789012\"}, not %s", name, v.kind)
	}
	if len(v.obj) == 0 {
		return nil, errorf("%s must name at least one principal", name)
	}
	for i := range v.obj {
		m := &v.obj[i]
		list, err := stringList(name+"."+m.key, &m.val)
		if err != nil {
			return nil, err
		}
		switch m.key {
		case "AWS":
			for _, s := range list {
				if err := ps.addAWS(name, s); err != nil {
					return nil, err
				}
			}
		case "Service", "Federated", "CanonicalUser":
			for _, s := range list {
				if s == "" {
					return nil, errorf("%s.%s must not be empty", name, m.key)
				}
			}
		default:
			return nil, errorf("%s has an unknown key %q: use \"AWS\" (or \"Service\", \"Federated\", \"CanonicalUser\")", name, clip(m.key))
		}
	}
	return ps, nil
}

func (ps *principalSet) addAWS(name, s string) error {
	switch {
	case s == "*":
		ps.any = true
	case isAccountID(s):
		ps.accounts = append(ps.accounts, s)
	case strings.HasPrefix(s, "arn:"):
		if strings.ContainsAny(s, "*?") {
			return errorf("%s %q: a principal ARN cannot hold wildcards (use \"*\" alone, or a condition on aws:PrincipalArn)", name, clip(s))
		}
		if acct, ok := rootARNAccount(s); ok {
			ps.accounts = append(ps.accounts, acct)
			return nil
		}
		if parts := strings.SplitN(s, ":", 6); len(parts) < 6 || parts[2] == "" || parts[5] == "" {
			return errorf("%s %q is not a valid principal ARN", name, clip(s))
		}
		ps.arns = append(ps.arns, s)
	case isUniqueID(s):
		ps.ids = append(ps.ids, s)
	default:
		return errorf("%s %q is not a valid principal: use \"*\", a 12-digit account id or an IAM ARN", name, clip(s))
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rootARNAccount recognizes arn:{partition}:iam::{account}:root.
func rootARNAccount(s string) (string, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) == 6 && parts[2] == "iam" && parts[3] == "" && isAccountID(parts[4]) && parts[5] == "root" {
		return parts[4], true
	}
	return "", false
}

// isUniqueID recognizes IAM unique ids: "A" and upper-case letters and
// digits, 16 to 128 characters (AIDA... users, AROA... roles).
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] != 'A' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// match reports whether the principal is one the set names.
func (ps *principalSet) match(p *Principal) bool {
	if ps.any {
		return true
	}
	for _, a := range ps.accounts {
		if a == p.Account {
			return true
		}
	}
	for _, a := range ps.arns {
		if a == p.ARN || (p.RoleARN != "" && a == p.RoleARN) {
			return true
		}
	}
	if p.UserID != "" {
		// An assumed-role session's user id is "AROA...:session".
		uid := p.UserID
		if i := strings.IndexByte(uid, ':'); i >= 0 {
			uid = uid[:i]
		}
		for _, id := range ps.ids {
			if id == uid {
				return true
			}
		}
	}
	return false
}
