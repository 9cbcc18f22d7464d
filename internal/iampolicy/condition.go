package iampolicy

import (
	"cmp"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type opKind uint8

const (
	opStringEquals opKind = iota + 1
	opStringEqualsIgnoreCase
	opStringLike
	opArnLike // ArnEquals and ArnLike are the same test in IAM
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opNull
)

// operator returns the test of a base operator name, in lower case, and
// whether it is the negated form (StringNotEquals is "not StringEquals").
func operator(lower string) (op opKind, negate, ok bool) {
	switch lower {
	case "stringequals":
		return opStringEquals, false, true
	case "stringnotequals":
		return opStringEquals, true, true
	case "stringequalsignorecase":
		return opStringEqualsIgnoreCase, false, true
	case "stringnotequalsignorecase":
		return opStringEqualsIgnoreCase, true, true
	case "stringlike":
		return opStringLike, false, true
	case "stringnotlike":
		return opStringLike, true, true
	case "arnequals":
		return opArnLike, false, true
	case "arnlike":
		return opArnLike, false, true
	case "arnnotequals":
		return opArnLike, true, true
	case "arnnotlike":
		return opArnLike, true, true
	case "numericequals":
		return opNumericEquals, false, true
	case "numericnotequals":
		return opNumericEquals, true, true
	case "numericlessthan":
		return opNumericLessThan, false, true
	case "numericlessthanequals":
		return opNumericLessThanEquals, false, true
	case "numericgreaterthan":
		return opNumericGreaterThan, false, true
	case "numericgreaterthanequals":
		return opNumericGreaterThanEquals, false, true
	case "dateequals":
		return opDateEquals, false, true
	case "datenotequals":
		return opDateEquals, true, true
	case "datelessthan":
		return opDateLessThan, false, true
	case "datelessthanequals":
		return opDateLessThanEquals, false, true
	case "dategreaterthan":
		return opDateGreaterThan, false, true
	case "dategreaterthanequals":
		return opDateGreaterThanEquals, false, true
	case "bool":
		return opBool, false, true
	case "binaryequals":
		return opBinaryEquals, false, true
	case "ipaddress":
		return opIPAddress, false, true
	case "notipaddress":
		return opIPAddress, true, true
	case "null":
		return opNull, false, true
	}
	return 0, false, false
}

type qualifier uint8

const (
	qualNone qualifier = iota
	qualAnyValue
	qualAllValues
)

// condition is one (operator, context key, values) triple of a Condition
// block. Values are OR-ed (NOR-ed for a negated operator), triples AND-ed.
type condition struct {
	name     string // the operator as written, for messages
	op       opKind
	negate   bool
	ifExists bool
	qual     qualifier
	key      string // as written
	keyLower string

	strs     []glob       // String*, BinaryEquals, Bool ("true"/"false")
	arns     []arnPattern // Arn*
	nums     []float64    // Numeric*
	times    []time.Time  // Date*
	prefixes []netip.Prefix
	nulls    []bool // Null: true means "the key must be absent"
}

func parseConditions(v *jvalue, vars bool) ([]condition, error) {
	if v.kind != jObject {
		return nil, errorf("Condition must be an object such as {\"StringEquals\": {\"aws:PrincipalAccount\": \"123456789012\"}}, not %s", v.kind)
	}
	var out []condition
	for i := range v.obj {
		m := &v.obj[i]
		base := condition{name: m.key}
		name := m.key
		if q, rest, ok := strings.Cut(name, ":"); ok {
			switch strings.ToLower(q) {
			case "foranyvalue":
				base.qual = qualAnyValue
			case "forallvalues":
				base.qual = qualAllValues
			default:
				return nil, errorf("unknown condition operator %q: the only qualifiers are ForAnyValue: and ForAllValues:", clip(m.key))
			}
			name = rest
		}
		lower := strings.ToLower(name)
		if strings.HasSuffix(lower, "ifexists") {
			base.ifExists = true
			lower = strings.TrimSuffix(lower, "ifexists")
		}
		op, negate, ok := operator(lower)
		if !ok {
			return nil, errorf("unknown condition operator %q", clip(m.key))
		}
		base.op, base.negate = op, negate
		if base.op == opNull && base.ifExists {
			return nil, errorf("condition operator %q: Null has no IfExists form", clip(m.key))
		}
		if m.val.kind != jObject {
			return nil, errorf("condition operator %q must map context keys to values, not be %s", clip(m.key), m.val.kind)
		}
		seen := make(map[string]bool, len(m.val.obj))
		for j := range m.val.obj {
			kv := &m.val.obj[j]
			c := base
			c.key, c.keyLower = kv.key, strings.ToLower(kv.key)
			if colon := strings.IndexByte(c.key, ':'); colon <= 0 || colon == len(c.key)-1 {
				return nil, errorf("condition key %q must have a service prefix, like \"aws:PrincipalAccount\"", clip(kv.key))
			}
			if seen[c.keyLower] {
				return nil, errorf("condition operator %q names the key %q twice (keys are case-insensitive)", clip(m.key), clip(kv.key))
			}
			seen[c.keyLower] = true
			if err := c.parseValues(&kv.val, vars); err != nil {
				return nil, errorf("condition %q on %q: %s", clip(m.key), clip(kv.key), err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues reads a condition's values: a string, number or boolean,
// or a non-empty list of them, all as their text.
func conditionValues(v *jvalue) ([]string, error) {
	one := func(v *jvalue) (string, error) {
		switch v.kind {
		case jString, jNumber, jBool:
			return v.str, nil
		}
		return "", errorf("a condition value must be a string, number or boolean, not %s", v.kind)
	}
	if v.kind != jArray {
		s, err := one(v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if len(v.arr) == 0 {
		return nil, errorf("the list of values is empty")
	}
	out := make([]string, len(v.arr))
	for i := range v.arr {
		s, err := one(&v.arr[i])
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func (c *condition) parseValues(v *jvalue, vars bool) error {
	vals, err := conditionValues(v)
	if err != nil {
		return err
	}
	for _, s := range vals {
		switch c.op {
		case opStringEquals, opStringEqualsIgnoreCase, opStringLike:
			fold := foldNone
			if c.op == opStringEqualsIgnoreCase {
				fold = foldUnicode
			}
			g, err := compileGlob(s, c.op == opStringLike, vars, fold)
			if err != nil {
				return err
			}
			c.strs = append(c.strs, g)
		case opBinaryEquals:
			c.strs = append(c.strs, glob{kind: gExact, lit: s})
		case opBool:
			b := strings.ToLower(s)
			if b != "true" && b != "false" {
				return errorf("%q is not \"true\" or \"false\"", clip(s))
			}
			c.strs = append(c.strs, glob{kind: gExact, fold: foldASCII, lit: b})
		case opNull:
			switch strings.ToLower(s) {
			case "true":
				c.nulls = append(c.nulls, true)
			case "false":
				c.nulls = append(c.nulls, false)
			default:
				return errorf("%q is not \"true\" or \"false\"", clip(s))
			}
		case opArnLike:
			a, err := compileARN(s, vars)
			if err != nil {
				return err
			}
			c.arns = append(c.arns, a)
		case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
			f, ok := parseNumber(s)
			if !ok {
				return errorf("%q is not a number", clip(s))
			}
			c.nums = append(c.nums, f)
		case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
			t, ok := parseDate(s)
			if !ok {
				return errorf("%q is not a date (ISO 8601, like 2024-01-31T12:00:00Z, or seconds since the epoch)", clip(s))
			}
			c.times = append(c.times, t)
		case opIPAddress:
			p, ok := parsePrefix(s)
			if !ok {
				return errorf("%q is not an IP address or CIDR range", clip(s))
			}
			c.prefixes = append(c.prefixes, p)
		}
	}
	return nil
}

func parseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
		return 0, false
	}
	for i := 0; i < len(s); i++ { // no "Inf", "NaN", hex or underscores
		c := s[i]
		if !('0' <= c && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func parseDate(s string) (time.Time, bool) {
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:T") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > 1<<40 {
			return time.Time{}, false
		}
		return time.Unix(n, 0), true
	}
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// eval decides the condition for a request. The rules, from IAM's
// documentation of condition operators and multivalued context keys:
//
//   - Null: "true" means the key is absent (or has no values), "false" that
//     it is present.
//   - A key absent from the request: true with ...IfExists; true for
//     ForAllValues (every value of an empty set matches); false for
//     ForAnyValue; otherwise false for a positive operator and true for a
//     negated one (StringNotEquals, NotIpAddress, ...).
//   - ForAnyValue: some request value passes; ForAllValues: every request
//     value passes. A value passes a positive operator when it matches one
//     of the policy's values (OR) and a negated operator when it matches
//     none of them (NOR).
//   - No qualifier: a positive operator is true when a request value
//     matches one of the policy values; a negated operator is its exact
//     opposite (no request value matches any policy value).
func (c *condition) eval(e *evalCtx) bool {
	vals := e.lookup(c.key, c.keyLower)
	n := vals.n
	if c.op == opNull {
		present := n > 0
		for _, wantAbsent := range c.nulls {
			if wantAbsent != present {
				return true
			}
		}
		return false
	}
	if n == 0 {
		if c.ifExists {
			return true
		}
		switch c.qual {
		case qualAllValues:
			return true
		case qualAnyValue:
			return false
		}
		return c.negate
	}
	switch c.qual {
	case qualAnyValue:
		for i := 0; i < n; i++ {
			if c.base(vals.at(i), e) != c.negate {
				return true
			}
		}
		return false
	case qualAllValues:
		for i := 0; i < n; i++ {
			if c.base(vals.at(i), e) == c.negate {
				return false
			}
		}
		return true
	}
	for i := 0; i < n; i++ {
		if c.base(vals.at(i), e) {
			return !c.negate
		}
	}
	return c.negate
}

// base reports whether one request value matches one of the policy values
// under the positive form of the operator.
func (c *condition) base(v string, e *evalCtx) bool {
	switch c.op {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opBinaryEquals, opBool:
		for i := range c.strs {
			if c.strs[i].match(v, e) {
				return true
			}
		}
	case opArnLike:
		colons, n := arnColons(v)
		for i := range c.arns {
			if c.arns[i].match(v, &colons, n, e) {
				return true
			}
		}
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		f, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, p := range c.nums {
			if compare(c.op-opNumericEquals, cmp.Compare(f, p)) {
				return true
			}
		}
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, p := range c.times {
			if compare(c.op-opDateEquals, t.Compare(p)) {
				return true
			}
		}
	case opIPAddress:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.prefixes {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// compare applies the k-th comparison (Equals, LessThan, LessThanEquals,
// GreaterThan, GreaterThanEquals, in the order of the op constants) to the
// result of comparing the request value with the policy value.
func compare(k opKind, cmp int) bool {
	switch k {
	case 0:
		return cmp == 0
	case 1:
		return cmp < 0
	case 2:
		return cmp <= 0
	case 3:
		return cmp > 0
	case 4:
		return cmp >= 0
	}
	return false
}
