package conformance

// Shared helpers of the authorization tests of issue #14 (authz_*_test.go):
// IAM users, keys, roles and policies made through the real `aws` CLI
// (`aws iam ...`, `aws sts ...`) against the real binary, and npm, pip,
// twine and boto3 used with the tokens those identities mint. Every
// identifier here starts with "az".

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/artifactd/artifactd/test/harness"
)

// azEnv is one server, its administrator and a domain.
type azEnv struct {
	s      *harness.Server
	c      *codeartifact.Client // the administrator's
	admin  aws.Credentials
	domain string
	dir    string
}

const azDomain = "acme"

// azStart starts a server with domain "acme" and the given repositories.
func azStart(t *testing.T, repos []string, opts ...harness.Option) *azEnv {
	t.Helper()
	s := harness.Start(t, opts...)
	return azOn(t, s, repos...)
}

// azOn wraps a running server and creates the domain and repositories
// (none when repos is empty and the domain exists: a second node).
func azOn(t *testing.T, s *harness.Server, repos ...string) *azEnv {
	t.Helper()
	e := &azEnv{s: s, c: s.Client(t), admin: s.Credentials(), domain: azDomain, dir: t.TempDir()}
	if len(repos) > 0 {
		harness.CreateDomain(t, e.c, e.domain)
		for _, r := range repos {
			harness.CreateRepository(t, e.c, e.domain, r)
		}
	}
	return e
}

// domainARN and repoARN are ARNs of the server's account in its region.
func (e *azEnv) domainARN() string       { return e.s.DomainARN("", e.domain) }
func (e *azEnv) repoARN(r string) string { return e.s.RepositoryARN("", e.domain, r) }
func (e *azEnv) userARN(name string) string {
	return "arn:aws:iam::" + e.s.Account + ":user/" + name
}

// awsRun runs `aws ARGS...` with creds and returns stdout, stderr and the
// exit code; tokens are kept out of the log.
func (e *azEnv) awsRun(t *testing.T, creds aws.Credentials, args ...string) (string, string, int) {
	t.Helper()
	start := time.Now()
	stdout, stderr, code := e.s.AWS(t, creds, "", args...)
	t.Logf("aws %s (as %s): exit %d, %v", azRedact(strings.Join(args, " ")), creds.AccessKeyID, code, time.Since(start).Round(time.Millisecond))
	return stdout, stderr, code
}

// aws runs a CLI command that must succeed and decodes its JSON output
// (nil when it prints nothing).
func (e *azEnv) aws(t *testing.T, creds aws.Credentials, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, code := e.awsRun(t, creds, args...)
	if code != 0 {
		t.Fatalf("aws %s (as %s): exit %d\nstderr: %s\nstdout: %s", azRedact(strings.Join(args, " ")), creds.AccessKeyID, code, stderr, stdout)
	}
	if strings.TrimSpace(stdout) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	return m
}

// awsFails runs a CLI command that must fail with the AWS error code
// (e.g. "AccessDeniedException") and returns its stderr.
func (e *azEnv) awsFails(t *testing.T, creds aws.Credentials, code string, args ...string) string {
	t.Helper()
	stdout, stderr, exit := e.awsRun(t, creds, args...)
	if exit == 0 {
		t.Fatalf("aws %s (as %s) succeeded, want %s\nstdout: %s", azRedact(strings.Join(args, " ")), creds.AccessKeyID, code, stdout)
	}
	if !strings.Contains(stderr, "("+code+")") {
		t.Fatalf("aws %s (as %s): exit %d, want an error (%s)\nstderr: %s", azRedact(strings.Join(args, " ")), creds.AccessKeyID, exit, code, stderr)
	}
	return stderr
}

// azDenied asserts that out (a CLI's or a client's output) carries AWS's
// AccessDenied wording for principal, action and resource (resource ""
// accepts any), with one of AWS's reasons.
func azDenied(t *testing.T, what, out, principal, action, resource string) {
	t.Helper()
	azDeniedRE(t, what, out, principal, action, resource, ` (because no (identity|resource)-based policy allows the `+
		regexp.QuoteMeta(action)+` action|with an explicit deny in an? (identity|resource)-based policy)`)
}

