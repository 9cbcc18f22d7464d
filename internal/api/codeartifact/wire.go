package codeartifact

import (
	"strconv"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// The JSON shapes of the control plane, member names exactly as the model
// spells them. Times are epoch seconds with millisecond precision.

type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(time.Time(t).UnixMilli())/1000, 'f', -1, 64), nil
}

func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

type domainSummary struct {
	Name          string `json:"name"`
	Owner         string `json:"owner"`
	Arn           string `json:"arn"`
	Status        string `json:"status"`
	CreatedTime   *epoch `json:"createdTime,omitempty"`
	EncryptionKey string `json:"encryptionKey,omitempty"`
}

type domainDescription struct {
	domainSummary
	RepositoryCount int    `json:"repositoryCount"`
	AssetSizeBytes  int64  `json:"assetSizeBytes"`
	S3BucketArn     string `json:"s3BucketArn,omitempty"`
}

func toDomainSummary(d domain.Domain) domainSummary {
	return domainSummary{Name: d.Name, Owner: d.Owner, Arn: service.DomainARN(d), Status: "Active",
		CreatedTime: epochPtr(d.CreatedTime), EncryptionKey: service.EncryptionKey(d)}
}

func toDomainDescription(info service.DomainInfo) domainDescription {
	d := info.Domain
	return domainDescription{domainSummary: toDomainSummary(d), RepositoryCount: info.RepositoryCount,
		AssetSizeBytes: info.AssetSizeBytes, S3BucketArn: "arn:aws:s3:::assets-" + d.Owner + "-" + d.Region}
}

type upstreamInfo struct {
	RepositoryName string `json:"repositoryName"`
}

type externalConnectionInfo struct {
	ExternalConnectionName string `json:"externalConnectionName"`
	PackageFormat          string `json:"packageFormat,omitempty"`
	Status                 string `json:"status"`
}

type repositorySummary struct {
	Name                 string `json:"name"`
	AdministratorAccount string `json:"administratorAccount"`
	DomainName           string `json:"domainName"`
	DomainOwner          string `json:"domainOwner"`
	Arn                  string `json:"arn"`
	Description          string `json:"description,omitempty"`
	CreatedTime          *epoch `json:"createdTime,omitempty"`
}

type repositoryDescription struct {
	repositorySummary
	Upstreams           []upstreamInfo           `json:"upstreams"`
	ExternalConnections []externalConnectionInfo `json:"externalConnections"`
}

func toRepositorySummary(d domain.Domain, r domain.Repository) repositorySummary {
	return repositorySummary{Name: r.Name, AdministratorAccount: r.AdministratorAccount, DomainName: d.Name,
		DomainOwner: d.Owner, Arn: service.RepositoryARN(d, r.Name), Description: r.Description, CreatedTime: epochPtr(r.CreatedTime)}
}

func toRepositoryDescription(info service.RepositoryInfo) repositoryDescription {
	out := repositoryDescription{repositorySummary: toRepositorySummary(info.Domain, info.Repository),
		Upstreams: []upstreamInfo{}, ExternalConnections: []externalConnectionInfo{}}
	for _, u := range info.Repository.Upstreams {
		out.Upstreams = append(out.Upstreams, upstreamInfo{u.Name})
	}
	if name := info.Repository.ExternalConnection; name != "" {
		f, _ := service.ExternalConnectionFormat(name)
		// The model's enum reads "Available"; the live service answers
		// "AVAILABLE" (codeartifact.md §2).
		out.ExternalConnections = append(out.ExternalConnections, externalConnectionInfo{
			ExternalConnectionName: name, PackageFormat: string(f), Status: "AVAILABLE"})
	}
	return out
}

func toRepositoryListing(region string, l store.RepositoryListing) repositorySummary {
	return toRepositorySummary(domain.Domain{Name: l.DomainName, Owner: l.DomainOwner, Region: region}, l.Repository)
}

type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// tagInput is a tag as a request carries it: the model requires both
// members (a missing value is not an empty one).
type tagInput struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

func toTags(ts []domain.Tag) []tag {
	out := make([]tag, len(ts))
	for i, t := range ts {
		out[i] = tag{t.Key, t.Value}
	}
	return out
}

type originRestrictions struct {
	Publish  string `json:"publish"`
	Upstream string `json:"upstream"`
}

type originConfiguration struct {
	Restrictions originRestrictions `json:"restrictions"`
}

