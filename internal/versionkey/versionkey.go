// Package versionkey builds version sort keys: byte strings whose byte
// order (bytes.Compare, and the BLOB/BYTEA order of the databases) is a
// package format's version order. The store indexes them, so a listing in
// version order is a keyset seek rather than a sort of every version.
//
// A key is a structured part, prefix-free by construction (no key's
// structured part is a prefix of another's), followed by the version
// string itself: versions a format holds equal (Maven's 1.0 and 1.0.0,
// SemVer build metadata) are ordered by their spelling, so the order is
// total and a page cursor is never ambiguous.
package versionkey

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// Builder appends the elements of a structured key.
type Builder struct{ b []byte }

// Tag appends one byte, typically a choice among alternatives.
func (k *Builder) Tag(t byte) { k.b = append(k.b, t) }

// Num appends a non-negative decimal number of any length, given as its
// digits (leading zeros ignored; "" is 0): numbers with fewer digits sort
// first, then digit by digit.
func (k *Builder) Num(digits string) {
	digits = strings.TrimLeft(digits, "0")
	if n := len(digits); n < 0xFF {
		k.b = append(k.b, byte(n))
	} else {
		k.b = append(k.b, 0xFF)
		k.b = binary.BigEndian.AppendUint32(k.b, uint32(n))
	}
	k.b = append(k.b, digits...)
}

// Uint appends n as Num does.
func (k *Builder) Uint(n uint64) { k.Num(strconv.FormatUint(n, 10)) }

// Str appends s so that strings sort by bytes and a string sorts before
// every longer string it is a prefix of: 0x00 is escaped as 0x00 0xFF and
// the end written 0x00 0x01.
func (k *Builder) Str(s string) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			k.b = append(k.b, 0, 0xFF)
		} else {
			k.b = append(k.b, s[i])
		}
	}
	k.b = append(k.b, 0, 0x01)
}

// Key returns the structured part followed by version, the tie-breaker.
func (k *Builder) Key(version string) []byte {
	out := make([]byte, 0, len(k.b)+len(version))
	out = append(out, k.b...)
	return append(out, version...)
}

// Natural elements.
const (
	natEnd = 0x00
	natNum = 0x01
	natStr = 0x02
)

// Natural is the order of formats without one of their own (generic):
// runs of digits compare as numbers (1.0.2 < 1.0.10), everything else by
// bytes, a number before text at the same place, and a version before its
// extensions (1.0 < 1.0.1, 1.0 < 1.0-rc).
func Natural(version string) []byte {
	var k Builder
	for i := 0; i < len(version); {
		j := i
		digit := isDigit(version[i])
		for j < len(version) && isDigit(version[j]) == digit {
			j++
		}
		if digit {
			k.Tag(natNum)
			k.Num(version[i:j])
		} else {
			k.Tag(natStr)
			k.Str(version[i:j])
		}
		i = j
	}
	k.Tag(natEnd)
	return k.Key(version)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
