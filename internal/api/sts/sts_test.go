package sts_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/artifactd/artifactd/internal/api/awsquery"
	iamapi "github.com/artifactd/artifactd/internal/api/iam"
	stsapi "github.com/artifactd/artifactd/internal/api/sts"
	iamsvc "github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

const (
	account  = "111122223333"
	adminID  = "AKIASTSWIRETESTADMIN"
	adminKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTSWIRETES"
)

var admin = aws.Credentials{AccessKeyID: adminID, SecretAccessKey: adminKey}

// env is an in-process artifactd IAM and STS endpoint: the real wire
// handlers over a real identity service on SQLite.
type env struct {
	url string
	svc *iamsvc.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := identity.NewKeyring(identity.Key{AccessKeyID: adminID, SecretAccessKey: adminKey, Account: account})
	svc, err := iamsvc.New(st, keys, bytes.Repeat([]byte{9}, iamsvc.SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckSealKey(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	router := awsquery.Router(iamapi.New(svc, log), stsapi.New(svc, log))
	mux := http.NewServeMux()
	mux.Handle("POST /{$}", router)
	mux.Handle("GET /{$}", router)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{url: srv.URL, svc: svc}
}

func provider(c aws.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func (e *env) iamWith(p aws.CredentialsProvider) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: p, Retryer: aws.NopRetryer{}})
}

func (e *env) iam(c aws.Credentials) *iam.Client { return e.iamWith(provider(c)) }

func (e *env) sts(c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: provider(c), Retryer: aws.NopRetryer{}})
}

// must(call(...))(t) is call's result, the test failing on its error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func expectCode(t *testing.T, err error, code string, msg ...string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	for _, m := range msg {
		if !strings.Contains(ae.ErrorMessage(), m) {
			t.Errorf("%s message %q does not contain %q", code, ae.ErrorMessage(), m)
		}
	}
}

// newUser creates a user with an access key and an inline policy.
func (e *env) newUser(t *testing.T, name, policy string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	c := e.iam(admin)
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))(t)
	k := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}))(t).AccessKey
	if policy != "" {
		must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}))(t)
	}
	return aws.Credentials{AccessKeyID: *k.AccessKeyId, SecretAccessKey: *k.SecretAccessKey}
}

func (e *env) newRole(t *testing.T, name, trust, policy string) string {
	t.Helper()
	ctx := context.Background()
	c := e.iam(admin)
	r := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}))(t).Role
	if policy != "" {
		must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}))(t)
	}
	return *r.Arn
}

