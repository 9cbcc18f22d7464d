package iam_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
)

func TestCreateUserValidation(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("a", 65)
	for _, tc := range []struct {
		name, path, code, msg string
	}{
		{"ci", "", "", ""},
		{"a.b+c=d,e@f-g_h9", "/team/ci/", "", ""},
		{strings.Repeat("x", 64), "/", "", ""},
		{"", "/", iam.CodeValidationError,
			"1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"bad name", "/", iam.CodeValidationError,
			`1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{long, "/", iam.CodeValidationError,
			"1 validation error detected: Value '" + long + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"ok", "team", iam.CodeValidationError,
			`1 validation error detected: Value 'team' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
		{"ok", "//", iam.CodeValidationError, ""},
		{"ok", "/a b/", iam.CodeValidationError, ""},
		{"ok", "/" + strings.Repeat("p", 511) + "/", iam.CodeValidationError, ""},
		{"bad name", "x", iam.CodeValidationError, "2 validation errors detected: Value 'bad name' at 'userName' failed to satisfy constraint: " +
			`Member must satisfy regular expression pattern: [\w+=,.@-]+; Value 'x' at 'path' failed to satisfy constraint: ` +
			`Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
	} {
		t.Run(fmt.Sprintf("%.20s|%.20s", tc.name, tc.path), func(t *testing.T) {
			u, err := e.s.CreateUser(ctx, e.admin, tc.name, tc.path)
			if tc.code != "" {
				wantErr(t, err, tc.code, 400, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			path := tc.path
			if path == "" {
				path = "/"
			}
			if u.Name != tc.name || u.Path != path || u.Account != acctA || u.ID == 0 || u.Created.IsZero() {
				t.Fatalf("user %+v", u)
			}
			if len(u.UserID) != 21 || !strings.HasPrefix(u.UserID, "AIDA") {
				t.Fatalf("user id %q", u.UserID)
			}
			if got, want := iam.UserARN(u), "arn:aws:iam::"+acctA+":user"+path+tc.name; got != want {
				t.Fatalf("ARN %s, want %s", got, want)
			}
		})
	}
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	u, err := e.s.CreateUser(ctx, e.admin, "CI", "/build/")
	if err != nil {
		t.Fatal(err)
	}
	// Names are unique ignoring case, and kept as created.
	_, err = e.s.CreateUser(ctx, e.admin, "ci", "/")
	wantErr(t, err, iam.CodeEntityAlreadyExists, 409, "User with name ci already exists.")
	got, err := e.s.GetUser(ctx, e.admin, "ci")
	if err != nil || got != u {
		t.Fatalf("GetUser: %+v %v, want %+v", got, err, u)
	}
	_, err = e.s.GetUser(ctx, e.admin, "nobody")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The user with name nobody cannot be found.")

	// The administrator's own identity is the account's root.
	root, err := e.s.GetUser(ctx, e.admin, "")
	if err != nil || root.Account != acctA || root.UserID != acctA || root.Name != "" {
		t.Fatalf("GetUser(\"\") as administrator: %+v %v", root, err)
	}

	// Keys and policies block deletion, as in IAM.
	k, user, secret, err := e.s.CreateAccessKey(ctx, e.admin, "ci")
	if err != nil || user != "CI" || len(secret) != 40 {
		t.Fatalf("CreateAccessKey: %+v %q %v", k, user, err)
	}
	err = e.s.DeleteUser(ctx, e.admin, "ci")
	wantErr(t, err, iam.CodeDeleteConflict, 409, "Cannot delete entity, must delete access keys first.")
	if err := e.s.DeleteAccessKey(ctx, e.admin, "ci", k.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.PutUserPolicy(ctx, e.admin, "ci", "read", policy(allow("codeartifact:*", "*"))); err != nil {
		t.Fatal(err)
	}
	err = e.s.DeleteUser(ctx, e.admin, "ci")
	wantErr(t, err, iam.CodeDeleteConflict, 409, "Cannot delete entity, must delete policies first.")
	if err := e.s.DeleteUserPolicy(ctx, e.admin, "ci", "READ"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteUser(ctx, e.admin, "Ci"); err != nil {
		t.Fatal(err)
	}
	err = e.s.DeleteUser(ctx, e.admin, "ci")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The user with name ci cannot be found.")
}

func TestListUsers(t *testing.T) {
	e := newEnv(t)
	names := []string{"delta", "Alpha", "charlie", "bravo", "echo"}
	for i, n := range names {
		path := "/"
		if i%2 == 0 {
			path = "/team/"
		}
		if _, err := e.s.CreateUser(ctx, e.admin, n, path); err != nil {
			t.Fatal(err)
		}
	}
	// Another account's users are not listed.
	b := e.enterAccount(acctB)
	if _, err := e.s.CreateUser(ctx, b, "foxtrot", "/"); err != nil {
		t.Fatal(err)
	}

	var all []string
	marker := ""
	for pages := 0; ; pages++ {
		users, next, err := e.s.ListUsers(ctx, e.admin, "", marker, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) > 2 || pages > 5 {
			t.Fatalf("page of %d", len(users))
		}
		for _, u := range users {
			all = append(all, u.Name)
		}
		if next == "" {
			break
		}
		marker = next
	}
	if got := strings.Join(all, ","); got != "Alpha,bravo,charlie,delta,echo" {
		t.Fatalf("listed %s", got)
	}
	users, next, err := e.s.ListUsers(ctx, e.admin, "/team/", "", 0)
	if err != nil || next != "" || len(users) != 3 {
		t.Fatalf("ListUsers /team/: %v %q %v", users, next, err)
	}
	_, _, err = e.s.ListUsers(ctx, e.admin, "team", "", 0)
	wantErr(t, err, iam.CodeValidationError, 400, `1 validation error detected: Value 'team' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	_, _, err = e.s.ListUsers(ctx, e.admin, "", "", 1001)
	wantErr(t, err, iam.CodeValidationError, 400, "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000")
	_, _, err = e.s.ListUsers(ctx, e.admin, "", "", -1)
	wantErr(t, err, iam.CodeValidationError, 400, "1 validation error detected: Value '-1' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, _, err = e.s.ListUsers(ctx, e.admin, "", "garbage", 0)
	wantErr(t, err, iam.CodeValidationError, 400, "")
}

func TestAccessKeys(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.CreateUser(ctx, e.admin, "ci", "/ops/"); err != nil {
		t.Fatal(err)
	}
	k1, _, s1, err := e.s.CreateAccessKey(ctx, e.admin, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if len(k1.AccessKeyID) != 20 || !strings.HasPrefix(k1.AccessKeyID, "AKIA") || k1.Status != domain.KeyActive || k1.Account != acctA {
		t.Fatalf("key %+v", k1)
	}
	// The store holds the secret sealed only.
	var stored domain.AccessKey
	if err := e.st.Read(ctx, func(tx storeTx) (err error) {
		stored, err = tx.Identities().GetAccessKey(ctx, k1.AccessKeyID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(stored.SealedSecret) < 40+16 || strings.Contains(string(stored.SealedSecret), s1) {
		t.Fatalf("stored secret %q is not sealed", stored.SealedSecret)
	}

	// Lookup answers with the clear secret and the user's principal.
	key, err := e.s.Lookup(ctx, k1.AccessKeyID, "")
	if err != nil {
		t.Fatal(err)
	}
	c := key.Principal.(*iam.Credential)
	if key.Secret != s1 || key.Account != acctA || c.Principal.ARN != "arn:aws:iam::"+acctA+":user/ops/ci" ||
		c.Principal.Username != "ci" || !strings.HasPrefix(c.Principal.UserID, "AIDA") || c.Principal.Root ||
		c.AccessKeyID != k1.AccessKeyID || c.SessionToken != "" || !c.Expires.IsZero() {
		t.Fatalf("Lookup: %+v %+v", key, c)
	}
	// A long-term key takes no session token.
	if _, err := e.s.Lookup(ctx, k1.AccessKeyID, "token"); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("with a session token: %v", err)
	}
	if _, err := e.s.Lookup(ctx, "AKIAUNKNOWNKEY000000", ""); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}

	// Two keys per user; an inactive key still counts.
	k2, _, _, err := e.s.CreateAccessKey(ctx, e.admin, "CI")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.UpdateAccessKey(ctx, e.admin, "ci", k2.AccessKeyID, domain.KeyInactive); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = e.s.CreateAccessKey(ctx, e.admin, "ci")
	wantErr(t, err, iam.CodeLimitExceeded, 409, "Cannot exceed quota for AccessKeysPerUser: 2")
	keys, user, err := e.s.ListAccessKeys(ctx, e.admin, "ci")
	if err != nil || user != "ci" || len(keys) != 2 || keys[0].AccessKeyID != k1.AccessKeyID ||
		keys[1].Status != domain.KeyInactive || keys[0].SealedSecret != nil {
		t.Fatalf("ListAccessKeys: %+v %q %v", keys, user, err)
	}

	// Inactive keys are refused, and work again once reactivated.
	if _, err := e.s.Lookup(ctx, k2.AccessKeyID, ""); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("inactive key: %v", err)
	}
	if err := e.s.UpdateAccessKey(ctx, e.admin, "ci", k2.AccessKeyID, domain.KeyActive); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Lookup(ctx, k2.AccessKeyID, ""); err != nil {
		t.Fatalf("reactivated key: %v", err)
	}

	err = e.s.UpdateAccessKey(ctx, e.admin, "ci", k2.AccessKeyID, "Disabled")
	wantErr(t, err, iam.CodeValidationError, 400, "1 validation error detected: Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	err = e.s.UpdateAccessKey(ctx, e.admin, "ci", "AKIA", domain.KeyActive)
	wantErr(t, err, iam.CodeValidationError, 400, "1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16")

	// A key is addressed through its own user only.
	if _, err := e.s.CreateUser(ctx, e.admin, "other", ""); err != nil {
		t.Fatal(err)
	}
	err = e.s.DeleteAccessKey(ctx, e.admin, "other", k1.AccessKeyID)
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The Access Key with id "+k1.AccessKeyID+" cannot be found.")
	err = e.s.DeleteAccessKey(ctx, e.admin, "ci", "AKIANOSUCHKEY0000000")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The Access Key with id AKIANOSUCHKEY0000000 cannot be found.")

	if err := e.s.DeleteAccessKey(ctx, e.admin, "ci", k1.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Lookup(ctx, k1.AccessKeyID, ""); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("deleted key: %v", err)
	}

	// The administrator's own keys live in the key file.
	keys, user, err = e.s.ListAccessKeys(ctx, e.admin, "")
	if err != nil || user != "" || len(keys) != 1 || keys[0].AccessKeyID != adminKey {
		t.Fatalf("administrator's ListAccessKeys: %+v %q %v", keys, user, err)
	}
	_, _, _, err = e.s.CreateAccessKey(ctx, e.admin, "")
	wantErr(t, err, iam.CodeValidationError, 400, "")
	err = e.s.DeleteAccessKey(ctx, e.admin, "", adminKey)
	wantErr(t, err, iam.CodeValidationError, 400, "")
}

func TestSelfService(t *testing.T) {
	e := newEnv(t)
	// The policy AWS documents for "manage your own access keys".
	self := policy(allow("iam:*AccessKey*", "arn:aws:iam::*:user/${aws:username}"), allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}"))
	ci, _ := e.user(e.admin, "ci", self)
	u, err := e.s.GetUser(ctx, ci, "")
	if err != nil || u.Name != "ci" {
		t.Fatalf("GetUser(\"\") as ci: %+v %v", u, err)
	}
	k, user, _, err := e.s.CreateAccessKey(ctx, ci, "")
	if err != nil || user != "ci" {
		t.Fatalf("CreateAccessKey(\"\") as ci: %v", err)
	}
	keys, _, err := e.s.ListAccessKeys(ctx, ci, "")
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListAccessKeys(\"\") as ci: %v %v", keys, err)
	}
	if err := e.s.UpdateAccessKey(ctx, ci, "", k.AccessKeyID, domain.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteAccessKey(ctx, ci, "", k.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	// Not another user's keys, nor another user at all.
	if _, err := e.s.CreateUser(ctx, e.admin, "other", ""); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = e.s.CreateAccessKey(ctx, ci, "other")
	wantErr(t, err, iam.CodeAccessDenied, 403, "User: arn:aws:iam::"+acctA+":user/ci is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::"+acctA+":user/other because no identity-based policy allows the iam:CreateAccessKey action")
	_, err = e.s.GetUser(ctx, ci, "other")
	wantErr(t, err, iam.CodeAccessDenied, 403, "")
	// Whether a user exists is not told to those who may not look.
	_, err = e.s.GetUser(ctx, ci, "nobody")
	wantErr(t, err, iam.CodeAccessDenied, 403, "")
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	nobody, _ := e.user(e.admin, "nobody", "")
	admins, _ := e.user(e.admin, "admins", policy(allow("iam:*", "*"), deny("iam:DeleteUser", "arn:aws:iam::*:user/protected/*")))
	creator, _ := e.user(e.admin, "creator", policy(allow("iam:CreateUser", "arn:aws:iam::"+acctA+":user/ci/*")))

	prefix := "User: arn:aws:iam::" + acctA + ":user/nobody is not authorized to perform: "
	for _, tc := range []struct {
		name string
		err  error
		msg  string
	}{
		{"CreateUser", func() error { _, err := e.s.CreateUser(ctx, nobody, "x", "/"); return err }(),
			prefix + "iam:CreateUser on resource: arn:aws:iam::" + acctA + ":user/x because no identity-based policy allows the iam:CreateUser action"},
		{"ListUsers", func() error { _, _, err := e.s.ListUsers(ctx, nobody, "", "", 0); return err }(),
			prefix + "iam:ListUsers on resource: arn:aws:iam::" + acctA + ":user/ because no identity-based policy allows the iam:ListUsers action"},
		{"GetUser self", func() error { _, err := e.s.GetUser(ctx, nobody, ""); return err }(),
			prefix + "iam:GetUser on resource: arn:aws:iam::" + acctA + ":user/nobody because no identity-based policy allows the iam:GetUser action"},
		{"ListRoles", func() error { _, _, err := e.s.ListRoles(ctx, nobody, "/x/", "", 0); return err }(),
			prefix + "iam:ListRoles on resource: arn:aws:iam::" + acctA + ":role/x/ because no identity-based policy allows the iam:ListRoles action"},
		{"PutUserPolicy", e.s.PutUserPolicy(ctx, nobody, "nobody", "p", policy(allow("*", "*"))),
			prefix + "iam:PutUserPolicy on resource: arn:aws:iam::" + acctA + ":user/nobody because no identity-based policy allows the iam:PutUserPolicy action"},
		{"ListUserPolicies", func() error { _, _, err := e.s.ListUserPolicies(ctx, nobody, "nobody", "", 0); return err }(),
			prefix + "iam:ListUserPolicies on resource: arn:aws:iam::" + acctA + ":user/nobody because no identity-based policy allows the iam:ListUserPolicies action"},
		{"CreateRole", func() error {
			_, err := e.s.CreateRole(ctx, nobody, iam.RoleInput{Name: "r", TrustPolicy: trust(acctA)})
			return err
		}(),
			prefix + "iam:CreateRole on resource: arn:aws:iam::" + acctA + ":role/r because no identity-based policy allows the iam:CreateRole action"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.err, iam.CodeAccessDenied, 403, tc.msg) })
	}

	// Allowed by policy, within its resource.
	if _, err := e.s.CreateUser(ctx, creator, "build", "/ci/"); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.CreateUser(ctx, creator, "build2", "/")
	wantErr(t, err, iam.CodeAccessDenied, 403, "")
	// An explicit deny wins over iam:*.
	if _, err := e.s.CreateUser(ctx, admins, "keep", "/protected/"); err != nil {
		t.Fatal(err)
	}
	err = e.s.DeleteUser(ctx, admins, "keep")
	wantErr(t, err, iam.CodeAccessDenied, 403, "User: arn:aws:iam::"+acctA+":user/admins is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::"+acctA+":user/protected/keep with an explicit deny in an identity-based policy")
	if err := e.s.DeleteUser(ctx, admins, "build"); err != nil {
		t.Fatal(err)
	}

	// A user's policy change applies at its next request.
	if err := e.s.PutUserPolicy(ctx, e.admin, "nobody", "p", policy(allow("iam:ListUsers", "*"))); err != nil {
		t.Fatal(err)
	}
	nobody = e.cred(nobody.AccessKeyID, "")
	if _, _, err := e.s.ListUsers(ctx, nobody, "", "", 0); err != nil {
		t.Fatal(err)
	}

	// A nil caller is refused.
	_, err = e.s.CreateUser(ctx, nil, "x", "")
	wantErr(t, err, iam.CodeAccessDenied, 403, "")
}

func TestUserPolicies(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.CreateUser(ctx, e.admin, "ci", ""); err != nil {
		t.Fatal(err)
	}
	doc := policy(allow("codeartifact:ReadFromRepository", "arn:aws:codeartifact:*:*:repository/d/r"))
	if err := e.s.PutUserPolicy(ctx, e.admin, "ci", "Read", doc); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetUserPolicy(ctx, e.admin, "ci", "read")
	if err != nil || got != doc {
		t.Fatalf("GetUserPolicy: %q %v", got, err)
	}
	_, err = e.s.GetUserPolicy(ctx, e.admin, "ci", "write")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The user policy with name write cannot be found.")
	_, err = e.s.GetUserPolicy(ctx, e.admin, "nobody", "read")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The user with name nobody cannot be found.")
	err = e.s.DeleteUserPolicy(ctx, e.admin, "ci", "write")
	wantErr(t, err, iam.CodeNoSuchEntity, 404, "The user policy with name write cannot be found.")

	for _, tc := range []struct{ name, doc, code string }{
		{"not JSON", "{", iam.CodeMalformedPolicyDocument},
		{"principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, iam.CodeMalformedPolicyDocument},
		{"no resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}`, iam.CodeMalformedPolicyDocument},
		{"bad effect", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`, iam.CodeMalformedPolicyDocument},
		{"empty", "", iam.CodeValidationError},
		{"control character", "{\x01}", iam.CodeValidationError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, e.s.PutUserPolicy(ctx, e.admin, "ci", "bad", tc.doc), tc.code, 400, "")
		})
	}
	wantErr(t, e.s.PutUserPolicy(ctx, e.admin, "ci", "bad name", doc), iam.CodeValidationError, 400,
		`1 validation error detected: Value 'bad name' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	wantErr(t, e.s.PutUserPolicy(ctx, e.admin, "ci", strings.Repeat("p", 129), doc), iam.CodeValidationError, 400, "")
	if err := e.s.PutUserPolicy(ctx, e.admin, "ci", strings.Repeat("p", 128), doc); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteUserPolicy(ctx, e.admin, "ci", strings.Repeat("P", 128)); err != nil {
		t.Fatal(err)
	}

	// The user's inline policies together: 2048 characters, whitespace
	// not counted; a replaced policy does not count twice.
	sized := func(n int) string { // a document of exactly n non-space characters
		base := policy(allow("s3:GetObject", "arn:aws:s3:::"))
		pad := n - len(base)
		return policy(allow("s3:GetObject", "arn:aws:s3:::"+strings.Repeat("b", pad)))
	}
	first := sized(2048 - len(doc))
	if err := e.s.PutUserPolicy(ctx, e.admin, "ci", "big", first); err != nil {
		t.Fatalf("exactly at the quota: %v", err)
	}
	spaced := strings.ReplaceAll(first, ",", " ,\n\t")
	if err := e.s.PutUserPolicy(ctx, e.admin, "ci", "BIG", spaced); err != nil {
		t.Fatalf("whitespace counted: %v", err)
	}
	err = e.s.PutUserPolicy(ctx, e.admin, "ci", "big", sized(2048-len(doc)+1))
	wantErr(t, err, iam.CodeLimitExceeded, 409, "Maximum policy size of 2048 bytes exceeded for user ci")
	err = e.s.PutUserPolicy(ctx, e.admin, "ci", "more", policy(allow("*", "*")))
	wantErr(t, err, iam.CodeLimitExceeded, 409, "Maximum policy size of 2048 bytes exceeded for user ci")

	names, next, err := e.s.ListUserPolicies(ctx, e.admin, "ci", "", 1)
	if err != nil || len(names) != 1 || names[0] != "big" || next == "" {
		t.Fatalf("ListUserPolicies page 1: %v %q %v", names, next, err)
	}
	names, next, err = e.s.ListUserPolicies(ctx, e.admin, "ci", next, 1)
	if err != nil || len(names) != 1 || names[0] != "Read" || next != "" {
		t.Fatalf("ListUserPolicies page 2: %v %q %v", names, next, err)
	}

	// The user's credential carries its compiled policies.
	if _, _, _, err := e.s.CreateAccessKey(ctx, e.admin, "ci"); err != nil {
		t.Fatal(err)
	}
	keys, _, _ := e.s.ListAccessKeys(ctx, e.admin, "ci")
	if c := e.cred(keys[0].AccessKeyID, ""); len(c.Policies) != 2 {
		t.Fatalf("%d policies", len(c.Policies))
	}
}
