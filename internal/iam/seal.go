package iam

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/artifactd/artifactd/internal/identity"
)

// Identifier and secret alphabets, as the administrator key's.
const (
	idAlphabet     = identity.IDAlphabet // as AWS's unique ids and key ids
	secretAlphabet = identity.SecretAlphabet
)

// Prefixes of AWS's identifiers.
const (
	prefixUserID     = "AIDA"
	prefixRoleID     = "AROA"
	prefixAccessKey  = "AKIA"
	prefixSessionKey = "ASIA"
)

func newUserID() string      { return prefixUserID + identity.RandomString(17, idAlphabet) }
func newRoleID() string      { return prefixRoleID + identity.RandomString(17, idAlphabet) }
func newAccessKeyID() string { return prefixAccessKey + identity.RandomString(16, idAlphabet) }
func newSessionKeyID() string {
	return prefixSessionKey + identity.RandomString(16, idAlphabet)
}
func newSecret() string { return identity.RandomString(40, secretAlphabet) }

// sealVersion is the first byte of sealed secrets and session tokens.
const sealVersion = 1

var errUnseal = errors.New("iam: sealed secret does not open under this seal key")

// sealSecret seals an access key's secret: version, nonce, AES-256-GCM
// ciphertext with the key id as additional data.
func (s *Service) sealSecret(accessKeyID, secret string) []byte {
	return seal(s.keySeal, []byte(secret), accessKeyID)
}

func (s *Service) unsealSecret(accessKeyID string, sealed []byte) (string, error) {
	b, err := unseal(s.keySeal, sealed, accessKeyID)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func seal(aead cipher.AEAD, plain []byte, aad string) []byte {
	ns := aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plain)+16)
	out[0] = sealVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		panic(err)
	}
	return aead.Seal(out, out[1:1+ns], plain, []byte(aad))
}

func unseal(aead cipher.AEAD, sealed []byte, aad string) ([]byte, error) {
	ns := aead.NonceSize()
	if len(sealed) < 1+ns || sealed[0] != sealVersion {
		return nil, errUnseal
	}
	b, err := aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(aad))
	if err != nil {
		return nil, errUnseal
	}
	return b, nil
}

// sessionClaims is what a role session's token carries. Names are short:
// the token travels in every request (and in data-plane tokens).
type sessionClaims struct {
	Account string `json:"a"`
	Role    string `json:"r"` // the role's name
	RoleID  string `json:"i"`
	Session string `json:"n"` // RoleSessionName
	Key     string `json:"k"` // the session's access key id
	Secret  string `json:"s"`
	Expires int64  `json:"e"` // Unix seconds
	Source  string `json:"p"` // the ARN of who assumed the role
}

// maxSessionToken bounds the tokens openSession looks at.
const maxSessionToken = 4096

// sealSession returns the session token of claims.
func (s *Service) sealSession(cl *sessionClaims) string {
	b, err := json.Marshal(cl)
	if err != nil {
		panic(err) // strings and an integer always marshal
	}
	return base64.RawURLEncoding.EncodeToString(seal(s.sessionAEAD, b, cl.Key))
}

// openSession opens a session token presented with accessKeyID: it opens
// only if it was issued with that key.
func (s *Service) openSession(accessKeyID, token string) (*sessionClaims, bool) {
	if token == "" || len(token) > maxSessionToken {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, false
	}
	b, err := unseal(s.sessionAEAD, raw, accessKeyID)
	if err != nil {
		return nil, false
	}
	var cl sessionClaims
	if json.Unmarshal(b, &cl) != nil || !equalString(cl.Key, accessKeyID) || cl.Secret == "" {
		return nil, false
	}
	return &cl, true
}

// equalString compares in time that depends on the lengths only.
func equalString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}
