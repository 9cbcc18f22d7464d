package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// cursor is the decoded form of a pagination token: the sort key of the
// last row of a page, tagged with the listing it belongs to so that a token
// of one listing is rejected by another.
type cursor struct {
	K string   `json:"k"`           // listing kind
	S []string `json:"s,omitempty"` // string parts of the key
	N []int64  `json:"n,omitempty"` // integer parts of the key
}

// Listing kinds.
const (
	kindDomains         = "d"
	kindRepositories    = "r"
	kindPackages        = "p"
	kindVersionsVersion = "vv"
	kindVersionsTime    = "vt"
	kindVersionsOrder   = "vo"
	kindAssets          = "a"
	kindCoordinates     = "c"
	kindGroups          = "g"
	kindGroupChildren   = "gc"
	kindAllowed         = "ga"
	kindRetention       = "rr"
)

func errBadCursor() error { return domain.Invalid("invalid pagination token") }

func encodeCursor(kind string, s []string, n []int64) string {
	b, err := json.Marshal(cursor{K: kind, S: s, N: n})
	if err != nil { // cannot happen for strings and integers
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses token, which must be of kind with exactly ns string
// and nn integer parts.
func decodeCursor(token, kind string, ns, nn int) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return cursor{}, errBadCursor()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c cursor
	if err := dec.Decode(&c); err != nil || dec.More() {
		return cursor{}, errBadCursor()
	}
	if c.K != kind || len(c.S) != ns || len(c.N) != nn {
		return cursor{}, errBadCursor()
	}
	return c, nil
}

// checkPage validates p.
func checkPage(p store.Page) error {
	if p.Limit <= 0 {
		return domain.Invalid("page limit must be positive, got %d", p.Limit)
	}
	return nil
}

// page trims items fetched with LIMIT p.Limit+1 to p.Limit and returns the
// next cursor, made by key from the last item kept, or "" on the last page.
func page[T any](items []T, p store.Page, key func(T) string) ([]T, string) {
	if len(items) <= p.Limit {
		return items, ""
	}
	items = items[:p.Limit]
	return items, key(items[len(items)-1])
}

// conds accumulates a WHERE clause.
type conds struct {
	parts []string
	args  []any
}

func (c *conds) add(cond string, args ...any) {
	c.parts = append(c.parts, cond)
	c.args = append(c.args, args...)
}

// prefix restricts col to values starting with prefix, with a range
// comparison (col >= prefix AND col < successor) that is exact in byte
// order, needs no escaping of LIKE wildcards, is case-sensitive on every
// database and can use an index.
func (c *conds) prefix(col, prefix string) {
	if prefix == "" {
		return
	}
	if upper, ok := prefixSuccessor(prefix); ok {
		c.add(col+" >= ? AND "+col+" < ?", prefix, upper)
	} else {
		c.add(col+" >= ?", prefix)
	}
}

func (c *conds) where() string {
	if len(c.parts) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.parts, " AND ")
}

// prefixSuccessor returns the smallest string greater than every string
// that starts with p, in byte order, and false when there is none. For
// valid UTF-8 the result is valid UTF-8 too (byte order is code-point order
// there), so that databases that check encodings accept it.
func prefixSuccessor(p string) (string, bool) {
	if utf8.ValidString(p) {
		r := []rune(p)
		for i := len(r) - 1; i >= 0; i-- {
			next := r[i] + 1
			if next >= 0xD800 && next <= 0xDFFF { // skip the surrogates
				next = 0xE000
			}
			if next <= utf8.MaxRune {
				r[i] = next
				return string(r[:i+1]), true
			}
		}
		return "", false
	}
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xFF {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// Times are stored as unix nanoseconds (UTC); 0 is the zero time.
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

func toNS(what string, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, domain.Invalid("%s %s is out of range", what, t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

func fromNS(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// bytesOrNil stores empty byte slices as NULL.
func bytesOrNil(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// emptyToNil makes empty byte slices read from the database nil.
func emptyToNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// jsonOrNil stores a slice as JSON text, empty slices as NULL.
func jsonOrNil[T any](v []T) (any, error) {
	if len(v) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// fromJSON decodes JSON text written by jsonOrNil; NULL is nil.
func fromJSON[T any](s sql.NullString) ([]T, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var v []T
	if err := json.Unmarshal([]byte(s.String), &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// listByName pages through the rows of table matching w, ordered by their
// unique name column (domains in an account, assets of a version).
func listByName[T any](ctx context.Context, t *tx, p store.Page, w conds, kind, table, cols string,
	scan func(scanner) (T, error), name func(T) string) ([]T, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	if p.After != "" {
		c, err := decodeCursor(p.After, kind, 1, 0)
		if err != nil {
			return nil, "", err
		}
		w.add("name > ?", c.S[0])
	}
	out, err := queryAll(ctx, t, "list "+table, `SELECT `+cols+` FROM `+table+w.where()+
		` ORDER BY name LIMIT ?`, scan, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, p, func(v T) string { return encodeCursor(kind, []string{name(v)}, nil) })
	return out, next, nil
}
