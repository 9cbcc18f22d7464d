package iam_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/iam"
)

func TestRoles(t *testing.T) {
	e := newEnv(t)
	r, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "Deploy", Path: "/ci/", TrustPolicy: trust(acctA), Description: "deploys é"})
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxSessionDuration != 3600 || len(r.RoleID) != 21 || !strings.HasPrefix(r.RoleID, "AROA") || r.Account != acctA ||
		iam.RoleARN(r) != "arn:aws:iam::"+acctA+":role/ci/Deploy" || r.Created.IsZero() {
		t.Fatalf("role %+v", r)
	}
	_, err = e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "deploy", TrustPolicy: trust(acctA)})
	wantErr(t, err, iam.CodeEntityAlreadyExists, 409, "Role with name deploy already exists.")
	got, err := e.s.GetRole(ctx, e.admin, "DEPLOY")
	if err != nil || got != r {
		t.Fatalf("GetRole: %+v %v", got, err)
	}
	_, err = e.s.GetRole(ctx, e.admin, "nope")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The role with name nope cannot be found.")

	for _, tc := range []struct {
		name string
		in   iam.RoleInput
		code string
		msg  string
	}{
		{"short session", iam.RoleInput{Name: "x", TrustPolicy: trust(acctA), MaxSessionDuration: 100}, iam.CodeValidationError,
			"1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{"long session", iam.RoleInput{Name: "x", TrustPolicy: trust(acctA), MaxSessionDuration: 43201}, iam.CodeValidationError,
			"1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"long name", iam.RoleInput{Name: strings.Repeat("r", 65), TrustPolicy: trust(acctA)}, iam.CodeValidationError, ""},
		{"long description", iam.RoleInput{Name: "x", TrustPolicy: trust(acctA), Description: strings.Repeat("d", 1001)}, iam.CodeValidationError, ""},
		{"description characters", iam.RoleInput{Name: "x", TrustPolicy: trust(acctA), Description: "snow ☃"}, iam.CodeValidationError, ""},
		{"no trust policy", iam.RoleInput{Name: "x"}, iam.CodeValidationError, ""},
		{"trust with resource", iam.RoleInput{Name: "x", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acctA + `"},"Action":"sts:AssumeRole","Resource":"*"}]}`},
			iam.CodeMalformedPolicyDocument, ""},
		{"trust without principal", iam.RoleInput{Name: "x", TrustPolicy: policy(`{"Effect":"Allow","Action":"sts:AssumeRole"}`)}, iam.CodeMalformedPolicyDocument, ""},
		{"trust too big", iam.RoleInput{Name: "x", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acctA +
			`"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:RoleSessionName":"` + strings.Repeat("s", 2048) + `"}}}]}`},
			iam.CodeLimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.s.CreateRole(ctx, e.admin, tc.in)
			status := 400
			if tc.code == iam.CodeLimitExceeded {
				status = 409
			}
			wantErr(t, err, tc.code, status, tc.msg)
		})
	}
	long, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "long", TrustPolicy: trust(acctA), MaxSessionDuration: 43200})
	if err != nil || long.MaxSessionDuration != 43200 {
		t.Fatalf("43200: %+v %v", long, err)
	}

	roles, next, err := e.s.ListRoles(ctx, e.admin, "", "", 1)
	if err != nil || len(roles) != 1 || roles[0].Name != "Deploy" || next == "" {
		t.Fatalf("ListRoles: %v %q %v", roles, next, err)
	}
	roles, next, err = e.s.ListRoles(ctx, e.admin, "", next, 1)
	if err != nil || len(roles) != 1 || roles[0].Name != "long" || next != "" {
		t.Fatalf("ListRoles page 2: %v %q %v", roles, next, err)
	}
	if roles, _, _ := e.s.ListRoles(ctx, e.admin, "/ci/", "", 0); len(roles) != 1 {
		t.Fatalf("ListRoles /ci/: %v", roles)
	}

	newTrust := trust("arn:aws:iam::" + acctB + ":root")
	if err := e.s.UpdateAssumeRolePolicy(ctx, e.admin, "deploy", newTrust); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.GetRole(ctx, e.admin, "deploy"); got.TrustPolicy != newTrust || got.RoleID != r.RoleID {
		t.Fatalf("after UpdateAssumeRolePolicy: %+v", got)
	}
	wantErr(t, e.s.UpdateAssumeRolePolicy(ctx, e.admin, "deploy", policy(allow("*", "*"))), iam.CodeMalformedPolicyDocument, 400, "")
	wantErr(t, e.s.UpdateAssumeRolePolicy(ctx, e.admin, "nope", newTrust), iam.CodeNoSuchEntity, 404, "The role with name nope cannot be found.")

	// Role policies: 10240 characters together.
	big := policy(allow("s3:GetObject", "arn:aws:s3:::"+strings.Repeat("b", 5000)))
	if err := e.s.PutRolePolicy(ctx, e.admin, "deploy", "one", big); err != nil {
		t.Fatal(err)
	}
	if err := e.s.PutRolePolicy(ctx, e.admin, "deploy", "two", big); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.s.PutRolePolicy(ctx, e.admin, "deploy", "three", big), iam.CodeLimitExceeded, 409, "Maximum policy size of 10240 bytes exceeded for role Deploy")
	if doc, err := e.s.GetRolePolicy(ctx, e.admin, "deploy", "ONE"); err != nil || doc != big {
		t.Fatalf("GetRolePolicy: %v", err)
	}
	_, err = e.s.GetRolePolicy(ctx, e.admin, "deploy", "three")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The role policy with name three cannot be found.")
	if names, _, err := e.s.ListRolePolicies(ctx, e.admin, "deploy", "", 0); err != nil || strings.Join(names, ",") != "one,two" {
		t.Fatalf("ListRolePolicies: %v %v", names, err)
	}
	wantErr(t, e.s.DeleteRole(ctx, e.admin, "deploy"), iam.CodeDeleteConflict, 409, "Cannot delete entity, must delete policies first.")
	for _, p := range []string{"one", "two"} {
		if err := e.s.DeleteRolePolicy(ctx, e.admin, "deploy", p); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, e.s.DeleteRolePolicy(ctx, e.admin, "deploy", "one"), iam.CodeNoSuchEntity, 404, "The role policy with name one cannot be found.")
	if err := e.s.DeleteRole(ctx, e.admin, "deploy"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.s.DeleteRole(ctx, e.admin, "deploy"), iam.CodeNoSuchEntity, 404, "The role with name deploy cannot be found.")
}

