package sqlstore

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

func TestRebind(t *testing.T) {
	d := Dialect{Placeholder: Dollar}
	cases := map[string]string{
		`SELECT 1`:                       `SELECT 1`,
		`a = ? AND b = ?`:                `a = $1 AND b = $2`,
		`x = '?' AND y = ? AND "q?" = ?`: `x = '?' AND y = $1 AND "q?" = $2`,
		`(a, b) > (?, ?) LIMIT ?`:        `(a, b) > ($1, $2) LIMIT $3`,
		`s = 'it''s ?' AND t = ?`:        `s = 'it''s ?' AND t = $1`,
		strings.Repeat("?,", 11) + "?":   "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12",
	}
	for in, want := range cases {
		if got := d.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
	q := Dialect{Placeholder: Question}
	if got := q.Rebind("a = ?"); got != "a = ?" {
		t.Errorf("Question Rebind changed the query: %q", got)
	}
}

func TestPrefixSuccessor(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"a", "b", true},
		{"a_", "a`", true},
		{"a%", "a&", true},
		{"az", "a{", true},
		{"a\x7f", "a\u0080", true},
		{"é", "ê", true},
		{"a\uD7FF", "a\uE000", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF", "", false},
		{"a\xff", "b", true}, // invalid UTF-8: byte-wise
		{"\xff\xff", "", false},
	}
	for _, c := range cases {
		got, ok := prefixSuccessor(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("prefixSuccessor(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
		if ok && utf8.ValidString(c.in) && !utf8.ValidString(got) {
			t.Errorf("prefixSuccessor(%q) = %q is not valid UTF-8", c.in, got)
		}
	}
}

func TestCursor(t *testing.T) {
	tok := encodeCursor(kindPackages, []string{"npm", "", "a\x00b\"é"}, nil)
	c, err := decodeCursor(tok, kindPackages, 3, 0)
	if err != nil || c.S[2] != "a\x00b\"é" {
		t.Fatalf("round trip: %+v, %v", c, err)
	}
	tok2 := encodeCursor(kindVersionsTime, nil, []int64{-5, 1 << 62})
	if c, err := decodeCursor(tok2, kindVersionsTime, 0, 2); err != nil || c.N[0] != -5 || c.N[1] != 1<<62 {
		t.Fatalf("round trip: %+v, %v", c, err)
	}
	for _, bad := range []string{"", "%%%", tok + "=", tok[:len(tok)-2], tok2,
		encodeCursor(kindPackages, []string{"a"}, nil), encodeCursor(kindPackages, []string{"a", "b", "c"}, []int64{1})} {
		if _, err := decodeCursor(bad, kindPackages, 3, 0); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("decodeCursor(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestPage(t *testing.T) {
	key := func(i int) string { return string(rune('a' + i)) }
	items, next := page([]int{0, 1, 2}, store.Page{Limit: 3}, key)
	if len(items) != 3 || next != "" {
		t.Errorf("exact page: %v, %q", items, next)
	}
	items, next = page([]int{0, 1, 2}, store.Page{Limit: 2}, key)
	if len(items) != 2 || next != "b" {
		t.Errorf("short page: %v, %q", items, next)
	}
	if err := checkPage(store.Page{}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("checkPage(0) = %v", err)
	}
}

func TestTimes(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", -7*3600)),
		time.Date(1960, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Unix(0, 1),
	} {
		ns, err := toNS("t", tm)
		if err != nil {
			t.Fatal(err)
		}
		back := fromNS(ns)
		if !back.Equal(tm) || back.Location() != time.UTC {
			t.Errorf("%v came back as %v", tm, back)
		}
	}
	if ns, err := toNS("t", time.Time{}); ns != 0 || err != nil || !fromNS(0).IsZero() {
		t.Errorf("zero time: %d, %v", ns, err)
	}
	if _, err := toNS("t", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("year 3000: %v, want ErrInvalid", err)
	}
}
