package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/store"
)

// GetCallerIdentity returns who c is: its account, ARN and unique id (the
// account id for the administrator, AIDA... for a user, AROA...:{session}
// for a role session). It needs no permission, as in AWS.
func (s *Service) GetCallerIdentity(ctx context.Context, c *Credential) (account, arn, userID string) {
	if c == nil {
		return "", "", ""
	}
	return c.Principal.Account, c.Principal.ARN, c.Principal.UserID
}

// SessionCredentials are a role session's temporary credentials and the
// assumed-role user they stand for.
type SessionCredentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
	AssumedRoleARN, AssumedRoleID              string
}

// parseRoleARN splits arn:aws:iam::{account}:role{path}{name}.
func parseRoleARN(arn string) (account, path, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return "", "", "", false
	}
	account, rest, ok = strings.Cut(rest, ":")
	if !ok || !identity.ValidAccount(account) {
		return "", "", "", false
	}
	rest, ok = strings.CutPrefix(rest, "role/")
	if !ok {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = "/"+rest[:i+1], rest[i+1:]
	if !validPath(path) || name == "" || len(name) > maxRoleName || !isNameChars(name) {
		return "", "", "", false
	}
	return account, path, name, true
}

// AssumeRole returns temporary credentials for a role session: an ASIA key
// id, a 40-character secret and a session token, valid durationSeconds
// (0 = 3600; 900 to the role's MaxSessionDuration, at most 3600 when a role
// session assumes a role).
//
// Authorization needs both sides, even within one account: the role's
// trust policy must allow sts:AssumeRole for the caller, and the caller's
// identity policies must allow sts:AssumeRole on the role (the
// administrator needs none). A role of another account is assumed the same
// way. The administrator may also assume
// arn:aws:iam::{any account}:role/OrganizationAccountAccessRole, which
// exists implicitly in every account (while no real role of that name does)
// with every permission there, and which only the administrator may
// assume. A role that does not exist is refused as one the caller may not
// assume: the answer does not tell which.
func (s *Service) AssumeRole(ctx context.Context, c *Credential, roleARNArg, sessionName string, durationSeconds int) (SessionCredentials, error) {
	if c == nil {
		return SessionCredentials{}, errNoCaller
	}
	var v validator
	v.length("roleArn", roleARNArg, true, 20, 2048)
	if v.length("roleSessionName", sessionName, true, minSessionName, maxSessionName) {
		v.pattern("roleSessionName", sessionName, true, isNameChars(sessionName), patSessionName)
	}
	if durationSeconds != 0 {
		v.intRange("durationSeconds", durationSeconds, MinSessionDuration, MaxMaxSessionDuration)
	}
	if err := v.err(); err != nil {
		return SessionCredentials{}, err
	}
	account, path, name, ok := parseRoleARN(roleARNArg)
	if !ok {
		return SessionCredentials{}, validationError("%s is invalid", clip(roleARNArg))
	}
	if durationSeconds == 0 {
		durationSeconds = DefaultSessionDuration
	}
	chained := c.IsRoleSession()
	if chained && durationSeconds > ChainedSessionDuration {
		return SessionCredentials{}, validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	denied := accessDenied("User: " + c.Principal.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + clip(roleARNArg))

	var role domain.IAMRole
	err := s.st.Read(ctx, func(tx store.Tx) (err error) {
		role, err = tx.Identities().GetRole(ctx, account, name)
		return err
	})
	implicit := false
	switch {
	case err == nil:
		if role.Path != path {
			return SessionCredentials{}, denied
		}
	case errors.Is(err, domain.ErrNotFound):
		if !isOrgRole(name) || path != "/" {
			return SessionCredentials{}, denied
		}
		role, implicit = s.orgRole(account), true
	default:
		return SessionCredentials{}, failure(err)
	}
	arn := RoleARN(role)

	// The caller's side: its identity policies (the administrator needs
	// none, in any account).
	req := iampolicy.Request{Principal: c.Principal, Action: "sts:AssumeRole", Resource: arn,
		Context: map[string][]string{"sts:rolesessionname": {sessionName}}}
	if !iampolicy.Evaluate(req, c.Policies, nil, c.Principal.Account).Allowed() {
		return SessionCredentials{}, denied
	}
	// The role's side: its trust policy must allow the caller; the
	// administrator is no exception (it is judged as any principal of its
	// account). The implicit role trusts the administrator only.
	if implicit {
		if !c.Principal.Root {
			return SessionCredentials{}, denied
		}
	} else {
		trust, err := s.compile([]string{role.TrustPolicy})
		if err != nil {
			return SessionCredentials{}, failure(err)
		}
		req.Principal.Root = false
		d := iampolicy.Evaluate(req, nil, trust[0], role.Account)
		if d.Effect == iampolicy.ExplicitDeny || d.ResourceAllow.Source != iampolicy.SourceResource {
			return SessionCredentials{}, denied
		}
	}
	if durationSeconds > role.MaxSessionDuration {
		return SessionCredentials{}, validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	key, secret := newSessionKeyID(), newSecret()
	exp := s.now().UTC().Add(time.Duration(durationSeconds) * time.Second).Truncate(time.Second)
	cl := sessionClaims{
		Account: role.Account, Role: role.Name, RoleID: role.RoleID, Session: sessionName,
		Key: key, Secret: secret, Expires: exp.Unix(), Source: c.Principal.ARN,
	}
	out := SessionCredentials{
		AccessKeyID:     key,
		SecretAccessKey: secret,
		SessionToken:    s.sealSession(&cl),
		Expiration:      exp,
		AssumedRoleARN:  assumedRoleARN(role.Account, role.Name, sessionName),
		AssumedRoleID:   role.RoleID + ":" + sessionName,
	}
	s.log.Info("sts: role assumed", "role", arn, "session", out.AssumedRoleARN, "access_key_id", key,
		"expires", exp, "by", c.Principal.ARN)
	return out, nil
}
