package conformance

// Authorization across accounts and through assumed roles (issue #14), with
// the real aws CLI, `aws codeartifact login` and npm. Helpers are in
// authz_helpers_test.go.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
)

// azOtherAccount is the second account of the cross-account tests.
const azOtherAccount = "111122223333"

// TestAuthzCrossAccount: a repository policy granting another account read
// access works for that account's user, who needs both its own identity
// policy and the resource policies (the domain's for the token, the
// repository's for reading). The administrator enters the other account
// through its implicit OrganizationAccountAccessRole and creates the user
// there.
func TestAuthzCrossAccount(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"shared", "internal"})
	npmPath(t)
	owner := e.s.Account
	adminTok := e.adminToken(t)
	e.npm(t, "shared", adminTok).httpPublish(t, "lib-az", "1.0.0", nil)
	e.npm(t, "internal", adminTok).httpPublish(t, "internal-az", "1.0.0", nil)

	// The administrator enters the other account.
	out := e.aws(t, e.admin, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+azOtherAccount+":role/OrganizationAccountAccessRole",
		"--role-session-name", "admin")
	org, _, assumed := azSessionCreds(t, out)
	if want := "arn:aws:sts::" + azOtherAccount + ":assumed-role/OrganizationAccountAccessRole/admin"; assumed["Arn"] != want {
		t.Errorf("assume-role OrganizationAccountAccessRole: AssumedRoleUser = %v, want Arn %s", assumed, want)
	}
	if arn := e.callerARN(t, org, azOtherAccount); !strings.HasSuffix(arn, ":assumed-role/OrganizationAccountAccessRole/admin") {
		t.Errorf("get-caller-identity with the OrganizationAccountAccessRole session: Arn %q", arn)
	}
	readAnywhere := azPolicy(azAllow("*", "codeartifact:GetAuthorizationToken", "codeartifact:GetRepositoryEndpoint",
		"codeartifact:ReadFromRepository", "codeartifact:DescribeRepository"), azBearer())
	partner := e.createUser(t, org, "partner", readAnywhere)
	partnerARN := "arn:aws:iam::" + azOtherAccount + ":user/partner"
	if arn := e.callerARN(t, partner, azOtherAccount); arn != partnerARN {
		t.Fatalf("get-caller-identity as partner: Arn %q, want %q", arn, partnerARN)
	}
	// The user lives in the other account only.
	users := e.aws(t, e.admin, "iam", "list-users")
	if strings.Contains(azJSON(users), "partner") {
		t.Errorf("the administrator's account lists the other account's user: %v", users)
	}
	e.awsFails(t, e.admin, "NoSuchEntity", "iam", "get-user", "--user-name", "partner")

	// No domain policy: the other account gets no token.
	stderr := e.awsFails(t, partner, "AccessDeniedException", "codeartifact", "get-authorization-token", "--domain", e.domain, "--domain-owner", owner)
	azDenied(t, "get-authorization-token across accounts without a domain policy", stderr, partnerARN,
		"codeartifact:GetAuthorizationToken", e.domainARN())
	if !strings.Contains(stderr, "because no resource-based policy allows") {
		t.Errorf("cross-account denial without a domain policy should name the missing resource-based policy:\n%s", stderr)
	}

	grantAccount := func(actions ...string) string {
		return azPolicy(azAllow("*", actions...).principal(map[string]any{"AWS": "arn:aws:iam::" + azOtherAccount + ":root"}))
	}
	if _, err := e.c.PutDomainPermissionsPolicy(t.Context(), &codeartifact.PutDomainPermissionsPolicyInput{
		Domain: aws.String(e.domain), PolicyDocument: aws.String(grantAccount("codeartifact:GetAuthorizationToken")),
	}); err != nil {
		t.Fatalf("PutDomainPermissionsPolicy: %v", err)
	}
	tok, _ := e.tokenCLI(t, partner, owner)
	n := e.npm(t, "shared", tok)

	t.Run("WithoutRepositoryPolicy", func(t *testing.T) {
		r := n.run(t, n.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "lib-az")
		got := azExpectNpm(t, "npm install across accounts without a repository policy", r, "E403")
		azDenied(t, "npm install without a repository policy", got, partnerARN, "codeartifact:ReadFromRepository", e.repoARN("shared"))
	})

	if _, err := e.c.PutRepositoryPermissionsPolicy(t.Context(), &codeartifact.PutRepositoryPermissionsPolicyInput{
		Domain: aws.String(e.domain), Repository: aws.String("shared"),
		PolicyDocument: aws.String(grantAccount("codeartifact:ReadFromRepository", "codeartifact:GetRepositoryEndpoint", "codeartifact:DescribeRepository")),
	}); err != nil {
		t.Fatalf("PutRepositoryPermissionsPolicy shared: %v", err)
	}

	t.Run("WithRepositoryPolicy", func(t *testing.T) {
		n.install(t, "lib-az")
		// And as a new user would: aws codeartifact login, then npm install.
		home := e.login(t, partner, "npm", owner, "shared")
		proj := n.project(t)
		if r := n.runRC(t, filepath.Join(home, ".npmrc"), proj, "install", "--no-audit", "--no-fund", "--prefer-online", "lib-az"); r.err != nil {
			t.Fatalf("npm install lib-az as partner after aws codeartifact login --domain-owner %s: %v\n%s", owner, r.err, r)
		}
		if b, err := os.ReadFile(filepath.Join(proj, "node_modules/lib-az/index.js")); err != nil || !strings.Contains(string(b), "1.0.0") {
			t.Errorf("installed lib-az/index.js = %q, %v", b, err)
		}
		e.aws(t, partner, "codeartifact", "describe-repository", "--domain", e.domain, "--domain-owner", owner, "--repository", "shared")
		// Only that repository.
		other := e.npm(t, "internal", tok)
		r := other.run(t, other.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "internal-az")
		azDenied(t, "npm install from internal across accounts", azExpectNpm(t, "npm install from internal", r, "E403"),
			partnerARN, "codeartifact:ReadFromRepository", e.repoARN("internal"))
		// Nor a write the policies grant nobody.
		r = n.run(t, n.write(t, npmPkg{name: "lib-az", version: "2.0.0"}), "publish")
		azExpectNpm(t, "npm publish across accounts", r, "E403")
	})

	t.Run("WithoutIdentityPolicy", func(t *testing.T) {
		// The resource policies alone do not let another account's user in.
		e.aws(t, org, "iam", "delete-user-policy", "--user-name", "partner", "--policy-name", "p")
		r := n.run(t, n.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "lib-az")
		got := azExpectNpm(t, "npm install across accounts without an identity policy", r, "E403")
		azDenied(t, "npm install without an identity policy", got, partnerARN, "codeartifact:ReadFromRepository", e.repoARN("shared"))
		if !strings.Contains(got, "because no identity-based policy allows") {
			t.Errorf("the denial should name the missing identity-based policy:\n%s", got)
		}
		stderr := e.awsFails(t, partner, "AccessDeniedException", "codeartifact", "get-authorization-token", "--domain", e.domain, "--domain-owner", owner)
		azDenied(t, "get-authorization-token without an identity policy", stderr, partnerARN, "codeartifact:GetAuthorizationToken", e.domainARN())
		// Given back, it works again with the same token.
		e.putUserPolicy(t, org, "partner", "p", readAnywhere)
		n.install(t, "lib-az")
	})

	t.Run("OnlyTheAdministratorEntersOtherAccounts", func(t *testing.T) {
		// partner (with sts:AssumeRole allowed) cannot assume the implicit
		// role in the first account, nor in its own.
		e.putUserPolicy(t, org, "partner", "assume", azPolicy(azAllow("*", "sts:AssumeRole")))
		for _, acct := range []string{owner, azOtherAccount} {
			e.awsFails(t, partner, "AccessDenied", "sts", "assume-role", "--role-arn", "arn:aws:iam::"+acct+":role/OrganizationAccountAccessRole",
				"--role-session-name", "sneaky")
		}
	})
}

