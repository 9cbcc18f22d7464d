package conformance

// End-to-end tests of issue #14 (identities and authorization) through the
// real clients against the real binary: the aws CLI's own iam and sts
// commands, `aws codeartifact login`, npm, pip, twine and boto3. Each test
// would fail if requests were not authorized: a read-only identity is
// refused the write, a Deny binds, a revoked identity stops at once.
// Helpers are in authz_helpers_test.go.

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
)

// TestAuthzDoneWhen is the "Done when", as a new user would try it:
// as the administrator, `aws iam create-user --user-name ci`, `aws iam
// create-access-key`, `aws iam put-user-policy` granting read on one
// repository; with the new key `aws codeartifact login --tool npm` and `npm
// install` work, `npm publish` is refused with a clear 403, and `aws sts
// get-caller-identity` names the user.
func TestAuthzDoneWhen(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"app", "secret"})
	npmPath(t)

	// The administrator publishes a package to both repositories.
	admin := e.npm(t, "app", e.adminToken(t))
	admin.publish(t, npmPkg{name: "hello-az", version: "1.0.0"})
	adminSecret := e.npm(t, "secret", admin.token)
	adminSecret.publish(t, npmPkg{name: "hidden-az", version: "1.0.0"})

	// As the administrator, through the aws CLI's own iam commands.
	out := e.aws(t, e.admin, "iam", "create-user", "--user-name", "ci")
	u, _ := out["User"].(map[string]any)
	if u["UserName"] != "ci" || u["Arn"] != e.userARN("ci") {
		t.Fatalf("iam create-user: User = %v, want UserName ci, Arn %s", u, e.userARN("ci"))
	}
	out = e.aws(t, e.admin, "iam", "create-access-key", "--user-name", "ci")
	k, _ := out["AccessKey"].(map[string]any)
	ci := aws.Credentials{AccessKeyID: k["AccessKeyId"].(string), SecretAccessKey: k["SecretAccessKey"].(string)}
	if !strings.HasPrefix(ci.AccessKeyID, "AKIA") || len(ci.AccessKeyID) != 20 || len(ci.SecretAccessKey) != 40 || k["Status"] != "Active" {
		t.Errorf("iam create-access-key: AccessKey = %v (want an AKIA key of 20 characters, a 40-character secret, Active)", k)
	}
	e.aws(t, e.admin, "iam", "put-user-policy", "--user-name", "ci", "--policy-name", "read-app",
		"--policy-document", e.readPolicy("app"))

	t.Run("GetCallerIdentity", func(t *testing.T) {
		if arn := e.callerARN(t, ci, e.s.Account); arn != e.userARN("ci") {
			t.Errorf("aws sts get-caller-identity as ci: Arn = %q, want %q", arn, e.userARN("ci"))
		}
		if arn := e.callerARN(t, e.admin, e.s.Account); arn != "arn:aws:iam::"+e.s.Account+":root" {
			t.Errorf("aws sts get-caller-identity as the administrator: Arn = %q, want the account's root", arn)
		}
	})

	// With the new key: login, install, publish.
	home := e.login(t, ci, "npm", "", "app")
	rc := filepath.Join(home, ".npmrc")
	if b, err := os.ReadFile(rc); err != nil || !strings.Contains(string(b), ":_authToken=") {
		t.Fatalf("aws codeartifact login --tool npm wrote no token to ~/.npmrc (%v):\n%s", err, b)
	}
	user := e.npm(t, "app", "")
	proj := user.project(t)
	if r := user.runRC(t, rc, proj, "install", "--no-audit", "--no-fund", "--prefer-online", "hello-az"); r.err != nil {
		t.Fatalf("npm install hello-az as ci (after aws codeartifact login): %v\n%s\nserver logs:\n%s", r.err, r, npmTail(e.s.Logs(), 20))
	}
	if b, err := os.ReadFile(filepath.Join(proj, "node_modules/hello-az/index.js")); err != nil || !strings.Contains(string(b), "hello-az@1.0.0") {
		t.Errorf("installed hello-az/index.js = %q, %v", b, err)
	}

	// The checks below change nothing but no-sts: they run in parallel.
	t.Run("Refusals", func(t *testing.T) {
		t.Run("PublishRefused", func(t *testing.T) {
			t.Parallel()
			dir := user.write(t, npmPkg{name: "hello-az", version: "2.0.0"})
			r := user.runRC(t, rc, dir, "publish")
			got := azExpectNpm(t, "npm publish as read-only ci", r, "E403")
			if !strings.Contains(got, "403 Forbidden") {
				t.Errorf("npm publish: npm does not show 403 Forbidden:\n%s", got)
			}
			azDenied(t, "npm publish as read-only ci", got, e.userARN("ci"), "codeartifact:PublishPackageVersion",
				"arn:aws:codeartifact:"+e.s.Region+":"+e.s.Account+":package/"+e.domain+"/app/npm//hello-az")
			if _, err := admin.describe(t, "hello-az", "2.0.0"); err == nil {
				t.Errorf("hello-az@2.0.0 exists after a refused publish")
			}
			// A new package too (no existing package in the way).
			r = user.runRC(t, rc, user.write(t, npmPkg{name: "brand-new-az", version: "1.0.0"}), "publish")
			azExpectNpm(t, "npm publish of a new package as read-only ci", r, "E403")
		})

		t.Run("OtherRepositoryRefused", func(t *testing.T) {
			t.Parallel()
			// The same token reads nothing outside the granted repository.
			tok := npmTokenOf(t, rc)
			other := e.npm(t, "secret", tok)
			r := other.run(t, other.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "hidden-az")
			got := azExpectNpm(t, "npm install from a repository ci may not read", r, "E403")
			azDenied(t, "npm install from secret", got, e.userARN("ci"), "codeartifact:ReadFromRepository", e.repoARN("secret"))
			// Nor does the CLI log ci in there.
			stderr := e.awsFails(t, ci, "AccessDeniedException", "codeartifact", "get-repository-endpoint",
				"--domain", e.domain, "--repository", "secret", "--format", "npm")
			azDenied(t, "get-repository-endpoint secret as ci", stderr, e.userARN("ci"), "codeartifact:GetRepositoryEndpoint", e.repoARN("secret"))
		})

		t.Run("ControlPlaneRefused", func(t *testing.T) {
			t.Parallel()
			stderr := e.awsFails(t, ci, "AccessDeniedException", "codeartifact", "describe-domain", "--domain", e.domain)
			azDenied(t, "describe-domain as ci", stderr, e.userARN("ci"), "codeartifact:DescribeDomain", e.domainARN())
			stderr = e.awsFails(t, ci, "AccessDeniedException", "codeartifact", "delete-repository", "--domain", e.domain, "--repository", "app")
			azDenied(t, "delete-repository as ci", stderr, e.userARN("ci"), "codeartifact:DeleteRepository", e.repoARN("app"))
			// ci cannot grant itself more.
			stderr = e.awsFails(t, ci, "AccessDenied", "iam", "put-user-policy", "--user-name", "ci", "--policy-name", "more",
				"--policy-document", azPolicy(azAllow("*", "*")))
			azDenied(t, "iam put-user-policy as ci", stderr, e.userARN("ci"), "iam:PutUserPolicy", e.userARN("ci"))
			if _, err := e.c.DescribeRepository(t.Context(), &codeartifact.DescribeRepositoryInput{
				Domain: aws.String(e.domain), Repository: aws.String("app"),
			}); err != nil {
				t.Errorf("app after ci's refused delete-repository: %v", err)
			}
		})

		t.Run("TokenNeedsServiceBearerToken", func(t *testing.T) {
			t.Parallel()
			// As on AWS, GetAuthorizationToken also needs
			// sts:GetServiceBearerToken.
			nosts := e.createUser(t, e.admin, "no-sts", azPolicy(
				azAllow(e.domainARN(), "codeartifact:GetAuthorizationToken"),
				azAllow(e.repoARN("app"), "codeartifact:ReadFromRepository")))
			stderr := e.awsFails(t, nosts, "AccessDeniedException", "codeartifact", "get-authorization-token", "--domain", e.domain)
			azDenied(t, "get-authorization-token without sts:GetServiceBearerToken", stderr, e.userARN("no-sts"), "sts:GetServiceBearerToken", "")
		})
	})
}

