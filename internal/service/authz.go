package service

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iampolicy"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/pkggroup"
	"github.com/artifactd/artifactd/internal/store"
)

// Every request is authorized as IAM authorizes it (docs/behaviour.md
// "Authorization"): the caller's identity-based policies (its inline
// policies; the account administrator needs none in its own account) and
// the resource's policy — the domain's for domain and package-group
// actions, the repository's for repository and package actions — are
// evaluated together by iampolicy.Evaluate. The control plane authorizes
// each operation before it runs (Authorize, called with the route table's
// action); the data plane authorizes ReadFromRepository on the repository
// for reads, and the service's write methods authorize their own action on
// the package for data-plane callers (authorizeData).

// ResourceKind is the kind of resource an action is on.
type ResourceKind uint8

const (
	ResourceNone       ResourceKind = iota // "*": the action names no resource (ListDomains)
	ResourceDomain                         // domain/{d}
	ResourceRepository                     // repository/{d}/{r}
	ResourcePackage                        // package/{d}/{r}/{format}/{namespace}/{name}
	ResourceGroup                          // package-group/{d}/{encoded pattern}
	ResourceARN                            // an ARN the request names (tag operations)
)

// Access is what a request asks to do: an action on a resource.
type Access struct {
	// Action is a CodeArtifact action without its "codeartifact:" prefix
	// ("ReadFromRepository"), or another service's action in full
	// ("sts:GetServiceBearerToken").
	Action string
	Kind   ResourceKind

	Domain, DomainOwner string // DomainOwner "" = the caller's account
	Repository          string
	Format              domain.Format
	Namespace, Package  string
	PackageGroup        string // the group's pattern
	ARN                 string // ResourceARN

	// RequestTags and TagKeys fill aws:RequestTag/{key} and aws:TagKeys;
	// Context adds other condition keys.
	RequestTags map[string]string
	TagKeys     []string
	Context     map[string]string

	// IgnoreResourcePolicy leaves the resource's own policy out, as AWS
	// does while a Put*PermissionsPolicy request is evaluated: owners
	// cannot lock themselves out.
	IgnoreResourcePolicy bool
}

// principal returns who c is: its resolved identity, or the account
// administrator for callers built inside the process (tests, background
// work) that name no identity.
func (c *Caller) principal() (iampolicy.Principal, []*iampolicy.Policy, int64) {
	if c.Identity != nil {
		return c.Identity.Principal, c.Identity.Policies, c.Identity.Stamp
	}
	return iampolicy.Principal{Account: c.Account, ARN: "arn:aws:iam::" + c.Account + ":root", UserID: c.Account, Root: true}, nil, -1
}

// Authorize decides whether c may do a; a denial is an AccessDenied error
// with AWS's message.
func (s *Service) Authorize(ctx context.Context, c Caller, a Access) error {
	owner := a.DomainOwner
	if a.Kind == ResourceARN {
		owner = arnAccount(a.ARN) // the resource's own account
	}
	if owner == "" {
		owner = c.Account
	}
	action := a.Action
	if !strings.Contains(action, ":") {
		action = "codeartifact:" + action
	}
	resource, policyARN := s.resourceARNs(c.Region, owner, a)
	return s.decide(ctx, c, action, resource, policyARN, owner, a)
}

// decide evaluates one action on one resource whose policy (if any) is
// kept under policyARN and whose account is owner.
func (s *Service) decide(ctx context.Context, c Caller, action, resource, policyARN, owner string, a Access) error {
	p, idPolicies, stamp := c.principal()
	var resPolicy *iampolicy.Policy
	if policyARN != "" && !a.IgnoreResourcePolicy {
		var err error
		if resPolicy, err = s.policies.get(ctx, s, stamp, policyARN); err != nil {
			return err
		}
	}
	clock := usesKey(idPolicies, resPolicy, "aws:currenttime") || usesKey(idPolicies, resPolicy, "aws:epochtime")
	req := iampolicy.Request{Principal: p, Action: action, Resource: resource, Context: requestContext(c, a, s.now(), clock)}
	if usesKey(idPolicies, resPolicy, "aws:resourcetag/") {
		tags, err := s.policies.tags(ctx, s, stamp, resource)
		if err != nil {
			return err
		}
		for k, v := range tags {
			req.Context["aws:ResourceTag/"+k] = []string{v}
		}
	}
	d := iampolicy.Evaluate(req, idPolicies, resPolicy, owner)
	if d.Allowed() {
		return nil
	}
	return domain.Denied("%s", d.Message(req))
}