// azDeniedRE is azDenied with the pattern of the reason (STS gives none
// for AssumeRole).
func azDeniedRE(t *testing.T, what, out, principal, action, resource, reason string) {
	t.Helper()
	res := `\S+`
	if resource != "" {
		res = regexp.QuoteMeta(resource)
	}
	re := regexp.MustCompile(`User: ` + regexp.QuoteMeta(principal) + ` is not authorized to perform: ` + regexp.QuoteMeta(action) +
		` on resource: ` + res + reason)
	if !re.MatchString(out) {
		t.Errorf("%s: the output lacks AWS's denial \"User: %s is not authorized to perform: %s on resource: %s because ...\":\n%s",
			what, principal, action, resource, out)
	}
}

// azStatement is one policy statement.
type azStatement map[string]any

// azAllow and azDeny build statements of identity policies (no Principal).
func azAllow(resource any, actions ...string) azStatement {
	return azStatement{"Effect": "Allow", "Action": actions, "Resource": resource}
}

func azDeny(resource any, actions ...string) azStatement {
	return azStatement{"Effect": "Deny", "Action": actions, "Resource": resource}
}

// azBearer is the statement every token-minting policy needs, as AWS
// documents it.
func azBearer() azStatement {
	return azStatement{"Effect": "Allow", "Action": "sts:GetServiceBearerToken", "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"sts:AWSServiceName": "codeartifact.amazonaws.com"}}}
}

// principal adds a Principal (resource policies).
func (s azStatement) principal(p any) azStatement {
	s["Principal"] = p
	return s
}

// azPolicy renders a policy document.
func azPolicy(stmts ...azStatement) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// readPolicy is the identity policy of a read-only CI user: a token for the
// domain, and read on one repository (what `aws codeartifact login` and a
// package manager need).
func (e *azEnv) readPolicy(repo string) string {
	return azPolicy(
		azAllow(e.domainARN(), "codeartifact:GetAuthorizationToken"),
		azAllow(e.repoARN(repo), "codeartifact:ReadFromRepository", "codeartifact:GetRepositoryEndpoint"),
		azBearer(),
	)
}

// iam, sts and ca are Go SDK clients of the server acting as creds
// (retries off). The tests use them for setup steps that are not the point
// of the test, which the aws CLI does in seconds each on a loaded machine.
func (e *azEnv) iam(creds aws.Credentials) *iam.Client {
	return iam.New(iam.Options{Region: e.s.Region, BaseEndpoint: aws.String(e.s.URL),
		Credentials: credentials.StaticCredentialsProvider{Value: creds}, Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

func (e *azEnv) ca(creds aws.Credentials) *codeartifact.Client {
	return codeartifact.New(codeartifact.Options{Region: e.s.Region, BaseEndpoint: aws.String(e.s.URL),
		Credentials: credentials.StaticCredentialsProvider{Value: creds}, Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

// createUser creates an IAM user with an access key and, when policy is
// not "", an inline policy "p", acting as `as` (Go SDK), and returns the
// key.
func (e *azEnv) createUser(t *testing.T, as aws.Credentials, name, policy string) aws.Credentials {
	t.Helper()
	c := e.iam(as)
	if _, err := c.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("iam CreateUser %s: %v", name, err)
	}
	k, err := c.CreateAccessKey(t.Context(), &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("iam CreateAccessKey %s: %v", name, err)
	}
	if policy != "" {
		e.putUserPolicy(t, as, name, "p", policy)
	}
	return aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey),
		Source: "iam user " + name}
}

// putUserPolicy and deleteUserPolicy change a user's inline policy as `as`.
func (e *azEnv) putUserPolicy(t *testing.T, as aws.Credentials, user, name, doc string) {
	t.Helper()
	if _, err := e.iam(as).PutUserPolicy(t.Context(), &iam.PutUserPolicyInput{
		UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc),
	}); err != nil {
		t.Fatalf("iam PutUserPolicy %s %s on %s: %v", user, name, e.s.URL, err)
	}
}

func (e *azEnv) deleteUserPolicy(t *testing.T, as aws.Credentials, user, name string) {
	t.Helper()
	if _, err := e.iam(as).DeleteUserPolicy(t.Context(), &iam.DeleteUserPolicyInput{
		UserName: aws.String(user), PolicyName: aws.String(name),
	}); err != nil {
		t.Fatalf("iam DeleteUserPolicy %s %s on %s: %v", user, name, e.s.URL, err)
	}
}

// token mints an authorization token as creds (Go SDK; owner "" = the
// server's account) and returns it with its expiration.
func (e *azEnv) token(t *testing.T, creds aws.Credentials, owner string) (string, time.Time) {
	t.Helper()
	if owner == "" {
		owner = e.s.Account
	}
	out, err := e.ca(creds).GetAuthorizationToken(t.Context(), &codeartifact.GetAuthorizationTokenInput{
		Domain: aws.String(e.domain), DomainOwner: aws.String(owner),
	})
	if err != nil {
		t.Fatalf("GetAuthorizationToken %s as %s: %v", e.domain, creds.AccessKeyID, err)
	}
	return aws.ToString(out.AuthorizationToken), aws.ToTime(out.Expiration)
}

// tokenCLI mints a token with `aws codeartifact get-authorization-token`.
func (e *azEnv) tokenCLI(t *testing.T, creds aws.Credentials, owner string, extra ...string) (string, time.Time) {
	t.Helper()
	if owner == "" {
		owner = e.s.Account
	}
	out := e.aws(t, creds, append([]string{"codeartifact", "get-authorization-token", "--domain", e.domain, "--domain-owner", owner}, extra...)...)
	tok, _ := out["authorizationToken"].(string)
	if tok == "" {
		t.Fatalf("get-authorization-token: no token in %v", out)
	}
	return tok, azTime(t, "get-authorization-token expiration", out["expiration"])
}

// putRepoPolicy sets a repository's permissions policy as the
// administrator.
func (e *azEnv) putRepoPolicy(t *testing.T, repo, doc string) {
	t.Helper()
	if _, err := e.c.PutRepositoryPermissionsPolicy(t.Context(), &codeartifact.PutRepositoryPermissionsPolicyInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), PolicyDocument: aws.String(doc),
	}); err != nil {
		t.Fatalf("PutRepositoryPermissionsPolicy %s on %s: %v", repo, e.s.URL, err)
	}
}

// azTime parses a timestamp the CLI printed (ISO 8601, or epoch seconds).
func azTime(t *testing.T, what string, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case float64:
		return time.Unix(0, int64(x*1e9)).UTC()
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999-07:00", "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05Z"} {
			if tm, err := time.Parse(layout, x); err == nil {
				return tm.UTC()
			}
		}
	}
	t.Fatalf("%s: not a timestamp: %#v", what, v)
	return time.Time{}
}

