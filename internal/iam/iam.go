// Package iam is artifactd's identity service: the business rules of the
// IAM and STS subset it serves (users, access keys, roles, inline
// policies, role sessions) and the resolution of access keys into the
// principals and identity-based policies every request is authorized with.
// It is storage-agnostic (store.Identities) and wire-agnostic: the IAM and
// STS query-protocol handlers are a thin layer over it.
//
// Authorization. Every operation is authorized for the caller (a
// *Credential, as Lookup resolved it) with iampolicy.Evaluate on its iam:
// or sts: action and the resource's ARN, with the caller's inline policies
// as identity-based policies; the installation administrator (the
// account's root) may do everything in its own account. Callers act in
// their own account only. sts:GetCallerIdentity needs no permission, as in
// AWS.
//
// AssumeRole needs both sides, even within one account: the role's trust
// policy must allow sts:AssumeRole for the caller, and the caller's own
// identity policies must allow sts:AssumeRole on the role (the
// administrator needs none). AWS lets a trust policy that names a user or
// role directly suffice within one account; artifactd always asks for
// both, so that a trust policy alone never hands out a role.
//
// Accounts exist implicitly (any 12-digit id). The administrator enters
// another account as an AWS Organizations management account does: it may
// assume arn:aws:iam::{account}:role/OrganizationAccountAccessRole, a role
// that exists implicitly in every account (unless a real role of that name
// was created there) with every permission in it, and that only the
// administrator may assume. With those credentials it creates users and
// keys in that account.
//
// Secrets. Access-key secrets are sealed with AES-256-GCM under the seal
// key (the additional data is the access key id, so a sealed secret moved
// to another key's row does not open) before the store sees them: a copy
// of the database does not reveal them. Role sessions are stateless: the
// session token is the session's claims (account, role, role id, session
// name, access key id, secret, expiry, source) sealed under a key derived
// from the seal key, URL-safe base64, so every node that shares the
// database and the seal key verifies them. Secrets are never logged.
package iam

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/store"
)

// SealKeySize is the size of the seal key, in bytes (AES-256).
const SealKeySize = 32

// Service implements IAM and STS over a store. It is safe for concurrent
// use.
type Service struct {
	st    store.Store
	admin *identity.Keyring
	log   *slog.Logger

	sealKey     []byte
	keySeal     cipher.AEAD // access-key secrets, under the seal key itself
	sessionAEAD cipher.AEAD // session tokens, under a key derived from it
	orgRoleKey  []byte      // derives the implicit role's id per account

	clock atomic.Pointer[func() time.Time]

	keys     keyCache
	compiled policyCache
}

// Labels of the keys derived from the seal key (HMAC-SHA256 of the label
// under the seal key).
const (
	labelSessions = "artifactd iam: sts session tokens v1"
	labelCheck    = "artifactd iam: seal key check v1"
	labelOrgRole  = "artifactd iam: implicit role ids v1"
	// checkSecretName names the store secret holding the check value.
	checkSecretName = "iam-seal-key-check"
)

