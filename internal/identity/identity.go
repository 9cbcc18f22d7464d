// Package identity knows the server's accounts and access keys.
package identity

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// Key is an access key pair and the account it belongs to.
type Key struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	Account         string `json:"account"`
}

// Keyring resolves access key ids. It is read-only after construction.
type Keyring struct {
	keys map[string]Key
}

// NewKeyring returns a keyring holding keys.
func NewKeyring(keys ...Key) *Keyring {
	k := &Keyring{keys: make(map[string]Key, len(keys))}
	for _, key := range keys {
		k.keys[key.AccessKeyID] = key
	}
	return k
}

// Get returns the key with this id.
func (k *Keyring) Get(accessKeyID string) (Key, bool) {
	key, ok := k.keys[accessKeyID]
	return key, ok
}

// SecretDigest is a digest of an access key's secret, which tokens carry
// to die with it (service.KeyDigests). It reveals nothing usable of the
// secret: 12 bytes of a SHA-256 under a label of its own.
func (k *Keyring) SecretDigest(accessKeyID string) (string, bool) {
	key, ok := k.keys[accessKeyID]
	if !ok {
		return "", false
	}
	sum := sha256.Sum256([]byte("artifactd token binding\x00" + key.SecretAccessKey))
	return base64.RawURLEncoding.EncodeToString(sum[:12]), true
}

// Has reports whether an access key exists.
func (k *Keyring) Has(accessKeyID string) bool {
	_, ok := k.keys[accessKeyID]
	return ok
}

var accountPattern = regexp.MustCompile(`^[0-9]{12}$`)

// ValidAccount reports whether s is a 12-digit account id.
func ValidAccount(s string) bool { return accountPattern.MatchString(s) }

// LoadOrCreateRootKey returns the administrator key kept in path, creating
// it (mode 0600, written atomically) on first use. created reports whether
// it was generated now.
func LoadOrCreateRootKey(path, account string) (key Key, created bool, err error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &key); err != nil {
			return Key{}, false, fmt.Errorf("read %s: %w", path, err)
		}
		if key.AccessKeyID == "" || key.SecretAccessKey == "" {
			return Key{}, false, fmt.Errorf("read %s: incomplete key", path)
		}
		// The key belongs to whatever account is configured now.
		key.Account = account
		return key, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Key{}, false, err
	}
	key = Key{AccessKeyID: "AKIA" + RandomString(16, IDAlphabet), SecretAccessKey: RandomString(40, SecretAlphabet), Account: account}
	b, err = json.MarshalIndent(key, "", "  ")
	if err != nil {
		return Key{}, false, err
	}
	if err := writeFileAtomic(path, b, 0o600); err != nil {
		return Key{}, false, err
	}
	return key, true, nil
}

// ParseSealKey decodes a secrets key given as base64 of 32 bytes.
func ParseSealKey(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, errors.New("want the base64 encoding of 32 bytes (for example: head -c 32 /dev/urandom | base64)")
	}
	return b, nil
}

// LoadOrCreateSealKey returns the secrets key kept in path (base64 of 32
// bytes), creating it (mode 0600, written atomically) on first use. It
// seals IAM access-key secrets in the metadata store, so that a copy of
// the database alone does not reveal them.
func LoadOrCreateSealKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := ParseSealKey(string(bytes.TrimSpace(b)))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return key, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

// Alphabets of access key ids (and AWS's unique ids) and of secrets. Their
// sizes divide 256, so every character of a random string is equally
// likely.
const (
	IDAlphabet     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// RandomString draws n characters from an alphabet whose size divides 256,
// so every character is equally likely.
func RandomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