// endpoint is the repository's endpoint for a format (asked as the
// administrator).
func (e *azEnv) endpoint(t *testing.T, repo string, f types.PackageFormat) string {
	t.Helper()
	out, err := e.c.GetRepositoryEndpoint(t.Context(), &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: f,
	})
	if err != nil {
		t.Fatalf("GetRepositoryEndpoint %s %s: %v", repo, f, err)
	}
	return aws.ToString(out.RepositoryEndpoint)
}

// npm returns an npm environment (own folder, cache and npmrc) for one
// repository and token.
func (e *azEnv) npm(t *testing.T, repo, token string) *npmEnv {
	t.Helper()
	n := &npmEnv{srv: e.s, c: e.c, domain: e.domain, repo: repo, endpoint: e.endpoint(t, repo, types.PackageFormatNpm),
		token: token, dir: t.TempDir()}
	n.npmrc = filepath.Join(n.dir, "npmrc")
	npmWriteRC(t, n.npmrc, n.endpoint, token)
	return n
}

// adminToken mints a token for the domain with the administrator's key.
func (e *azEnv) adminToken(t *testing.T) string {
	t.Helper()
	out, err := e.c.GetAuthorizationToken(t.Context(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(e.domain)})
	if err != nil {
		t.Fatalf("GetAuthorizationToken as the administrator: %v", err)
	}
	return aws.ToString(out.AuthorizationToken)
}

