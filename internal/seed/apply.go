package seed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
	"github.com/aws/smithy-go"

	"github.com/artifactd/artifactd/internal/domain"
)

// Apply creates the seed's domains, repositories and package versions with
// client, a CodeArtifact client signed with the administrator's key. The
// server hands it a client that calls its own handler in memory: a seed
// goes through the API's whole path (the model's field rules, the
// service's rules and quotas, authorization), as a user's calls would,
// before the server listens. region is used where the seed names none.
// What exists already (a domain, a repository, a version) is kept as it
// is and not changed.
func (s *Seed) Apply(ctx context.Context, client *codeartifact.Client, dataPlane *http.Client, region string, log *slog.Logger) error {
	if s.Region != "" {
		region = s.Region
	}
	a := applier{Seed: s, client: client, http: dataPlane}
	for _, d := range s.Domains {
		r := region
		if d.Region != "" {
			r = d.Region
		}
		a.region = func(o *codeartifact.Options) { o.Region = r }
		if err := a.domain(ctx, d); err != nil {
			return err
		}
	}
	log.Info("seed applied", "file", s.File, "created", a.created, "kept", a.kept)
	return nil
}

type applier struct {
	*Seed
	client        *codeartifact.Client
	http          *http.Client // the data plane's (npm publishes)
	region        func(*codeartifact.Options)
	created, kept int
}

func (a *applier) fail(at where, what string, err error) error {
	// The API's answer, without the SDK's wrapping (operation, status,
	// request id): what the user needs is the exception and its message.
	var api smithy.APIError
	if errors.As(err, &api) {
		err = &apiError{api}
	}
	return &Error{File: a.File, Line: at.line, Path: at.path, Err: fmt.Errorf("%s: %w", what, err)}
}

type apiError struct{ smithy.APIError }

func (e *apiError) Error() string { return e.ErrorCode() + ": " + e.ErrorMessage() }
func (e *apiError) Unwrap() error { return e.APIError }

// exists reports whether err says the resource is there (nil) or not
// (ResourceNotFoundException), and passes any other error on.
func exists(err error) (bool, error) {
	var nf *types.ResourceNotFoundException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nf):
		return false, nil
	default:
		return false, err
	}
}

func tags(ts []domain.Tag) []types.Tag {
	out := make([]types.Tag, len(ts))
	for i, t := range ts {
		out[i] = types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
	}
	return out
}