// resourceARNs returns the ARN of a's resource and the ARN whose policy
// governs it ("" for none).
func (s *Service) resourceARNs(region, owner string, a Access) (resource, policy string) {
	if a.Kind == ResourceNone {
		return "*", ""
	}
	base := "arn:aws:codeartifact:" + region + ":" + owner + ":"
	switch a.Kind {
	case ResourceDomain:
		arn := base + "domain/" + a.Domain
		return arn, arn
	case ResourceRepository:
		arn := "arn:aws:codeartifact:" + region + ":" + owner + ":repository/" + a.Domain + "/" + a.Repository
		return arn, arn
	case ResourcePackage:
		ref := s.normalize(PackageRef{Format: a.Format, Namespace: a.Namespace, Package: a.Package})
		repo := base + "repository/" + a.Domain + "/" + a.Repository
		return base + "package/" + a.Domain + "/" + a.Repository + "/" + string(ref.Format) + "/" +
			url.PathEscape(ref.Namespace) + "/" + url.PathEscape(ref.Package), repo
	case ResourceGroup:
		return base + "package-group/" + a.Domain + pkggroup.EncodePattern(a.PackageGroup), base + "domain/" + a.Domain
	case ResourceARN:
		return a.ARN, policyOf(a.ARN)
	}
	return "*", ""
}

// policyOf returns the ARN of the domain or repository whose policy
// governs the resource arn ("" for none).
func policyOf(arn string) string {
	prefix, rest, ok := cutResource(arn)
	if !ok {
		return ""
	}
	kind, path, _ := strings.Cut(rest, "/")
	parts := strings.Split(path, "/")
	switch kind {
	case "domain", "package-group":
		return prefix + "domain/" + parts[0]
	case "repository", "package":
		if len(parts) >= 2 {
			return prefix + "repository/" + parts[0] + "/" + parts[1]
		}
	}
	return ""
}

// arnAccount returns the account of an ARN, "" if it names no valid
// account (the operation then rejects the ARN itself).
func arnAccount(arn string) string {
	prefix, _, ok := cutResource(arn)
	if !ok {
		return ""
	}
	if acct := strings.Split(prefix, ":")[4]; identity.ValidAccount(acct) {
		return acct
	}
	return ""
}

// cutResource splits arn:aws:codeartifact:{region}:{account}:{resource}
// after the account.
func cutResource(arn string) (prefix, resource string, ok bool) {
	n := 0
	for i := 0; i < len(arn); i++ {
		if arn[i] == ':' {
			if n++; n == 5 {
				return arn[:i+1], arn[i+1:], strings.HasPrefix(arn, "arn:aws:codeartifact:")
			}
		}
	}
	return "", "", false
}

// Shared, never modified, values of aws:SecureTransport.
var (
	secureTrue  = []string{"true"}
	secureFalse = []string{"false"}
)

// requestContext returns the condition keys of a request. The clock's
// keys are only filled when a policy tests them (most do not, and the
// data plane asks on every request).
func requestContext(c Caller, a Access, now time.Time, clock bool) map[string][]string {
	m := make(map[string][]string, 2+len(a.Context)+len(a.RequestTags))
	m["aws:SecureTransport"] = secureFalse
	if c.Secure {
		m["aws:SecureTransport"] = secureTrue
	}
	if c.SourceIP != "" {
		m["aws:SourceIp"] = []string{c.SourceIP}
	}
	if clock {
		m["aws:CurrentTime"] = []string{now.UTC().Format("2006-01-02T15:04:05Z")}
		m["aws:EpochTime"] = []string{strconv.FormatInt(now.Unix(), 10)}
	}
	for k, v := range a.Context {
		m[k] = []string{v}
	}
	for k, v := range a.RequestTags {
		m["aws:RequestTag/"+k] = []string{v}
	}
	if len(a.TagKeys) > 0 {
		m["aws:TagKeys"] = a.TagKeys
	} else if len(a.RequestTags) > 0 {
		keys := make([]string, 0, len(a.RequestTags))
		for k := range a.RequestTags {
			keys = append(keys, k)
		}
		m["aws:TagKeys"] = keys
	}
	return m
}

