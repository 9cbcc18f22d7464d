package artifactdtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/artifactdtest"
)

// A test of code that publishes to CodeArtifact: the server is started in
// the test, and the SDK's client pointed at it.
func ExampleStart() {
	var t *testing.T // your test's
	srv := artifactdtest.Start(t)
	client := codeartifact.NewFromConfig(srv.AWSConfig())

	ctx := context.Background()
	client.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("acme")})
	client.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("main")})
	// ... run the code under test with client (or srv.AWSConfig()) ...
}

// The example above, run: a domain, a repository and a generic version
// published with the SDK, the way a user's code does it.
func TestPublishGeneric(t *testing.T) {
	srv := artifactdtest.Start(t)
	client := codeartifact.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()

	d, err := client.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:codeartifact:" + srv.Region + ":" + srv.Account + ":domain/acme"; aws.ToString(d.Domain.Arn) != want {
		t.Errorf("domain ARN %s, want %s", aws.ToString(d.Domain.Arn), want)
	}
	if _, err := client.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	content := []byte("hello from a test\n")
	sum := sha256.Sum256(content)
	pub, err := client.PublishPackageVersion(ctx, &codeartifact.PublishPackageVersionInput{
		Domain: aws.String("acme"), Repository: aws.String("main"), Format: types.PackageFormatGeneric,
		Namespace: aws.String("tools"), Package: aws.String("hello"), PackageVersion: aws.String("1.0.0"),
		AssetName: aws.String("hello.txt"), AssetContent: bytes.NewReader(content), AssetSHA256: aws.String(hex.EncodeToString(sum[:])),
	})
	if err != nil {
		t.Fatal(err)
	}
	if pub.Status != types.PackageVersionStatusPublished {
		t.Errorf("published version status %s", pub.Status)
	}
	got, err := client.GetPackageVersionAsset(ctx, &codeartifact.GetPackageVersionAssetInput{
		Domain: aws.String("acme"), Repository: aws.String("main"), Format: types.PackageFormatGeneric,
		Namespace: aws.String("tools"), Package: aws.String("hello"), PackageVersion: aws.String("1.0.0"), Asset: aws.String("hello.txt"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Asset.Close()
	if b, _ := io.ReadAll(got.Asset); !bytes.Equal(b, content) {
		t.Errorf("downloaded %q, want %q", b, content)
	}
}

// Known credentials, a region and an account, as a LocalStack user sets
// them up.
func TestOptions(t *testing.T) {
	srv := artifactdtest.Start(t,
		artifactdtest.WithCredentials("test", "test"),
		artifactdtest.WithRegions("eu-west-1"),
		artifactdtest.WithAccount("123456789012"))
	if srv.Region != "eu-west-1" || srv.Account != "123456789012" || srv.Credentials.AccessKeyID != "test" {
		t.Errorf("server %+v", srv)
	}
	client := codeartifact.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()
	if _, err := client.ListDomains(ctx, &codeartifact.ListDomainsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := client.ListDomains(ctx, &codeartifact.ListDomainsInput{}, func(o *codeartifact.Options) { o.Region = "us-east-1" })
	if err == nil {
		t.Error("a server started WithRegions(eu-west-1) answered a request signed for us-east-1")
	}
}

func TestSeeded(t *testing.T) {
	srv := artifactdtest.Start(t, artifactdtest.WithSeed("../examples/seed.yaml"))
	client := codeartifact.NewFromConfig(srv.AWSConfig())
	out, err := client.ListPackages(context.Background(), &codeartifact.ListPackagesInput{Domain: aws.String("acme"), Repository: aws.String("main")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range out.Packages {
		names = append(names, fmt.Sprintf("%s %s/%s", p.Format, aws.ToString(p.Namespace), aws.ToString(p.Package)))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"generic tools/hello", "npm acme/greet"}) {
		t.Errorf("packages of the example seed: %v", names)
	}
}

// Servers of one test process share nothing: each test may have its own,
// in parallel.
func TestServersAreSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := artifactdtest.Start(t), artifactdtest.Start(t)
	if a.Endpoint == b.Endpoint || a.Credentials.AccessKeyID == b.Credentials.AccessKeyID {
		t.Errorf("two servers share an endpoint or a key: %+v %+v", a, b)
	}
	ca, cb := codeartifact.NewFromConfig(a.AWSConfig()), codeartifact.NewFromConfig(b.AWSConfig())
	if _, err := ca.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("only-a")}); err != nil {
		t.Fatal(err)
	}
	out, err := cb.ListDomains(ctx, &codeartifact.ListDomainsInput{})
	if err != nil || len(out.Domains) != 0 {
		t.Errorf("the other server lists %+v, %v", out, err)
	}
	// Each server's key is its own.
	if _, err := codeartifact.NewFromConfig(b.AWSConfigWith(a.Credentials)).ListDomains(ctx, &codeartifact.ListDomainsInput{}); err == nil {
		t.Error("a server accepted another server's key")
	}
}
