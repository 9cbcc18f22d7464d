package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/test/harness"
)

// icCreds are the credentials an aws CLI or boto3 run signs with.
type icCreds struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// icTool runs the real aws CLI and boto3 against one server with an
// isolated HOME and no AWS_ settings of the machine.
type icTool struct {
	s    *harness.Server
	home string
}

func newICTool(t *testing.T, s *harness.Server) *icTool {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("aws CLI not on PATH (ARTIFACTD_ALLOW_SKIP=1)")
		}
		t.Fatalf("aws CLI not on PATH: %v (set ARTIFACTD_ALLOW_SKIP=1 to skip)", err)
	}
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(home, ".aws", f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &icTool{s: s, home: home}
}

func (x *icTool) env(c icCreds, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+x.home,
		"AWS_CONFIG_FILE="+filepath.Join(x.home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(x.home, ".aws", "credentials"),
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_RETRY_MODE=standard",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	if c.AccessKeyID != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+c.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey)
	}
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	return append(env, extra...)
}

func (x *icTool) run(t *testing.T, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return x.runFor(t, 2*time.Minute, env, name, args...)
}

// runFor is run with a time limit of its own (Terraform's runs take
// minutes on a loaded machine).
func (x *icTool) runFor(t *testing.T, limit time.Duration, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return o.String(), e.String(), code
}

// cli runs `aws --endpoint-url URL --output json ARGS...` signed with c.
func (x *icTool) cli(t *testing.T, c icCreds, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return x.run(t, x.env(c), "aws", append([]string{"--endpoint-url", x.s.URL, "--output", "json"}, args...)...)
}

// ok runs a command that must succeed and decodes its JSON output (nil
// when it prints nothing).
func (x *icTool) ok(t *testing.T, c icCreds, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, code := x.cli(t, c, args...)
	if code != 0 {
		t.Fatalf("aws %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), code, stderr, stdout)
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

// fails runs a command that must fail with the error code (and message
// parts) on stderr, as the CLI prints "An error occurred (Code) when
// calling the Op operation: Message".
func (x *icTool) fails(t *testing.T, c icCreds, code string, args ...string) string {
	t.Helper()
	stdout, stderr, exit := x.cli(t, c, args...)
	if exit != 254 && exit != 255 {
		t.Errorf("aws %s: exit %d, want 254 or 255\nstdout: %s\nstderr: %s", strings.Join(args, " "), exit, stdout, stderr)
	}
	if !strings.Contains(stderr, "An error occurred ("+code+")") {
		t.Errorf("aws %s: stderr does not name %s: %s", strings.Join(args, " "), code, stderr)
	}
	return stderr
}

func icObj(t *testing.T, m map[string]any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		o, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("no object %q in %v", k, m)
		}
		m = o
	}
	return m
}

func icStr(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Fatalf("no string %q in %v", key, m)
	}
	return s
}

// icNames returns the key field of each object of the list m[list].
func icNames(t *testing.T, m map[string]any, list, key string) []string {
	t.Helper()
	raw, ok := m[list].([]any)
	if !ok {
		t.Fatalf("no list %q in %v", list, m)
	}
	var out []string
	for _, e := range raw {
		switch v := e.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			out = append(out, icStr(t, v, key))
		}
	}
	return out
}