func TestGetCallerIdentity(t *testing.T) {
	e := newEnv(t)
	acct, arn, id := e.s.GetCallerIdentity(ctx, e.admin)
	if acct != acctA || arn != "arn:aws:iam::"+acctA+":root" || id != acctA {
		t.Fatalf("administrator: %s %s %s", acct, arn, id)
	}
	ci, _ := e.user(e.admin, "ci", "")
	acct, arn, id = e.s.GetCallerIdentity(ctx, ci)
	if acct != acctA || arn != "arn:aws:iam::"+acctA+":user/ci" || !strings.HasPrefix(id, "AIDA") {
		t.Fatalf("user: %s %s %s", acct, arn, id)
	}
	r, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "r", Path: "/p/", TrustPolicy: trust(acctA)})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.s.AssumeRole(ctx, e.admin, iam.RoleARN(r), "me@example.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	sess := e.cred(sc.AccessKeyID, sc.SessionToken)
	acct, arn, id = e.s.GetCallerIdentity(ctx, sess)
	if acct != acctA || arn != "arn:aws:sts::"+acctA+":assumed-role/r/me@example.com" || id != r.RoleID+":me@example.com" ||
		arn != sc.AssumedRoleARN || id != sc.AssumedRoleID {
		t.Fatalf("session: %s %s %s (%+v)", acct, arn, id, sc)
	}
	if sess.Principal.RoleARN != "arn:aws:iam::"+acctA+":role/p/r" {
		t.Fatalf("RoleARN %s", sess.Principal.RoleARN)
	}
	// A role session is no user.
	_, err = e.s.GetUser(ctx, sess, "")
	wantErr(t, err, iam.CodeValidationError, 400, "Must specify userName when calling with non-User credentials")
}

