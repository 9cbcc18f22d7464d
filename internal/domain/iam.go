package domain

import "time"

// IAMUser is an IAM user of an account.
type IAMUser struct {
	ID      int64  // store row id
	Account string // 12-digit account id
	Name    string // as created; unique in the account ignoring case
	Path    string // "/" or "/a/b/"
	UserID  string // unique id, "AIDA" + 17 characters
	Created time.Time
}

// IAMRole is an IAM role of an account.
type IAMRole struct {
	ID                 int64
	Account            string
	Name               string // unique in the account ignoring case
	Path               string
	RoleID             string // unique id, "AROA" + 17 characters
	TrustPolicy        string // the assume-role policy document, as given
	Description        string
	MaxSessionDuration int // seconds, 3600–43200
	Created            time.Time
}

// Identity kinds that own inline policies.
const (
	PrincipalUser = "user"
	PrincipalRole = "role"
)

// AccessKeyStatus is Active or Inactive.
type AccessKeyStatus string

const (
	KeyActive   AccessKeyStatus = "Active"
	KeyInactive AccessKeyStatus = "Inactive"
)

// AccessKey is a long-lived access key of an IAM user. The secret is kept
// sealed (encrypted by the iam package); the store never sees it in clear.
type AccessKey struct {
	AccessKeyID  string // "AKIA" + 16 characters; unique across accounts
	Account      string
	UserRowID    int64 // IAMUser.ID of its owner
	SealedSecret []byte
	Status       AccessKeyStatus
	Created      time.Time
	LastUsed     time.Time // zero if never recorded
}
