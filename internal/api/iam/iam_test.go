package iam_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
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
	adminID  = "AKIAIAMWIRETESTADMIN"
	adminKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYIAMWIRETES"
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
	svc, err := iamsvc.New(st, keys, bytes.Repeat([]byte{42}, iamsvc.SealKeySize), nil)
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

func (e *env) iam(c aws.Credentials) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.url),
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		Retryer:      aws.NopRetryer{},
	})
}

func (e *env) sts(c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.url),
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		Retryer:      aws.NopRetryer{},
	})
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

// expectCode checks that err is an API error with this code (and, if
// given, a message containing msg).
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

func recent(t *testing.T, what string, tm *time.Time) {
	t.Helper()
	if tm == nil || time.Since(*tm) > time.Minute || time.Until(*tm) > time.Minute {
		t.Errorf("%s = %v, want about now", what, tm)
	}
}

func decode(t *testing.T, s *string) string {
	t.Helper()
	if s == nil {
		t.Fatal("no document")
	}
	d, err := url.QueryUnescape(*s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// newUser creates a user with an access key and, if policy is not "", an
// inline policy "p".
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

func allow(actions ...string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["%s"],"Resource":"*"}]}`, strings.Join(actions, `","`))
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(admin)

	u := must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci"), Path: aws.String("/build/")}))(t).User
	if *u.UserName != "ci" || *u.Path != "/build/" || *u.Arn != "arn:aws:iam::111122223333:user/build/ci" ||
		!strings.HasPrefix(*u.UserId, "AIDA") || len(*u.UserId) != 21 {
		t.Errorf("created %+v", u)
	}
	recent(t, "CreateDate", u.CreateDate)

	got := must(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("CI")}))(t).User
	if *got.UserName != "ci" || *got.UserId != *u.UserId || *got.Arn != *u.Arn || !got.CreateDate.Equal(*u.CreateDate) {
		t.Errorf("got %+v", got)
	}

	// The administrator asking about itself gets the account's root.
	root := must(c.GetUser(ctx, &iam.GetUserInput{}))(t).User
	if *root.Arn != "arn:aws:iam::111122223333:root" || *root.UserId != account || root.UserName != nil || root.Path != nil {
		t.Errorf("root %+v", root)
	}

	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("CI")})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate (case-insensitive): %v", err)
	}
	expectCode(t, err, "EntityAlreadyExists", "CI")

	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || !strings.Contains(nse.ErrorMessage(), "nobody") {
		t.Fatalf("missing user: %v", err)
	}

	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name")})
	expectCode(t, err, "ValidationError", "userName")
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x"), Path: aws.String("nopath")})
	expectCode(t, err, "ValidationError", "path")
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tagged"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	expectCode(t, err, "ValidationError", "Tags")

	must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")}))(t)
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ci")})
	expectCode(t, err, "NoSuchEntity")
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")})
	expectCode(t, err, "NoSuchEntity")
}

func TestListUsersPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(admin)

	out := must(c.ListUsers(ctx, &iam.ListUsersInput{}))(t)
	if len(out.Users) != 0 || out.IsTruncated || out.Marker != nil {
		t.Errorf("empty listing %+v", out)
	}
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("user%02d", i)
		path := "/"
		if i%2 == 1 {
			path = "/odd/"
		}
		must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)}))(t)
		want = append(want, name)
	}

	page := must(c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(3)}))(t)
	if len(page.Users) != 3 || !page.IsTruncated || page.Marker == nil || *page.Users[0].UserName != "user00" {
		t.Fatalf("first page %+v", page)
	}

	var names []string
	pages := 0
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))(t)
		pages++
		for _, u := range out.Users {
			names = append(names, *u.UserName)
		}
	}
	if !slices.Equal(names, want) || pages != 4 {
		t.Errorf("paged %v in %d pages, want %v in 4", names, pages, want)
	}

	odd := must(c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/odd/")}))(t)
	if len(odd.Users) != 3 || odd.IsTruncated {
		t.Fatalf("path prefix %+v", odd)
	}
	for _, u := range odd.Users {
		if *u.Path != "/odd/" || !strings.HasPrefix(*u.Arn, "arn:aws:iam::111122223333:user/odd/") {
			t.Errorf("%+v", u)
		}
	}

	_, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)})
	expectCode(t, err, "ValidationError", "maxItems")
}

func TestAccessKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(admin)
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}))(t)

	k1 := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")}))(t).AccessKey
	if *k1.UserName != "ci" || !strings.HasPrefix(*k1.AccessKeyId, "AKIA") || len(*k1.AccessKeyId) != 20 ||
		len(*k1.SecretAccessKey) != 40 || k1.Status != types.StatusTypeActive {
		t.Errorf("key %+v", k1)
	}
	recent(t, "CreateDate", k1.CreateDate)
	user := aws.Credentials{AccessKeyID: *k1.AccessKeyId, SecretAccessKey: *k1.SecretAccessKey}

	// The key signs in as the user.
	me := must(e.sts(user).GetCallerIdentity(ctx, nil))(t)
	if *me.Arn != "arn:aws:iam::111122223333:user/ci" {
		t.Errorf("me %+v", *me.Arn)
	}
	// Authenticated, and not allowed to list users.
	_, err := e.iam(user).ListUsers(ctx, nil)
	expectCode(t, err, "AccessDenied")

	k2 := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")}))(t).AccessKey
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("third key: %v", err)
	}

	list := must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci")}))(t)
	if len(list.AccessKeyMetadata) != 2 || list.IsTruncated ||
		*list.AccessKeyMetadata[0].AccessKeyId != *k1.AccessKeyId || *list.AccessKeyMetadata[1].AccessKeyId != *k2.AccessKeyId {
		t.Fatalf("list %+v", list.AccessKeyMetadata)
	}
	for _, m := range list.AccessKeyMetadata {
		if *m.UserName != "ci" || m.Status != types.StatusTypeActive || m.CreateDate == nil {
			t.Errorf("metadata %+v", m)
		}
	}
	// One key a page.
	var ids []string
	p := iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: aws.String("ci"), MaxItems: aws.Int32(1)})
	for p.HasMorePages() {
		for _, m := range must(p.NextPage(ctx))(t).AccessKeyMetadata {
			ids = append(ids, *m.AccessKeyId)
		}
	}
	if !slices.Equal(ids, []string{*k1.AccessKeyId, *k2.AccessKeyId}) {
		t.Errorf("paged keys %v", ids)
	}
	_, err = c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci"), Marker: aws.String("AKIANOTAKEYOFTHEUSER")})
	expectCode(t, err, "InvalidInput")

	// Inactive: refused at once; active again: accepted.
	must(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k1.AccessKeyId, Status: types.StatusTypeInactive}))(t)
	_, err = e.iam(user).ListUsers(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = e.sts(user).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId")
	list = must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci")}))(t)
	if list.AccessKeyMetadata[0].Status != types.StatusTypeInactive {
		t.Errorf("status %v", list.AccessKeyMetadata[0].Status)
	}
	must(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k1.AccessKeyId, Status: types.StatusTypeActive}))(t)
	must(e.sts(user).GetCallerIdentity(ctx, nil))(t)

	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k1.AccessKeyId, Status: "Paused"})
	expectCode(t, err, "ValidationError", "status")
	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: aws.String("AKIANOSUCHKEY0000000"), Status: types.StatusTypeInactive})
	expectCode(t, err, "NoSuchEntity")

	// A user with keys cannot be deleted.
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("delete with keys: %v", err)
	}

	must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k1.AccessKeyId}))(t)
	_, err = e.sts(user).GetCallerIdentity(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId")
	_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k1.AccessKeyId})
	expectCode(t, err, "NoSuchEntity")
	must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k2.AccessKeyId}))(t)
	must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")}))(t)
}

// TestOwnKeys: a user allowed to manage its own keys does so without
// naming itself, as `aws iam create-access-key` with no --user-name does.
func TestOwnKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys","iam:UpdateAccessKey","iam:DeleteAccessKey"],"Resource":"arn:aws:iam::111122223333:user/rotator"}]}`
	creds := e.newUser(t, "rotator", policy)
	c := e.iam(creds)
	k := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}))(t).AccessKey
	if *k.UserName != "rotator" {
		t.Errorf("own key %+v", k)
	}
	list := must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}))(t)
	if len(list.AccessKeyMetadata) != 2 {
		t.Errorf("own keys %+v", list.AccessKeyMetadata)
	}
	must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k.AccessKeyId}))(t)

	// Not allowed on anyone else, nor anything else.
	must(e.iam(admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("other")}))(t)
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("other")})
	expectCode(t, err, "AccessDenied", "User: arn:aws:iam::111122223333:user/rotator is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::111122223333:user/other")
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{})
	expectCode(t, err, "AccessDenied", "iam:ListUsers")
}