// azGet sends a data-plane GET with a token and returns the status and body.
func azGet(t *testing.T, s *harness.Server, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp := s.Do(t, req)
	return resp.StatusCode, string(harness.ReadBody(t, resp))
}

// azExpectNpm asserts an npm failure showing status code (E401, E403).
func azExpectNpm(t *testing.T, what string, r npmResult, code string) string {
	t.Helper()
	if r.err == nil {
		t.Fatalf("%s succeeded, want %s\n%s", what, code, r)
	}
	out := r.stdout + r.stderr
	if !strings.Contains(out, "code "+code) {
		t.Fatalf("%s: npm failed without %s:\n%s", what, code, r)
	}
	return out
}

// login runs `aws codeartifact login --tool TOOL` as creds in a HOME of
// its own and returns that HOME (npm: HOME/.npmrc; pip: pip.conf; twine:
// .pypirc). The CLI runs the tool itself for npm, so npm is on PATH.
func (e *azEnv) login(t *testing.T, creds aws.Credentials, tool, owner, repo string) string {
	t.Helper()
	awsPath := pyRequireTool(t, "aws", "the AWS CLI")
	if owner == "" {
		owner = e.s.Account
	}
	home, err := os.MkdirTemp(e.dir, "login-home-")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(strings.ToLower(k), "npm_") || k == "HOME" ||
			strings.HasPrefix(k, "PIP_") || strings.HasPrefix(k, "TWINE_") || k == "XDG_CONFIG_HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home,
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_DEFAULT_REGION="+e.s.Region,
		"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
		"NPM_CONFIG_UPDATE_NOTIFIER=false", "NPM_CONFIG_CACHE="+filepath.Join(home, "npm-cache"))
	if creds.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+creds.SessionToken)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsPath, "--endpoint-url", e.s.URL, "codeartifact", "login", "--tool", tool,
		"--domain", e.domain, "--domain-owner", owner, "--repository", repo)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws codeartifact login --tool %s --repository %s (as %s): %v\n%s", tool, repo, creds.AccessKeyID, err, out)
	}
	return home
}

// azRedact keeps tokens and policy documents short in logs.
func azRedact(s string) string {
	return pyToken.ReplaceAllString(s, "<token>")
}

// azPython returns the Python interpreter the aws CLI runs on (it has
// boto3 and botocore): the CLI script's #! line, through pyenv's shim when
// there is one.
func azPython(t *testing.T) string {
	t.Helper()
	awsPath := pyRequireTool(t, "aws", "the AWS CLI")
	interp := func(script string) string {
		b, err := os.ReadFile(script)
		if err != nil {
			return ""
		}
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(strings.TrimPrefix(line, "#!"))
		if !strings.HasPrefix(line, "#!") || len(f) == 0 {
			return ""
		}
		if filepath.Base(f[0]) == "env" && len(f) > 1 {
			p, _ := exec.LookPath(f[1])
			f[0] = p
		}
		if !strings.Contains(filepath.Base(f[0]), "python") {
			return ""
		}
		return f[0]
	}
	py := interp(awsPath)
	if py == "" {
		// A pyenv shim: ask pyenv which script it runs.
		if out, err := exec.Command("pyenv", "which", "aws").Output(); err == nil {
			py = interp(strings.TrimSpace(string(out)))
		}
	}
	if py == "" {
		py = pyRequireTool(t, "python3", "python3 with boto3")
	}
	if out, err := exec.Command(py, "-c", "import boto3, botocore").CombinedOutput(); err != nil {
		t.Fatalf("%s (the aws CLI's python) cannot import boto3: %v\n%s", py, err, out)
	}
	return py
}

