package domain

import (
	"time"
	"unicode"
	"unicode/utf8"
)

// Format is a package format, spelled as on the wire.
type Format string

const (
	FormatNpm     Format = "npm"
	FormatPypi    Format = "pypi"
	FormatMaven   Format = "maven"
	FormatNuget   Format = "nuget"
	FormatGeneric Format = "generic"
	FormatRuby    Format = "ruby"
	FormatSwift   Format = "swift"
	FormatCargo   Format = "cargo"
)

// Formats lists every format CodeArtifact knows.
var Formats = []Format{FormatNpm, FormatPypi, FormatMaven, FormatNuget, FormatGeneric, FormatRuby, FormatSwift, FormatCargo}

// Status is a package version's status.
type Status string

const (
	StatusPublished  Status = "Published"
	StatusUnfinished Status = "Unfinished"
	StatusUnlisted   Status = "Unlisted"
	StatusArchived   Status = "Archived"
	StatusDisposed   Status = "Disposed"
	StatusDeleted    Status = "Deleted"
)

// Statuses lists every status, in the model's order.
var Statuses = []Status{StatusPublished, StatusUnfinished, StatusUnlisted, StatusArchived, StatusDisposed, StatusDeleted}

// OriginType says where a package version came from.
type OriginType string

const (
	OriginInternal OriginType = "INTERNAL"
	OriginExternal OriginType = "EXTERNAL"
	OriginUnknown  OriginType = "UNKNOWN"
)

// Allow is an origin-control setting: ALLOW or BLOCK.
type Allow string

const (
	AllowAllow Allow = "ALLOW"
	AllowBlock Allow = "BLOCK"
)

// Domain is a CodeArtifact domain. Domains live in one region and belong
// to one account; (Region, Owner, Name) is unique.
type Domain struct {
	ID            int64
	Region        string
	Owner         string
	Name          string
	EncryptionKey string
	CreatedTime   time.Time
}

// Repository is a repository in a domain.
type Repository struct {
	ID                   int64
	DomainID             int64
	Name                 string
	AdministratorAccount string
	Description          string
	Upstreams            []Upstream // in resolution order
	// ExternalConnection is the public repository it is connected to
	// (e.g. "public:npmjs"), "" for none; there is at most one.
	ExternalConnection string
	CreatedTime        time.Time
}

// Upstream is one link in a repository's upstream list. It binds to the
// upstream's identity (RepositoryID): deleting and recreating a repository of
// the same name does not re-attach it, as on AWS.
type Upstream struct {
	RepositoryID int64
	Name         string
}

// OriginConfiguration holds a package's origin controls.
type OriginConfiguration struct {
	Publish  Allow
	Upstream Allow
}

// Package is a package in a repository. Namespace is empty for formats
// without one. Names are stored normalized for the formats that normalize.
type Package struct {
	ID           int64
	RepositoryID int64
	Format       Format
	Namespace    string
	Name         string
	Origin       OriginConfiguration
	// Metadata is format-specific package-level state (npm dist-tags...),
	// opaque to everything but the format.
	Metadata []byte
}

// PackageVersion is one version of a package.
type PackageVersion struct {
	ID                   int64
	PackageID            int64
	Version              string
	Revision             string
	Status               Status
	OriginType           OriginType
	EntryRepository      string // domainEntryPoint.repositoryName
	EntryExternalConn    string // domainEntryPoint.externalConnectionName
	PublishedTime        time.Time
	DisplayName          string
	Summary              string
	HomePage             string
	SourceCodeRepository string
	Licenses             []License
	Dependencies         []Dependency
	Readme               string
	// Metadata is the format's raw version document (an npm manifest...).
	Metadata []byte
	// SortKey places the version in its format's version order (byte
	// order of the keys, see internal/versionkey). The service sets it
	// when the version is created; it never changes.
	SortKey []byte
	// LastDownloadedTime is when an asset of the version was last
	// downloaded (zero: never), as of the last flush of the downloads
	// the service gathers in memory. Stores set it with
	// Versions.RecordDownloads only: Create and Update ignore it. Not
	// part of any CodeArtifact response.
	LastDownloadedTime time.Time
}

// License is one license of a package version.
type License struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Dependency is a direct dependency of a package version.
type Dependency struct {
	Namespace          string `json:"namespace,omitempty"`
	Package            string `json:"package,omitempty"`
	DependencyType     string `json:"dependencyType,omitempty"`
	VersionRequirement string `json:"versionRequirement,omitempty"`
}

// Asset is one file of a package version. Its bytes live in the blob store
// under SHA256.
type Asset struct {
	Name   string
	Size   int64
	MD5    string
	SHA1   string
	SHA256 string
	SHA512 string
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// ResourcePolicy is a domain's or a repository's permissions policy: an
// IAM policy document, versioned by an opaque revision that changes with
// every Put.
type ResourcePolicy struct {
	ResourceARN string
	Revision    string
	Document    string
}

// externalConnections are the public repositories CodeArtifact connects
// to, with the format of each.
var externalConnections = map[string]Format{
	"public:npmjs":               FormatNpm,
	"public:pypi":                FormatPypi,
	"public:nuget-org":           FormatNuget,
	"public:maven-central":       FormatMaven,
	"public:maven-googleandroid": FormatMaven,
	"public:maven-gradleplugins": FormatMaven,
	"public:maven-commonsware":   FormatMaven,
	"public:maven-clojars":       FormatMaven,
	"public:ruby-gems-org":       FormatRuby,
	"public:crates-io":           FormatCargo,
}

// ExternalConnectionFormat returns the package format of a known external
// connection name.
func ExternalConnectionFormat(name string) (Format, bool) {
	f, ok := externalConnections[name]
	return f, ok
}

// ValidCoordinate reports whether s may be a package's namespace or name,
// or a version: valid UTF-8 without control, format (bidirectional
// overrides, zero-width characters), private-use or surrogate characters
// (Unicode category C). Every backend stores exactly these, and each can
// be addressed again by the API and the data plane.
func ValidCoordinate(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.Is(unicode.C, r) {
			return false
		}
	}
	return true
}

// Package group origin restriction types and modes.
type (
	RestrictionType string
	RestrictionMode string
)

const (
	RestrictPublish          RestrictionType = "PUBLISH"
	RestrictExternalUpstream RestrictionType = "EXTERNAL_UPSTREAM"
	RestrictInternalUpstream RestrictionType = "INTERNAL_UPSTREAM"

	ModeAllow                     RestrictionMode = "ALLOW"
	ModeBlock                     RestrictionMode = "BLOCK"
	ModeAllowSpecificRepositories RestrictionMode = "ALLOW_SPECIFIC_REPOSITORIES"
	ModeInherit                   RestrictionMode = "INHERIT"
)

// RestrictionTypes lists the restriction types in the order responses use.
var RestrictionTypes = []RestrictionType{RestrictExternalUpstream, RestrictInternalUpstream, RestrictPublish}

// PackageGroup is a domain's package group: a pattern that packages are
// associated with, and origin restrictions for them. ParentID is 0 only
// for the root group "/*".
type PackageGroup struct {
	ID          int64
	DomainID    int64
	Pattern     string // as created, e.g. "/npm/space/*"
	WeakKey     string // the pattern with variations folded (pkggroup.WeakKey), for WEAK association lookups
	ParentID    int64
	Description string
	ContactInfo string
	CreatedTime time.Time
	// Modes by restriction type; a missing type is INHERIT (the root
	// group's are ALLOW).
	Modes map[RestrictionType]RestrictionMode
}