// New returns the identity service. admin holds the installation
// administrator's keys (each its account's root principal); sealKey (32
// bytes, the same on every node sharing the database) seals secrets.
func New(st store.Store, admin *identity.Keyring, sealKey []byte, log *slog.Logger) (*Service, error) {
	if len(sealKey) != SealKeySize {
		return nil, fmt.Errorf("iam: the secrets seal key must be %d bytes, not %d", SealKeySize, len(sealKey))
	}
	if admin == nil {
		admin = identity.NewKeyring()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key := append([]byte(nil), sealKey...)
	keySeal, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	sessionAEAD, err := newGCM(derive(key, labelSessions))
	if err != nil {
		return nil, err
	}
	s := &Service{
		st: st, admin: admin, log: log,
		sealKey: key, keySeal: keySeal, sessionAEAD: sessionAEAD, orgRoleKey: derive(key, labelOrgRole),
	}
	s.SetClock(time.Now)
	return s, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// derive returns HMAC-SHA256(key, label): a key of its own for one use.
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// CheckSealKey records (on the database's first start) or verifies that
// the seal key is the one this database's secrets are sealed with. A
// mismatch is an error telling the operator to give every node the same
// ARTIFACTD_SECRETS_KEY: with another key no access key would open.
func (s *Service) CheckSealKey(ctx context.Context) error {
	want := derive(s.sealKey, labelCheck)
	var got []byte
	err := s.st.Write(ctx, func(tx store.Tx) (err error) {
		got, err = tx.Secrets().GetOrCreate(ctx, checkSecretName, want)
		return err
	})
	if err != nil {
		return fmt.Errorf("iam: check the secrets seal key: %w", err)
	}
	if !hmac.Equal(got, want) {
		return errors.New("iam: the secrets seal key (ARTIFACTD_SECRETS_KEY) is not the one this database's secrets were sealed with: " +
			"every node sharing a database needs the same key (access keys sealed under another key cannot be opened)")
	}
	return nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.clock.Store(&now) }

func (s *Service) now() time.Time { return (*s.clock.Load())() }

// Error is an IAM or STS error: its code, HTTP status and message as AWS
// sends them.
type Error struct {
	Code    string
	Status  int
	Message string
	err     error // the cause of a ServiceFailure
}

// Error returns the code and message and, for a ServiceFailure, its cause
// (for the logs: clients are shown Message only).
func (e *Error) Error() string {
	if e.err != nil {
		return e.Code + ": " + e.Message + ": " + e.err.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause of a ServiceFailure (a backend error), if any.
func (e *Error) Unwrap() error { return e.err }

// Error codes.
const (
	CodeNoSuchEntity            = "NoSuchEntity"
	CodeEntityAlreadyExists     = "EntityAlreadyExists"
	CodeDeleteConflict          = "DeleteConflict"
	CodeLimitExceeded           = "LimitExceeded"
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	CodeValidationError         = "ValidationError"
	CodeInvalidInput            = "InvalidInput"
	CodeAccessDenied            = "AccessDenied"
	CodeExpiredToken            = "ExpiredToken"
	CodeServiceFailure          = "ServiceFailure"
)

func newError(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

func noSuchEntity(format string, args ...any) *Error {
	return newError(CodeNoSuchEntity, http.StatusNotFound, format, args...)
}

func alreadyExists(format string, args ...any) *Error {
	return newError(CodeEntityAlreadyExists, http.StatusConflict, format, args...)
}

func deleteConflict(format string, args ...any) *Error {
	return newError(CodeDeleteConflict, http.StatusConflict, format, args...)
}

func limitExceeded(format string, args ...any) *Error {
	return newError(CodeLimitExceeded, http.StatusConflict, format, args...)
}

func malformed(msg string) *Error {
	return &Error{Code: CodeMalformedPolicyDocument, Status: http.StatusBadRequest, Message: msg}
}

func validationError(format string, args ...any) *Error {
	return newError(CodeValidationError, http.StatusBadRequest, format, args...)
}

func accessDenied(msg string) *Error {
	return &Error{Code: CodeAccessDenied, Status: http.StatusForbidden, Message: msg}
}

// failure wraps a backend error: every error the service returns is an
// *Error, and a ServiceFailure keeps its cause for the logs (errors.Is and
// errors.As see through it).
func failure(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeServiceFailure, Status: http.StatusInternalServerError,
		Message: "The request processing has failed because of an unknown error, exception or failure.", err: err}
}

// ARNs.

// UserARN returns arn:aws:iam::{account}:user{path}{name}.
func UserARN(u domain.IAMUser) string { return userARN(u.Account, u.Path, u.Name) }

// RoleARN returns arn:aws:iam::{account}:role{path}{name}.
func RoleARN(r domain.IAMRole) string { return roleARN(r.Account, r.Path, r.Name) }

func userARN(account, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + account + ":user" + path + name
}

func roleARN(account, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + account + ":role" + path + name
}

func rootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

func assumedRoleARN(account, role, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session
}
