// Package service holds artifactd's business rules: every operation of the
// control plane and every package format goes through it. It talks to the
// metadata store and the blob store through their interfaces only.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/store"
)

// Caller is the authenticated principal of a request.
type Caller struct {
	Account   string
	Region    string
	AccessKey string // the key that signed the request (or minted its token)
	// Identity is who the key stands for, resolved at this request: the
	// principal and its identity-based policies. nil means the account
	// administrator (callers built inside the process).
	Identity *iam.Credential
	SourceIP string // aws:SourceIp
	Secure   bool   // aws:SecureTransport

	// dataPlane marks a caller authenticated by an authorization token:
	// the service's write methods authorize their own action for it
	// (authorizeData). Only VerifyToken sets it.
	dataPlane bool
}

// Limits are the quotas the service enforces; the defaults are AWS's.
type Limits struct {
	DomainsPerAccount     int
	RepositoriesPerDomain int
	UpstreamsPerRepo      int
	TagsPerResource       int
	AssetsPerVersion      int
	MaxAssetBytes         int64
	// InlineBlobBytes is the size up to which a published asset's bytes
	// are kept in the database, written in the transaction that records
	// the asset (store.InlineBlobs), instead of the blob store; 0 = never.
	InlineBlobBytes int64
}

// DefaultInlineBlobBytes is the default of Limits.InlineBlobBytes: small
// files (POMs, checksums, metadata, tiny packages) cost a row, not a file
// and two fsyncs.
const DefaultInlineBlobBytes = 16 << 10

// DefaultLimits are CodeArtifact's default quotas.
func DefaultLimits() Limits {
	return Limits{
		DomainsPerAccount:     10,
		RepositoriesPerDomain: 1000,
		UpstreamsPerRepo:      10,
		TagsPerResource:       200,
		AssetsPerVersion:      150,
		MaxAssetBytes:         5 << 30,
		InlineBlobBytes:       DefaultInlineBlobBytes,
	}
}

// Service implements the operations.
type Service struct {
	store  store.Store
	blobs  blob.Store
	limits Limits
	log    *slog.Logger
	now    func() time.Time

	tokenKeyMu    sync.Mutex // guards tokenKeyCache
	tokenKeyCache []byte
	verified      verifiedTokens // tokens whose signature checked out
	keys          KeyDigests     // binds tokens to their key's secret (nil: not bound)

	rules map[domain.Format]FormatRules

	policies policyCache // compiled resource policies

	groupDecisions *lru.Cache[groupDecisionKey, error] // groupAllows' answers for publishes (groupcheck.go)

	ext     External          // external connections (UseExternal)
	fetchMu sync.Mutex        // guards fetches
	fetches map[string]*fetch // files being fetched through a connection

	collectWake chan struct{} // WakeCollector's signal (buffered: wake-ups coalesce)

	obs Observer // what the metrics hear (UseObserver; never nil)

	downloads downloads // download times not yet written (downloads.go)
}

// New returns a Service. rules holds the package-level rules of the
// formats that have them.
func New(st store.Store, blobs blob.Store, limits Limits, log *slog.Logger, rules map[domain.Format]FormatRules) *Service {
	s := &Service{store: st, blobs: blobs, limits: limits, log: log, now: time.Now, rules: rules,
		collectWake: make(chan struct{}, 1), obs: noObserver{}, downloads: newDownloads(),
		groupDecisions: lru.New[groupDecisionKey, error](groupDecisionsBytes)}
	s.store = withSortKeys(st, s)
	return s
}

// owner returns the domain owner a request addresses: domain-owner, or
// the caller's own account. Access to another account's domain was
// authorized (against the domain's or repository's policy) before the
// operation ran.
func owner(c Caller, domainOwner string) (string, error) {
	if domainOwner == "" {
		return c.Account, nil
	}
	return domainOwner, nil
}

// getDomain loads the addressed domain in tx.
func getDomain(ctx context.Context, tx store.Tx, c Caller, name, domainOwner string) (domain.Domain, error) {
	o, err := owner(c, domainOwner)
	if err != nil {
		return domain.Domain{}, err
	}
	d, err := tx.Domains().Get(ctx, c.Region, o, name)
	if errors.Is(err, domain.ErrNotFound) {
		return d, domain.NotFound(domain.ResDomain, name, "Domain not found. Domain: %s, Owner: %s", name, o)
	}
	return d, err
}

// getRepository loads the addressed domain and repository in tx.
func getRepository(ctx context.Context, tx store.Tx, c Caller, domainName, domainOwner, repo string) (domain.Domain, domain.Repository, error) {
	d, err := getDomain(ctx, tx, c, domainName, domainOwner)
	if err != nil {
		return d, domain.Repository{}, err
	}
	r, err := tx.Repositories().Get(ctx, d.ID, repo)
	if errors.Is(err, domain.ErrNotFound) {
		return d, r, domain.NotFound(domain.ResRepository, repo, "Repository not found. Repository: %s, Domain: %s", repo, domainName)
	}
	return d, r, err
}

// DomainARN is the ARN of a domain.
func DomainARN(d domain.Domain) string {
	return fmt.Sprintf("arn:aws:codeartifact:%s:%s:domain/%s", d.Region, d.Owner, d.Name)
}

// RepositoryARN is the ARN of a repository.
func RepositoryARN(d domain.Domain, repo string) string {
	return fmt.Sprintf("arn:aws:codeartifact:%s:%s:repository/%s/%s", d.Region, d.Owner, d.Name, repo)
}