func (a *applier) domain(ctx context.Context, d Domain) error {
	_, err := a.client.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: &d.Name}, a.region)
	found, err := exists(err)
	if err != nil {
		return a.fail(d.at, "domain "+d.Name, err)
	}
	if found {
		a.kept++
	} else {
		in := &codeartifact.CreateDomainInput{Domain: &d.Name, Tags: tags(d.Tags)}
		if d.EncryptionKey != "" {
			in.EncryptionKey = &d.EncryptionKey
		}
		if _, err := a.client.CreateDomain(ctx, in, a.region); err != nil {
			return a.fail(d.at, "creating domain "+d.Name, err)
		}
		a.created++
	}
	for _, r := range d.Repositories {
		if err := a.repository(ctx, d.Name, r); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) repository(ctx context.Context, dom string, r Repository) error {
	what := "repository " + dom + "/" + r.Name
	_, err := a.client.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: &dom, Repository: &r.Name}, a.region)
	found, err := exists(err)
	if err != nil {
		return a.fail(r.at, what, err)
	}
	if found {
		a.kept++
	} else {
		in := &codeartifact.CreateRepositoryInput{Domain: &dom, Repository: &r.Name, Tags: tags(r.Tags)}
		if r.Description != "" {
			in.Description = &r.Description
		}
		for _, u := range r.Upstreams {
			in.Upstreams = append(in.Upstreams, types.UpstreamRepository{RepositoryName: aws.String(u)})
		}
		if _, err := a.client.CreateRepository(ctx, in, a.region); err != nil {
			return a.fail(r.at, "creating "+what, err)
		}
		if r.ExternalConnection != "" {
			if _, err := a.client.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{
				Domain: &dom, Repository: &r.Name, ExternalConnection: &r.ExternalConnection}, a.region); err != nil {
				return a.fail(r.at, "associating "+r.ExternalConnection+" with "+what, err)
			}
		}
		a.created++
	}
	for _, p := range r.Packages {
		for _, v := range p.Versions {
			if err := a.version(ctx, dom, r.Name, p, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) version(ctx context.Context, dom, repo string, p Package, v Version) error {
	what := fmt.Sprintf("%s version %s of %s", p.Format, v.Version, p.Name)
	if p.Namespace != "" {
		what = fmt.Sprintf("%s version %s of %s/%s", p.Format, v.Version, p.Namespace, p.Name)
	}
	var ns *string
	if p.Namespace != "" {
		ns = &p.Namespace
	}
	format := types.PackageFormat(p.Format)
	_, err := a.client.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: &dom, Repository: &repo,
		Format: format, Namespace: ns, Package: &p.Name, PackageVersion: &v.Version}, a.region)
	found, err := exists(err)
	if err != nil {
		return a.fail(v.at, what, err)
	}
	if found {
		a.kept++
		return nil
	}
	switch p.Format {
	case domain.FormatNpm:
		if err := a.publishNPM(ctx, dom, repo, p, v); err != nil {
			return a.fail(v.Assets[0].at, "publishing "+v.Assets[0].Name+" as "+what, err)
		}
	case domain.FormatMaven:
		if err := a.publishMaven(ctx, dom, repo, p, v); err != nil {
			return a.fail(v.at, "deploying "+what, err)
		}
	}
	// As `aws codeartifact publish-package-version` does for several
	// assets: every one but the last is published --unfinished.
	for i, asset := range v.Assets {
		if p.Format != domain.FormatGeneric {
			break
		}
		unfinished := i < len(v.Assets)-1 || v.Status == domain.StatusUnfinished
		err := a.publish(ctx, &codeartifact.PublishPackageVersionInput{Domain: &dom, Repository: &repo, Format: format,
			Namespace: ns, Package: &p.Name, PackageVersion: &v.Version, AssetName: aws.String(asset.Name), Unfinished: aws.Bool(unfinished)}, asset.Path)
		if err != nil {
			return a.fail(asset.at, "publishing "+asset.Name+" to "+what, err)
		}
	}
	var failed map[string]types.PackageVersionError
	switch v.Status {
	case domain.StatusPublished, domain.StatusUnfinished:
	case domain.StatusDisposed:
		var out *codeartifact.DisposePackageVersionsOutput
		out, err = a.client.DisposePackageVersions(ctx, &codeartifact.DisposePackageVersionsInput{Domain: &dom, Repository: &repo,
			Format: format, Namespace: ns, Package: &p.Name, Versions: []string{v.Version}}, a.region)
		if out != nil {
			failed = out.FailedVersions
		}
	default:
		var out *codeartifact.UpdatePackageVersionsStatusOutput
		out, err = a.client.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{Domain: &dom, Repository: &repo,
			Format: format, Namespace: ns, Package: &p.Name, Versions: []string{v.Version}, TargetStatus: types.PackageVersionStatus(v.Status)}, a.region)
		if out != nil {
			failed = out.FailedVersions
		}
	}
	for _, f := range failed {
		err = fmt.Errorf("%s: %s", f.ErrorCode, aws.ToString(f.ErrorMessage))
	}
	if err != nil {
		return a.fail(v.at, "setting "+what+" to "+string(v.Status), err)
	}
	a.created++
	return nil
}

// publish sends the file at path as one asset, with its SHA-256 as the
// API requires.
func (a *applier) publish(ctx context.Context, in *codeartifact.PublishPackageVersionInput, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	in.AssetSHA256 = aws.String(hex.EncodeToString(h.Sum(nil)))
	in.AssetContent = f
	_, err = a.client.PublishPackageVersion(ctx, in, a.region)
	return err
}
