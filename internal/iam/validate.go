package iam

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IAM's limits.
const (
	maxUserName        = 64
	maxRoleName        = 64
	maxPolicyName      = 128
	maxPath            = 512
	minSessionName     = 2
	maxSessionName     = 64
	maxDescription     = 1000
	maxMarker          = 320
	defaultMaxItems    = 100
	maxMaxItems        = 1000
	maxPolicyDocLength = 131072

	// AccessKeysPerUser is IAM's quota of access keys per user (active or
	// inactive).
	AccessKeysPerUser = 2
	// UserPolicySize and RolePolicySize bound the aggregate size of a
	// user's or a role's inline policies, in characters not counting
	// whitespace; TrustPolicySize bounds a role's trust policy.
	UserPolicySize  = 2048
	RolePolicySize  = 10240
	TrustPolicySize = 2048

	// Session durations, in seconds.
	MinSessionDuration     = 900
	DefaultSessionDuration = 3600
	MinMaxSessionDuration  = 3600
	MaxMaxSessionDuration  = 43200
	// ChainedSessionDuration bounds sessions a role session assumes (role
	// chaining).
	ChainedSessionDuration = 3600
)

// The patterns IAM's and STS's validation messages quote.
const (
	patName        = `[\w+=,.@-]+`
	patSessionName = `[\w+=,.@-]*`
	patPath        = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	patPathPrefix  = `\u002F[\u0021-\u007F]*`
	patDescription = `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
	patMarker      = `[\u0020-\u00FF]+`
	patAccessKeyID = `[\w]+`
	patPolicyDoc   = `[\u0009\u000A\u000D\u0020-\u00FF]+`
)

// validator collects validation failures the way AWS reports them:
// "2 validation errors detected: Value 'x' at 'userName' failed to
// satisfy constraint: ...; Value ...".
type validator struct {
	msgs []string
}

func (v *validator) fail(field, value string, showValue bool, constraint string) {
	if showValue {
		v.msgs = append(v.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", clip(value), field, constraint))
	} else {
		v.msgs = append(v.msgs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", field, constraint))
	}
}

// length checks min ≤ len(value) ≤ max in characters.
func (v *validator) length(field, value string, showValue bool, min, max int) bool {
	n := utf8.RuneCountInString(value)
	switch {
	case n < min:
		v.fail(field, value, showValue, "Member must have length greater than or equal to "+strconv.Itoa(min))
		return false
	case n > max:
		v.fail(field, value, showValue, "Member must have length less than or equal to "+strconv.Itoa(max))
		return false
	}
	return true
}

func (v *validator) pattern(field, value string, showValue bool, ok bool, pattern string) {
	if !ok {
		v.fail(field, value, showValue, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// name checks an IAM name: [\w+=,.@-]+ of 1 to max characters.
func (v *validator) name(field, value string, max int) {
	v.length(field, value, true, 1, max)
	if value != "" {
		v.pattern(field, value, true, isNameChars(value), patName)
	}
}

// path checks an IAM path: "/" or "/.../" of printable ASCII, ≤ 512.
func (v *validator) path(field, value string) {
	v.length(field, value, true, 1, maxPath)
	if value != "" {
		v.pattern(field, value, true, validPath(value), patPath)
	}
}

func (v *validator) pathPrefix(field, value string) {
	v.length(field, value, true, 1, maxPath)
	if value != "" {
		ok := value[0] == '/'
		for i := 0; ok && i < len(value); i++ {
			ok = value[i] >= 0x21 && value[i] <= 0x7f
		}
		v.pattern(field, value, true, ok, patPathPrefix)
	}
}

// marker checks a pagination marker ("" = the first page).
func (v *validator) marker(value string) {
	if value == "" {
		return
	}
	v.length("marker", value, true, 1, maxMarker)
	ok := true
	for _, r := range value {
		if r < 0x20 || r > 0xff {
			ok = false
			break
		}
	}
	v.pattern("marker", value, true, ok, patMarker)
}

// maxItems checks MaxItems (0 = the default) and returns the page size.
func (v *validator) maxItems(n int) int {
	switch {
	case n == 0:
		return defaultMaxItems
	case n < 1:
		v.fail("maxItems", strconv.Itoa(n), true, "Member must have value greater than or equal to 1")
	case n > maxMaxItems:
		v.fail("maxItems", strconv.Itoa(n), true, "Member must have value less than or equal to 1000")
	}
	return n
}

func (v *validator) intRange(field string, n, min, max int) {
	switch {
	case n < min:
		v.fail(field, strconv.Itoa(n), true, "Member must have value greater than or equal to "+strconv.Itoa(min))
	case n > max:
		v.fail(field, strconv.Itoa(n), true, "Member must have value less than or equal to "+strconv.Itoa(max))
	}
}

// document checks a policy document's characters and length (its grammar
// is iampolicy's to check). IAM does not echo documents in these messages.
func (v *validator) document(field, doc string) {
	if !v.length(field, doc, false, 1, maxPolicyDocLength) {
		return
	}
	ok := true
	for _, r := range doc {
		if !(r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xff) {
			ok = false
			break
		}
	}
	v.pattern(field, doc, false, ok, patPolicyDoc)
}

func (v *validator) accessKeyID(value string) {
	v.length("accessKeyId", value, true, 16, 128)
	if value != "" {
		ok := true
		for i := 0; i < len(value); i++ {
			if !isWordChar(value[i]) {
				ok = false
				break
			}
		}
		v.pattern("accessKeyId", value, true, ok, patAccessKeyID)
	}
}

func (v *validator) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return validationError("1 validation error detected: %s", v.msgs[0])
	}
	return validationError("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
}

// isWordChar is Java's \w: [a-zA-Z_0-9].
func isWordChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// isNameChars reports whether s is made of [\w+=,.@-] only.
func isNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isWordChar(c) && !strings.ContainsRune("+=,.@-", rune(c)) {
			return false
		}
	}
	return true
}

// validPath matches (\u002F)|(\u002F[\u0021-\u007E]+\u002F).
func validPath(p string) bool {
	if p == "/" {
		return true
	}
	if len(p) < 3 || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	for i := 1; i < len(p)-1; i++ {
		if p[i] < 0x21 || p[i] > 0x7e {
			return false
		}
	}
	return true
}

// validDescription matches [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*.
func validDescription(s string) bool {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r >= 0x20 && r <= 0x7e:
		case r >= 0xa1 && r <= 0xff:
		default:
			return false
		}
	}
	return true
}

// policySize is a document's size as IAM counts it against its quotas:
// characters, whitespace not counted.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// clip bounds a value echoed in a message.
func clip(s string) string {
	const max = 256
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