// npmTokenOf reads the _authToken an npmrc holds.
func npmTokenOf(t *testing.T, rc string) string {
	t.Helper()
	b, err := os.ReadFile(rc)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if _, tok, ok := strings.Cut(line, ":_authToken="); ok {
			return strings.TrimSpace(tok)
		}
	}
	t.Fatalf("%s holds no _authToken:\n%s", rc, b)
	return ""
}

// TestAuthzPipTwine: a read-only CI user installs with pip (configured by
// `aws codeartifact login --tool pip`) but cannot upload with twine
// (configured by `aws codeartifact login --tool twine`): 403, with AWS's
// message in the response twine shows.
func TestAuthzPipTwine(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"py", "private"})
	pyRequireTool(t, "twine", "apt-get install -y twine")

	// The administrator uploads a wheel with twine to both repositories.
	admin := e.pypi(t, "py", e.adminToken(t))
	d := pyDist{Name: "ci-tool", Version: "1.0", Module: "ci_tool"}
	wheel, data := d.wheel(t)
	admin.twineUpload(t, admin.write(t, wheel, data))
	adminPrivate := e.pypi(t, "private", admin.token)
	secret := pyDist{Name: "secret-tool", Version: "1.0", Module: "secret_tool"}
	sw, sd := secret.wheel(t)
	adminPrivate.twineUpload(t, adminPrivate.write(t, sw, sd))

	reader := e.createUser(t, e.admin, "ci-reader", e.readPolicy("py"))

	t.Run("PipInstall", func(t *testing.T) {
		p := e.pypi(t, "py", "")
		home := e.login(t, reader, "pip", "", "py")
		env := p.toolEnv(t, home)
		py := p.newVenv(t, "venv")
		if out, code := p.pip(t, env, py, "install", "ci-tool"); code != 0 {
			t.Fatalf("pip install ci-tool as ci-reader (after aws codeartifact login --tool pip): exit %d\n%s", code, out)
		}
		if out, code := pyRun(t, env, py, "-c", "import ci_tool; print(ci_tool.VERSION)"); code != 0 || strings.TrimSpace(out) != "1.0" {
			t.Fatalf("import ci_tool: exit %d: %s", code, out)
		}
		// Not from a repository it may not read: pip says only that it
		// found nothing (it logs an index page's 403 at debug level), and
		// the page is a 403 with AWS's message.
		tok := npmTokenOfPipConf(t, home)
		if out, code := p.pip(t, env, py, "install", "--index-url", strings.Replace(adminPrivate.endpoint, "://", "://aws:"+tok+"@", 1)+"simple/", "secret-tool"); code == 0 {
			t.Errorf("pip install secret-tool from private as ci-reader succeeded:\n%s", out)
		}
		private := e.pypi(t, "private", tok)
		resp, body := private.get(t, "simple/secret-tool/", "")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET private/simple/secret-tool/ with ci-reader's token: %d %s, want 403", resp.StatusCode, body)
		}
		azDenied(t, "GET private/simple/secret-tool/ as ci-reader", string(body), e.userARN("ci-reader"), "codeartifact:ReadFromRepository", e.repoARN("private"))
	})

	t.Run("TwineUploadRefused", func(t *testing.T) {
		p := e.pypi(t, "py", "")
		home := e.login(t, reader, "twine", "", "py")
		env := p.toolEnv(t, home, "COLUMNS=2000")
		d2 := pyDist{Name: "ci-tool", Version: "2.0", Module: "ci_tool"}
		n, b := d2.wheel(t)
		out, code := p.twine(t, env, "--repository", "codeartifact", p.write(t, n, b))
		if code == 0 {
			t.Fatalf("twine upload as read-only ci-reader succeeded:\n%s", out)
		}
		if !strings.Contains(out, "403 Forbidden") {
			t.Errorf("twine upload as ci-reader: twine does not show 403 Forbidden:\n%s", out)
		}
		azDenied(t, "twine upload as ci-reader", strings.Join(strings.Fields(out), " "), e.userARN("ci-reader"),
			"codeartifact:PublishPackageVersion", "arn:aws:codeartifact:"+e.s.Region+":"+e.s.Account+":package/"+e.domain+"/py/pypi//ci-tool")
		if _, err := e.c.DescribePackageVersion(t.Context(), &codeartifact.DescribePackageVersionInput{
			Domain: aws.String(e.domain), Repository: aws.String("py"), Format: "pypi",
			Package: aws.String("ci-tool"), PackageVersion: aws.String("2.0"),
		}); err == nil {
			t.Errorf("ci-tool 2.0 exists after a refused upload")
		}
	})
}