// authorizeData authorizes a data-plane write: the format's request asks
// for action on the package ref. Control-plane callers were authorized for
// their operation before it ran.
func (s *Service) authorizeData(ctx context.Context, c Caller, action string, ref PackageRef) error {
	if !c.dataPlane {
		return nil
	}
	return s.Authorize(ctx, c, Access{Action: action, Kind: ResourcePackage, Domain: ref.Domain, DomainOwner: ref.DomainOwner,
		Repository: ref.Repository, Format: ref.Format, Namespace: ref.Namespace, Package: ref.Package})
}

// AuthorizeRead authorizes a data-plane read of a repository
// (codeartifact:ReadFromRepository: all or nothing per repository).
func (s *Service) AuthorizeRead(ctx context.Context, c Caller, domainName, domainOwner, repo string) error {
	return s.Authorize(ctx, c, Access{Action: "ReadFromRepository", Kind: ResourceRepository,
		Domain: domainName, DomainOwner: domainOwner, Repository: repo})
}

// usesKey reports whether a policy tests a context key starting with
// prefix (lower case): costly keys (the resource's tags, the clock) are
// only gathered then.
func usesKey(identity []*iampolicy.Policy, resource *iampolicy.Policy, prefix string) bool {
	for _, p := range identity {
		if p.UsesKeyPrefix(prefix) {
			return true
		}
	}
	return resource.UsesKeyPrefix(prefix)
}

// policyCache holds compiled resource policies and resource tags by ARN,
// valid for one authorization stamp: any policy or tag change anywhere
// moves the stamp on.
type policyCache struct {
	mu      sync.RWMutex
	stamp   int64
	entries map[string]*iampolicy.Policy // nil value: the resource has no policy
	tagsOf  map[string]map[string]string
}

// tags returns the tags of the resource arn, through the cache.
func (pc *policyCache) tags(ctx context.Context, s *Service, stamp int64, arn string) (map[string]string, error) {
	if stamp < 0 {
		var err error
		if stamp, err = s.store.AuthzStamp(ctx); err != nil {
			return nil, err
		}
	}
	pc.mu.RLock()
	m, ok := pc.tagsOf[arn]
	ok = ok && pc.stamp == stamp
	pc.mu.RUnlock()
	if ok {
		return m, nil
	}
	var list []domain.Tag
	if err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		list, err = tx.Tags().List(ctx, arn)
		return err
	}); err != nil {
		return nil, err
	}
	m = make(map[string]string, len(list))
	for _, t := range list {
		m[t.Key] = t.Value
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.reset(stamp) {
		pc.tagsOf[arn] = m
	}
	return m, nil
}

// reset makes the cache hold entries of stamp, emptying it for a newer
// stamp (or when full). It reports false for an older stamp, whose
// answers must not be kept. pc.mu is held.
func (pc *policyCache) reset(stamp int64) bool {
	switch {
	case stamp < pc.stamp:
		return false
	case stamp > pc.stamp || pc.entries == nil || len(pc.entries)+len(pc.tagsOf) >= maxCachedPolicies:
		pc.stamp = stamp
		pc.entries = make(map[string]*iampolicy.Policy)
		pc.tagsOf = make(map[string]map[string]string)
	}
	return true
}

// maxCachedPolicies bounds the cache; when full it starts over.
const maxCachedPolicies = 8192

// get returns the compiled policy kept under arn, nil if none. stamp is
// the caller's authorization stamp (-1: read it now).
func (pc *policyCache) get(ctx context.Context, s *Service, stamp int64, arn string) (*iampolicy.Policy, error) {
	if stamp < 0 {
		var err error
		if stamp, err = s.store.AuthzStamp(ctx); err != nil {
			return nil, err
		}
	}
	pc.mu.RLock()
	p, ok := pc.entries[arn]
	ok = ok && pc.stamp == stamp
	pc.mu.RUnlock()
	if ok {
		return p, nil
	}
	var doc string
	err := s.store.Read(ctx, func(tx store.Tx) error {
		rp, err := tx.Policies().Get(ctx, arn)
		doc = rp.Document
		return err
	})
	switch {
	case errors.Is(err, domain.ErrNotFound):
		p = nil
	case err != nil:
		return nil, err
	default:
		if p, err = iampolicy.Parse(doc); err != nil {
			// Documents are validated when put; one that no longer parses
			// grants nothing and denies nothing.
			s.log.Error("stored resource policy does not parse", "resource", arn, "err", err)
			p = nil
		}
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.reset(stamp) {
		pc.entries[arn] = p
	}
	return p, nil
}