func icJSON(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// icSteps runs independent steps in parallel (each CLI run starts a
// Python process: a second or two) and stops the test if one failed.
func icSteps(t *testing.T, name string, steps map[string]func(t *testing.T)) {
	t.Helper()
	ok := t.Run(name, func(t *testing.T) {
		for n, f := range steps {
			t.Run(n, func(t *testing.T) {
				t.Parallel()
				f(t)
			})
		}
	})
	if !ok {
		t.FailNow()
	}
}

// TestIAMCLI: identities managed with the real `aws iam` and `aws sts`
// commands (CLI v1) against the real binary, the way the issue's "Done
// when" tries it: a user, its key and inline policy, lists, a deactivated
// key refused, a role assumed (directly and through a profile's role_arn),
// the caller identity of the administrator, the user and the role
// session, errors, and deletion of everything.
func TestIAMCLI(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	x := newICTool(t, s)
	admin := icCreds{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}
	acct := s.Account
	userARN := "arn:aws:iam::" + acct + ":user/ci"
	roleARN := "arn:aws:iam::" + acct + ":role/deployer+1"
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	// A policy document with spaces, newlines and characters URL
	// encoding changes: the CLI decodes IAM's URL-encoded answer back.
	policy := `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["codeartifact:ReadFromRepository", "codeartifact:GetAuthorizationToken"],
     "Resource": "*"},
    {"Sid": "AssumeDeployer & co", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "` + roleARN + `"},
    {"Sid": "OwnKeys", "Effect": "Allow", "Action": "iam:ListAccessKeys", "Resource": "arn:aws:iam::` + acct + `:user/${aws:username}"}
  ]
}`
	policyFile := file("read.json", policy)

	icSteps(t, "administrator", map[string]func(t *testing.T){
		"get-caller-identity": func(t *testing.T) {
			id := x.ok(t, admin, "sts", "get-caller-identity")
			if id["Account"] != acct || id["Arn"] != "arn:aws:iam::"+acct+":root" || id["UserId"] != acct {
				t.Errorf("administrator identity %v", id)
			}
		},
		"get-user": func(t *testing.T) {
			root := icObj(t, x.ok(t, admin, "iam", "get-user"), "User")
			if root["Arn"] != "arn:aws:iam::"+acct+":root" || root["UserName"] != nil {
				t.Errorf("administrator get-user %v", root)
			}
		},
		"create-user u1": func(t *testing.T) { x.ok(t, admin, "iam", "create-user", "--user-name", "u1") },
		"create-user u2": func(t *testing.T) { x.ok(t, admin, "iam", "create-user", "--user-name", "u2", "--path", "/team/") },
		"create-user u3": func(t *testing.T) { x.ok(t, admin, "iam", "create-user", "--user-name", "u3", "--path", "/team/") },
		"create-user invalid": func(t *testing.T) {
			x.fails(t, admin, "ValidationError", "iam", "create-user", "--user-name", "no spaces")
		},
	})

	u := icObj(t, x.ok(t, admin, "iam", "create-user", "--user-name", "ci"), "User")
	if u["UserName"] != "ci" || u["Path"] != "/" || u["Arn"] != userARN || !strings.HasPrefix(icStr(t, u, "UserId"), "AIDA") {
		t.Errorf("created %v", u)
	}
	cpCLITime(t, "User.CreateDate", u["CreateDate"])
	k := icObj(t, x.ok(t, admin, "iam", "create-access-key", "--user-name", "ci"), "AccessKey")
	if k["UserName"] != "ci" || k["Status"] != "Active" || len(icStr(t, k, "SecretAccessKey")) != 40 {
		t.Errorf("key %v", k)
	}
	cpCLITime(t, "AccessKey.CreateDate", k["CreateDate"])
	ci := icCreds{AccessKeyID: icStr(t, k, "AccessKeyId"), SecretAccessKey: icStr(t, k, "SecretAccessKey")}
	if out := x.ok(t, admin, "iam", "put-user-policy", "--user-name", "ci", "--policy-name", "read", "--policy-document", policyFile); out != nil {
		t.Errorf("put-user-policy printed %v", out)
	}

	all := []string{"ci", "u1", "u2", "u3"}
	icSteps(t, "user", map[string]func(t *testing.T){
		"create-user again": func(t *testing.T) {
			x.fails(t, admin, "EntityAlreadyExists", "iam", "create-user", "--user-name", "CI")
		},
		"get-user-policy": func(t *testing.T) {
			got := x.ok(t, admin, "iam", "get-user-policy", "--user-name", "ci", "--policy-name", "read")
			if got["UserName"] != "ci" || got["PolicyName"] != "read" || !reflect.DeepEqual(got["PolicyDocument"], icJSON(t, policy)) {
				t.Errorf("get-user-policy %v", got)
			}
		},
		"put-user-policy malformed": func(t *testing.T) {
			x.fails(t, admin, "MalformedPolicyDocument", "iam", "put-user-policy", "--user-name", "ci", "--policy-name", "bad",
				"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}`)
		},
		"get-user-policy missing": func(t *testing.T) {
			x.fails(t, admin, "NoSuchEntity", "iam", "get-user-policy", "--user-name", "ci", "--policy-name", "nope")
		},
		"list-users": func(t *testing.T) {
			if names := icNames(t, x.ok(t, admin, "iam", "list-users"), "Users", "UserName"); !reflect.DeepEqual(names, all) {
				t.Errorf("list-users %v", names)
			}
		},
		"list-users --page-size 1": func(t *testing.T) { // the CLI follows the markers itself
			if names := icNames(t, x.ok(t, admin, "iam", "list-users", "--page-size", "1"), "Users", "UserName"); !reflect.DeepEqual(names, all) {
				t.Errorf("list-users --page-size 1: %v", names)
			}
		},
		"list-users --max-items 2": func(t *testing.T) {
			page := x.ok(t, admin, "iam", "list-users", "--max-items", "2")
			if names := icNames(t, page, "Users", "UserName"); !reflect.DeepEqual(names, all[:2]) || page["NextToken"] == nil {
				t.Errorf("list-users --max-items 2: %v", page)
			}
		},
		"list-users --path-prefix": func(t *testing.T) {
			if names := icNames(t, x.ok(t, admin, "iam", "list-users", "--path-prefix", "/team/"), "Users", "UserName"); !reflect.DeepEqual(names, []string{"u2", "u3"}) {
				t.Errorf("list-users --path-prefix %v", names)
			}
		},
		"list-access-keys": func(t *testing.T) {
			keys := x.ok(t, admin, "iam", "list-access-keys", "--user-name", "ci")
			if ids := icNames(t, keys, "AccessKeyMetadata", "AccessKeyId"); len(ids) != 1 || ids[0] != ci.AccessKeyID {
				t.Errorf("list-access-keys %v", keys)
			}
		},
		"list-user-policies": func(t *testing.T) {
			if names := icNames(t, x.ok(t, admin, "iam", "list-user-policies", "--user-name", "ci"), "PolicyNames", ""); !reflect.DeepEqual(names, []string{"read"}) {
				t.Errorf("list-user-policies %v", names)
			}
		},
		"get-user missing": func(t *testing.T) { x.fails(t, admin, "NoSuchEntity", "iam", "get-user", "--user-name", "nobody") },
		// The new key: who it is, what it may do.
		"as ci: get-caller-identity": func(t *testing.T) {
			id := x.ok(t, ci, "sts", "get-caller-identity")
			if id["Arn"] != userARN || id["Account"] != acct || !strings.HasPrefix(icStr(t, id, "UserId"), "AIDA") {
				t.Errorf("user identity %v", id)
			}
		},
		"as ci: own list-access-keys": func(t *testing.T) { x.ok(t, ci, "iam", "list-access-keys") }, // through ${aws:username}
		"as ci: list-users": func(t *testing.T) {
			stderr := x.fails(t, ci, "AccessDenied", "iam", "list-users")
			if !strings.Contains(stderr, "User: "+userARN+" is not authorized to perform: iam:ListUsers") {
				t.Errorf("denial message: %s", stderr)
			}
		},
		"as ci: other's list-access-keys": func(t *testing.T) {
			x.fails(t, ci, "AccessDenied", "iam", "list-access-keys", "--user-name", "u1")
		},
	})

	// Inactive: refused at once, by IAM and STS; active again: accepted.
	x.ok(t, admin, "iam", "update-access-key", "--user-name", "ci", "--access-key-id", ci.AccessKeyID, "--status", "Inactive")
	icSteps(t, "inactive key", map[string]func(t *testing.T){
		"list-access-keys": func(t *testing.T) {
			keys := x.ok(t, admin, "iam", "list-access-keys", "--user-name", "ci")
			if st := keys["AccessKeyMetadata"].([]any)[0].(map[string]any)["Status"]; st != "Inactive" {
				t.Errorf("status %v", st)
			}
		},
		"sts": func(t *testing.T) {
			stderr := x.fails(t, ci, "InvalidClientTokenId", "sts", "get-caller-identity")
			if !strings.Contains(stderr, "The security token included in the request is invalid") {
				t.Errorf("inactive key: %s", stderr)
			}
		},
		"iam": func(t *testing.T) { x.fails(t, ci, "InvalidClientTokenId", "iam", "list-access-keys") },
	})
	x.ok(t, admin, "iam", "update-access-key", "--user-name", "ci", "--access-key-id", ci.AccessKeyID, "--status", "Active")
	x.ok(t, ci, "sts", "get-caller-identity")

	// A role the user may assume.
	trust := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "` + userARN + `"}, "Action": "sts:AssumeRole"}]}`
	role := icObj(t, x.ok(t, admin, "iam", "create-role", "--role-name", "deployer+1", "--assume-role-policy-document", trust,
		"--description", "Deploys", "--max-session-duration", "7200"), "Role")
	if role["Arn"] != roleARN || role["MaxSessionDuration"] != float64(7200) || !reflect.DeepEqual(role["AssumeRolePolicyDocument"], icJSON(t, trust)) {
		t.Errorf("create-role %v", role)
	}
	rolePolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`
	x.ok(t, admin, "iam", "put-role-policy", "--role-name", "deployer+1", "--policy-name", "list", "--policy-document", rolePolicy)

	var ar map[string]any
	icSteps(t, "role", map[string]func(t *testing.T){
		"get-role": func(t *testing.T) {
			role := icObj(t, x.ok(t, admin, "iam", "get-role", "--role-name", "deployer+1"), "Role")
			if role["Description"] != "Deploys" || !reflect.DeepEqual(role["AssumeRolePolicyDocument"], icJSON(t, trust)) {
				t.Errorf("get-role %v", role)
			}
		},
		"list-roles": func(t *testing.T) {
			if names := icNames(t, x.ok(t, admin, "iam", "list-roles"), "Roles", "RoleName"); !reflect.DeepEqual(names, []string{"deployer+1"}) {
				t.Errorf("list-roles %v", names)
			}
		},
		"get-role-policy": func(t *testing.T) {
			rp := x.ok(t, admin, "iam", "get-role-policy", "--role-name", "deployer+1", "--policy-name", "list")
			if !reflect.DeepEqual(rp["PolicyDocument"], icJSON(t, rolePolicy)) {
				t.Errorf("get-role-policy %v", rp)
			}
		},
		"list-role-policies": func(t *testing.T) {
			if names := icNames(t, x.ok(t, admin, "iam", "list-role-policies", "--role-name", "deployer+1"), "PolicyNames", ""); !reflect.DeepEqual(names, []string{"list"}) {
				t.Errorf("list-role-policies %v", names)
			}
		},
		"assume-role not trusted": func(t *testing.T) {
			x.fails(t, admin, "AccessDenied", "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "admin")
		},
		"assume-role": func(t *testing.T) {
			ar = x.ok(t, ci, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "build-7", "--duration-seconds", "900")
		},
	})

	cr := icObj(t, ar, "Credentials")
	if !strings.HasPrefix(icStr(t, cr, "AccessKeyId"), "ASIA") || icStr(t, cr, "SessionToken") == "" {
		t.Errorf("assume-role credentials %v", cr)
	}
	if exp, err := time.Parse(time.RFC3339, icStr(t, cr, "Expiration")); err != nil || time.Until(exp) > 901*time.Second || time.Until(exp) < 800*time.Second {
		t.Errorf("expiration %v (%v)", cr["Expiration"], err)
	}
	sessionARN := "arn:aws:sts::" + acct + ":assumed-role/deployer+1/build-7"
	if icObj(t, ar, "AssumedRoleUser")["Arn"] != sessionARN {
		t.Errorf("assumed role user %v", ar["AssumedRoleUser"])
	}
	session := icCreds{AccessKeyID: icStr(t, cr, "AccessKeyId"), SecretAccessKey: icStr(t, cr, "SecretAccessKey"), SessionToken: icStr(t, cr, "SessionToken")}

	icSteps(t, "session", map[string]func(t *testing.T){
		"get-caller-identity": func(t *testing.T) {
			id := x.ok(t, session, "sts", "get-caller-identity")
			if id["Arn"] != sessionARN || id["Account"] != acct || !strings.HasSuffix(icStr(t, id, "UserId"), ":build-7") {
				t.Errorf("session identity %v", id)
			}
		},
		"list-roles": func(t *testing.T) { x.ok(t, session, "iam", "list-roles") },
		"list-users": func(t *testing.T) { x.fails(t, session, "AccessDenied", "iam", "list-users") },
		"key without its token": func(t *testing.T) {
			x.fails(t, icCreds{AccessKeyID: session.AccessKeyID, SecretAccessKey: session.SecretAccessKey}, "InvalidClientTokenId", "sts", "get-caller-identity")
		},
		// A CLI profile with role_arn: the CLI assumes the role itself
		// (AWS_ENDPOINT_URL_STS sends its STS call to artifactd).
		"profile with role_arn": func(t *testing.T) {
			cfg := "[profile ci]\naws_access_key_id = " + ci.AccessKeyID + "\naws_secret_access_key = " + ci.SecretAccessKey +
				"\n\n[profile deploy]\nrole_arn = " + roleARN + "\nsource_profile = ci\nrole_session_name = from-profile\n"
			path := filepath.Join(dir, "profile-config")
			if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := x.run(t, x.env(icCreds{}, "AWS_CONFIG_FILE="+path, "AWS_ENDPOINT_URL_STS="+s.URL),
				"aws", "--profile", "deploy", "--output", "json", "sts", "get-caller-identity")
			if code != 0 || !strings.Contains(out, `"arn:aws:sts::`+acct+`:assumed-role/deployer+1/from-profile"`) {
				t.Errorf("profile with role_arn: exit %d\n%s\n%s", code, out, errOut)
			}
		},
	})

	// Deleting: refused while something hangs on, then everything.
	icSteps(t, "delete conflicts", map[string]func(t *testing.T){
		"delete-user": func(t *testing.T) { x.fails(t, admin, "DeleteConflict", "iam", "delete-user", "--user-name", "ci") },
		"delete-role": func(t *testing.T) {
			x.fails(t, admin, "DeleteConflict", "iam", "delete-role", "--role-name", "deployer+1")
		},
		"delete-role-policy": func(t *testing.T) {
			x.fails(t, admin, "NoSuchEntity", "iam", "delete-role-policy", "--role-name", "deployer+1", "--policy-name", "nope")
		},
	})
	x.ok(t, admin, "iam", "delete-role-policy", "--role-name", "deployer+1", "--policy-name", "list")
	x.ok(t, admin, "iam", "delete-role", "--role-name", "deployer+1")
	x.ok(t, admin, "iam", "delete-user-policy", "--user-name", "ci", "--policy-name", "read")
	x.ok(t, admin, "iam", "delete-access-key", "--user-name", "ci", "--access-key-id", ci.AccessKeyID)
	icSteps(t, "deleted", map[string]func(t *testing.T){
		"session of a deleted role": func(t *testing.T) {
			x.fails(t, session, "InvalidClientTokenId", "sts", "get-caller-identity")
		},
		"deleted key":    func(t *testing.T) { x.fails(t, ci, "InvalidClientTokenId", "sts", "get-caller-identity") },
		"delete-user ci": func(t *testing.T) { x.ok(t, admin, "iam", "delete-user", "--user-name", "ci") },
		"delete-user u1": func(t *testing.T) { x.ok(t, admin, "iam", "delete-user", "--user-name", "u1") },
		"delete-user u2": func(t *testing.T) { x.ok(t, admin, "iam", "delete-user", "--user-name", "u2") },
		"delete-user u3": func(t *testing.T) { x.ok(t, admin, "iam", "delete-user", "--user-name", "u3") },
		// Errors that never reach a handler.
		"unknown key": func(t *testing.T) {
			x.fails(t, icCreds{AccessKeyID: "AKIANOSUCHKEY0000000", SecretAccessKey: "x"}, "InvalidClientTokenId", "iam", "list-users")
		},
		"wrong secret": func(t *testing.T) {
			x.fails(t, icCreds{AccessKeyID: s.AccessKey, SecretAccessKey: "wrong"}, "SignatureDoesNotMatch", "sts", "get-caller-identity")
		},
	})
	icSteps(t, "nothing left", map[string]func(t *testing.T){
		"list-users": func(t *testing.T) {
			if users := x.ok(t, admin, "iam", "list-users"); len(users["Users"].([]any)) != 0 {
				t.Errorf("users left %v", users)
			}
		},
		"list-roles": func(t *testing.T) {
			if roles := x.ok(t, admin, "iam", "list-roles"); len(roles["Roles"].([]any)) != 0 {
				t.Errorf("roles left %v", roles)
			}
		},
	})
}