const readPolicy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"Read & list\",\n      \"Effect\": \"Allow\",\n      \"Action\": [\"codeartifact:ReadFromRepository\", \"codeartifact:GetAuthorizationToken\"],\n      \"Resource\": \"arn:aws:codeartifact:us-east-1:111122223333:repository/acme/main+dev%\"\n    }\n  ]\n}"

func TestUserPolicies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(admin)
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}))(t)

	must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("read"), PolicyDocument: aws.String(readPolicy)}))(t)
	got := must(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("read")}))(t)
	if *got.UserName != "ci" || *got.PolicyName != "read" {
		t.Errorf("got %+v", got)
	}
	if strings.ContainsAny(*got.PolicyDocument, "{ \"\n") {
		t.Errorf("the document is not URL-encoded: %s", *got.PolicyDocument)
	}
	if d := decode(t, got.PolicyDocument); d != readPolicy {
		t.Errorf("document\n got %s\nwant %s", d, readPolicy)
	}

	for _, name := range []string{"b", "a", "c"} {
		must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String(name), PolicyDocument: aws.String(allow("iam:GetUser"))}))(t)
	}
	// Put again replaces.
	must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("a"), PolicyDocument: aws.String(allow("iam:ListUsers"))}))(t)
	if d := decode(t, must(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("a")}))(t).PolicyDocument); d != allow("iam:ListUsers") {
		t.Errorf("replaced: %s", d)
	}
	all := must(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("ci")}))(t)
	if !slices.Equal(all.PolicyNames, []string{"a", "b", "c", "read"}) || all.IsTruncated {
		t.Errorf("list %v %v", all.PolicyNames, all.IsTruncated)
	}
	var names []string
	p := iam.NewListUserPoliciesPaginator(c, &iam.ListUserPoliciesInput{UserName: aws.String("ci"), MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		names = append(names, must(p.NextPage(ctx))(t).PolicyNames...)
	}
	if !slices.Equal(names, []string{"a", "b", "c", "read"}) {
		t.Errorf("paged %v", names)
	}

	_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`)})
	var malformed *types.MalformedPolicyDocumentException
	if !errors.As(err, &malformed) {
		t.Fatalf("malformed: %v", err)
	}
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("x"), PolicyDocument: aws.String(allow("iam:GetUser"))})
	expectCode(t, err, "NoSuchEntity")
	_, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("nope")})
	expectCode(t, err, "NoSuchEntity")

	// A user with inline policies cannot be deleted.
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")})
	expectCode(t, err, "DeleteConflict")
	for _, name := range []string{"a", "b", "c", "read"} {
		must(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String(name)}))(t)
	}
	_, err = c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("a")})
	expectCode(t, err, "NoSuchEntity")
	if left := must(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("ci")}))(t); len(left.PolicyNames) != 0 || left.PolicyNames == nil {
		t.Errorf("left %#v", left.PolicyNames)
	}
	must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")}))(t)
}

// TestPoliciesBind: a user's inline policy is what lets it call IAM, and
// a change binds at the next request.
func TestPoliciesBind(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	creds := e.newUser(t, "auditor", allow("iam:ListUsers", "iam:GetUser"))
	c := e.iam(creds)
	out := must(c.ListUsers(ctx, &iam.ListUsersInput{}))(t)
	if len(out.Users) != 1 || *out.Users[0].UserName != "auditor" {
		t.Errorf("users %+v", out.Users)
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sneaky")})
	var denied smithy.APIError
	if !errors.As(err, &denied) || denied.ErrorCode() != "AccessDenied" {
		t.Fatalf("create: %v", err)
	}
	expectCode(t, err, "AccessDenied", "User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111122223333:user/sneaky")

	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}`
	must(e.iam(admin).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("auditor"), PolicyName: aws.String("deny"), PolicyDocument: aws.String(deny)}))(t)
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{})
	expectCode(t, err, "AccessDenied", "explicit deny")
	must(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("auditor")}))(t)
}

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`

func TestRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(admin)

	r := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), Path: aws.String("/ci/"),
		AssumeRolePolicyDocument: aws.String(trustAccount), Description: aws.String("Deploys & publishes"), MaxSessionDuration: aws.Int32(7200)}))(t).Role
	if *r.RoleName != "deployer" || *r.Path != "/ci/" || *r.Arn != "arn:aws:iam::111122223333:role/ci/deployer" ||
		!strings.HasPrefix(*r.RoleId, "AROA") || *r.Description != "Deploys & publishes" || *r.MaxSessionDuration != 7200 {
		t.Errorf("created %+v", r)
	}
	recent(t, "CreateDate", r.CreateDate)
	if d := decode(t, r.AssumeRolePolicyDocument); d != trustAccount {
		t.Errorf("trust %s", d)
	}

	got := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("DEPLOYER")}))(t).Role
	if *got.RoleId != *r.RoleId || *got.MaxSessionDuration != 7200 || got.RoleLastUsed == nil || decode(t, got.AssumeRolePolicyDocument) != trustAccount {
		t.Errorf("got %+v", got)
	}
	// Defaults.
	plain := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("plain"), AssumeRolePolicyDocument: aws.String(trustAccount)}))(t).Role
	if *plain.Path != "/" || *plain.MaxSessionDuration != 3600 || plain.Description != nil {
		t.Errorf("defaults %+v", plain)
	}

	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Plain"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	expectCode(t, err, "EntityAlreadyExists")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(trustAccount), MaxSessionDuration: aws.Int32(60)})
	expectCode(t, err, "ValidationError", "maxSessionDuration")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)})
	expectCode(t, err, "MalformedPolicyDocument")
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("missing role: %v", err)
	}

	for i := range 5 {
		must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("r%d", i)), Path: aws.String("/many/"), AssumeRolePolicyDocument: aws.String(trustAccount)}))(t)
	}
	var names []string
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{PathPrefix: aws.String("/many/"), MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		for _, r := range must(p.NextPage(ctx))(t).Roles {
			if decode(t, r.AssumeRolePolicyDocument) != trustAccount {
				t.Errorf("listed trust %s", *r.AssumeRolePolicyDocument)
			}
			names = append(names, *r.RoleName)
		}
	}
	if !slices.Equal(names, []string{"r0", "r1", "r2", "r3", "r4"}) {
		t.Errorf("roles %v", names)
	}
	if all := must(c.ListRoles(ctx, &iam.ListRolesInput{}))(t); len(all.Roles) != 7 || all.IsTruncated {
		t.Errorf("all roles %d %v", len(all.Roles), all.IsTruncated)
	}

	trustUser := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/ci"},"Action":"sts:AssumeRole"}]}`
	must(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deployer"), PolicyDocument: aws.String(trustUser)}))(t)
	if d := decode(t, must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deployer")}))(t).Role.AssumeRolePolicyDocument); d != trustUser {
		t.Errorf("updated trust %s", d)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deployer"), PolicyDocument: aws.String("{")})
	expectCode(t, err, "MalformedPolicyDocument")

	// Role policies.
	must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("read"), PolicyDocument: aws.String(readPolicy)}))(t)
	must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("list"), PolicyDocument: aws.String(allow("iam:ListRoles"))}))(t)
	rp := must(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("read")}))(t)
	if *rp.RoleName != "deployer" || *rp.PolicyName != "read" || decode(t, rp.PolicyDocument) != readPolicy {
		t.Errorf("role policy %+v", rp)
	}
	if l := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("deployer")}))(t); !slices.Equal(l.PolicyNames, []string{"list", "read"}) {
		t.Errorf("role policies %v", l.PolicyNames)
	}
	if l := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("deployer"), MaxItems: aws.Int32(1)}))(t); !l.IsTruncated || l.Marker == nil || len(l.PolicyNames) != 1 {
		t.Errorf("role policies page %+v", l)
	}
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("nope")})
	expectCode(t, err, "NoSuchEntity")

	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deployer")})
	expectCode(t, err, "DeleteConflict")
	must(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("read")}))(t)
	must(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("list")}))(t)
	_, err = c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("list")})
	expectCode(t, err, "NoSuchEntity")
	must(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deployer")}))(t)
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deployer")})
	expectCode(t, err, "NoSuchEntity")
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deployer")})
	expectCode(t, err, "NoSuchEntity")
}

