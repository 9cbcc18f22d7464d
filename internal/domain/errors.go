// Package domain holds artifactd's vocabulary: the resources CodeArtifact
// exposes, their statuses, and the error kinds every layer speaks.
package domain

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Error kinds. Every error that crosses a layer boundary unwraps to one of
// these, so each wire surface (the control plane, each package format) maps
// them to its own status codes in exactly one place.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
	ErrDenied   = errors.New("access denied")
	ErrQuota    = errors.New("quota exceeded")
	// ErrUnavailable: a registry behind an external connection failed.
	ErrUnavailable = errors.New("upstream unavailable")
)

// Resource types as CodeArtifact names them in error bodies.
const (
	ResDomain         = "domain"
	ResRepository     = "repository"
	ResPackage        = "package"
	ResPackageVersion = "package-version"
	ResAsset          = "asset"
	ResPackageGroup   = "package-group"
)

// Error is a classified error that names the resource it is about.
type Error struct {
	Kind         error  // one of the Err* sentinels
	Msg          string // shown to the client
	ResourceType string // optional, one of the Res* constants
	ResourceID   string // optional
	Err          error  // optional cause
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// NotFound reports a missing resource.
func NotFound(resType, id, format string, args ...any) error {
	return &Error{Kind: ErrNotFound, ResourceType: resType, ResourceID: id, Msg: fmt.Sprintf(format, args...)}
}

// Conflict reports a request that clashes with the resource's current state.
func Conflict(resType, id, format string, args ...any) error {
	return &Error{Kind: ErrConflict, ResourceType: resType, ResourceID: id, Msg: fmt.Sprintf(format, args...)}
}

// Invalid reports a request that fails validation.
func Invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

// Denied reports a caller that may not do what it asked.
func Denied(format string, args ...any) error {
	return &Error{Kind: ErrDenied, Msg: fmt.Sprintf(format, args...)}
}

// Quota reports a limit that the request would exceed.
func Quota(resType, id, format string, args ...any) error {
	return &Error{Kind: ErrQuota, ResourceType: resType, ResourceID: id, Msg: fmt.Sprintf(format, args...)}
}

// Unavailable is an ErrUnavailable: an upstream registry could not
// provide what was asked.
func Unavailable(format string, args ...any) error {
	return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf(format, args...)}
}

// MaxMessageBytes bounds the message of an error sent to a client: a
// message that quotes a client's value (a megabyte-long name) is cut.
const MaxMessageBytes = 1024

// TruncateMessage cuts msg to MaxMessageBytes, on a rune boundary, marking
// the cut.
func TruncateMessage(msg string) string {
	if len(msg) <= MaxMessageBytes {
		return msg
	}
	cut := MaxMessageBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "… (truncated)"
}
