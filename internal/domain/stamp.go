package domain

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
)

// NewStamp is a fresh change stamp: formats keep one in a package's
// state, renewed in the transaction of every change to the package, and
// key their cached documents (packuments, simple pages, maven-metadata.xml)
// on it, so a change committed on any node retires them everywhere.
func NewStamp() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PackageState decodes the state a format keeps in a package's Metadata
// (JSON); metadata that is missing or unreadable counts as no state at all.
func PackageState[T any](p Package) T {
	var st T
	if len(p.Metadata) > 0 {
		_ = json.Unmarshal(p.Metadata, &st)
	}
	return st
}

// SetPackageState stores a format's state in p.Metadata.
func SetPackageState[T any](p *Package, st T) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	p.Metadata = b
	return nil
}
