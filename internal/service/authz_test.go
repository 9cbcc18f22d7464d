package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

const (
	ownAccount   = "111122223333"
	otherAccount = "444455556666"
)

// user returns a caller that is the IAM user name of account, with the
// given inline policy documents.
func user(t *testing.T, st store.Store, account, name string, docs ...string) service.Caller {
	t.Helper()
	cred := &iam.Credential{Principal: iampolicy.Principal{Account: account, ARN: "arn:aws:iam::" + account + ":user/" + name,
		Username: name, UserID: "AIDA" + strings.ToUpper(name)}}
	for _, d := range docs {
		p, err := iampolicy.Parse(d)
		if err != nil {
			t.Fatalf("policy %s: %v", d, err)
		}
		cred.Policies = append(cred.Policies, p)
	}
	stamp, err := st.AuthzStamp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cred.Stamp = stamp
	return service.Caller{Account: account, Region: "us-east-1", Identity: cred}
}

// TestAuthorize: the decisions of the service's authorizer for control-
// plane accesses, against a real store holding domain and repository
// policies.
func TestAuthorize(t *testing.T) {
	ctx := context.Background()
	st, bs, _ := newStorage(t)
	svc := service.New(st, bs, service.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	admin := service.Caller{Account: ownAccount, Region: "us-east-1"}
	if _, err := svc.CreateDomain(ctx, admin, "acme", "", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"prod", "dev"} {
		if _, err := svc.CreateRepository(ctx, admin, "acme", "", r, "", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	read := func(repo string) service.Access {
		return service.Access{Action: "ReadFromRepository", Kind: service.ResourceRepository, Domain: "acme", DomainOwner: ownAccount, Repository: repo}
	}
	publish := func(repo, ns, name string) service.Access {
		return service.Access{Action: "PublishPackageVersion", Kind: service.ResourcePackage, Domain: "acme", DomainOwner: ownAccount,
			Repository: repo, Format: domain.FormatNpm, Namespace: ns, Package: name}
	}
	expect := func(t *testing.T, c service.Caller, a service.Access, allowed bool, msg string) {
		t.Helper()
		err := svc.Authorize(ctx, c, a)
		if allowed != (err == nil) {
			t.Fatalf("%s %s/%s: err %v, want allowed %v", a.Action, a.Repository, a.Package, err, allowed)
		}
		if err != nil {
			if !errors.Is(err, domain.ErrDenied) || !strings.Contains(err.Error(), msg) {
				t.Fatalf("denial %q: want AccessDenied containing %q", err, msg)
			}
		}
	}

	reader := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["codeartifact:ReadFromRepository","codeartifact:Describe*"],` +
		`"Resource":"arn:aws:codeartifact:us-east-1:111122223333:repository/acme/dev"}}`
	t.Run("identity policy", func(t *testing.T) {
		c := user(t, st, ownAccount, "ci", reader)
		expect(t, c, read("dev"), true, "")
		expect(t, c, read("prod"), false, "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: "+
			"codeartifact:ReadFromRepository on resource: arn:aws:codeartifact:us-east-1:111122223333:repository/acme/prod "+
			"because no identity-based policy allows the codeartifact:ReadFromRepository action")
		expect(t, c, publish("dev", "", "left-pad"), false, "codeartifact:PublishPackageVersion")
	})

	t.Run("the administrator needs no policy, but an explicit deny binds it", func(t *testing.T) {
		expect(t, admin, publish("prod", "", "x"), true, "")
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"codeartifact:PublishPackageVersion","Resource":"*"},` +
			`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/dev"},"Action":"codeartifact:*","Resource":"*"}]}`
		if _, err := svc.PutRepositoryPermissionsPolicy(ctx, admin, "acme", "", "prod", "", deny); err != nil {
			t.Fatal(err)
		}
		expect(t, admin, publish("prod", "", "x"), false, "with an explicit deny in a resource-based policy")
		expect(t, admin, read("prod"), true, "")
		// The repository policy grants the user dev everything else there.
		dev := user(t, st, ownAccount, "dev")
		expect(t, dev, read("prod"), true, "")
		expect(t, dev, read("dev"), false, "no identity-based policy")
		expect(t, dev, publish("prod", "", "x"), false, "explicit deny")
		// While a policy is being put, the resource's own policy is ignored:
		// the owner can always replace it.
		put := service.Access{Action: "PutRepositoryPermissionsPolicy", Kind: service.ResourceRepository, Domain: "acme", Repository: "prod",
			IgnoreResourcePolicy: true}
		expect(t, admin, put, true, "")
		if _, err := svc.DeleteRepositoryPermissionsPolicy(ctx, admin, "acme", "", "prod", ""); err != nil {
			t.Fatal(err)
		}
		expect(t, admin, publish("prod", "", "x"), true, "")
		expect(t, user(t, st, ownAccount, "dev"), read("prod"), false, "no identity-based policy")
	})

	t.Run("package ARNs use normalized names, npm scopes without @", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"codeartifact:PublishPackageVersion",` +
			`"Resource":"arn:aws:codeartifact:us-east-1:111122223333:package/acme/dev/npm/acme/*"}}`
		c := user(t, st, ownAccount, "pub", doc)
		expect(t, c, publish("dev", "acme", "lib"), true, "")
		expect(t, c, publish("dev", "", "lib"), false, "package/acme/dev/npm//lib")
		expect(t, c, publish("dev", "other", "lib"), false, "package/acme/dev/npm/other/lib")
	})

	t.Run("another account needs both its identity policy and the resource policy", func(t *testing.T) {
		grant := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"codeartifact:ReadFromRepository","Resource":"*"}}`
		outsider := user(t, st, otherAccount, "reader", grant)
		expect(t, outsider, read("dev"), false, "because no resource-based policy allows the codeartifact:ReadFromRepository action")
		repoPolicy := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},` +
			`"Action":"codeartifact:ReadFromRepository","Resource":"*"}}`
		if _, err := svc.PutRepositoryPermissionsPolicy(ctx, admin, "acme", "", "dev", "", repoPolicy); err != nil {
			t.Fatal(err)
		}
		outsider = user(t, st, otherAccount, "reader", grant) // at the new stamp
		expect(t, outsider, read("dev"), true, "")
		expect(t, user(t, st, otherAccount, "nobody"), read("dev"), false, "no identity-based policy")
	})

	t.Run("conditions on the request", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"codeartifact:ReadFromRepository","Resource":"*",` +
			`"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}}}`
		c := user(t, st, ownAccount, "net", doc)
		c.SourceIP, c.Secure = "10.1.2.3", true
		expect(t, c, read("prod"), true, "")
		c.Secure = false
		expect(t, c, read("prod"), false, "no identity-based policy")
		c.SourceIP, c.Secure = "192.168.0.1", true
		expect(t, c, read("prod"), false, "no identity-based policy")
		tagged := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"codeartifact:TagResource","Resource":"*",` +
			`"Condition":{"StringEquals":{"aws:RequestTag/team":"web"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}}`
		c = user(t, st, ownAccount, "tagger", tagged)
		tag := func(tags map[string]string) service.Access {
			return service.Access{Action: "TagResource", Kind: service.ResourceARN,
				ARN: "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/dev", RequestTags: tags}
		}
		expect(t, c, tag(map[string]string{"team": "web"}), true, "")
		expect(t, c, tag(map[string]string{"team": "ops"}), false, "TagResource")
		expect(t, c, tag(map[string]string{"team": "web", "cost": "1"}), false, "TagResource")
		// A resource of another account is that account's: tagging it needs
		// its policy too (there is none here).
		other := tag(map[string]string{"team": "web"})
		other.ARN = "arn:aws:codeartifact:us-east-1:444455556666:repository/acme/dev"
		expect(t, c, other, false, "because no resource-based policy allows the codeartifact:TagResource action")
	})

	t.Run("aws:ResourceTag, read through a cache that tag changes invalidate", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"codeartifact:ReadFromRepository","Resource":"*",` +
			`"Condition":{"StringEquals":{"aws:ResourceTag/stage":"dev"}}}}`
		repoARN := "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/dev"
		expect(t, user(t, st, ownAccount, "staged", doc), read("dev"), false, "no identity-based policy")
		if err := svc.TagResource(ctx, admin, repoARN, []domain.Tag{{Key: "stage", Value: "dev"}}); err != nil {
			t.Fatal(err)
		}
		expect(t, user(t, st, ownAccount, "staged", doc), read("dev"), true, "")
		expect(t, user(t, st, ownAccount, "staged", doc), read("prod"), false, "no identity-based policy")
		if err := svc.UntagResource(ctx, admin, repoARN, []string{"stage"}); err != nil {
			t.Fatal(err)
		}
		expect(t, user(t, st, ownAccount, "staged", doc), read("dev"), false, "no identity-based policy")
	})
}

