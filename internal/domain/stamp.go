package domain

import (
	"crypto/rand"
	"encoding/hex"
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