// npmTokenOfPipConf reads the token of the index-url `aws codeartifact
// login --tool pip` wrote under home.
func npmTokenOfPipConf(t *testing.T, home string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, ".config", "pip", "pip.conf"))
	if err != nil {
		t.Fatalf("pip.conf: %v", err)
	}
	_, rest, ok := strings.Cut(string(b), "://aws:")
	tok, _, ok2 := strings.Cut(rest, "@")
	if !ok || !ok2 || tok == "" {
		t.Fatalf("pip.conf holds no token:\n%s", b)
	}
	return tok
}

// TestAuthzDenyPublishProd: a repository policy denying
// PublishPackageVersion on prod stops npm publish, twine upload and the
// PublishPackageVersion API (boto3), for the administrator too, and for a
// user whose own policy allows everything; publishing to another
// repository still works, and prod takes publishes again once the policy
// is gone (the tokens were never the reason).
func TestAuthzDenyPublishProd(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"prod", "dev"})
	npmPath(t)
	pyRequireTool(t, "twine", "apt-get install -y twine")
	azPython(t)
	all := e.createUser(t, e.admin, "release", azPolicy(azAllow("*", "codeartifact:*"), azAllow("*", "sts:GetServiceBearerToken")))
	adminTok := e.adminToken(t)
	userTok, _ := e.token(t, all, "")

	e.putRepoPolicy(t, "prod", azPolicy(azDeny("*", "codeartifact:PublishPackageVersion").principal("*")))
	pkgARN := func(repo, format, name string) string {
		return "arn:aws:codeartifact:" + e.s.Region + ":" + e.s.Account + ":package/" + e.domain + "/" + repo + "/" + format + "/" + name
	}
	rootARN := "arn:aws:iam::" + e.s.Account + ":root"
	explicit := func(t *testing.T, what, out, principal, action, resource string) {
		t.Helper()
		azDenied(t, what, out, principal, action, resource)
		if !strings.Contains(out, "with an explicit deny in a resource-based policy") {
			t.Errorf("%s: the denial does not name the repository policy's explicit deny:\n%s", what, out)
		}
	}

	// The group returns once its parallel subtests are done.
	t.Run("Publish", func(t *testing.T) {
		for _, who := range []struct {
			name, token, arn string
			creds            aws.Credentials
		}{{"administrator", adminTok, rootARN, e.admin}, {"release", userTok, e.userARN("release"), all}} {
			t.Run(who.name, func(t *testing.T) {
				t.Parallel()
				pkg := "app-" + who.name
				t.Run("npm", func(t *testing.T) {
					t.Parallel()
					prod, dev := e.npm(t, "prod", who.token), e.npm(t, "dev", who.token)
					r := prod.run(t, prod.write(t, npmPkg{name: pkg, version: "1.0.0"}), "publish")
					explicit(t, "npm publish to prod", azExpectNpm(t, "npm publish to prod as "+who.name, r, "E403"),
						who.arn, "codeartifact:PublishPackageVersion", pkgARN("prod", "npm/", pkg))
					dev.publish(t, npmPkg{name: pkg, version: "1.0.0"})
				})
				t.Run("twine", func(t *testing.T) {
					t.Parallel()
					prod, dev := e.pypi(t, "prod", who.token), e.pypi(t, "dev", who.token)
					d := pyDist{Name: "py-" + who.name, Version: "1.0"}
					n, b := d.wheel(t)
					env := prod.toolEnv(t, filepath.Join(prod.work, "home"), "COLUMNS=2000")
					out, code := prod.twine(t, env, "--repository-url", prod.endpoint, "-u", "aws", "-p", who.token, prod.write(t, n, b))
					if code == 0 || !strings.Contains(out, "403 Forbidden") {
						t.Fatalf("twine upload to prod as %s: exit %d, want a failure showing 403 Forbidden\n%s", who.name, code, out)
					}
					explicit(t, "twine upload to prod", strings.Join(strings.Fields(out), " "), who.arn,
						"codeartifact:PublishPackageVersion", pkgARN("prod", "pypi/", d.Name))
					dev.twineUpload(t, dev.write(t, n, b))
				})
				t.Run("boto3", func(t *testing.T) {
					t.Parallel()
					r := e.boto3Publish(t, who.creds, "prod", "gen-"+who.name, "1.0")
					if r.OK || r.Code != "AccessDeniedException" || r.HTTP != 403 {
						t.Fatalf("boto3 publish_package_version to prod as %s: %+v, want ClientError AccessDeniedException (403)", who.name, r)
					}
					explicit(t, "boto3 publish_package_version to prod", r.Message, who.arn,
						"codeartifact:PublishPackageVersion", pkgARN("prod", "generic/ns", "gen-"+who.name))
					if r := e.boto3Publish(t, who.creds, "dev", "gen-"+who.name, "1.0"); !r.OK || r.Status != "Published" {
						t.Fatalf("boto3 publish_package_version to dev as %s: %+v, want Published", who.name, r)
					}
				})
			})
		}
	})

	t.Run("NothingReachedProd", func(t *testing.T) {
		out, err := e.c.ListPackages(t.Context(), &codeartifact.ListPackagesInput{Domain: aws.String(e.domain), Repository: aws.String("prod")})
		if err != nil {
			t.Fatalf("ListPackages prod: %v", err)
		}
		for _, p := range out.Packages {
			vs, err := e.c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{
				Domain: aws.String(e.domain), Repository: aws.String("prod"), Format: p.Format,
				Namespace: p.Namespace, Package: p.Package,
			})
			if err == nil && len(vs.Versions) > 0 {
				t.Errorf("prod holds %s %s versions %v despite the Deny", p.Format, aws.ToString(p.Package), vs.Versions)
			}
		}
	})

	t.Run("DenyRemoved", func(t *testing.T) {
		if _, err := e.c.DeleteRepositoryPermissionsPolicy(t.Context(), &codeartifact.DeleteRepositoryPermissionsPolicyInput{
			Domain: aws.String(e.domain), Repository: aws.String("prod"),
		}); err != nil {
			t.Fatalf("DeleteRepositoryPermissionsPolicy prod: %v", err)
		}
		e.npm(t, "prod", adminTok).publish(t, npmPkg{name: "after-deny", version: "1.0.0"})
		if r := e.boto3Publish(t, all, "prod", "after-deny", "1.0"); !r.OK {
			t.Errorf("boto3 publish to prod as release once the Deny is gone: %+v", r)
		}
	})
}
