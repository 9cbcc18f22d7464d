package service

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
)

// Fuzz targets for the data-plane authorization tokens clients present.
// Seeds run with every `go test`; scripts/fuzz fuzzes them.

// fuzzDigests gives every non-empty access key a digest of its own.
type fuzzDigests struct{}

func (fuzzDigests) SecretDigest(accessKeyID string) (string, bool) {
	return "digest-of-" + accessKeyID, accessKeyID != ""
}

var fuzzNow = time.Unix(1_700_000_000, 0)

func fuzzTokenService() *Service {
	return &Service{now: func() time.Time { return fuzzNow }, tokenKeyCache: []byte("0123456789abcdef0123456789abcdef"), keys: fuzzDigests{}}
}

// fuzzMint mints a token for claims as GetAuthorizationToken does.
func fuzzMint(s *Service, cl tokenClaims) string {
	raw, _ := json.Marshal(cl)
	body := base64.RawURLEncoding.EncodeToString(raw)
	return body + "." + base64.RawURLEncoding.EncodeToString(sign(s.tokenKeyCache, body))
}

func fuzzClaims(accessKey string, lifetime int64) tokenClaims {
	return tokenClaims{Version: 1, Region: "us-east-1", Owner: "111122223333", Domain: "acme", Account: "111122223333",
		AccessKey: accessKey, KeyDigest: "digest-of-" + accessKey, Issued: fuzzNow.Unix(), Expires: fuzzNow.Unix() + lifetime}
}

// fuzzKeyValid: every key but "deleted" still exists.
func fuzzKeyValid(k string) bool { return k != "deleted" }

// fuzzResolve resolves the keys fuzzKeyValid accepts (to the
// administrator: a nil identity).
func fuzzResolve(_ context.Context, k, _ string) (*iam.Credential, error) {
	if !fuzzKeyValid(k) {
		return nil, sigv4.ErrUnknownKey
	}
	return nil, nil
}

// claimsPrincipal is who a valid token with claims cl speaks for.
func claimsPrincipal(cl tokenClaims) TokenPrincipal {
	return TokenPrincipal{Caller: Caller{Account: cl.Account, Region: cl.Region, AccessKey: cl.AccessKey, dataPlane: true},
		Domain: cl.Domain, Owner: cl.Owner}
}

