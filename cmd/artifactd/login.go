package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/internal/clientconfig"
)

// loginFlags are `artifactd login`'s flags, named as the AWS CLI's
// `aws codeartifact login`.
type loginFlags struct {
	tool, domain, owner, repository string
	endpointURL, region             string
	duration                        int64
	registry                        string
	dryRun                          bool
}

// loginCommand configures a package manager that `aws codeartifact login`
// has no --tool for (cargo, gem, bundler), the same way: it gets a token
// and the repository's endpoint through the CodeArtifact API with the
// caller's AWS credentials, then writes the tool's configuration.
func loginCommand(args []string) int {
	var f loginFlags
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.StringVar(&f.tool, "tool", "", "the client to configure: cargo, gem or bundler (npm, pip and twine: use `aws codeartifact login`)")
	fs.StringVar(&f.domain, "domain", "", "the domain of the repository")
	fs.StringVar(&f.owner, "domain-owner", "", "the account that owns the domain (default: the caller's)")
	fs.StringVar(&f.repository, "repository", "", "the repository")
	fs.StringVar(&f.endpointURL, "endpoint-url", "", "artifactd's URL (default: AWS_ENDPOINT_URL_CODEARTIFACT or AWS_ENDPOINT_URL)")
	fs.StringVar(&f.region, "region", "", "the region (default: AWS_REGION or the profile's)")
	fs.Int64Var(&f.duration, "duration-seconds", -1, "the token's lifetime in seconds (default: 12 hours; 0 = the role session's)")
	fs.StringVar(&f.registry, "registry", "", "cargo only: the registry name to write (default: DOMAIN-REPOSITORY)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would be written, the token hidden, and write nothing")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: artifactd login --tool cargo|gem|bundler --domain D --repository R [flags]\n\n"+
			"Uses the AWS credentials of the environment or profile, as the AWS CLI does.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := f.check(); err != nil {
		fmt.Fprintln(os.Stderr, "artifactd login:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := login(ctx, f, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "artifactd login:", err)
		return 1
	}
	return 0
}

func (f loginFlags) check() error {
	switch {
	case f.tool != "cargo" && f.tool != "gem" && f.tool != "bundler":
		return fmt.Errorf("--tool must be cargo, gem or bundler (got %q)", f.tool)
	case f.domain == "" || f.repository == "":
		return errors.New("--domain and --repository are required")
	case f.registry != "" && f.tool != "cargo":
		return errors.New("--registry is for --tool cargo")
	}
	if f.registry != "" {
		return clientconfig.ValidRegistryName(f.registry)
	}
	return nil
}

func login(ctx context.Context, f loginFlags, out io.Writer) error {
	var opts []func(*awsconfig.LoadOptions) error
	if f.region != "" {
		opts = append(opts, awsconfig.WithRegion(f.region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := codeartifact.NewFromConfig(cfg, func(o *codeartifact.Options) {
		if f.endpointURL != "" {
			o.BaseEndpoint = aws.String(f.endpointURL)
		}
	})
	var owner *string
	if f.owner != "" {
		owner = aws.String(f.owner)
	}
	tokenIn := &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(f.domain), DomainOwner: owner}
	if f.duration >= 0 {
		tokenIn.DurationSeconds = aws.Int64(f.duration)
	}
	tok, err := client.GetAuthorizationToken(ctx, tokenIn)
	if err != nil {
		return err
	}
	format := types.PackageFormatCargo
	if f.tool != "cargo" {
		format = types.PackageFormatRuby
	}
	ep, err := client.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String(f.domain), DomainOwner: owner, Repository: aws.String(f.repository), Format: format,
	})
	if err != nil {
		return err
	}
	endpoint, token := aws.ToString(ep.RepositoryEndpoint), aws.ToString(tok.AuthorizationToken)
	if !strings.HasSuffix(endpoint, "/") {
		endpoint += "/"
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}

	var files []clientconfig.File
	var hint string
	switch f.tool {
	case "cargo":
		c := clientconfig.Cargo{Home: os.Getenv("CARGO_HOME"), Registry: f.registry, Endpoint: endpoint, Token: token}
		if c.Home == "" {
			c.Home = filepath.Join(home, ".cargo")
		}
		if c.Registry == "" {
			c.Registry = clientconfig.RegistryName(f.domain, f.repository)
		}
		if files, err = c.Files(); err != nil {
			return err
		}
		hint = fmt.Sprintf("use it with --registry %s, or make it the default with\n"+
			"[source.crates-io]\nreplace-with = %q\nin %s", c.Registry, c.Registry, files[0].Path)
	case "gem":
		g := clientconfig.Gem{Home: home, Endpoint: endpoint, Token: token}
		if files, err = g.Files(); err != nil {
			return err
		}
		hint = fmt.Sprintf("gem install uses it; push with: gem push --host %s NAME.gem", g.PushHost())
	case "bundler":
		return loginBundler(ctx, f, out, endpoint, token, tok.Expiration)
	}
	if f.dryRun {
		for _, file := range files {
			fmt.Fprintf(out, "%s:\n%s\n", file.Path, file.Redacted())
		}
		return nil
	}
	if err := clientconfig.Write(files); err != nil {
		return err
	}
	fmt.Fprintf(out, "Successfully configured %s to use AWS CodeArtifact repository %s\n%s\n%s\n",
		f.tool, endpoint, expiry(tok.Expiration), hint)
	return nil
}

// loginBundler stores the token for the endpoint with bundler's own
// command, which knows how bundler keys credentials by URL.
func loginBundler(ctx context.Context, f loginFlags, out io.Writer, endpoint, token string, expires *time.Time) error {
	args := []string{"config", "set", "--global", endpoint, "aws:" + token}
	if f.dryRun {
		fmt.Fprintf(out, "bundle config set --global %s aws:****\n", endpoint)
		return nil
	}
	cmd := exec.CommandContext(ctx, "bundle", args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bundle config set --global %s aws:****: %v: %s", endpoint, err,
			strings.ReplaceAll(string(msg), token, "****"))
	}
	fmt.Fprintf(out, "Successfully configured bundler to use AWS CodeArtifact repository %s\n%s\n"+
		"Name it in a Gemfile with: source %q\n", endpoint, expiry(expires), endpoint)
	return nil
}

func expiry(t *time.Time) string {
	if t == nil {
		return ""
	}
	return "Login expires at " + t.UTC().Format(time.RFC3339)
}