func toOrigin(o domain.OriginConfiguration) *originConfiguration {
	return &originConfiguration{originRestrictions{string(o.Publish), string(o.Upstream)}}
}

type packageSummary struct {
	Format              string               `json:"format"`
	Namespace           string               `json:"namespace,omitempty"`
	Package             string               `json:"package"`
	OriginConfiguration *originConfiguration `json:"originConfiguration,omitempty"`
}

type packageDescription struct {
	Format              string               `json:"format"`
	Namespace           string               `json:"namespace,omitempty"`
	Name                string               `json:"name"`
	OriginConfiguration *originConfiguration `json:"originConfiguration,omitempty"`
}

func toPackageSummary(p domain.Package) packageSummary {
	return packageSummary{Format: string(p.Format), Namespace: p.Namespace, Package: p.Name, OriginConfiguration: toOrigin(p.Origin)}
}

type domainEntryPoint struct {
	RepositoryName         string `json:"repositoryName,omitempty"`
	ExternalConnectionName string `json:"externalConnectionName,omitempty"`
}

type versionOrigin struct {
	DomainEntryPoint *domainEntryPoint `json:"domainEntryPoint,omitempty"`
	OriginType       string            `json:"originType,omitempty"`
}

func toVersionOrigin(v domain.PackageVersion) *versionOrigin {
	o := &versionOrigin{OriginType: string(v.OriginType)}
	if v.EntryRepository != "" || v.EntryExternalConn != "" {
		o.DomainEntryPoint = &domainEntryPoint{v.EntryRepository, v.EntryExternalConn}
	}
	return o
}

type versionSummary struct {
	Version  string         `json:"version"`
	Revision string         `json:"revision,omitempty"`
	Status   string         `json:"status"`
	Origin   *versionOrigin `json:"origin,omitempty"`
}

type versionDescription struct {
	Format               string           `json:"format"`
	Namespace            string           `json:"namespace,omitempty"`
	PackageName          string           `json:"packageName"`
	DisplayName          string           `json:"displayName,omitempty"`
	Version              string           `json:"version"`
	Summary              string           `json:"summary,omitempty"`
	HomePage             string           `json:"homePage,omitempty"`
	SourceCodeRepository string           `json:"sourceCodeRepository,omitempty"`
	PublishedTime        *epoch           `json:"publishedTime,omitempty"`
	Licenses             []domain.License `json:"licenses,omitempty"`
	Revision             string           `json:"revision,omitempty"`
	Status               string           `json:"status"`
	Origin               *versionOrigin   `json:"origin,omitempty"`
}

func toVersionDescription(p domain.Package, v domain.PackageVersion) versionDescription {
	return versionDescription{
		Format: string(p.Format), Namespace: p.Namespace, PackageName: p.Name, DisplayName: v.DisplayName,
		Version: v.Version, Summary: v.Summary, HomePage: v.HomePage, SourceCodeRepository: v.SourceCodeRepository,
		PublishedTime: epochPtr(v.PublishedTime), Licenses: v.Licenses, Revision: v.Revision,
		Status: string(v.Status), Origin: toVersionOrigin(v),
	}
}

type assetSummary struct {
	Name   string            `json:"name"`
	Size   int64             `json:"size"`
	Hashes map[string]string `json:"hashes,omitempty"`
}

func toAssetSummary(a domain.Asset) assetSummary {
	return assetSummary{Name: a.Name, Size: a.Size, Hashes: map[string]string{
		"MD5": a.MD5, "SHA-1": a.SHA1, "SHA-256": a.SHA256, "SHA-512": a.SHA512,
	}}
}

type successfulVersion struct {
	Revision string `json:"revision,omitempty"`
	Status   string `json:"status"`
}

type failedVersion struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

type batchOutput struct {
	SuccessfulVersions map[string]successfulVersion `json:"successfulVersions"`
	FailedVersions     map[string]failedVersion     `json:"failedVersions"`
}

func toBatchOutput(res service.BatchResult) batchOutput {
	out := batchOutput{SuccessfulVersions: map[string]successfulVersion{}, FailedVersions: map[string]failedVersion{}}
	for v, r := range res.Successful {
		out.SuccessfulVersions[v] = successfulVersion{r.Revision, string(r.Status)}
	}
	for v, e := range res.Failed {
		out.FailedVersions[v] = failedVersion{e.Code, e.Message}
	}
	return out
}
