package iam_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// The service is what sigv4 verifiers ask.
var _ sigv4.Keys = (*iam.Service)(nil)

func TestLookupAdministrator(t *testing.T) {
	e := newEnv(t)
	key, err := e.s.Lookup(ctx, adminKey, "")
	if err != nil {
		t.Fatal(err)
	}
	c := key.Principal.(*iam.Credential)
	stamp, err := e.st.AuthzStamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if key.Secret != adminSec || key.Account != acctA || !c.Principal.Root || !c.IsAdministrator() ||
		c.Principal.ARN != "arn:aws:iam::"+acctA+":root" || c.Principal.UserID != acctA || c.Policies != nil ||
		c.AccessKeyID != adminKey || c.Stamp != stamp {
		t.Fatalf("administrator: %+v %+v", key, c)
	}
	// Cached: the same credential while nothing changes, a new one (at
	// the new stamp) after any change.
	if again := e.cred(adminKey, ""); again != c {
		t.Fatal("not cached")
	}
	if _, err := e.s.CreateUser(ctx, c, "x", ""); err != nil {
		t.Fatal(err)
	}
	if again := e.cred(adminKey, ""); again == c || again.Stamp <= c.Stamp {
		t.Fatalf("stamp %d after a change, was %d", again.Stamp, c.Stamp)
	}
	if _, err := e.s.Lookup(ctx, adminKey, "a-token"); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("administrator key with a session token: %v", err)
	}
	for _, id := range []string{"", "AKIA", "ASIA", strings.Repeat("A", 129)} {
		if _, err := e.s.Lookup(ctx, id, ""); !errors.Is(err, sigv4.ErrUnknownKey) {
			t.Fatalf("key id %q: %v", id, err)
		}
	}
}

// Changes made through one node bind the other at its next request.
func TestLookupAcrossNodes(t *testing.T) {
	e := newEnv(t)
	node2 := e.secondNode()
	ci, secret := e.user(e.admin, "ci", policy(allow("codeartifact:ReadFromRepository", "*")))
	id := ci.AccessKeyID

	lookup := func(s *iam.Service) (*iam.Credential, error) {
		key, err := s.Lookup(ctx, id, "")
		if err != nil {
			return nil, err
		}
		if key.Secret != secret {
			t.Fatalf("secret %q", key.Secret)
		}
		return key.Principal.(*iam.Credential), nil
	}
	for _, s := range []*iam.Service{e.s, node2} {
		if c, err := lookup(s); err != nil || len(c.Policies) != 1 {
			t.Fatalf("before: %v", err)
		}
	}
	// A policy added through node 2 applies on node 1.
	if err := node2.PutUserPolicy(ctx, e.admin, "ci", "deny", policy(deny("codeartifact:*", "*"))); err != nil {
		t.Fatal(err)
	}
	if c, _ := lookup(e.s); len(c.Policies) != 2 {
		t.Fatalf("node 1 sees %d policies", len(c.Policies))
	}
	// A key deactivated through node 1 is refused by node 2.
	if err := e.s.UpdateAccessKey(ctx, e.admin, "ci", id, domain.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := lookup(node2); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("node 2, inactive: %v", err)
	}
	if err := node2.UpdateAccessKey(ctx, e.admin, "ci", id, domain.KeyActive); err != nil {
		t.Fatal(err)
	}
	if _, err := lookup(e.s); err != nil {
		t.Fatalf("node 1, active again: %v", err)
	}
	// A deleted user (keys first, as IAM requires) is gone everywhere.
	if err := e.s.DeleteAccessKey(ctx, e.admin, "ci", id); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"p", "deny"} {
		if err := e.s.DeleteUserPolicy(ctx, e.admin, "ci", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.DeleteUser(ctx, e.admin, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := lookup(node2); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("node 2, user deleted: %v", err)
	}
	if _, err := node2.Credential(ctx, id, ""); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("Credential, user deleted: %v", err)
	}
}