// icBoto3 is the boto3 side of TestIAMBoto3: it prints one JSON object of
// what it saw.
const icBoto3 = `
import json, os, sys, urllib.parse
import boto3, botocore
url = os.environ["ARTIFACTD_URL"]
def client(svc, key=None, secret=None, token=None):
    return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                                 region_name="us-east-1").client(svc, endpoint_url=url)
def code(fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["RequestId"]
    return None
iam, sts = client("iam"), client("sts")
out = {}
out["admin"] = sts.get_caller_identity()["Arn"]
out["user"] = iam.create_user(UserName="py", Path="/py/")["User"]
k = iam.create_access_key(UserName="py")["AccessKey"]
doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/py/${aws:username}"}]}
iam.put_user_policy(UserName="py", PolicyName="self", PolicyDocument=json.dumps(doc))
out["policy_roundtrip"] = iam.get_user_policy(UserName="py", PolicyName="self")["PolicyDocument"] == doc
for n in ["a", "b", "c"]:
    iam.create_user(UserName="py-" + n)
pages = [[u["UserName"] for u in p["Users"]] for p in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2})]
out["pages"] = pages
try:
    iam.get_user(UserName="nobody")
    out["typed"] = False
except iam.exceptions.NoSuchEntityException as e:
    out["typed"] = e.response["Error"]["Code"] == "NoSuchEntity" and e.response["Error"]["Type"] == "Sender"
py_iam, py_sts = client("iam", k["AccessKeyId"], k["SecretAccessKey"]), client("sts", k["AccessKeyId"], k["SecretAccessKey"])
out["self"] = py_iam.get_user()["User"]["Arn"]
out["py_identity"] = py_sts.get_caller_identity()["Arn"]
out["denied"] = code(py_iam.list_users)
iam.update_access_key(UserName="py", AccessKeyId=k["AccessKeyId"], Status="Inactive")
out["inactive"] = code(py_sts.get_caller_identity)
out["conflict"] = code(iam.delete_user, UserName="py")
out["exists"] = code(iam.create_user, UserName="PY")
iam.delete_access_key(UserName="py", AccessKeyId=k["AccessKeyId"])
iam.delete_user_policy(UserName="py", PolicyName="self")
for n in ["py", "py-a", "py-b", "py-c"]:
    iam.delete_user(UserName=n)
out["left"] = iam.list_users()["Users"]
json.dump(out, sys.stdout, default=str)
`