// azBoto3Script publishes one generic asset with boto3 and prints the
// outcome as JSON: {"ok": true, "status": ...} or the ClientError's
// code, message and HTTP status.
const azBoto3Script = `
import hashlib, json, sys
import boto3, botocore.config, botocore.exceptions
a = json.loads(sys.argv[1])
c = boto3.client("codeartifact", endpoint_url=a["endpoint"], region_name=a["region"],
    aws_access_key_id=a["key"], aws_secret_access_key=a["secret"], aws_session_token=a.get("session") or None,
    config=botocore.config.Config(retries={"max_attempts": 1}))
data = ("asset of %s %s\n" % (a["package"], a["version"])).encode()
try:
    r = c.publish_package_version(domain=a["domain"], repository=a["repository"], format="generic",
        namespace="ns", package=a["package"], packageVersion=a["version"], assetName="a.txt",
        assetContent=data, assetSHA256=hashlib.sha256(data).hexdigest(), unfinished=False)
    print(json.dumps({"ok": True, "status": r.get("status")}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"ok": False, "code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
        "http": e.response["ResponseMetadata"]["HTTPStatusCode"]}))
`

// azBoto3Result is what azBoto3Script printed.
type azBoto3Result struct {
	OK      bool   `json:"ok"`
	Status  string `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	HTTP    int    `json:"http"`
}

// boto3Publish runs PublishPackageVersion through boto3 as creds.
func (e *azEnv) boto3Publish(t *testing.T, creds aws.Credentials, repo, pkg, version string) azBoto3Result {
	t.Helper()
	py := azPython(t)
	script := filepath.Join(e.dir, "publish.py")
	if _, err := os.Stat(script); err != nil {
		if err := os.WriteFile(script, []byte(azBoto3Script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	arg, _ := json.Marshal(map[string]string{"endpoint": e.s.URL, "region": e.s.Region, "key": creds.AccessKeyID,
		"secret": creds.SecretAccessKey, "session": creds.SessionToken, "domain": e.domain, "repository": repo,
		"package": pkg, "version": version})
	home := filepath.Join(e.dir, "boto3-home")
	os.MkdirAll(home, 0o700)
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_EC2_METADATA_DISABLED=true")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, script, string(arg))
	cmd.Env = env
	var o, er bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &er
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 publish_package_version %s/%s@%s: %v\nstdout: %s\nstderr: %s", repo, pkg, version, err, o.String(), er.String())
	}
	var r azBoto3Result
	if err := json.Unmarshal(o.Bytes(), &r); err != nil {
		t.Fatalf("boto3 script output is not JSON: %v\n%s\n%s", err, o.String(), er.String())
	}
	t.Logf("boto3 publish_package_version %s/%s@%s as %s: %+v", repo, pkg, version, creds.AccessKeyID, r)
	return r
}

// pypi returns a PyPI environment for one repository and token.
func (e *azEnv) pypi(t *testing.T, repo, token string) *pypiRepo {
	t.Helper()
	return &pypiRepo{s: e.s, c: e.c, domain: e.domain, repo: repo, token: token,
		endpoint: e.endpoint(t, repo, types.PackageFormatPypi), work: t.TempDir()}
}

// azCallerARN runs `aws sts get-caller-identity` as creds and returns
// its Arn, checking the account.
func (e *azEnv) callerARN(t *testing.T, creds aws.Credentials, account string) string {
	t.Helper()
	out := e.aws(t, creds, "sts", "get-caller-identity")
	if out["Account"] != account {
		t.Errorf("get-caller-identity Account = %v, want %s (%v)", out["Account"], account, out)
	}
	if id, _ := out["UserId"].(string); id == "" {
		t.Errorf("get-caller-identity without UserId: %v", out)
	}
	arn, _ := out["Arn"].(string)
	return arn
}

// azSessionCreds decodes `aws sts assume-role` output.
func azSessionCreds(t *testing.T, out map[string]any) (aws.Credentials, time.Time, map[string]any) {
	t.Helper()
	c, _ := out["Credentials"].(map[string]any)
	id, _ := c["AccessKeyId"].(string)
	secret, _ := c["SecretAccessKey"].(string)
	session, _ := c["SessionToken"].(string)
	if id == "" || secret == "" || session == "" {
		t.Fatalf("assume-role: incomplete credentials: %v", out)
	}
	user, _ := out["AssumedRoleUser"].(map[string]any)
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: session, Source: "role session"},
		azTime(t, "assume-role Credentials.Expiration", c["Expiration"]), user
}