const (
	trustCI   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/ci"},"Action":"sts:AssumeRole"}]}`
	mayAssume = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/*"}]}`
	listRoles = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`
)

func TestGetCallerIdentity(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := must(e.sts(admin).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))(t)
	if *id.Account != account || *id.Arn != "arn:aws:iam::111122223333:root" || *id.UserId != account {
		t.Errorf("admin %s %s %s", *id.Account, *id.Arn, *id.UserId)
	}
	// A user with no permission at all may still ask who it is.
	creds := e.newUser(t, "ci", "")
	id = must(e.sts(creds).GetCallerIdentity(ctx, nil))(t)
	u := must(e.iam(admin).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ci")}))(t).User
	if *id.Account != account || *id.Arn != "arn:aws:iam::111122223333:user/ci" || *id.UserId != *u.UserId {
		t.Errorf("user %s %s %s", *id.Account, *id.Arn, *id.UserId)
	}
	_, err := e.sts(aws.Credentials{AccessKeyID: "AKIANOSUCHKEY0000000", SecretAccessKey: "x"}).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = e.sts(aws.Credentials{AccessKeyID: adminID, SecretAccessKey: "wrong"}).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "SignatureDoesNotMatch")
}

func TestAssumeRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	user := e.newUser(t, "ci", mayAssume)
	roleARN := e.newRole(t, "deployer", trustCI, listRoles)
	role := must(e.iam(admin).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deployer")}))(t).Role

	out := must(e.sts(user).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("build-42"), DurationSeconds: aws.Int32(900)}))(t)
	cr := out.Credentials
	if !strings.HasPrefix(*cr.AccessKeyId, "ASIA") || len(*cr.AccessKeyId) != 20 || len(*cr.SecretAccessKey) != 40 || len(*cr.SessionToken) < 40 {
		t.Errorf("credentials %s %d %d", *cr.AccessKeyId, len(*cr.SecretAccessKey), len(*cr.SessionToken))
	}
	if d := time.Until(*cr.Expiration); d < 890*time.Second || d > 901*time.Second {
		t.Errorf("expiration %v (in %v)", cr.Expiration, d)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::111122223333:assumed-role/deployer/build-42" ||
		*out.AssumedRoleUser.AssumedRoleId != *role.RoleId+":build-42" {
		t.Errorf("assumed role user %s %s", *out.AssumedRoleUser.Arn, *out.AssumedRoleUser.AssumedRoleId)
	}
	session := aws.Credentials{AccessKeyID: *cr.AccessKeyId, SecretAccessKey: *cr.SecretAccessKey, SessionToken: *cr.SessionToken}

	id := must(e.sts(session).GetCallerIdentity(ctx, nil))(t)
	if *id.Arn != *out.AssumedRoleUser.Arn || *id.UserId != *out.AssumedRoleUser.AssumedRoleId || *id.Account != account {
		t.Errorf("session identity %s %s %s", *id.Arn, *id.UserId, *id.Account)
	}
	// The session has the role's permissions, not the user's.
	roles := must(e.iam(session).ListRoles(ctx, nil))(t)
	if len(roles.Roles) != 1 {
		t.Errorf("roles %+v", roles.Roles)
	}
	_, err := e.iam(session).ListUsers(ctx, nil)
	expectCode(t, err, "AccessDenied", "User: arn:aws:sts::111122223333:assumed-role/deployer/build-42 is not authorized to perform: iam:ListUsers")
	_, err = e.iam(user).ListRoles(ctx, nil)
	expectCode(t, err, "AccessDenied")

	// The key is nothing without its own token.
	bad := session
	bad.SessionToken = ""
	_, err = e.sts(bad).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId")
	bad.SessionToken = (*cr.SessionToken)[:len(*cr.SessionToken)-4] + "AAAA"
	_, err = e.sts(bad).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId")

	// Expired.
	e.svc.SetClock(func() time.Time { return time.Now().Add(16 * time.Minute) })
	_, err = e.sts(session).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "ExpiredToken", "The security token included in the request is expired")
	_, err = e.iam(session).ListRoles(ctx, nil)
	expectCode(t, err, "ExpiredToken")
	e.svc.SetClock(time.Now)
	must(e.sts(session).GetCallerIdentity(ctx, nil))(t)

	// The role deleted: its sessions end.
	must(e.iam(admin).DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("p")}))(t)
	must(e.iam(admin).DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deployer")}))(t)
	_, err = e.sts(session).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId")
}

// TestAssumeRoleProvider: the SDK's own assume-role credentials provider
// (what `role_arn` in an AWS profile uses) works against artifactd.
func TestAssumeRoleProvider(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	user := e.newUser(t, "ci", mayAssume)
	roleARN := e.newRole(t, "deployer", trustCI, listRoles)
	p := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(e.sts(user), roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "sdk"
	}))
	out := must(e.iamWith(p).ListRoles(ctx, nil))(t)
	if len(out.Roles) != 1 || *out.Roles[0].Arn != roleARN {
		t.Errorf("roles %+v", out.Roles)
	}
	c := must(p.Retrieve(ctx))(t)
	if !c.CanExpire || time.Until(c.Expires) < 10*time.Minute { // the provider asks for 15 minutes
		t.Errorf("cached credentials %+v", c)
	}
}

func TestAssumeRoleRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	user := e.newUser(t, "ci", mayAssume)
	other := e.newUser(t, "other", mayAssume) // allowed by its policy, not by the trust policy
	noPerm := e.newUser(t, "noperm", "")      // trusted below, but its own policy allows nothing
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/ci","arn:aws:iam::111122223333:user/noperm"]},"Action":"sts:AssumeRole"}]}`
	roleARN := e.newRole(t, "deployer", trust, "")
	in := func(arn, session string) *sts.AssumeRoleInput {
		return &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String(session)}
	}

	_, err := e.sts(other).AssumeRole(ctx, in(roleARN, "s1"))
	expectCode(t, err, "AccessDenied", "User: arn:aws:iam::111122223333:user/other is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
	_, err = e.sts(noPerm).AssumeRole(ctx, in(roleARN, "s1"))
	expectCode(t, err, "AccessDenied")
	_, err = e.sts(user).AssumeRole(ctx, in("arn:aws:iam::111122223333:role/nope", "s1"))
	expectCode(t, err, "AccessDenied")

	_, err = e.sts(user).AssumeRole(ctx, in(roleARN, "bad session"))
	expectCode(t, err, "ValidationError", "roleSessionName")
	_, err = e.sts(user).AssumeRole(ctx, in("not-an-arn-but-long-enough", "s1"))
	expectCode(t, err, "ValidationError")
	d := in(roleARN, "s1")
	d.DurationSeconds = aws.Int32(100)
	_, err = e.sts(user).AssumeRole(ctx, d)
	expectCode(t, err, "ValidationError", "durationSeconds")
	d.DurationSeconds = aws.Int32(7200) // the role's maximum is 3600
	_, err = e.sts(user).AssumeRole(ctx, d)
	expectCode(t, err, "ValidationError", "MaxSessionDuration")

	// Session policies and tags would change what the session may do:
	// refused rather than ignored.
	p := in(roleARN, "s1")
	p.Policy = aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)
	_, err = e.sts(user).AssumeRole(ctx, p)
	expectCode(t, err, "ValidationError", "Policy")

	must(e.sts(user).AssumeRole(ctx, in(roleARN, "s1")))(t)
}

// TestOrganizationAccountAccessRole: the administrator enters another
// account through the implicit role and creates a user there.
func TestOrganizationAccountAccessRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out := must(e.sts(admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("setup")}))(t)
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::444455556666:assumed-role/OrganizationAccountAccessRole/setup" {
		t.Errorf("assumed %s", *out.AssumedRoleUser.Arn)
	}
	cr := out.Credentials
	session := aws.Credentials{AccessKeyID: *cr.AccessKeyId, SecretAccessKey: *cr.SecretAccessKey, SessionToken: *cr.SessionToken}
	if id := must(e.sts(session).GetCallerIdentity(ctx, nil))(t); *id.Account != "444455556666" {
		t.Errorf("account %s", *id.Account)
	}
	c := e.iam(session)
	u := must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ops")}))(t).User
	if *u.Arn != "arn:aws:iam::444455556666:user/ops" {
		t.Errorf("user %s", *u.Arn)
	}
	k := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ops")}))(t).AccessKey
	ops := aws.Credentials{AccessKeyID: *k.AccessKeyId, SecretAccessKey: *k.SecretAccessKey}
	if id := must(e.sts(ops).GetCallerIdentity(ctx, nil))(t); *id.Account != "444455556666" || *id.Arn != *u.Arn {
		t.Errorf("ops %s %s", *id.Account, *id.Arn)
	}
	// Accounts are apart: the administrator's own account has no ops.
	if list := must(e.iam(admin).ListUsers(ctx, nil))(t); len(list.Users) != 0 {
		t.Errorf("home account users %+v", list.Users)
	}
	// Nobody but the administrator enters that way.
	_, err := e.sts(ops).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("xy")})
	expectCode(t, err, "AccessDenied")
}

// TestWire checks the STS answer bodies themselves: namespace, element
// names, an error's shape.
func TestWire(t *testing.T) {
	e := newEnv(t)
	status, body := e.raw(t, url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}})
	want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
		`<UserId>111122223333</UserId><Account>111122223333</Account><Arn>arn:aws:iam::111122223333:root</Arn>` +
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>`
	if status != 200 || !strings.HasPrefix(body, want) {
		t.Errorf("%d %s", status, body)
	}
	status, body = e.raw(t, url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleSessionName": {"x"}})
	want = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
		`<Message>1 validation error detected: Value null at &#39;roleArn&#39; failed to satisfy constraint: Member must not be null</Message></Error><RequestId>`
	if status != 400 || !strings.HasPrefix(body, want) {
		t.Errorf("%d %s", status, body)
	}
	status, body = e.raw(t, url.Values{"Action": {"GetSessionToken"}, "Version": {"2011-06-15"}})
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("%d %s", status, body)
	}
}

// raw sends a form signed by the administrator for sts.
func (e *env) raw(t *testing.T, form url.Values) (int, string) {
	t.Helper()
	body := []byte(form.Encode())
	req, err := http.NewRequest(http.MethodPost, e.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), admin, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
