// Package hashing computes the four digests CodeArtifact reports for every
// asset (MD5, SHA-1, SHA-256, SHA-512) in one pass over a stream.
package hashing

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
)

// Sums are the lowercase hex digests of a stream, and its size.
type Sums struct {
	Size   int64
	MD5    string
	SHA1   string
	SHA256 string
	SHA512 string
}

// Hasher is an io.Writer that feeds all four hashes at once.
type Hasher struct {
	md5, sha1, sha256, sha512 hash.Hash
	w                         io.Writer
	n                         int64
}

// New returns an empty Hasher.
func New() *Hasher {
	h := &Hasher{md5: md5.New(), sha1: sha1.New(), sha256: sha256.New(), sha512: sha512.New()}
	h.w = io.MultiWriter(h.md5, h.sha1, h.sha256, h.sha512)
	return h
}

func (h *Hasher) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.n += int64(n)
	return n, err
}

// Sums returns the digests of everything written so far.
func (h *Hasher) Sums() Sums {
	return Sums{
		Size:   h.n,
		MD5:    hex.EncodeToString(h.md5.Sum(nil)),
		SHA1:   hex.EncodeToString(h.sha1.Sum(nil)),
		SHA256: hex.EncodeToString(h.sha256.Sum(nil)),
		SHA512: hex.EncodeToString(h.sha512.Sum(nil)),
	}
}
