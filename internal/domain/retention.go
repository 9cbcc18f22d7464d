package domain

import "time"

// RetentionAction is what a retention rule does to the versions it does not keep.
type RetentionAction string

// The retention actions: the batch operations a rule runs.
const (
	RetentionArchive RetentionAction = "Archive"
	RetentionDispose RetentionAction = "Dispose"
	RetentionDelete  RetentionAction = "Delete"
)

// RetentionRule keeps, per package of one repository (those its filters
// select), the newest KeepNewest versions, those published in the last
// KeepDays days and those downloaded in the last KeepDownloadedDays days,
// and acts with Action on every other version, except the exempt ones (see
// service.PlanRetention).
type RetentionRule struct {
	ID           int64
	RepositoryID int64
	// Filters ("" = any).
	Format        Format
	Namespace     string // exact namespace
	PackagePrefix string
	// PackageGroup, when set, is the pattern of a package group of the
	// repository's domain: the rule selects the packages whose associated
	// (most specific) group it is, instead of Format, Namespace and
	// PackagePrefix (then all "").
	PackageGroup string
	// What is kept (0 = that criterion keeps nothing).
	KeepNewest int
	KeepDays   int
	// KeepDownloadedDays keeps the versions downloaded in the last so
	// many days; a version never downloaded counts from its publish time.
	KeepDownloadedDays int
	ExemptStatuses     []Status
	Action             RetentionAction
	CreatedTime        time.Time
}
