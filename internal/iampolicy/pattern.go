package iampolicy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Patterns are compiled once, by Parse, into token lists; matching walks
// them against the request's strings without building new strings, so an
// evaluation allocates nothing. Policy variables stay tokens: their value is
// looked up in the request while matching and compared as literal text
// (a "*" in a variable's value is not a wildcard).

type tokKind uint8

const (
	tLit  tokKind = iota // literal text
	tStar                // "*": any run of characters, possibly empty
	tOne                 // "?": exactly one character
	tVar                 // ${key} or ${key, 'default'}
)

type token struct {
	kind   tokKind
	s      string // the literal, or the variable's key as written
	lower  string // the variable's key in lower case
	def    string // the variable's default value
	hasDef bool
}

// foldMode says how literal text compares.
type foldMode uint8

const (
	foldNone    foldMode = iota // byte for byte
	foldASCII                   // ASCII letters case-insensitively (actions)
	foldUnicode                 // Unicode simple case folding (StringEqualsIgnoreCase)
)

type globKind uint8

const (
	gExact  globKind = iota // lit only
	gAny                    // "*"
	gPrefix                 // lit followed by "*"
	gToks                   // anything else
)

// glob is one compiled pattern: a string with * and ? wildcards (when the
// operator has wildcards), policy variables (when the policy's Version has
// them), compared case-sensitively or not.
type glob struct {
	kind globKind
	fold foldMode
	lit  string
	toks []token
}

// compileGlob compiles s. wildcards: * and ? are wildcards; vars: ${...}
// are policy variables (and ${*} ${?} ${$} escapes).
func compileGlob(s string, wildcards, vars bool, fold foldMode) (glob, error) {
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tLit, s: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			t, n, err := parseVariable(s[i:])
			if err != nil {
				return glob{}, err
			}
			i += n
			if t.kind == tLit {
				lit.WriteString(t.s)
				continue
			}
			flush()
			toks = append(toks, t)
		case wildcards && c == '*':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tStar {
				toks = append(toks, token{kind: tStar})
			}
			i++
		case wildcards && c == '?':
			flush()
			toks = append(toks, token{kind: tOne})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	if fold == foldASCII {
		for i := range toks {
			if toks[i].kind == tLit {
				toks[i].s = asciiLower(toks[i].s)
			}
		}
	}
	g := glob{fold: fold}
	switch {
	case len(toks) == 0:
		g.kind = gExact
	case len(toks) == 1 && toks[0].kind == tLit:
		g.kind, g.lit = gExact, toks[0].s
	case len(toks) == 1 && toks[0].kind == tStar:
		g.kind = gAny
	case len(toks) == 2 && toks[0].kind == tLit && toks[1].kind == tStar && fold != foldUnicode:
		g.kind, g.lit = gPrefix, toks[0].s
	default:
		g.kind, g.toks = gToks, toks
	}
	return g, nil
}

// parseVariable parses the policy variable at the start of s ("${...}") and
// returns it and the number of bytes it takes. The escapes ${*}, ${?} and
// ${$} come back as literal tokens.
func parseVariable(s string) (token, int, error) {
	// s starts with "${".
	i := 2
	for i < len(s) && s[i] != '}' && s[i] != ',' {
		if s[i] == '\'' || s[i] == '{' {
			return token{}, 0, errorf("policy variable %q: unexpected %q in the key", clip(s), s[i])
		}
		i++
	}
	if i == len(s) {
		return token{}, 0, errorf("policy variable %q has no closing \"}\"", clip(s))
	}
	key := strings.TrimSpace(s[2:i])
	if key == "" {
		return token{}, 0, errorf("policy variable %q has an empty key", clip(s[:i+1]))
	}
	if s[i] == '}' {
		switch key {
		case "*", "?", "$":
			return token{kind: tLit, s: key}, i + 1, nil
		}
		return token{kind: tVar, s: key, lower: strings.ToLower(key)}, i + 1, nil
	}
	// ", 'default'}": '' is a quote inside the default.
	i++
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == len(s) || s[i] != '\'' {
		return token{}, 0, errorf("policy variable %q: the default value must be in single quotes", clip(s))
	}
	i++
	var def strings.Builder
	for {
		if i == len(s) {
			return token{}, 0, errorf("policy variable %q: unterminated default value", clip(s))
		}
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				def.WriteByte('\'')
				i += 2
				continue
			}
			i++
			break
		}
		def.WriteByte(s[i])
		i++
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == len(s) || s[i] != '}' {
		return token{}, 0, errorf("policy variable %q has no closing \"}\"", clip(s))
	}
	switch key {
	case "*", "?", "$":
		return token{}, 0, errorf("policy variable %q: an escape takes no default", clip(s[:i+1]))
	}
	return token{kind: tVar, s: key, lower: strings.ToLower(key), def: def.String(), hasDef: true}, i + 1, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefix reports whether s starts with p under fold, and how many bytes
