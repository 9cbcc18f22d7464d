package artifactdtest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/artifactd/artifactd/artifactdtest"
)

// SDK and Terraform set-ups call STS GetCallerIdentity first: through the
// Go SDK, it answers for the administrator's key, an IAM user's key and an
// assumed role's session. (The same with the CLI: test/conformance.)
func TestGetCallerIdentity(t *testing.T) {
	srv := artifactdtest.Start(t)
	ctx := context.Background()
	acct := srv.Account
	whoami := func(t *testing.T, creds aws.Credentials) string {
		t.Helper()
		out, err := sts.NewFromConfig(srv.AWSConfigWith(creds)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
		if aws.ToString(out.Account) != acct || aws.ToString(out.UserId) == "" {
			t.Errorf("GetCallerIdentity: Account %s, UserId %q", aws.ToString(out.Account), aws.ToString(out.UserId))
		}
		return aws.ToString(out.Arn)
	}

	if arn := whoami(t, srv.Credentials); arn != "arn:aws:iam::"+acct+":root" {
		t.Errorf("administrator: Arn %s, want the account's root", arn)
	}

	admin := iam.NewFromConfig(srv.AWSConfig())
	roleARN := "arn:aws:iam::" + acct + ":role/tester"
	userARN := "arn:aws:iam::" + acct + ":user/ci"
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleARN + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	ci := aws.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}
	if arn := whoami(t, ci); arn != userARN {
		t.Errorf("IAM user: Arn %s, want %s", arn, userARN)
	}

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + userARN + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tester"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	as, err := sts.NewFromConfig(srv.AWSConfigWith(ci)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("run-1")})
	if err != nil {
		t.Fatal(err)
	}
	sess := aws.Credentials{AccessKeyID: aws.ToString(as.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(as.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(as.Credentials.SessionToken)}
	if want := "arn:aws:sts::" + acct + ":assumed-role/tester/run-1"; whoami(t, sess) != want {
		t.Errorf("assumed role session: Arn %s, want %s", whoami(t, sess), want)
	}
}
