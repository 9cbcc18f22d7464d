package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
)

// A token verified once is remembered, but its expiry and its minting key
// are still checked on every use.
func TestVerifyTokenCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := &Service{now: func() time.Time { return now }, tokenKeyCache: []byte("0123456789abcdef0123456789abcdef")}
	claims, _ := json.Marshal(tokenClaims{1, "us-east-1", "111122223333", "acme", "111122223333", "AKIA1", "", "", now.Unix(), now.Unix() + 900})
	body := base64.RawURLEncoding.EncodeToString(claims)
	token := body + "." + base64.RawURLEncoding.EncodeToString(sign(s.tokenKeyCache, body))
	ctx := context.Background()
	user := &iam.Credential{AccessKeyID: "AKIA1"}
	valid := resolveTo(user)
	want := TokenPrincipal{Caller: Caller{Account: "111122223333", Region: "us-east-1", AccessKey: "AKIA1", Identity: user, dataPlane: true},
		Domain: "acme", Owner: "111122223333"}
	for i := range 2 { // the second time from the cache
		if p, err := s.VerifyToken(ctx, token, valid); err != nil || p != want {
			t.Fatalf("verify #%d = %+v, %v; want %+v", i+1, p, err, want)
		}
	}
	if _, ok := s.verified.get(token); !ok {
		t.Fatal("the verified token is not cached")
	}
	if _, err := s.VerifyToken(ctx, token, resolveTo(nil)); !errors.Is(err, domain.ErrDenied) {
		t.Errorf("deleted key: %v, want ErrDenied", err)
	}
	if _, err := s.VerifyToken(ctx, token[:len(token)-2]+"AA", valid); !errors.Is(err, domain.ErrDenied) {
		t.Errorf("tampered signature: %v, want ErrDenied", err)
	}
	now = now.Add(900 * time.Second)
	if _, err := s.VerifyToken(ctx, token, valid); !errors.Is(err, domain.ErrDenied) {
		t.Errorf("expired: %v, want ErrDenied", err)
	}
}

// resolveTo resolves every key to id; nil: no key exists.
func resolveTo(id *iam.Credential) Resolver {
	return func(context.Context, string, string) (*iam.Credential, error) {
		if id == nil {
			return nil, sigv4.ErrUnknownKey
		}
		return id, nil
	}
}

// fixedDigests is a KeyDigests with settable digests.
type fixedDigests map[string]string

func (f fixedDigests) SecretDigest(id string) (string, bool) {
	d, ok := f[id]
	return d, ok
}

// A token carries a digest of its key's secret and dies when the secret
// changes (even when it was verified and cached before).
func TestTokenBoundToKeySecret(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	digests := fixedDigests{"AKIA1": "first"}
	s := &Service{now: func() time.Time { return now }, tokenKeyCache: []byte("0123456789abcdef0123456789abcdef"), keys: digests}
	cl := tokenClaims{1, "us-east-1", "111122223333", "acme", "111122223333", "AKIA1", "first", "", now.Unix(), now.Unix() + 900}
	claims, _ := json.Marshal(cl)
	body := base64.RawURLEncoding.EncodeToString(claims)
	token := body + "." + base64.RawURLEncoding.EncodeToString(sign(s.tokenKeyCache, body))
	valid := resolveTo(&iam.Credential{AccessKeyID: "AKIA1"})
	if _, err := s.VerifyToken(context.Background(), token, valid); err != nil {
		t.Fatal(err)
	}
	digests["AKIA1"] = "second"
	if _, err := s.VerifyToken(context.Background(), token, valid); !errors.Is(err, domain.ErrDenied) {
		t.Errorf("token after its key's secret changed: %v, want ErrDenied", err)
	}
}
