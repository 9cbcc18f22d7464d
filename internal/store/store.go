// Package store defines how artifactd keeps its metadata. Backends (SQLite
// today, PostgreSQL next) implement Store; storetest is the conformance suite
// every backend runs.
//
// Errors: a missing row is domain.ErrNotFound, a unique-key clash is
// domain.ErrConflict (both via errors.Is); anything else is a backend error.
//
// Pagination: list methods take a Page and return the items plus the cursor
// of the next page ("" on the last page). Cursors are keyset positions, so a
// page is stable when rows are inserted concurrently; callers treat them as
// opaque strings.
package store

import (
	"context"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

// Store is a transactional metadata store.
type Store interface {
	// Read runs fn in a read-only transaction.
	Read(ctx context.Context, fn func(Tx) error) error
	// AuthzStamp returns the authorization stamp: a number that every
	// write to identities, access keys, identity policies or resource
	// policies changes in the same transaction. Nodes cache what they
	// derive from those (compiled policies, resolved keys) under it, so a
	// change made through any node binds every node at its next request.
	// It is one small read, outside any transaction.
	AuthzStamp(ctx context.Context) (int64, error)
	// Write runs fn in a read-write transaction and commits it when fn
	// returns nil; otherwise everything fn did is rolled back. Write
	// transactions are serializable with respect to each other.
	Write(ctx context.Context, fn func(Tx) error) error
	// Resolve looks up, by name, a domain, one of its repositories, a
	// package in it and, when asked, a version of the package and an asset
	// of that version: the data plane's hot read. It runs as a single
	// statement outside any transaction (one statement sees one snapshot),
	// without loading upstreams. A missing domain, repository, package,
	// version or asset is not an error: Resolution.Found tells how far the
	// lookup got. Errors are backend errors only.
	Resolve(ctx context.Context, q Lookup) (Resolution, error)
	Close() error
}

// Leader is an optional Store capability for stores shared by several
// processes (PostgreSQL): at most one process at a time holds the lead for
// a job, so cluster-wide background work runs once. A store without it is
// used by one process, which always leads.
type Leader interface {
	// TryLead tries to take the lead for job. When ok, release gives it up
	// (so does the process dying); when another process leads, ok is false.
	TryLead(ctx context.Context, job string) (release func(), ok bool, err error)
}

// Tx is one transaction. It must not be used after its function returns.
type Tx interface {
	Domains() Domains
	Repositories() Repositories
	Packages() Packages
	Versions() Versions
	Assets() Assets
	Tags() Tags
	Policies() Policies
	Orphans() Orphans
	Secrets() Secrets
	PackageGroups() PackageGroups
	Identities() Identities
	RetentionRules() RetentionRules
	InlineBlobs() InlineBlobs
}

// Page selects one page of a listing.
type Page struct {
	After string // cursor from the previous page, "" for the first
	Limit int    // > 0
}

// Domains stores domains.
type Domains interface {
	// Create inserts d and sets d.ID; ErrConflict if (Region, Owner, Name) exists.
	Create(ctx context.Context, d *domain.Domain) error
	Get(ctx context.Context, region, owner, name string) (domain.Domain, error)
	GetByID(ctx context.Context, id int64) (domain.Domain, error) // ErrNotFound
	// List returns the domains of one owner in one region, by name.
	List(ctx context.Context, region, owner string, p Page) ([]domain.Domain, string, error)
	Count(ctx context.Context, region, owner string) (int, error)
	// Delete removes the domain row, with its package groups and their
	// allowed-repository lists. The caller checks it has no repositories
	// and removes its tags (the package groups' included).
	Delete(ctx context.Context, id int64) error
	// AssetSizeBytes is the total size of the distinct blobs (by SHA-256)
	// referenced by assets anywhere in the domain.
	AssetSizeBytes(ctx context.Context, id int64) (int64, error)
	// CheckAssetSizes compares every domain's AssetSizeBytes (a counter
	// kept by the writes of assets) and the per-digest counts behind it
	// with a fresh count of its assets, and returns the domains where they
	// disagree. It reads every asset: for fsck.
	CheckAssetSizes(ctx context.Context) ([]AssetSizeDrift, error)
	// RecountAssetSize rewrites a domain's asset size counter and the
	// per-digest counts behind it from its assets.
	RecountAssetSize(ctx context.Context, id int64) error
}

// AssetSizeDrift is a domain whose kept asset size (or the counts behind
// it) disagrees with its assets.
type AssetSizeDrift struct {
	DomainID            int64
	Region, Owner, Name string
	// Kept is the counter AssetSizeBytes reads; Actual the size its assets
	// give (they may be equal when only the per-digest counts disagree).
	Kept, Actual int64
}

// RepositoryFilter selects repositories. DomainID or Region is required.
type RepositoryFilter struct {
	DomainID             int64  // 0 = any domain in Region
	Region               string // used when DomainID is 0
	AdministratorAccount string // "" = any
	Prefix               string // name prefix, "" = any
}

// RepositoryListing is a repository with the domain it belongs to.
type RepositoryListing struct {
	Repository  domain.Repository
	DomainName  string
	DomainOwner string
}

// Repositories stores repositories and their upstream lists.
type Repositories interface {
	// Create inserts r with its upstreams and sets r.ID; ErrConflict if the
	// name is taken in the domain.
	Create(ctx context.Context, r *domain.Repository) error
	// Get returns the repository with its upstreams (in order).
	Get(ctx context.Context, domainID int64, name string) (domain.Repository, error)
	GetByID(ctx context.Context, id int64) (domain.Repository, error)
	// List returns repositories by (domain name, domain owner, repository
	// name) order, upstreams not loaded.
	List(ctx context.Context, f RepositoryFilter, p Page) ([]RepositoryListing, string, error)
	Count(ctx context.Context, domainID int64) (int, error)
	// Update replaces the description, the external connection and the
	// whole upstream list.
	Update(ctx context.Context, r domain.Repository) error
	// Delete removes the repository, every package, version and asset in
	// it, and queues the freed blobs as orphans (tags are the caller's). Upstream links
	// that other repositories hold to it are kept (they dangle, as on AWS).
	Delete(ctx context.Context, id int64) error
}

// PackageFilter selects packages of one repository.
type PackageFilter struct {
	RepositoryID int64
	Format       domain.Format // "" = any
	Namespace    string        // prefix match, "" = any
	NamePrefix   string        // "" = any
	Publish      domain.Allow  // "" = any
	Upstream     domain.Allow  // "" = any
}

// Packages stores packages.
type Packages interface {
	// Create inserts p and sets p.ID; ErrConflict if it exists.
	Create(ctx context.Context, p *domain.Package) error
	Get(ctx context.Context, repoID int64, format domain.Format, namespace, name string) (domain.Package, error)
	GetByID(ctx context.Context, id int64) (domain.Package, error)
	// List returns packages by (format, namespace, name).
	List(ctx context.Context, f PackageFilter, p Page) ([]domain.Package, string, error)
	// Update writes Origin and Metadata.
	Update(ctx context.Context, p domain.Package) error
	// Delete removes the package with every version and asset, queueing
	// freed blobs as orphans.
	Delete(ctx context.Context, id int64) error
	// ListCoordinates lists the distinct coordinates of the domain's packages, across its repositories, ordered by (format, namespace, name), filtered by f.
	ListCoordinates(ctx context.Context, domainID int64, f CoordinateFilter, p Page) ([]PackageCoordinate, string, error)
	// ListingStamp is a number that Create, Update and Delete of any
	// package of format f in repository repoID change (0 before the first
	// of them): a cache of a listing of those packages and their state is
	// current while it is unchanged. One row, whatever the number of
	// packages.
	ListingStamp(ctx context.Context, repoID int64, f domain.Format) (int64, error)
}

// CoordinateFilter selects package coordinates; zero fields select all.
type CoordinateFilter struct {
	Format          domain.Format
	Namespace       *string // exact namespace ("" = none), nil = any
	NamespacePrefix string  // namespace starts with this
	Name            *string // exact name, nil = any
	NamePrefix      string
}

// PackageCoordinate is a package's identity across repositories.
type PackageCoordinate struct {
	Format          domain.Format
	Namespace, Name string
}

// PackageGroups stores a domain's package groups and their allowed-repository lists.
type PackageGroups interface {
	// Create inserts g and sets g.ID; ErrConflict if the domain has a group with that pattern (patterns are case-sensitive: "/npm//AsyncStorage$" and "/npm//asyncstorage$" may coexist).
	Create(ctx context.Context, g *domain.PackageGroup) error
	Get(ctx context.Context, domainID int64, pattern string) (domain.PackageGroup, error) // ErrNotFound
	GetByID(ctx context.Context, id int64) (domain.PackageGroup, error)                   // ErrNotFound
	// Find returns the domain's groups whose Pattern is one of patterns (any order; at most a few dozen patterns; one indexed statement).
	Find(ctx context.Context, domainID int64, patterns []string) ([]domain.PackageGroup, error)
	// FindWeak returns the domain's groups whose WeakKey is one of keys (indexed too).
	FindWeak(ctx context.Context, domainID int64, keys []string) ([]domain.PackageGroup, error)
	// List returns the domain's groups ordered by pattern, those whose pattern starts with prefix ("" = all).
	List(ctx context.Context, domainID int64, prefix string, p Page) ([]domain.PackageGroup, string, error)
	// Children returns the groups whose ParentID is parentID, ordered by pattern.
	Children(ctx context.Context, parentID int64, p Page) ([]domain.PackageGroup, string, error)
	// Update saves Description, ContactInfo, ParentID and Modes (Pattern, WeakKey, DomainID and CreatedTime never change).
	Update(ctx context.Context, g domain.PackageGroup) error
	// Delete removes a group and its allowed-repository lists (its children must have been re-parented first; deleting a group that still has children is ErrConflict).
	Delete(ctx context.Context, id int64) error
	// Allowed lists the repository names allowed for a restriction type, by name.
	Allowed(ctx context.Context, groupID int64, t domain.RestrictionType, p Page) ([]string, string, error)
	CountAllowed(ctx context.Context, groupID int64, t domain.RestrictionType) (int, error)
	IsAllowed(ctx context.Context, groupID int64, t domain.RestrictionType, repository string) (bool, error)
	// SetAllowed adds (allowed) or removes a repository name; it reports whether the list changed.
	SetAllowed(ctx context.Context, groupID int64, t domain.RestrictionType, repository string, allowed bool) (bool, error)
	// Stamp returns a number that every Create, Update, Delete and SetAllowed that changes something (in any
	// domain) changes, in its transaction, to a value it never had: what is derived from groups stays right while
	// it holds.
	Stamp(ctx context.Context) (int64, error)
}

// RetentionRules stores retention rules (a few per repository).
type RetentionRules interface {
	// Create inserts r and sets r.ID; ErrNotFound if its repository is missing.
	Create(ctx context.Context, r *domain.RetentionRule) error
	Get(ctx context.Context, id int64) (domain.RetentionRule, error) // ErrNotFound
	// List returns the rules of one repository (0 = of every repository), by id.
	List(ctx context.Context, repositoryID int64, p Page) ([]domain.RetentionRule, string, error)
	Delete(ctx context.Context, id int64) error // ErrNotFound
}

// VersionSort is the order of a version listing.
type VersionSort int

const (
	SortByVersion       VersionSort = iota // version string, ascending (byte order)
	SortByPublishedTime                    // published time, newest first
	// SortByVersionOrder is the format's version order, newest first: by
	// SortKey, descending. Versions without a key (stored before keys
	// existed, until FillSortKeys gives them one) are not in its order.
	SortByVersionOrder
)

// VersionFilter selects versions of one package.
type VersionFilter struct {
	PackageID  int64
	Status     domain.Status     // "" = any
	OriginType domain.OriginType // "" = any
	Sort       VersionSort
}

// Versions stores package versions (without their assets).
type Versions interface {
	// Create inserts v and sets v.ID; ErrConflict if the version exists.
	Create(ctx context.Context, v *domain.PackageVersion) error
	Get(ctx context.Context, packageID int64, version string) (domain.PackageVersion, error)
	List(ctx context.Context, f VersionFilter, p Page) ([]domain.PackageVersion, string, error)
	// Count returns how many versions the package has, of any status.
	Count(ctx context.Context, packageID int64) (int, error)
	// Update writes every mutable field of v (status, revision, metadata...).
	Update(ctx context.Context, v domain.PackageVersion) error
	// Delete removes the version and its assets, queueing freed blobs.
	Delete(ctx context.Context, id int64) error
	// RecordDownloads sets the LastDownloadedTime of each version (by ID)
	// to the later of the time it holds and the time given; IDs of
	// versions gone are skipped. Several writers may record at once: the
	// later time stays.
	RecordDownloads(ctx context.Context, downloads map[int64]time.Time) error
	// DownloadsSince is when the store began recording download times
	// (the schema change that added them): before it, a version may have
	// been downloaded with no record.
	DownloadsSince(ctx context.Context) (time.Time, error)
	// LastPublished is the latest publish time among the package's
	// versions of any status (zero when it has none).
	LastPublished(ctx context.Context, packageID int64) (time.Time, error)
	// Heads calls fn, in no particular order, for each version of the
	// package with status: just its ID, version, revision and publish
	// time (what tells a cached rendering of it is still current). It
	// stops at fn's first error and returns it.
	Heads(ctx context.Context, packageID int64, status domain.Status, fn func(VersionHead) error) error
	// ManifestsByID calls fn, in no particular order, for each version of
	// the package among ids (others are skipped): the few columns an index
	// document (an npm packument) is built from, nothing decoded. It stops
	// at fn's first error and returns it.
	ManifestsByID(ctx context.Context, packageID int64, ids []int64, fn func(VersionManifest) error) error
	// MissingSortKeys reports whether some version of the package has no
	// SortKey: one stored before sort keys existed. Create gives every
	// new version one (v.SortKey, or the natural order of its version
	// string when that is nil).
	MissingSortKeys(ctx context.Context, packageID int64) (bool, error)
	// FillSortKeys gives up to limit (> 0) versions of the package that
	// have no SortKey the key key returns for their version string, and
	// returns how many it found (fewer than limit: none is left). A key
	// set meanwhile by another writer is kept.
	FillSortKeys(ctx context.Context, packageID int64, limit int, key func(version string) []byte) (int, error)
}

// VersionHead is what Versions.Heads reads of a version.
type VersionHead struct {
	ID            int64
	Version       string
	Revision      string
	PublishedTime time.Time
}

// VersionManifest is what Versions.ManifestsByID reads of a version.
type VersionManifest struct {
	ID            int64
	Revision      string
	Version       string
	PublishedTime time.Time
	Summary       string
	Metadata      []byte // nil when empty
}

// Assets stores the assets of package versions.
type Assets interface {
	// Add inserts an asset; ErrConflict if the version has one of that name.
	Add(ctx context.Context, versionID int64, a domain.Asset) error
	Get(ctx context.Context, versionID int64, name string) (domain.Asset, error)
	// List returns the version's assets by name.
	List(ctx context.Context, versionID int64, p Page) ([]domain.Asset, string, error)
	Count(ctx context.Context, versionID int64) (int, error)
	// DeleteAll removes every asset of a version, queueing freed blobs.
	DeleteAll(ctx context.Context, versionID int64) error
}

// Tags stores resource tags, keyed by resource ARN.
type Tags interface {
	List(ctx context.Context, arn string) ([]domain.Tag, error) // by key
	// Put sets each tag, replacing existing values of the same keys.
	Put(ctx context.Context, arn string, tags []domain.Tag) error
	Remove(ctx context.Context, arn string, keys []string) error
	// DeleteAll removes every tag of a resource.
	DeleteAll(ctx context.Context, arn string) error
}

// Policies stores resource policies by resource ARN (one per resource).
type Policies interface {
	// Get returns the resource's policy; domain.ErrNotFound if it has none.
	Get(ctx context.Context, arn string) (domain.ResourcePolicy, error)
	// Put creates or replaces the policy of p.ResourceARN.
	Put(ctx context.Context, p domain.ResourcePolicy) error
	// Delete removes the resource's policy; deleting none is not an error.
	Delete(ctx context.Context, arn string) error
}

// Orphan is a blob digest that may no longer be referenced by any asset.
type Orphan struct {
	SHA256   string
	QueuedAt time.Time
}

// Orphans is the queue of blobs whose last reference may have gone. Every
// method that deletes assets queues their digests in the same transaction,
// so a crash never forgets a blob. A queued digest may have been referenced
// again since; the collector checks Referenced before deleting bytes.
//
// Pins protect bytes a publish is writing: a publish pins each digest (in a
// transaction of its own) before it commits the bytes and unpins it in the
// transaction that references them. The collector leaves a pinned digest
// alone, so it never deletes bytes a concurrent publish, on any node, is
// about to reference. A pin left by a crash expires: DropPinsBefore removes
// it and queues its digest.
type Orphans interface {
	List(ctx context.Context, limit int) ([]Orphan, error) // oldest first
	Referenced(ctx context.Context, sha256 string) (bool, error)
	Remove(ctx context.Context, sha256 string) error
	// Queue adds a digest to the queue (no-op when queued already).
	Queue(ctx context.Context, sha256 string) error
	// Pin records a publish's intent to reference sha256 and returns the pin.
	Pin(ctx context.Context, sha256 string, at time.Time) (int64, error)
	// Unpin removes a pin; removing a missing pin is not an error.
	Unpin(ctx context.Context, id int64) error
	// Pinned reports whether sha256 has a pin made at or after since.
	Pinned(ctx context.Context, sha256 string, since time.Time) (bool, error)
	// DropPinsBefore removes the pins made before t and queues their digests.
	DropPinsBefore(ctx context.Context, t time.Time) error

	// The rest serves consistency checks (artifactd fsck).

	// ListReferenced returns up to limit (> 0) distinct digests that assets
	// reference, in ascending digest order, starting after the digest
	// after ("" = from the first): a keyset page, so a listing of any size
	// is read in bounded memory and is stable under concurrent writes.
	ListReferenced(ctx context.Context, after string, limit int) ([]BlobRef, error)
	// ReferencedBy returns up to limit (> 0) assets that reference sha256,
	// by domain, repository, package, version and asset name.
	ReferencedBy(ctx context.Context, sha256 string, limit int) ([]AssetRef, error)
	// CountQueued returns how many digests are queued for collection.
	CountQueued(ctx context.Context) (int, error)
	// CountPins returns how many pins there are, and how many of them were
	// made before t (expired, when t is now minus the pin lifetime).
	CountPins(ctx context.Context, t time.Time) (all, before int, err error)
}

// InlineBlobs keeps small blobs in the database, keyed by the lowercase hex
// SHA-256 of their bytes, so that a publish of a small asset writes its
// bytes in the transaction that references them (one commit, no pin). A
// digest may have bytes here, in the blob store, or both; the collector
// removes them from both once no asset references the digest.
type InlineBlobs interface {
	// Put stores content under sha256 (the caller has checked the digest);
	// a digest already stored keeps its (identical) bytes.
	Put(ctx context.Context, sha256 string, content []byte) error
	// Get returns the bytes stored under sha256; domain.ErrNotFound if none.
	Get(ctx context.Context, sha256 string) ([]byte, error)
	// Delete removes the bytes of sha256, returning how many bytes went (0
	// when there were none).
	Delete(ctx context.Context, sha256 string) (int64, error)
	// List returns up to limit (> 0) stored digests with their sizes, in
	// ascending digest order after the digest after ("" = from the first),
	// for consistency checks (artifactd fsck).
	List(ctx context.Context, after string, limit int) ([]BlobRef, error)
}

// BlobRef is a digest assets reference, with the size they record for it.
// Assets that reference the same digest normally agree on its size; when
// they do not, Size is the smallest and MaxSize the largest recorded.
type BlobRef struct {
	SHA256  string
	Size    int64
	MaxSize int64
}

// AssetRef names one asset: where it is and what it records.
type AssetRef struct {
	Region, Owner, Domain string
	Repository            string
	Format                domain.Format
	Namespace, Package    string
	Version               string
	Asset                 string
	Size                  int64
}

// Secrets keeps server-wide secrets (the token signing key) that every node
// sharing the database must agree on.
type Secrets interface {
	// GetOrCreate returns the secret stored under name, storing value
	// first when there is none (the first node to ask wins).
	GetOrCreate(ctx context.Context, name string, value []byte) ([]byte, error)
}

// Lookup names what Store.Resolve looks up: a package in a repository of a
// domain, and optionally one version of it and one asset of that version.
type Lookup struct {
	Region, Owner, Domain string // the domain
	Repository            string
	Format                domain.Format
	Namespace, Package    string // stored (normalized) names
	Version               string // "" = resolve no version (nor asset)
	Asset                 string // "" = resolve no asset
}

// Found is how far a Resolve got.
type Found int

// The levels of a Resolution, each implying the ones before it.
const (
	FoundNothing    Found = iota // no such domain
	FoundDomain                  // the domain, not the repository
	FoundRepository              // the repository, not the package
	FoundPackage                 // the package, not the version (or no Version asked)
	FoundVersion                 // the version, not the asset (or no Asset asked)
	FoundAsset                   // everything asked for
)

// Resolution is what Store.Resolve found. Fields of levels beyond Found
// are zero.
type Resolution struct {
	Found        Found
	DomainID     int64
	RepositoryID int64
	// Upstreams is how many upstream links the repository has, plus one
	// when it has an external connection (FoundRepository and beyond).
	Upstreams int
	Package   domain.Package // Origin and Metadata included
	// VersionID and VersionStatus describe the version (FoundVersion).
	VersionID     int64
	VersionStatus domain.Status
	Asset         domain.Asset // FoundAsset
}

// Identities stores IAM users, roles, their inline policies and users'
// access keys. Every write changes the Store's AuthzStamp. Names of users,
// roles and policies are unique ignoring case (IAM's rule) and returned as
// created.
type Identities interface {
	CreateUser(ctx context.Context, u *domain.IAMUser) error // sets ID; ErrConflict if the name is taken
	GetUser(ctx context.Context, account, name string) (domain.IAMUser, error)
	GetUserByID(ctx context.Context, id int64) (domain.IAMUser, error)
	// ListUsers lists an account's users whose path starts with
	// pathPrefix, by name (case-insensitive order).
	ListUsers(ctx context.Context, account, pathPrefix string, p Page) ([]domain.IAMUser, string, error)
	// DeleteUser removes a user. The caller has checked that it owns no
	// access keys and no inline policies.
	DeleteUser(ctx context.Context, id int64) error

	CreateRole(ctx context.Context, r *domain.IAMRole) error // sets ID; ErrConflict if the name is taken
	GetRole(ctx context.Context, account, name string) (domain.IAMRole, error)
	ListRoles(ctx context.Context, account, pathPrefix string, p Page) ([]domain.IAMRole, string, error)
	UpdateRole(ctx context.Context, r domain.IAMRole) error // trust policy, description, max session duration
	DeleteRole(ctx context.Context, id int64) error         // the caller has checked it has no inline policies

	// PutPolicy creates or replaces the inline policy name of a user or a
	// role (kind is domain.PrincipalUser or domain.PrincipalRole).
	PutPolicy(ctx context.Context, kind string, ownerID int64, name, document string) error
	GetPolicy(ctx context.Context, kind string, ownerID int64, name string) (string, error) // ErrNotFound
	// ListPolicies lists policy names by name.
	ListPolicies(ctx context.Context, kind string, ownerID int64, p Page) ([]string, string, error)
	// PolicyDocuments returns every inline policy document of one
	// identity, by name (IAM bounds their total size).
	PolicyDocuments(ctx context.Context, kind string, ownerID int64) ([]string, error)
	DeletePolicy(ctx context.Context, kind string, ownerID int64, name string) error // ErrNotFound
	CountPolicies(ctx context.Context, kind string, ownerID int64) (int, error)

	CreateAccessKey(ctx context.Context, k domain.AccessKey) error // ErrConflict on a duplicate id
	GetAccessKey(ctx context.Context, accessKeyID string) (domain.AccessKey, error)
	ListAccessKeys(ctx context.Context, userRowID int64) ([]domain.AccessKey, error)                 // by creation
	SetAccessKeyStatus(ctx context.Context, accessKeyID string, status domain.AccessKeyStatus) error // ErrNotFound
	DeleteAccessKey(ctx context.Context, accessKeyID string) error                                   // ErrNotFound
}
