package awsquery

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Params are a request's decoded form parameters. A parameter given more
// than once counts by its first value.
type Params struct {
	v url.Values
}

// NewParams wraps decoded form values (tests).
func NewParams(v url.Values) Params { return Params{v} }

// Has reports whether the parameter is present, even empty.
func (p Params) Has(name string) bool {
	_, ok := p.v[name]
	return ok
}

// Raw returns a parameter's value as given, "" when absent.
func (p Params) Raw(name string) string { return p.v.Get(name) }

// HasPrefix reports whether any parameter's name starts with prefix, as
// the members of a list do ("Tags.member.1.Key").
func (p Params) HasPrefix(prefix string) bool {
	for k := range p.v {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// member is the name IAM's validation messages give a parameter: its
// first letter lowercased ("UserName" -> "userName").
func member(name string) string {
	if name == "" {
		return name
	}
	return strings.ToLower(name[:1]) + name[1:]
}

// Required returns a parameter that must be present and non-empty.
func (p Params) Required(name string) (string, error) {
	if !p.Has(name) {
		return "", Validation(fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member(name)))
	}
	return p.Optional(name)
}

// Optional returns a parameter that may be absent ("" then); present, it
// must not be empty (every string member of IAM and STS has a minimum
// length of at least 1).
func (p Params) Optional(name string) (string, error) {
	vals, ok := p.v[name]
	if !ok {
		return "", nil
	}
	if len(vals) == 0 || vals[0] == "" {
		return "", Validation(fmt.Sprintf("Value '' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", member(name)))
	}
	return vals[0], nil
}

// Int returns an integer parameter; ok is false when it is absent.
func (p Params) Int(name string) (n int, ok bool, err error) {
	s, err := p.Optional(name)
	if err != nil || !p.Has(name) {
		return 0, false, err
	}
	n, convErr := strconv.Atoi(s)
	if convErr != nil || n < -1<<31 || n > 1<<31-1 {
		return 0, false, Validation(fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must be an integer", s, member(name)))
	}
	return n, true, nil
}

// IntRange returns an integer parameter that, when present, must lie in
// [lo, hi]; 0 when absent.
func (p Params) IntRange(name string, lo, hi int) (int, error) {
	n, ok, err := p.Int(name)
	switch {
	case err != nil || !ok:
		return 0, err
	case n < lo:
		return 0, Validation(fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", n, member(name), lo))
	case n > hi:
		return 0, Validation(fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", n, member(name), hi))
	}
	return n, nil
}

// Paging returns a listing's Marker and MaxItems (1–1000; 0 when absent).
func (p Params) Paging() (marker string, maxItems int, err error) {
	if marker, err = p.Optional("Marker"); err != nil {
		return "", 0, err
	}
	if maxItems, err = p.IntRange("MaxItems", 1, 1000); err != nil {
		return "", 0, err
	}
	return marker, maxItems, nil
}

// Refuse answers parameters artifactd does not implement and must not
// silently ignore (they would change what the caller gets): a non-empty
// parameter named one of names, or a list member of one
// ("Tags.member.1.Key"). An empty list, which botocore sends as "Tags=",
// is no use of it.
func (p Params) Refuse(names ...string) error {
	for _, n := range names {
		if p.v.Get(n) != "" || p.HasPrefix(n+".") {
			return &Error{Code: "ValidationError", Status: 400,
				Message: fmt.Sprintf("artifactd does not support the %s parameter", n)}
		}
	}
	return nil
}