// TestAuthzAssumeRole: a role trusted by user ci, whose role policy grants
// publishing; ci (allowed nothing else) assumes it with `aws sts
// assume-role`, and with the session's credentials `aws codeartifact
// login` and `npm publish` work. A token of duration 0 expires with the
// session; the role's policy binds the session's tokens at once.
func TestAuthzAssumeRole(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"app"})
	npmPath(t)
	acct := e.s.Account
	roleARN := "arn:aws:iam::" + acct + ":role/publisher"
	ci := e.createUser(t, e.admin, "ci", azPolicy(azAllow(roleARN, "sts:AssumeRole")))
	trust := azPolicy(azStatement{"Effect": "Allow", "Action": "sts:AssumeRole"}.principal(map[string]any{"AWS": e.userARN("ci")}))
	out := e.aws(t, e.admin, "iam", "create-role", "--role-name", "publisher", "--assume-role-policy-document", trust)
	if r, _ := out["Role"].(map[string]any); r["Arn"] != roleARN {
		t.Fatalf("iam create-role: %v, want Arn %s", out, roleARN)
	}
	e.aws(t, e.admin, "iam", "put-role-policy", "--role-name", "publisher", "--policy-name", "publish", "--policy-document", azPolicy(
		azAllow(e.domainARN(), "codeartifact:GetAuthorizationToken"),
		azAllow(e.repoARN("app"), "codeartifact:ReadFromRepository", "codeartifact:GetRepositoryEndpoint"),
		azAllow("arn:aws:codeartifact:"+e.s.Region+":"+acct+":package/"+e.domain+"/app/*", "codeartifact:PublishPackageVersion"),
		azBearer()))

	// ci by itself may not even get a token.
	stderr := e.awsFails(t, ci, "AccessDeniedException", "codeartifact", "get-authorization-token", "--domain", e.domain)
	azDenied(t, "get-authorization-token as ci", stderr, e.userARN("ci"), "codeartifact:GetAuthorizationToken", e.domainARN())

	before := time.Now()
	out = e.aws(t, ci, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "build-1", "--duration-seconds", "900")
	sess, sessExp, assumed := azSessionCreds(t, out)
	sessionARN := "arn:aws:sts::" + acct + ":assumed-role/publisher/build-1"
	if assumed["Arn"] != sessionARN {
		t.Errorf("AssumedRoleUser.Arn = %v, want %s", assumed["Arn"], sessionARN)
	}
	if id, _ := assumed["AssumedRoleId"].(string); !strings.HasPrefix(id, "AROA") || !strings.HasSuffix(id, ":build-1") {
		t.Errorf("AssumedRoleUser.AssumedRoleId = %q, want AROA...:build-1", id)
	}
	if !strings.HasPrefix(sess.AccessKeyID, "ASIA") {
		t.Errorf("session AccessKeyId = %q, want ASIA...", sess.AccessKeyID)
	}
	if d := sessExp.Sub(before); d < 890*time.Second || d > 960*time.Second {
		t.Errorf("session Expiration %v is %v after the request, want about 900 s", sessExp, d)
	}
	if arn := e.callerARN(t, sess, acct); arn != sessionARN {
		t.Errorf("get-caller-identity with the session: Arn %q, want %q", arn, sessionARN)
	}
	// The session's key is nothing without its session token.
	e.awsFails(t, aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey}, "InvalidClientTokenId", "sts", "get-caller-identity")

	home := e.login(t, sess, "npm", "", "app")
	rc := filepath.Join(home, ".npmrc")
	n := e.npm(t, "app", npmTokenOf(t, rc))
	if r := n.runRC(t, rc, n.write(t, npmPkg{name: "role-pkg", version: "1.0.0"}), "publish"); r.err != nil {
		t.Fatalf("npm publish with the role session's login: %v\n%s\nserver logs:\n%s", r.err, r, npmTail(e.s.Logs(), 20))
	}
	if _, err := n.describe(t, "role-pkg", "1.0.0"); err != nil {
		t.Fatalf("role-pkg@1.0.0 after publishing as the role: %v", err)
	}
	n.install(t, "role-pkg")

	t.Run("DurationZeroEndsWithSession", func(t *testing.T) {
		tok, exp := e.tokenCLI(t, sess, "", "--duration-seconds", "0")
		if !exp.Equal(sessExp) {
			t.Errorf("get-authorization-token --duration-seconds 0 with a role session: expiration %v, want the session's %v (off by %v)",
				exp, sessExp, exp.Sub(sessExp))
		}
		if st, body := azGet(t, e.s, n.endpoint+"role-pkg", tok); st != 200 {
			t.Errorf("GET role-pkg with the duration-0 token: %d %s", st, body)
		}
		// Without duration 0, the token's lifetime does not follow the
		// session (AWS: a 15-minute session can mint a 12-hour token).
		_, exp12 := e.tokenCLI(t, sess, "")
		if d := time.Until(exp12); d < 11*time.Hour || d > 12*time.Hour+time.Minute {
			t.Errorf("get-authorization-token without --duration-seconds with a role session: the token expires in %v, want 12 h (the default; only 0 follows the session)", d)
		}
	})

	t.Run("UntrustedUserRefused", func(t *testing.T) {
		other := e.createUser(t, e.admin, "other", azPolicy(azAllow("*", "sts:AssumeRole")))
		stderr := e.awsFails(t, other, "AccessDenied", "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "x1")
		azDeniedRE(t, "assume-role by a user the trust policy does not name", stderr, e.userARN("other"), "sts:AssumeRole", roleARN, "")
	})

	t.Run("RolePolicyBindsSessionTokens", func(t *testing.T) {
		e.aws(t, e.admin, "iam", "delete-role-policy", "--role-name", "publisher", "--policy-name", "publish")
		r := n.runRC(t, rc, n.write(t, npmPkg{name: "role-pkg", version: "1.1.0"}), "publish")
		got := azExpectNpm(t, "npm publish as the role after its policy is deleted", r, "E403")
		azDenied(t, "npm publish after delete-role-policy", got, sessionARN, "codeartifact:PublishPackageVersion",
			"arn:aws:codeartifact:"+e.s.Region+":"+acct+":package/"+e.domain+"/app/npm//role-pkg")
	})
}

// azJSON renders a decoded CLI output for substring checks.
func azJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