// of s that prefix takes.
func hasPrefix(s, p string, fold foldMode) (int, bool) {
	switch fold {
	case foldASCII:
		if len(s) < len(p) {
			return 0, false
		}
		for i := 0; i < len(p); i++ {
			if c := s[i]; c != p[i] && lowerByte(c) != lowerByte(p[i]) {
				return 0, false
			}
		}
		return len(p), true
	case foldUnicode:
		n := 0
		for _, pr := range p {
			if n >= len(s) {
				return 0, false
			}
			sr, size := utf8.DecodeRuneInString(s[n:])
			if !equalFoldRune(sr, pr) {
				return 0, false
			}
			n += size
		}
		return n, true
	}
	if strings.HasPrefix(s, p) {
		return len(p), true
	}
	return 0, false
}

func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return lowerByte(byte(a)) == lowerByte(byte(b))
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

func equalFold(s, p string, fold foldMode) bool {
	switch fold {
	case foldNone:
		return s == p
	case foldUnicode:
		return strings.EqualFold(s, p)
	}
	if len(s) != len(p) { // foldASCII keeps lengths
		return false
	}
	_, ok := hasPrefix(s, p, fold)
	return ok
}

// match reports whether s matches the pattern; variables resolve in e.
func (g *glob) match(s string, e *evalCtx) bool {
	switch g.kind {
	case gAny:
		return true
	case gExact:
		return equalFold(s, g.lit, g.fold)
	case gPrefix:
		_, ok := hasPrefix(s, g.lit, g.fold)
		return ok
	}
	// The classic wildcard walk: on a mismatch, let the last "*" take one
	// more character and retry what follows it. Literals (and variables'
	// values) are matched whole. O(len(s) * len(toks)) at worst.
	toks := g.toks
	pi, si := 0, 0
	starPi, starSi := -1, 0
	for {
		if pi < len(toks) {
			t := &toks[pi]
			switch t.kind {
			case tStar:
				starPi, starSi = pi, si
				pi++
				continue
			case tOne:
				if si < len(s) {
					_, size := utf8.DecodeRuneInString(s[si:])
					si += size
					pi++
					continue
				}
			default:
				lit := t.s
				if t.kind == tVar {
					v, ok := e.variable(t)
					if !ok {
						return false // an unresolved variable matches nothing
					}
					lit = v
				}
				if n, ok := hasPrefix(s[si:], lit, g.fold); ok {
					si += n
					pi++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starPi < 0 || starSi >= len(s) {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starSi:])
		starSi += size
		si, pi = starSi, starPi+1
	}
}

// arnPattern matches ARNs as IAM does for Resource and the Arn condition
// operators: each of the first five colon-separated segments is matched
// separately (a wildcard does not run across a ":"), and the last segment
// of the pattern takes the rest of the ARN. So "arn:aws:codeartifact:*"
// matches every CodeArtifact ARN (a trailing "*" reaches past colons, as
// IAM documents), "*" matches everything, and
// "arn:aws:codeartifact:*:111122223333:repository/d/*" matches every
// repository of domain d whatever the region.
type arnPattern struct {
	segs []glob // 1 to 6
}

func compileARN(s string, vars bool) (arnPattern, error) {
	var segs []glob
	start := 0
	for i := 0; i < len(s) && len(segs) < 5; i++ {
		switch {
		case vars && s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			// Skip the variable: its default may hold a colon.
			_, n, err := parseVariable(s[i:])
			if err != nil {
				return arnPattern{}, err
			}
			i += n - 1
		case s[i] == ':':
			g, err := compileGlob(s[start:i], true, vars, foldNone)
			if err != nil {
				return arnPattern{}, err
			}
			segs = append(segs, g)
			start = i + 1
		}
	}
	g, err := compileGlob(s[start:], true, vars, foldNone)
	if err != nil {
		return arnPattern{}, err
	}
	return arnPattern{segs: append(segs, g)}, nil
}

// arnColons returns the offsets of the first five colons of s.
func arnColons(s string) (c [5]int, n int) {
	for i := 0; i < len(s) && n < 5; i++ {
		if s[i] == ':' {
			c[n] = i
			n++
		}
	}
	return c, n
}

func (a *arnPattern) match(s string, colons *[5]int, n int, e *evalCtx) bool {
	k := len(a.segs)
	if n < k-1 {
		return false
	}
	start := 0
	for i := 0; i < k-1; i++ {
		end := colons[i]
		if !a.segs[i].match(s[start:end], e) {
			return false
		}
		start = end + 1
	}
	return a.segs[k-1].match(s[start:], e)
}

func (a *arnPattern) matchString(s string, e *evalCtx) bool {
	c, n := arnColons(s)
	return a.match(s, &c, n, e)
}
