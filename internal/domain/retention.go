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
// select), the newest KeepNewest versions and those published in the last
// KeepDays days, and acts with Action on every other version, except the
// exempt ones (see service.PlanRetention).
type RetentionRule struct {
	ID           int64
	RepositoryID int64
	// Filters ("" = any).
	Format        Format
	Namespace     string // exact namespace
	PackagePrefix string
	// What is kept (0 = that criterion keeps nothing).
	KeepNewest     int
	KeepDays       int
	ExemptStatuses []Status
	Action         RetentionAction
	CreatedTime    time.Time
}
