package conformance

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/test/harness"
)

// icTerraformProvider finds terraform and a local mirror of the
// hashicorp/aws provider (ARTIFACTD_TF_PLUGINS, default /opt/tf-plugins),
// and returns the mirror and the provider's version.
func icTerraformProvider(t *testing.T) (mirror, version string) {
	t.Helper()
	// Terraform cannot be installed from the registries CI reaches
	// (Debian, npm, the Go proxy): the test runs where a machine has it.
	skip := func(msg string) { t.Skip(msg + ": Terraform's IAM resources are not tried on this machine") }
	if _, err := exec.LookPath("terraform"); err != nil {
		skip("terraform not on PATH")
	}
	mirror = os.Getenv("ARTIFACTD_TF_PLUGINS")
	if mirror == "" {
		mirror = "/opt/tf-plugins"
	}
	versions, _ := filepath.Glob(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", "*", "linux_amd64"))
	if len(versions) == 0 {
		skip("no hashicorp/aws provider in the Terraform plugin mirror " + mirror)
	}
	return mirror, filepath.Base(filepath.Dir(versions[len(versions)-1]))
}

// icTerraformWork writes config as main.tf in a work folder of its own,
// with a CLI configuration that installs hashicorp/aws from mirror only,
// and returns runners of terraform there as creds, against s (TF_VAR_endpoint):
// tf answers output and exit code, mustTF fails the test on a non-zero exit.
func icTerraformWork(t *testing.T, s *harness.Server, x *icTool, creds icCreds, mirror, config string) (
	tf func(t *testing.T, args ...string) (string, int), mustTF func(t *testing.T, args ...string) string) {
	t.Helper()
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	rcText := `provider_installation {
  filesystem_mirror {
    path    = "` + mirror + `"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }
}
`
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := x.env(creds, "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_VAR_endpoint="+s.URL)
	tf = func(t *testing.T, args ...string) (string, int) {
		t.Helper()
		stdout, stderr, code := x.runFor(t, 10*time.Minute, env, "terraform", append([]string{"-chdir=" + work}, args...)...)
		return stdout + stderr, code
	}
	mustTF = func(t *testing.T, args ...string) string {
		t.Helper()
		out, code := tf(t, args...)
		if code != 0 {
			t.Fatalf("terraform %s: exit %d\n%s\nserver logs:\n%s", strings.Join(args, " "), code, out, s.Logs())
		}
		return out
	}
	return tf, mustTF
}

const icTerraformConfig = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "VERSION" }
  }
}
variable "endpoint" { type = string }
provider "aws" {
  region                  = "us-east-1"
  skip_metadata_api_check = true
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}
data "aws_caller_identity" "me" {}
resource "aws_iam_user" "ci" {
  name          = "ci"
  path          = "/build/"
  force_destroy = true
}
resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
resource "aws_iam_user_policy" "ci" {
  name = "read-and-assume"
  user = aws_iam_user.ci.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["codeartifact:ReadFromRepository", "codeartifact:GetAuthorizationToken"], Resource = "*" },
      { Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.deployer.arn },
    ]
  })
}
resource "aws_iam_role" "deployer" {
  name                 = "deployer"
  description          = "Publishes from CI"
  max_session_duration = 7200
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = aws_iam_user.ci.arn }, Action = "sts:AssumeRole" }]
  })
}
resource "aws_iam_role_policy" "publish" {
  name = "publish"
  role = aws_iam_role.deployer.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "codeartifact:PublishPackageVersion", Resource = "*" }]
  })
}
output "account" { value = data.aws_caller_identity.me.account_id }
output "caller" { value = data.aws_caller_identity.me.arn }
output "user_arn" { value = aws_iam_user.ci.arn }
output "role_arn" { value = aws_iam_role.deployer.arn }
output "key_id" { value = aws_iam_access_key.ci.id }
output "key_secret" {
  value     = aws_iam_access_key.ci.secret
  sensitive = true
}
`

// TestIAMTerraform: Terraform's IAM resources (hashicorp/aws) manage
// artifactd's identities: apply, a plan that finds nothing to change,
// the created key and role in use, and destroy (force_destroy clearing a
// key made outside Terraform).
func TestIAMTerraform(t *testing.T) {
	t.Parallel()
	mirror, version := icTerraformProvider(t)
	s := harness.Start(t)
	x := newICTool(t, s)
	admin := icCreds{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}

	tf, mustTF := icTerraformWork(t, s, x, admin, mirror, strings.Replace(icTerraformConfig, "VERSION", version, 1))
	mustTF(t, "init", "-input=false", "-no-color")
	mustTF(t, "apply", "-auto-approve", "-input=false", "-no-color")

	var outputs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(mustTF(t, "output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	acct := s.Account
	userARN := "arn:aws:iam::" + acct + ":user/build/ci"
	roleARN := "arn:aws:iam::" + acct + ":role/deployer"
	if outputs["account"].Value != acct || outputs["caller"].Value != "arn:aws:iam::"+acct+":root" ||
		outputs["user_arn"].Value != userARN || outputs["role_arn"].Value != roleARN {
		t.Errorf("outputs %+v", outputs)
	}

	// What Terraform created reads back as it wrote it: nothing to change.
	if out, code := tf(t, "plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Errorf("plan after apply: exit %d (2 = changes)\n%s", code, out)
	}

	// The key works, and may assume the role.
	ci := icCreds{AccessKeyID: outputs["key_id"].Value, SecretAccessKey: outputs["key_secret"].Value}
	if id := x.ok(t, ci, "sts", "get-caller-identity"); id["Arn"] != userARN {
		t.Errorf("the key's identity %v", id)
	}
	ar := x.ok(t, ci, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "tf", "--duration-seconds", "7200")
	if icObj(t, ar, "AssumedRoleUser")["Arn"] != "arn:aws:sts::"+acct+":assumed-role/deployer/tf" {
		t.Errorf("assume-role %v", ar)
	}
	role := icObj(t, x.ok(t, admin, "iam", "get-role", "--role-name", "deployer"), "Role")
	if role["Description"] != "Publishes from CI" || role["MaxSessionDuration"] != float64(7200) {
		t.Errorf("role %v", role)
	}

	// A key made outside Terraform: force_destroy removes it with the user.
	x.ok(t, admin, "iam", "create-access-key", "--user-name", "ci")
	mustTF(t, "destroy", "-auto-approve", "-input=false", "-no-color")
	if users := x.ok(t, admin, "iam", "list-users"); len(users["Users"].([]any)) != 0 {
		t.Errorf("users left %v", users)
	}
	if roles := x.ok(t, admin, "iam", "list-roles"); len(roles["Roles"].([]any)) != 0 {
		t.Errorf("roles left %v", roles)
	}
	x.fails(t, ci, "InvalidClientTokenId", "sts", "get-caller-identity")
}
