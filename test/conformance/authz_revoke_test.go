package conformance

// Tokens speak for the identity that minted them, as it is at each
// request (issue #14): removing a permission, deleting a user or
// deactivating its key cuts its tokens off at once — on one node, and on
// two nodes sharing PostgreSQL. Helpers are in authz_helpers_test.go.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestAuthzRevocation: a deleted user's tokens stop working at once, and an
// inactive key is refused (its earlier tokens too) until it is active again.
func TestAuthzRevocation(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"app"})
	npmPath(t)
	e.npm(t, "app", e.adminToken(t)).httpPublish(t, "dep-az", "1.0.0", nil)

	t.Run("DeletedUser", func(t *testing.T) {
		t.Parallel()
		gone := e.createUser(t, e.admin, "gone", e.readPolicy("app"))
		tok, _ := e.token(t, gone, "")
		n := e.npm(t, "app", tok)
		n.install(t, "dep-az")
		packument := n.endpoint + "dep-az"

		// Taking the permission away binds the token at the next request.
		e.aws(t, e.admin, "iam", "delete-user-policy", "--user-name", "gone", "--policy-name", "p")
		r := n.run(t, n.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "dep-az")
		azDenied(t, "npm install after delete-user-policy", azExpectNpm(t, "npm install after delete-user-policy", r, "E403"),
			e.userARN("gone"), "codeartifact:ReadFromRepository", e.repoARN("app"))

		// IAM's rule: a user with keys cannot be deleted.
		e.awsFails(t, e.admin, "DeleteConflict", "iam", "delete-user", "--user-name", "gone")
		e.aws(t, e.admin, "iam", "delete-access-key", "--user-name", "gone", "--access-key-id", gone.AccessKeyID)
		e.aws(t, e.admin, "iam", "delete-user", "--user-name", "gone")
		e.awsFails(t, e.admin, "NoSuchEntity", "iam", "get-user", "--user-name", "gone")

		r = n.run(t, n.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "dep-az")
		azExpectNpm(t, "npm install with a deleted user's token", r, "E401")
		if st, body := azGet(t, e.s, packument, tok); st != http.StatusUnauthorized {
			t.Errorf("GET with a deleted user's token: %d %s, want 401", st, body)
		}
		e.awsFails(t, gone, "InvalidClientTokenId", "sts", "get-caller-identity")
		e.awsFails(t, gone, "UnrecognizedClientException", "codeartifact", "get-authorization-token", "--domain", e.domain)

		// A new user of the same name does not bring the old token back.
		again := e.createUser(t, e.admin, "gone", e.readPolicy("app"))
		if st, body := azGet(t, e.s, packument, tok); st != http.StatusUnauthorized {
			t.Errorf("GET with the old token once a user of the same name exists again: %d %s, want 401", st, body)
		}
		newTok, _ := e.token(t, again, "")
		if st, body := azGet(t, e.s, packument, newTok); st != http.StatusOK {
			t.Errorf("GET with the new user's token: %d %s", st, body)
		}
	})

	t.Run("InactiveKey", func(t *testing.T) {
		t.Parallel()
		sleepy := e.createUser(t, e.admin, "sleepy", e.readPolicy("app"))
		tok, _ := e.token(t, sleepy, "")
		n := e.npm(t, "app", tok)
		n.install(t, "dep-az")
		packument := n.endpoint + "dep-az"

		e.aws(t, e.admin, "iam", "update-access-key", "--user-name", "sleepy", "--access-key-id", sleepy.AccessKeyID, "--status", "Inactive")
		keys := e.aws(t, e.admin, "iam", "list-access-keys", "--user-name", "sleepy")
		if md, _ := keys["AccessKeyMetadata"].([]any); len(md) != 1 || md[0].(map[string]any)["Status"] != "Inactive" {
			t.Errorf("list-access-keys after update-access-key --status Inactive: %v", keys)
		}
		e.awsFails(t, sleepy, "InvalidClientTokenId", "sts", "get-caller-identity")
		e.awsFails(t, sleepy, "InvalidClientTokenId", "iam", "get-user")
		e.awsFails(t, sleepy, "UnrecognizedClientException", "codeartifact", "get-authorization-token", "--domain", e.domain)
		r := n.run(t, n.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "dep-az")
		azExpectNpm(t, "npm install with an inactive key's token", r, "E401")
		if st, body := azGet(t, e.s, packument, tok); st != http.StatusUnauthorized {
			t.Errorf("GET with an inactive key's token: %d %s, want 401", st, body)
		}

		// Only that key: a second key of the user works.
		out := e.aws(t, e.admin, "iam", "create-access-key", "--user-name", "sleepy")
		k, _ := out["AccessKey"].(map[string]any)
		second := aws.Credentials{AccessKeyID: k["AccessKeyId"].(string), SecretAccessKey: k["SecretAccessKey"].(string)}
		if arn := e.callerARN(t, second, e.s.Account); arn != e.userARN("sleepy") {
			t.Errorf("get-caller-identity with sleepy's second key: %q", arn)
		}

		e.aws(t, e.admin, "iam", "update-access-key", "--user-name", "sleepy", "--access-key-id", sleepy.AccessKeyID, "--status", "Active")
		if arn := e.callerARN(t, sleepy, e.s.Account); arn != e.userARN("sleepy") {
			t.Errorf("get-caller-identity once the key is active again: %q", arn)
		}
		e.token(t, sleepy, "")
		n.install(t, "dep-az")
	})
}