func TestAssumeRole(t *testing.T) {
	e := newEnv(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	e.s.SetClock(func() time.Time { return now })

	canAssume := policy(allow("sts:AssumeRole", "arn:aws:iam::*:role/*"))
	ci, _ := e.user(e.admin, "ci", canAssume)
	plain, _ := e.user(e.admin, "plain", "")
	denied, _ := e.user(e.admin, "denied", policy(allow("sts:AssumeRole", "*"), deny("sts:AssumeRole", "arn:aws:iam::*:role/deploy")))

	deploy, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "deploy", TrustPolicy: trust(acctA), MaxSessionDuration: 7200})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.PutRolePolicy(ctx, e.admin, "deploy", "publish", policy(allow("codeartifact:PublishPackageVersion", "*"))); err != nil {
		t.Fatal(err)
	}
	onlyCI, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "only-ci", TrustPolicy: trust("arn:aws:iam::" + acctA + ":user/ci")})
	if err != nil {
		t.Fatal(err)
	}
	noTrust, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "no-trust", TrustPolicy: trust(acctB)})
	if err != nil {
		t.Fatal(err)
	}
	denyTrust, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "deny-trust", TrustPolicy: `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":{"AWS":"` + acctA + `"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + acctA + `:user/ci"},"Action":"sts:AssumeRole"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	sessionName, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "named", TrustPolicy: `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":{"AWS":"` + acctA + `"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:RoleSessionName":"${aws:username}"}}}]}`})
	if err != nil {
		t.Fatal(err)
	}

	notAuthorized := func(c *iam.Credential, role string) string {
		return "User: " + c.Principal.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + role
	}
	for _, tc := range []struct {
		name     string
		c        *iam.Credential
		role     string
		session  string
		duration int
		code     string
		msg      string
	}{
		{"user, both sides allow", ci, iam.RoleARN(deploy), "s1", 0, "", ""},
		{"administrator, trusted", e.admin, iam.RoleARN(deploy), "s1", 7200, "", ""},
		{"trust names the user", ci, iam.RoleARN(onlyCI), "s1", 0, "", ""},
		{"trust names another user", plain, iam.RoleARN(onlyCI), "s1", 0, iam.CodeAccessDenied, notAuthorized(plain, iam.RoleARN(onlyCI))},
		{"identity does not allow", plain, iam.RoleARN(deploy), "s1", 0, iam.CodeAccessDenied, notAuthorized(plain, iam.RoleARN(deploy))},
		{"identity denies", denied, iam.RoleARN(deploy), "s1", 0, iam.CodeAccessDenied, notAuthorized(denied, iam.RoleARN(deploy))},
		{"trust does not allow", ci, iam.RoleARN(noTrust), "s1", 0, iam.CodeAccessDenied, notAuthorized(ci, iam.RoleARN(noTrust))},
		{"administrator, not trusted", e.admin, iam.RoleARN(noTrust), "s1", 0, iam.CodeAccessDenied, notAuthorized(e.admin, iam.RoleARN(noTrust))},
		{"trust denies", ci, iam.RoleARN(denyTrust), "s1", 0, iam.CodeAccessDenied, ""},
		{"trust condition on the session name", ci, iam.RoleARN(sessionName), "ci", 0, "", ""},
		{"trust condition not met", ci, iam.RoleARN(sessionName), "someone", 0, iam.CodeAccessDenied, ""},
		{"no such role", ci, "arn:aws:iam::" + acctA + ":role/nope", "s1", 0, iam.CodeAccessDenied, notAuthorized(ci, "arn:aws:iam::"+acctA+":role/nope")},
		{"wrong path", ci, "arn:aws:iam::" + acctA + ":role/x/deploy", "s1", 0, iam.CodeAccessDenied, ""},
		{"duration above the role's", ci, iam.RoleARN(deploy), "s1", 7201, iam.CodeValidationError,
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"duration below 900", ci, iam.RoleARN(deploy), "s1", 899, iam.CodeValidationError,
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"duration above 43200", ci, iam.RoleARN(deploy), "s1", 43201, iam.CodeValidationError,
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"session name too short", ci, iam.RoleARN(deploy), "s", 0, iam.CodeValidationError,
			"1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"session name characters", ci, iam.RoleARN(deploy), "a b", 0, iam.CodeValidationError,
			`1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"session name too long", ci, iam.RoleARN(deploy), strings.Repeat("s", 65), 0, iam.CodeValidationError, ""},
		{"short ARN", ci, "arn:aws:iam::1", "s1", 0, iam.CodeValidationError,
			"1 validation error detected: Value 'arn:aws:iam::1' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"not a role ARN", ci, "arn:aws:iam::" + acctA + ":user/ci", "s1", 0, iam.CodeValidationError,
			"arn:aws:iam::" + acctA + ":user/ci is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := e.s.AssumeRole(ctx, tc.c, tc.role, tc.session, tc.duration)
			if tc.code != "" {
				status := 400
				if tc.code == iam.CodeAccessDenied {
					status = 403
				}
				wantErr(t, err, tc.code, status, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := tc.duration
			if d == 0 {
				d = 3600
			}
			if !sc.Expiration.Equal(now.Add(time.Duration(d)*time.Second)) || len(sc.AccessKeyID) != 20 ||
				!strings.HasPrefix(sc.AccessKeyID, "ASIA") || len(sc.SecretAccessKey) != 40 || sc.SessionToken == "" {
				t.Fatalf("credentials %+v", sc)
			}
			if strings.ContainsAny(sc.SessionToken, "+/=") || strings.Contains(sc.SessionToken, sc.SecretAccessKey) {
				t.Fatalf("session token %q is not URL-safe or shows the secret", sc.SessionToken)
			}
			key, err := e.s.Lookup(ctx, sc.AccessKeyID, sc.SessionToken)
			if err != nil {
				t.Fatal(err)
			}
			c := key.Principal.(*iam.Credential)
			if key.Secret != sc.SecretAccessKey || key.Account != acctA || c.Principal.ARN != sc.AssumedRoleARN ||
				c.Principal.UserID != sc.AssumedRoleID || c.Principal.Root || c.SessionToken != sc.SessionToken ||
				!c.Expires.Equal(sc.Expiration) || c.Principal.Username != "" {
				t.Fatalf("session credential %+v", c)
			}
		})
	}

	sc, err := e.s.AssumeRole(ctx, ci, iam.RoleARN(deploy), "build-1", 1800)
	if err != nil {
		t.Fatal(err)
	}
	sess := e.cred(sc.AccessKeyID, sc.SessionToken)
	if len(sess.Policies) != 1 {
		t.Fatalf("session policies: %d", len(sess.Policies))
	}
	// Its key only with its own token.
	other, err := e.s.AssumeRole(ctx, ci, iam.RoleARN(deploy), "build-2", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", other.SessionToken, sc.SessionToken + "A", sc.SessionToken[:len(sc.SessionToken)-2], "!!"} {
		if _, err := e.s.Lookup(ctx, sc.AccessKeyID, bad); !errors.Is(err, sigv4.ErrUnknownKey) {
			t.Fatalf("token %.20q: %v", bad, err)
		}
	}
	if _, err := e.s.Lookup(ctx, sc.AccessKeyID, sc.SessionToken); err != nil {
		t.Fatalf("the right token after wrong ones: %v", err)
	}
	// A fresh node (no cache) verifies it too, and refuses a forged one.
	node2 := e.secondNode()
	node2.SetClock(func() time.Time { return now })
	if _, err := node2.Lookup(ctx, sc.AccessKeyID, sc.SessionToken); err != nil {
		t.Fatalf("second node: %v", err)
	}
	if _, err := node2.Lookup(ctx, sc.AccessKeyID, other.SessionToken); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("second node, another session's token: %v", err)
	}

	// Role chaining: at most one hour.
	_, err = e.s.AssumeRole(ctx, sess, iam.RoleARN(deploy), "chained", 3601)
	wantErr(t, err, iam.CodeValidationError, 400, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	// The session's role policies do not allow sts:AssumeRole.
	_, err = e.s.AssumeRole(ctx, sess, iam.RoleARN(deploy), "chained", 0)
	wantErr(t, err, iam.CodeAccessDenied, 403, "")

	// Expiry.
	now = now.Add(1800*time.Second - time.Nanosecond)
	if _, err := e.s.Lookup(ctx, sc.AccessKeyID, sc.SessionToken); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	now = now.Add(time.Nanosecond)
	if _, err := e.s.Lookup(ctx, sc.AccessKeyID, sc.SessionToken); !errors.Is(err, sigv4.ErrExpiredToken) {
		t.Fatalf("at expiry: %v", err)
	}
	if _, err := node2.Lookup(ctx, sc.AccessKeyID, sc.SessionToken); !errors.Is(err, sigv4.ErrExpiredToken) {
		t.Fatalf("second node at expiry: %v", err)
	}
	// An authorization token the session minted outlives it (its own
	// expiry governs), on both nodes; a wrong session token still fails.
	for i, n := range []*iam.Service{e.s, node2} {
		if c, err := n.TokenCredential(ctx, sc.AccessKeyID, sc.SessionToken); err != nil || c.Principal.RoleARN != iam.RoleARN(deploy) {
			t.Fatalf("node %d: the expired session for a token: %+v, %v", i+1, c, err)
		}
		if _, err := n.TokenCredential(ctx, sc.AccessKeyID, other.SessionToken); !errors.Is(err, sigv4.ErrUnknownKey) {
			t.Fatalf("node %d: another session's token for a token: %v", i+1, err)
		}
	}
	if _, err := e.s.Lookup(ctx, sc.AccessKeyID, sc.SessionToken); !errors.Is(err, sigv4.ErrExpiredToken) {
		t.Fatalf("at expiry, after a token's lookup cached the session: %v", err)
	}

	// Deleting the role ends its sessions, and a new role of the same
	// name does not revive them.
	if _, err := e.s.Lookup(ctx, other.AccessKeyID, other.SessionToken); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteRolePolicy(ctx, e.admin, "deploy", "publish"); err != nil {
		t.Fatal(err)
	}
	if c := e.cred(other.AccessKeyID, other.SessionToken); len(c.Policies) != 0 {
		t.Fatal("a deleted role policy still applies to the session")
	}
	if err := e.s.DeleteRole(ctx, e.admin, "deploy"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Lookup(ctx, other.AccessKeyID, other.SessionToken); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("role deleted: %v", err)
	}
	if _, err := e.s.TokenCredential(ctx, other.AccessKeyID, other.SessionToken); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("role deleted, for a token: %v", err)
	}
	if _, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "deploy", TrustPolicy: trust(acctA)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Lookup(ctx, other.AccessKeyID, other.SessionToken); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("role re-created: %v", err)
	}
}

func TestOrganizationAccountAccessRole(t *testing.T) {
	e := newEnv(t)
	orgRole := func(acct string) string { return "arn:aws:iam::" + acct + ":role/OrganizationAccountAccessRole" }

	// The administrator enters account B and manages it.
	sc, err := e.s.AssumeRole(ctx, e.admin, orgRole(acctB), "admin", 0)
	if err != nil {
		t.Fatal(err)
	}
	b := e.cred(sc.AccessKeyID, sc.SessionToken)
	if b.Principal.Account != acctB || b.Principal.ARN != "arn:aws:sts::"+acctB+":assumed-role/OrganizationAccountAccessRole/admin" ||
		b.Principal.RoleARN != orgRole(acctB) || b.Principal.Root {
		t.Fatalf("session %+v", b.Principal)
	}
	// Its id is stable, across nodes too.
	sc2, err := e.secondNode().AssumeRole(ctx, e.admin, orgRole(acctB), "admin", 0)
	if err != nil || sc2.AssumedRoleID != sc.AssumedRoleID {
		t.Fatalf("second node: %v %s %s", err, sc2.AssumedRoleID, sc.AssumedRoleID)
	}

	u, err := e.s.CreateUser(ctx, b, "ci", "")
	if err != nil || u.Account != acctB {
		t.Fatalf("CreateUser in B: %+v %v", u, err)
	}
	if err := e.s.PutUserPolicy(ctx, b, "ci", "assume", policy(allow("sts:AssumeRole", "*"), allow("iam:*", "*"))); err != nil {
		t.Fatal(err)
	}
	k, _, secret, err := e.s.CreateAccessKey(ctx, b, "ci")
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.s.Lookup(ctx, k.AccessKeyID, "")
	if err != nil || key.Secret != secret || key.Account != acctB {
		t.Fatalf("B's user key: %+v %v", key, err)
	}
	bci := key.Principal.(*iam.Credential)
	// B's users are B's alone.
	if users, _, _ := e.s.ListUsers(ctx, e.admin, "", "", 0); len(users) != 0 {
		t.Fatalf("A lists B's users: %v", users)
	}
	if users, _, _ := e.s.ListUsers(ctx, bci, "", "", 0); len(users) != 1 {
		t.Fatalf("B lists %v", users)
	}

	// Only the administrator may assume the implicit role.
	_, err = e.s.AssumeRole(ctx, bci, orgRole(acctB), "x1", 0)
	wantErr(t, err, iam.CodeAccessDenied, 403, "User: arn:aws:iam::"+acctB+":user/ci is not authorized to perform: sts:AssumeRole on resource: "+orgRole(acctB))
	_, err = e.s.AssumeRole(ctx, bci, orgRole(acctA), "x1", 0)
	wantErr(t, err, iam.CodeAccessDenied, 403, "")
	_, err = e.s.AssumeRole(ctx, b, orgRole(acctB), "x1", 0)
	wantErr(t, err, iam.CodeAccessDenied, 403, "")
	_, err = e.s.AssumeRole(ctx, e.admin, "arn:aws:iam::"+acctB+":role/sub/OrganizationAccountAccessRole", "x1", 0)
	wantErr(t, err, iam.CodeAccessDenied, 403, "")

	// Cross-account: a role of A trusting account B, assumed by B's user
	// whose own policy allows it.
	shared, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "shared", TrustPolicy: trust(acctB)})
	if err != nil {
		t.Fatal(err)
	}
	xs, err := e.s.AssumeRole(ctx, bci, iam.RoleARN(shared), "from-b", 0)
	if err != nil {
		t.Fatal(err)
	}
	if xc := e.cred(xs.AccessKeyID, xs.SessionToken); xc.Principal.Account != acctA ||
		xc.Principal.ARN != "arn:aws:sts::"+acctA+":assumed-role/shared/from-b" {
		t.Fatalf("cross-account session %+v", xc.Principal)
	}
	// ... but not without its own permission.
	if err := e.s.DeleteUserPolicy(ctx, b, "ci", "assume"); err != nil {
		t.Fatal(err)
	}
	bci = e.cred(k.AccessKeyID, "")
	_, err = e.s.AssumeRole(ctx, bci, iam.RoleARN(shared), "from-b", 0)
	wantErr(t, err, iam.CodeAccessDenied, 403, "")

	// A real role of that name replaces the implicit one, and ends its
	// sessions.
	if _, err := e.s.CreateRole(ctx, b, iam.RoleInput{Name: "OrganizationAccountAccessRole", TrustPolicy: trust(acctB)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Lookup(ctx, sc.AccessKeyID, sc.SessionToken); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("implicit session after a real role was made: %v", err)
	}
	_, err = e.s.AssumeRole(ctx, e.admin, orgRole(acctB), "admin", 0)
	wantErr(t, err, iam.CodeAccessDenied, 403, "") // the real role trusts B only
}
