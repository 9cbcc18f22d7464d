package iam_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

const (
	acctA    = "111111111111"
	acctB    = "222222222222"
	adminKey = "AKIAADMINKEY00000001"
	adminSec = "admin/secret/0123456789abcdefghijklmnopq"
)

var (
	ctx     = context.Background()
	sealKey = bytes.Repeat([]byte{7}, 32)
)

// env is one node of an installation: a real SQLite store in a temp folder
// and the identity service over it.
type env struct {
	t     testing.TB
	st    store.Store
	path  string
	s     *iam.Service
	admin *iam.Credential
}

func newEnv(t testing.TB) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, path: path}
	e.s = e.service(st, sealKey)
	e.admin = e.cred(adminKey, "")
	return e
}

func (e *env) service(st store.Store, key []byte) *iam.Service {
	e.t.Helper()
	s, err := iam.New(st, identity.NewKeyring(identity.Key{AccessKeyID: adminKey, SecretAccessKey: adminSec, Account: acctA}), key, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.CheckSealKey(ctx); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// secondNode opens the same database again: another node of the
// installation.
func (e *env) secondNode() *iam.Service {
	e.t.Helper()
	st, err := sqlite.Open(ctx, e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return e.service(st, sealKey)
}

func (e *env) cred(id, token string) *iam.Credential {
	e.t.Helper()
	c, err := e.s.Credential(ctx, id, token)
	if err != nil {
		e.t.Fatalf("Credential(%s): %v", id, err)
	}
	return c
}

// user creates a user with a key and the given inline policy ("" = none)
// as c, and returns the user's credential and secret.
func (e *env) user(c *iam.Credential, name, policy string) (*iam.Credential, string) {
	e.t.Helper()
	if _, err := e.s.CreateUser(ctx, c, name, ""); err != nil {
		e.t.Fatal(err)
	}
	if policy != "" {
		if err := e.s.PutUserPolicy(ctx, c, name, "p", policy); err != nil {
			e.t.Fatal(err)
		}
	}
	k, _, secret, err := e.s.CreateAccessKey(ctx, c, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.cred(k.AccessKeyID, ""), secret
}

// wantErr checks that err is an *iam.Error with this code, status and
// message (message "" = any).
func wantErr(t testing.TB, err error, code string, status int, message string) {
	t.Helper()
	var e *iam.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want %s", err, err, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("error %s %d %q, want %s %d", e.Code, e.Status, e.Message, code, status)
	}
	if message != "" && e.Message != message {
		t.Fatalf("message\n  %q\nwant\n  %q", e.Message, message)
	}
}

func wantMessagePrefix(t testing.TB, err error, code, prefix string) {
	t.Helper()
	var e *iam.Error
	if !errors.As(err, &e) || e.Code != code || !strings.HasPrefix(e.Message, prefix) {
		t.Fatalf("error %v, want %s starting %q", err, code, prefix)
	}
}

func policy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

func allow(action, resource string) string {
	return `{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}`
}

func deny(action, resource string) string {
	return `{"Effect":"Deny","Action":"` + action + `","Resource":"` + resource + `"}`
}

func trust(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

type storeTx = store.Tx

// enterAccount returns credentials of the administrator in another
// account: a session of its implicit OrganizationAccountAccessRole.
func (e *env) enterAccount(account string) *iam.Credential {
	e.t.Helper()
	sc, err := e.s.AssumeRole(ctx, e.admin, "arn:aws:iam::"+account+":role/OrganizationAccountAccessRole", "admin", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.cred(sc.AccessKeyID, sc.SessionToken)
}