// TestAuthzMultiNode: two nodes on one PostgreSQL database. A policy
// changed through one node binds the other at its next request, from allow
// to deny and back: a user's inline policy, a repository policy (changed
// through either node), a deactivated key. Each check is made right after
// the other node served the identity, so its caches are warm.
func TestAuthzMultiNode(t *testing.T) {
	harness.RequireSharedStorage(t)
	t.Parallel()
	a := azStart(t, []string{"app"}, harness.WithPostgresS3())
	b := azOn(t, harness.Start(t, harness.WithShared(a.s)))
	a.npm(t, "app", a.adminToken(t)).httpPublish(t, "mn-az", "1.0.0", nil)
	onA := a.endpoint(t, "app", types.PackageFormatNpm) + "mn-az"
	onB := b.endpoint(t, "app", types.PackageFormatNpm) + "mn-az"
	if onA == onB {
		t.Fatalf("both nodes give the endpoint %s", onA)
	}
	expect := func(t *testing.T, node, url, tok string, want int, what string) {
		t.Helper()
		if st, body := azGet(t, a.s, url, tok); st != want {
			t.Fatalf("%s: GET on node %s: %d %s, want %d", what, node, st, body, want)
		}
	}

	t.Run("UserPolicy", func(t *testing.T) {
		ci := a.createUser(t, a.admin, "ci", a.readPolicy("app"))
		tok, _ := a.token(t, ci, "") // minted on A, used on B
		expect(t, "B", onB, tok, 200, "read allowed by ci's policy")
		b.aws(t, ci, "codeartifact", "get-repository-endpoint", "--domain", a.domain, "--repository", "app", "--format", "npm")

		// allow -> deny, through A.
		a.aws(t, a.admin, "iam", "delete-user-policy", "--user-name", "ci", "--policy-name", "p")
		expect(t, "B", onB, tok, 403, "right after delete-user-policy on A")
		stderr := b.awsFails(t, ci, "AccessDeniedException", "codeartifact", "get-repository-endpoint", "--domain", a.domain, "--repository", "app", "--format", "npm")
		azDenied(t, "get-repository-endpoint on B after delete-user-policy on A", stderr, a.userARN("ci"), "codeartifact:GetRepositoryEndpoint", a.repoARN("app"))

		// deny -> allow, through A.
		a.putUserPolicy(t, a.admin, "ci", "p", a.readPolicy("app"))
		expect(t, "B", onB, tok, 200, "right after put-user-policy on A")
		b.aws(t, ci, "codeartifact", "get-repository-endpoint", "--domain", a.domain, "--repository", "app", "--format", "npm")

		// allow -> explicit deny in a second policy, through B, seen on A.
		b.putUserPolicy(t, b.admin, "ci", "deny", azPolicy(azDeny(a.repoARN("app"), "codeartifact:ReadFromRepository")))
		expect(t, "A", onA, tok, 403, "right after a Deny was put on B")
		b.deleteUserPolicy(t, b.admin, "ci", "deny")
		expect(t, "A", onA, tok, 200, "right after the Deny was deleted on B")
	})

	t.Run("RepositoryPolicy", func(t *testing.T) {
		// viewer may mint tokens; reading comes from the repository policy.
		viewer := a.createUser(t, a.admin, "viewer", azPolicy(azAllow(a.domainARN(), "codeartifact:GetAuthorizationToken"), azBearer()))
		tok, _ := a.token(t, viewer, "")
		expect(t, "B", onB, tok, 403, "no policy grants viewer read yet")
		allow := azPolicy(azAllow("*", "codeartifact:ReadFromRepository").principal(map[string]any{"AWS": a.userARN("viewer")}))
		deny := azPolicy(azDeny("*", "codeartifact:ReadFromRepository").principal(map[string]any{"AWS": a.userARN("viewer")}))

		a.putRepoPolicy(t, "app", allow) // deny -> allow, through A
		expect(t, "B", onB, tok, 200, "right after the repository policy allowed viewer on A")
		a.putRepoPolicy(t, "app", deny) // allow -> deny, through A
		expect(t, "B", onB, tok, 403, "right after the repository policy denied viewer on A")
		b.putRepoPolicy(t, "app", allow) // and through B, seen on A
		expect(t, "A", onA, tok, 200, "right after the repository policy allowed viewer on B")
		if _, err := a.c.DeleteRepositoryPermissionsPolicy(t.Context(), &codeartifact.DeleteRepositoryPermissionsPolicyInput{
			Domain: aws.String(a.domain), Repository: aws.String("app"),
		}); err != nil {
			t.Fatalf("DeleteRepositoryPermissionsPolicy on A: %v", err)
		}
		expect(t, "B", onB, tok, 403, "right after the repository policy was deleted on A")
	})

	t.Run("KeyDeactivated", func(t *testing.T) {
		k := a.createUser(t, a.admin, "keyed", a.readPolicy("app"))
		tok, _ := b.token(t, k, "") // minted on B
		expect(t, "B", onB, tok, 200, "active key")
		a.aws(t, a.admin, "iam", "update-access-key", "--user-name", "keyed", "--access-key-id", k.AccessKeyID, "--status", "Inactive")
		expect(t, "B", onB, tok, 401, "right after the key was deactivated on A")
		b.awsFails(t, k, "InvalidClientTokenId", "sts", "get-caller-identity")
		a.aws(t, a.admin, "iam", "update-access-key", "--user-name", "keyed", "--access-key-id", k.AccessKeyID, "--status", "Active")
		expect(t, "B", onB, tok, 200, "right after the key was activated again on A")
		if arn := b.callerARN(t, k, a.s.Account); !strings.HasSuffix(arn, ":user/keyed") {
			t.Errorf("get-caller-identity on B: %q", arn)
		}
	})
}