// TestIAMBoto3: the same endpoint through boto3 (botocore's query
// parser, its paginator, its modeled exceptions).
func TestIAMBoto3(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	x := newICTool(t, s)
	py := azPython(t) // the aws CLI's own Python, which has boto3
	admin := icCreds{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}
	stdout, stderr, code := x.run(t, x.env(admin, "ARTIFACTD_URL="+s.URL), py, "-c", icBoto3)
	if code != 0 {
		t.Fatalf("boto3 script: exit %d\n%s\n%s", code, stderr, stdout)
	}
	var out struct {
		Admin           string
		User            map[string]any
		PolicyRoundtrip bool `json:"policy_roundtrip"`
		Pages           [][]string
		Typed           bool
		Self            string
		PyIdentity      string `json:"py_identity"`
		Denied          []string
		Inactive        []string
		Conflict        []string
		Exists          []string
		Left            []any
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	acct := s.Account
	pyARN := "arn:aws:iam::" + acct + ":user/py/py"
	if out.Admin != "arn:aws:iam::"+acct+":root" {
		t.Errorf("admin %s", out.Admin)
	}
	if out.User["Arn"] != pyARN || out.User["Path"] != "/py/" || out.User["CreateDate"] == nil {
		t.Errorf("user %v", out.User)
	}
	if !out.PolicyRoundtrip {
		t.Error("get_user_policy did not give back the document put")
	}
	if !reflect.DeepEqual(out.Pages, [][]string{{"py", "py-a"}, {"py-b", "py-c"}}) {
		t.Errorf("pages %v", out.Pages)
	}
	if !out.Typed {
		t.Error("NoSuchEntity was not iam.exceptions.NoSuchEntityException")
	}
	if out.Self != pyARN || out.PyIdentity != pyARN {
		t.Errorf("self %s identity %s", out.Self, out.PyIdentity)
	}
	expect := func(what string, got []string, code, msg string) {
		if len(got) != 3 || got[0] != code || !strings.Contains(got[1], msg) || len(got[2]) != 36 {
			t.Errorf("%s: %v, want %s (%s) with a request id", what, got, code, msg)
		}
	}
	expect("list_users as py", out.Denied, "AccessDenied", "User: "+pyARN+" is not authorized to perform: iam:ListUsers")
	expect("inactive key", out.Inactive, "InvalidClientTokenId", "The security token included in the request is invalid")
	expect("delete_user with a key", out.Conflict, "DeleteConflict", "")
	expect("create_user PY", out.Exists, "EntityAlreadyExists", "")
	if len(out.Left) != 0 {
		t.Errorf("left %v", out.Left)
	}
}