// TestSignatureErrors: what the SDK sees for bad credentials.
func TestSignatureErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.iam(aws.Credentials{AccessKeyID: "AKIANOSUCHKEY0000000", SecretAccessKey: "x"}).ListUsers(ctx, nil)
	expectCode(t, err, "InvalidClientTokenId")
	_, err = e.iam(aws.Credentials{AccessKeyID: adminID, SecretAccessKey: "wrong"}).ListUsers(ctx, nil)
	expectCode(t, err, "SignatureDoesNotMatch")
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) || len(re.ServiceRequestID()) != 36 {
		t.Errorf("no request id on %v", err)
	}
}

// TestMissingParameters sends each action without its required
// parameters (the SDK would refuse to): IAM's ValidationError names the
// first one missing.
func TestMissingParameters(t *testing.T) {
	e := newEnv(t)
	cases := map[string]string{
		"CreateUser":             "userName",
		"DeleteUser":             "userName",
		"UpdateAccessKey":        "accessKeyId",
		"DeleteAccessKey":        "accessKeyId",
		"PutUserPolicy":          "userName",
		"GetUserPolicy":          "userName",
		"ListUserPolicies":       "userName",
		"DeleteUserPolicy":       "userName",
		"CreateRole":             "roleName",
		"GetRole":                "roleName",
		"UpdateAssumeRolePolicy": "roleName",
		"DeleteRole":             "roleName",
		"PutRolePolicy":          "roleName",
		"GetRolePolicy":          "roleName",
		"ListRolePolicies":       "roleName",
		"DeleteRolePolicy":       "roleName",
	}
	for action, member := range cases {
		status, body := e.raw(t, "iam", url.Values{"Action": {action}, "Version": {"2010-05-08"}})
		want := "<Code>ValidationError</Code><Message>1 validation error detected: Value null at &#39;" + member +
			"&#39; failed to satisfy constraint: Member must not be null</Message>"
		if status != 400 || !strings.Contains(body, want) || !strings.HasPrefix(body, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>`) {
			t.Errorf("%s: %d %s", action, status, body)
		}
	}
	// The second required parameter, the first given.
	for action, form := range map[string]url.Values{
		"PutUserPolicy":   {"UserName": {"ci"}, "PolicyName": {"p"}},
		"CreateRole":      {"RoleName": {"r"}},
		"UpdateAccessKey": {"AccessKeyId": {"AKIAAAAAAAAAAAAAAAAA"}},
	} {
		form.Set("Action", action)
		status, body := e.raw(t, "iam", form)
		if status != 400 || !strings.Contains(body, "Value null at") {
			t.Errorf("%s: %d %s", action, status, body)
		}
	}
	status, body := e.raw(t, "iam", url.Values{"Action": {"CreateGroup"}, "GroupName": {"g"}})
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("CreateGroup: %d %s", status, body)
	}
}

// raw sends a form signed by the administrator for service.
func (e *env) raw(t *testing.T, service string, form url.Values) (int, string) {
	t.Helper()
	body := []byte(form.Encode())
	req, err := http.NewRequest(http.MethodPost, e.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), admin, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
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

// TestNone: the listings of what artifactd does not have (attached
// policies, groups, tags, instance profiles, MFA devices...) answer none
// for an existing owner, as Terraform's aws_iam_user and aws_iam_role
// read them, and NoSuchEntity for a missing one.
func TestNone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(admin)
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}))(t)
	must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)}))(t)
	u, r := aws.String("ci"), aws.String("r")

	if out := must(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: u}))(t); out.AttachedPolicies == nil || len(out.AttachedPolicies) != 0 || out.IsTruncated {
		t.Errorf("attached user policies %+v", out)
	}
	if out := must(c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: u}))(t); out.Groups == nil || len(out.Groups) != 0 {
		t.Errorf("groups %+v", out)
	}
	if out := must(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: u}))(t); out.Tags == nil || len(out.Tags) != 0 {
		t.Errorf("user tags %+v", out)
	}
	if out := must(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: u}))(t); out.MFADevices == nil || len(out.MFADevices) != 0 {
		t.Errorf("MFA devices %+v", out)
	}
	if out := must(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: u}))(t); out.SSHPublicKeys == nil || len(out.SSHPublicKeys) != 0 {
		t.Errorf("SSH keys %+v", out)
	}
	if out := must(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: u}))(t); out.Certificates == nil || len(out.Certificates) != 0 {
		t.Errorf("certificates %+v", out)
	}
	if out := must(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: u}))(t); out.ServiceSpecificCredentials == nil || len(out.ServiceSpecificCredentials) != 0 {
		t.Errorf("service-specific credentials %+v", out)
	}
	if out := must(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{}))(t); out.VirtualMFADevices == nil || len(out.VirtualMFADevices) != 0 {
		t.Errorf("virtual MFA devices %+v", out)
	}
	if out := must(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: r}))(t); out.AttachedPolicies == nil || len(out.AttachedPolicies) != 0 {
		t.Errorf("attached role policies %+v", out)
	}
	if out := must(c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: r}))(t); out.InstanceProfiles == nil || len(out.InstanceProfiles) != 0 {
		t.Errorf("instance profiles %+v", out)
	}
	if out := must(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: r}))(t); out.Tags == nil || len(out.Tags) != 0 {
		t.Errorf("role tags %+v", out)
	}
	_, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: u})
	expectCode(t, err, "NoSuchEntity", "Login Profile for User ci cannot be found.")
	_, err = c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: u})
	expectCode(t, err, "NoSuchEntity", "Login Profile for User ci cannot be found.")

	// Missing owners, and callers that may not read them.
	_, err = c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("nope")})
	expectCode(t, err, "NoSuchEntity")
	_, err = c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("nope")})
	expectCode(t, err, "NoSuchEntity")
	_, err = c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("nope")})
	expectCode(t, err, "NoSuchEntity", "nope")
	creds := e.newUser(t, "other", "")
	_, err = e.iam(creds).ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: u})
	expectCode(t, err, "AccessDenied")
	_, err = e.iam(creds).ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: r})
	expectCode(t, err, "AccessDenied")
}