// BenchmarkAuthorizeRead: the data plane's per-request decision for a
// user whose ReadFromRepository comes from the repository's policy.
func BenchmarkAuthorizeRead(b *testing.B) {
	ctx := context.Background()
	st, bs, _ := newStorage(b)
	svc := service.New(st, bs, service.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	admin := service.Caller{Account: ownAccount, Region: "us-east-1"}
	if _, err := svc.CreateDomain(ctx, admin, "acme", "", nil); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateRepository(ctx, admin, "acme", "", "dev", "", nil, nil); err != nil {
		b.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/reader"},` +
		`"Action":"codeartifact:ReadFromRepository","Resource":"*"}}`
	if _, err := svc.PutRepositoryPermissionsPolicy(ctx, admin, "acme", "", "dev", "", policy); err != nil {
		b.Fatal(err)
	}
	stamp, _ := st.AuthzStamp(ctx)
	c := service.Caller{Account: ownAccount, Region: "us-east-1", SourceIP: "127.0.0.1", Identity: &iam.Credential{
		Principal: iampolicy.Principal{Account: ownAccount, ARN: "arn:aws:iam::111122223333:user/reader", Username: "reader", UserID: "AIDAREADER"},
		Stamp:     stamp}}
	if err := svc.AuthorizeRead(ctx, c, "acme", "", "dev"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := svc.AuthorizeRead(ctx, c, "acme", "", "dev"); err != nil {
			b.Fatal(err)
		}
	}
}