// FuzzVerifyToken presents arbitrary tokens. Every refusal is
// ErrDenied; a token is accepted only when its signed part is one the
// server minted, for a key that exists with the secret it had, before
// its expiry; and a second presentation (from the cache) gives the same
// answer.
func FuzzVerifyToken(f *testing.F) {
	s := fuzzTokenService()
	minted := map[string]bool{}
	for _, cl := range []tokenClaims{
		fuzzClaims("AKIA1", 900),
		fuzzClaims("AKIA1", 0),     // expired
		fuzzClaims("deleted", 900), // its key is gone
		func() tokenClaims { c := fuzzClaims("AKIA1", 900); c.KeyDigest = "old"; return c }(), // its key's secret changed
		func() tokenClaims { c := fuzzClaims("AKIA1", 900); c.Version = 2; return c }(),
	} {
		tok := fuzzMint(s, cl)
		body, mac, _ := strings.Cut(tok, ".")
		minted[body] = true
		f.Add(tok)
		f.Add(body + "." + mac[:len(mac)-1] + "B")
		f.Add(tok + "\n")
	}
	f.Add("")
	f.Add(".")
	f.Add("a.b.c")
	f.Add("eyJ2IjoxfQ." + strings.Repeat("A", 43))
	f.Add(strings.Repeat("x", 3000) + ".AAAA")
	f.Add("%%%.===")

	f.Fuzz(func(t *testing.T, token string) {
		if len(token) > 8<<10 {
			return
		}
		s := fuzzTokenService()
		ctx := context.Background()
		p, err := s.VerifyToken(ctx, token, fuzzResolve)
		p2, err2 := s.VerifyToken(ctx, token, fuzzResolve)
		if p != p2 || (err == nil) != (err2 == nil) {
			t.Fatalf("verified %+v, %v, then %+v, %v", p, err, p2, err2)
		}
		if err != nil {
			if !errors.Is(err, domain.ErrDenied) || p != (TokenPrincipal{}) {
				t.Fatalf("refused with %v (principal %+v), not ErrDenied", err, p)
			}
			return
		}
		body, mac, _ := strings.Cut(token, ".")
		if !minted[body] || len(token) > 2048 {
			t.Fatalf("token %q accepted: its claims were never minted", token)
		}
		got, err := base64.RawURLEncoding.DecodeString(mac)
		if err != nil || !hmac.Equal(got, sign(s.tokenKeyCache, body)) {
			t.Fatalf("token %q accepted with a signature that is not the server's", token)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(body)
		var cl tokenClaims
		if err := json.Unmarshal(raw, &cl); err != nil || cl.Version != 1 || cl.Expires <= fuzzNow.Unix() ||
			!fuzzKeyValid(cl.AccessKey) || cl.KeyDigest != "digest-of-"+cl.AccessKey || p != claimsPrincipal(cl) {
			t.Fatalf("token with claims %+v (%v) accepted as %+v", cl, err, p)
		}
	})
}

// FuzzTokenClaims mints tokens with arbitrary claims and lifetimes,
// then presents them as minted and with one character of their signed
// part changed. A minted token is accepted exactly when it is current
// and its key exists unchanged, and speaks for exactly the claims it
// was minted with; no change to its signed part is accepted.
func FuzzTokenClaims(f *testing.F) {
	f.Add("us-east-1", "111122223333", "acme", "111122223333", "AKIA1", int64(900), uint16(3), byte(1))
	f.Add("eu-west-1", "000000000000", "my-domain", "000000000000", "deleted", int64(43200), uint16(0), byte(0x20))
	f.Add("", "", "", "", "", int64(0), uint16(65535), byte(0xff))
	f.Add("\xff", "\"", "a\u2028b", "\x00", "é", int64(-1), uint16(17), byte(2))

	f.Fuzz(func(t *testing.T, region, owner, dom, account, accessKey string, lifetime int64, at uint16, flip byte) {
		if len(region)+len(owner)+len(dom)+len(account)+len(accessKey) > 1<<10 {
			return
		}
		s := fuzzTokenService()
		cl := tokenClaims{Version: 1, Region: region, Owner: owner, Domain: dom, Account: account, AccessKey: accessKey,
			KeyDigest: "digest-of-" + accessKey, Issued: fuzzNow.Unix(), Expires: fuzzNow.Unix() + lifetime}
		tok := fuzzMint(s, cl)
		ctx := context.Background()
		p, err := s.VerifyToken(ctx, tok, fuzzResolve)
		want := len(tok) <= 4096 && lifetime > 0 && accessKey != "" && fuzzKeyValid(accessKey)
		if (err == nil) != want {
			t.Fatalf("token for %+v: %v, want accepted %v", cl, err, want)
		}
		if err == nil {
			valid := true
			for _, s := range []string{region, owner, dom, account, accessKey} {
				valid = valid && utf8.ValidString(s)
			}
			// JSON carries valid UTF-8 only: other claims come back with
			// U+FFFD, as they went into the token.
			if valid && p != claimsPrincipal(cl) {
				t.Fatalf("token for %+v speaks for %+v", cl, p)
			}
		} else if !errors.Is(err, domain.ErrDenied) {
			t.Fatalf("refused with %v, not ErrDenied", err)
		}

		body, mac, _ := strings.Cut(tok, ".")
		if flip == 0 || len(body) == 0 {
			return
		}
		b := []byte(body)
		b[int(at)%len(b)] ^= flip
		if _, err := s.VerifyToken(ctx, string(b)+"."+mac, fuzzResolve); err == nil {
			t.Fatalf("token with its claims changed (%q -> %q) accepted", body, b)
		}
	})
}