// Lookups racing with changes: once a change has returned, no lookup that
// starts afterwards, on either node, sees the state before it.
func TestLookupUnderConcurrentChanges(t *testing.T) {
	e := newEnv(t)
	node2 := e.secondNode()
	ci, _ := e.user(e.admin, "ci", "")
	id := ci.AccessKeyID

	var stop atomic.Bool
	var wg sync.WaitGroup
	var failures atomic.Int64
	for i := 0; i < 8; i++ {
		s := e.s
		if i%2 == 1 {
			s = node2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				_, err := s.Lookup(ctx, id, "")
				if err != nil && !errors.Is(err, sigv4.ErrUnknownKey) {
					failures.Add(1)
				}
				s.Lookup(ctx, adminKey, "")
			}
		}()
	}
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	for i := 0; i < rounds; i++ {
		if err := e.s.UpdateAccessKey(ctx, e.admin, "ci", id, domain.KeyInactive); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*iam.Service{e.s, node2} {
			if _, err := s.Lookup(ctx, id, ""); !errors.Is(err, sigv4.ErrUnknownKey) {
				t.Fatalf("round %d: inactive key: %v", i, err)
			}
		}
		if err := node2.UpdateAccessKey(ctx, e.admin, "ci", id, domain.KeyActive); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*iam.Service{e.s, node2} {
			if _, err := s.Lookup(ctx, id, ""); err != nil {
				t.Fatalf("round %d: active key: %v", i, err)
			}
		}
		doc := policy(allow("codeartifact:Describe*", "arn:aws:codeartifact:*:*:domain/d"+strings.Repeat("x", i)))
		if err := e.s.PutUserPolicy(ctx, e.admin, "ci", "p", doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*iam.Service{node2, e.s} {
			c, err := s.Credential(ctx, id, "")
			if err != nil || len(c.Policies) != 1 {
				t.Fatalf("round %d: policies: %v", i, err)
			}
			stamp, _ := e.st.AuthzStamp(ctx)
			if c.Stamp != stamp {
				t.Fatalf("round %d: credential at stamp %d, store at %d", i, c.Stamp, stamp)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d lookups failed", n)
	}
}

// The administrator's key id is whatever the operator configured.
func TestLookupShortAdministratorKey(t *testing.T) {
	e := newEnv(t)
	s, err := iam.New(e.st, identity.NewKeyring(identity.Key{AccessKeyID: "admin", SecretAccessKey: "pw", Account: acctB}), sealKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.Lookup(ctx, "admin", "")
	if err != nil || key.Secret != "pw" || key.Account != acctB || !key.Principal.(*iam.Credential).Principal.Root {
		t.Fatalf("short administrator key: %+v %v", key, err)
	}
}

func TestSealKey(t *testing.T) {
	e := newEnv(t)
	if _, err := iam.New(e.st, nil, make([]byte, 16), nil); err == nil {
		t.Fatal("a 16-byte seal key was accepted")
	}
	ci, _ := e.user(e.admin, "ci", "")
	// Another node with another seal key: refused at start, and unable
	// to open the secrets should it run anyway.
	other, err := iam.New(e.st, identity.NewKeyring(), bytes.Repeat([]byte{8}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = other.CheckSealKey(ctx)
	if err == nil || !strings.Contains(err.Error(), "ARTIFACTD_SECRETS_KEY") {
		t.Fatalf("CheckSealKey with another key: %v", err)
	}
	if _, err := other.Lookup(ctx, ci.AccessKeyID, ""); err == nil || errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("a secret sealed under another key: %v", err)
	}
	// The same key again is fine.
	again, err := iam.New(e.st, identity.NewKeyring(), sealKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.CheckSealKey(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := again.Lookup(ctx, ci.AccessKeyID, ""); err != nil {
		t.Fatal(err)
	}
}

// fixedStamp is the real store with its stamp read taken out, to measure
// what Lookup itself allocates.
type fixedStamp struct {
	store.Store
	stamp int64
}

func (f fixedStamp) AuthzStamp(context.Context) (int64, error) { return f.stamp, nil }

func TestLookupCachedAllocatesNothing(t *testing.T) {
	e := newEnv(t)
	ci, _ := e.user(e.admin, "ci", policy(allow("codeartifact:*", "*")))
	role, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "r", TrustPolicy: trust(acctA)})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.s.AssumeRole(ctx, e.admin, iam.RoleARN(role), "s1", 0)
	if err != nil {
		t.Fatal(err)
	}
	stamp, _ := e.st.AuthzStamp(ctx)
	s, err := iam.New(fixedStamp{e.st, stamp}, identity.NewKeyring(identity.Key{AccessKeyID: adminKey, SecretAccessKey: adminSec, Account: acctA}), sealKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range [][2]string{{ci.AccessKeyID, ""}, {adminKey, ""}, {sc.AccessKeyID, sc.SessionToken}} {
		if _, err := s.Lookup(ctx, k[0], k[1]); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { s.Lookup(ctx, k[0], k[1]) }); n != 0 {
			t.Errorf("Lookup(%s) allocates %v times", k[0], n)
		}
	}
}

// BenchmarkLookup measures the cached path on a real SQLite store: one
// stamp read and a map lookup.
func BenchmarkLookup(b *testing.B) {
	e := newEnv(b)
	ci, _ := e.user(e.admin, "ci", policy(allow("codeartifact:ReadFromRepository", "*")))
	role, err := e.s.CreateRole(ctx, e.admin, iam.RoleInput{Name: "r", TrustPolicy: trust(acctA)})
	if err != nil {
		b.Fatal(err)
	}
	sc, err := e.s.AssumeRole(ctx, e.admin, iam.RoleARN(role), "s1", 0)
	if err != nil {
		b.Fatal(err)
	}
	// What Lookup costs beyond the store's stamp read.
	stamp, _ := e.st.AuthzStamp(ctx)
	bare, err := iam.New(fixedStamp{e.st, stamp}, identity.NewKeyring(), sealKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("user/without-stamp-read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bare.Lookup(ctx, ci.AccessKeyID, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	// On the store a single-node installation serves from (the stamp is
	// remembered until the store's next write).
	ex, err := sqlite.OpenExclusive(ctx, filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	exe := &env{t: b, st: ex}
	exe.s = exe.service(ex, sealKey)
	exe.admin = exe.cred(adminKey, "")
	exci, _ := exe.user(exe.admin, "ci", policy(allow("codeartifact:ReadFromRepository", "*")))
	b.Run("user/exclusive-store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := exe.s.Lookup(ctx, exci.AccessKeyID, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, bc := range []struct{ name, id, token string }{
		{"user", ci.AccessKeyID, ""},
		{"administrator", adminKey, ""},
		{"session", sc.AccessKeyID, sc.SessionToken},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.s.Lookup(ctx, bc.id, bc.token); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := e.s.Lookup(ctx, bc.id, bc.token); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// A backend failure is a ServiceFailure that keeps its cause.
func TestServiceFailure(t *testing.T) {
	e := newEnv(t)
	c := e.admin
	e.st.Close()
	_, err := e.s.CreateUser(ctx, c, "ci", "")
	wantErr(t, err, iam.CodeServiceFailure, 500, "The request processing has failed because of an unknown error, exception or failure.")
	if !strings.Contains(err.Error(), "closed") {
		t.Fatalf("the cause is lost: %v", err)
	}
	if _, err := e.s.Lookup(ctx, adminKey, ""); err == nil || errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("Lookup on a closed store: %v", err)
	}
}
