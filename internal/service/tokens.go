package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/store"
)

// Authorization-token durations, in seconds, as CodeArtifact allows them.
const (
	DefaultTokenSeconds = 43200
	MinTokenSeconds     = 900
	MaxTokenSeconds     = 43200
)

// tokenKeyName names the token signing key in the store's secrets, shared
// by every node on the same database.
const tokenKeyName = "authorization-token-hmac-sha256"

// tokenClaims is what a token carries. Field names are short to keep
// tokens short: pip puts them in URLs.
type tokenClaims struct {
	Version   int    `json:"v"`
	Region    string `json:"r"`
	Owner     string `json:"o"`
	Domain    string `json:"d"`
	Account   string `json:"a"`           // the caller's account
	AccessKey string `json:"k"`           // the caller's key: the token dies with it
	KeyDigest string `json:"s,omitempty"` // of the key's secret: the token dies when the secret changes
	Session   string `json:"t,omitempty"` // the role session's token, for a role session's key
	Issued    int64  `json:"i"`
	Expires   int64  `json:"e"`
}

// TokenPrincipal is who a valid token speaks for, and the domain it opens.
type TokenPrincipal struct {
	Caller Caller
	Domain string
	Owner  string
}

// tokenKey returns the signing key, creating it on first use.
func (s *Service) tokenKey(ctx context.Context) ([]byte, error) {
	s.tokenKeyMu.Lock()
	defer s.tokenKeyMu.Unlock()
	if s.tokenKeyCache != nil {
		return s.tokenKeyCache, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key []byte
	err := s.store.Write(ctx, func(tx store.Tx) (err error) {
		key, err = tx.Secrets().GetOrCreate(ctx, tokenKeyName, fresh)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.tokenKeyCache = key
	return key, nil
}

// DefaultDuration asks GetAuthorizationToken for the default lifetime
// (a request without durationSeconds).
const DefaultDuration = -1

// GetAuthorizationToken mints a data-plane token for a domain. seconds is
// DefaultDuration (12 hours), 0 (until the caller's role session ends; 12
// hours for callers without a session) or 900–43200.
func (s *Service) GetAuthorizationToken(ctx context.Context, c Caller, domainName, domainOwner string, seconds int64) (string, time.Time, error) {
	if seconds != 0 && seconds != DefaultDuration && (seconds < MinTokenSeconds || seconds > MaxTokenSeconds) {
		return "", time.Time{}, domain.Invalid("durationSeconds must be 0, or between %d and %d", MinTokenSeconds, MaxTokenSeconds)
	}
	now := s.now().UTC()
	var exp time.Time
	switch {
	case seconds == 0 && c.Identity != nil && !c.Identity.Expires.IsZero():
		exp = c.Identity.Expires.UTC() // the session's own end, to the second
	case seconds <= 0:
		exp = now.Add(DefaultTokenSeconds * time.Second).Truncate(time.Second)
	default:
		exp = now.Add(time.Duration(seconds) * time.Second).Truncate(time.Second)
	}
	var d domain.Domain
	if err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		d, err = getDomain(ctx, tx, c, domainName, domainOwner)
		return err
	}); err != nil {
		return "", time.Time{}, err
	}
	key, err := s.tokenKey(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	digest, _ := s.keyDigest(c.AccessKey)
	session := ""
	if c.Identity != nil {
		session = c.Identity.SessionToken
	}
	claims, _ := json.Marshal(tokenClaims{1, d.Region, d.Owner, d.Name, c.Account, c.AccessKey, digest, session, now.Unix(), exp.Unix()})
	body := base64.RawURLEncoding.EncodeToString(claims)
	return body + "." + base64.RawURLEncoding.EncodeToString(sign(key, body)), exp, nil
}

func sign(key []byte, body string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// Resolver tells who an access key (with its session token, for a role
// session) stands for now. A key that is unknown, inactive or deleted is
// sigv4.ErrUnknownKey; an expired session is sigv4.ErrExpiredToken.
type Resolver func(ctx context.Context, accessKeyID, sessionToken string) (*iam.Credential, error)

// VerifyToken checks a token's signature and expiry, then resolves the key
// that minted it: a token speaks for its key's identity as it is at this
// request, so a deleted user or a deactivated key cuts off its tokens at
// once, and a changed policy binds them at the next request.
func (s *Service) VerifyToken(ctx context.Context, token string, resolve Resolver) (TokenPrincipal, error) {
	invalid := domain.Denied("The authorization token is invalid or expired")
	cl, ok := s.verified.get(token)
	if !ok {
		// Not verified before. Once verified the signature holds for
		// good (the key never changes); expiry and the minting key are
		// checked every time.
		body, mac, ok := strings.Cut(token, ".")
		if !ok || len(token) > 4096 {
			return TokenPrincipal{}, invalid
		}
		got, err := base64.RawURLEncoding.DecodeString(mac)
		if err != nil {
			return TokenPrincipal{}, invalid
		}
		key, err := s.tokenKey(ctx)
		if err != nil {
			return TokenPrincipal{}, err
		}
		if !hmac.Equal(got, sign(key, body)) {
			return TokenPrincipal{}, invalid
		}
		raw, err := base64.RawURLEncoding.DecodeString(body)
		var claims tokenClaims
		if err != nil || json.Unmarshal(raw, &claims) != nil || claims.Version != 1 {
			return TokenPrincipal{}, invalid
		}
		cl = &claims
		defer s.verified.put(token, claims)
	}
	if s.now().Unix() >= cl.Expires || !s.keyUnchanged(cl) {
		return TokenPrincipal{}, invalid
	}
	id, err := resolve(ctx, cl.AccessKey, cl.Session)
	switch {
	case errors.Is(err, sigv4.ErrUnknownKey), errors.Is(err, sigv4.ErrExpiredToken):
		return TokenPrincipal{}, invalid
	case err != nil:
		return TokenPrincipal{}, err
	}
	return TokenPrincipal{
		Caller: Caller{Account: cl.Account, Region: cl.Region, AccessKey: cl.AccessKey, Identity: id, dataPlane: true},
		Domain: cl.Domain, Owner: cl.Owner,
	}, nil
}

// KeyDigests gives a digest of each access key's secret (never the
// secret): tokens carry it, so that changing a key's secret revokes the
// tokens it minted.
type KeyDigests interface {
	SecretDigest(accessKeyID string) (string, bool)
}

// UseKeyDigests binds the tokens minted from now on to their key's secret.
func (s *Service) UseKeyDigests(k KeyDigests) { s.keys = k }

func (s *Service) keyDigest(accessKey string) (string, bool) {
	if s.keys == nil {
		return "", false
	}
	return s.keys.SecretDigest(accessKey)
}

// keyUnchanged reports whether the secret of the key that minted a token
// is still the one it had then.
// Only the administrator key's secret can change (it is configured);
// IAM access keys keep theirs for life, and their tokens carry no digest.
func (s *Service) keyUnchanged(cl *tokenClaims) bool {
	if cl.KeyDigest == "" {
		return true
	}
	now, ok := s.keyDigest(cl.AccessKey)
	return ok && hmac.Equal([]byte(now), []byte(cl.KeyDigest))
}

// verifiedTokensMax bounds the cache of verified tokens.
const verifiedTokensMax = 4096

// verifiedTokens remembers the claims of tokens whose signature has been
// checked, keyed by the whole token, so that a client presenting the same
// token again costs a map lookup instead of an HMAC and a JSON decode.
// It is cleared when full (tokens are re-verified then).
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]*tokenClaims
	// hits and misses count lookups, for the metrics (TokenCacheStats).
	hits, misses atomic.Uint64
}

func (v *verifiedTokens) get(token string) (*tokenClaims, bool) {
	v.mu.RLock()
	cl, ok := v.m[token]
	v.mu.RUnlock()
	if ok {
		v.hits.Add(1)
	} else {
		v.misses.Add(1)
	}
	return cl, ok
}

func (v *verifiedTokens) put(token string, cl tokenClaims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= verifiedTokensMax {
		v.m = make(map[string]*tokenClaims)
	}
	v.m[token] = &cl
}

// RepositoryEndpoint returns a repository's data-plane URL for a format,
// path-style or host-style as base says (see domain.PublicURL). The token a
// client presents names the region.
func (s *Service) RepositoryEndpoint(ctx context.Context, c Caller, base domain.PublicURL, domainName, domainOwner, repo string, f domain.Format) (string, error) {
	var ri RepositoryInfo
	if err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		ri.Domain, ri.Repository, err = getRepository(ctx, tx, c, domainName, domainOwner, repo)
		return err
	}); err != nil {
		return "", err
	}
	return base.Endpoint(ri.Domain.Name, ri.Domain.Owner, ri.Repository.Name, f), nil
}
