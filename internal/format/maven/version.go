package maven

import "strings"

// This file orders versions the way Maven's ComparableVersion does (the
// IntItem/StringItem/ListItem algorithm of Maven 3, with the MNG-6964 fix
// that compares a whole sublist against a missing item). Clients pick
// "latest" and "release" and resolve ranges with that order, so the
// metadata artifactd writes must agree with it.
//
// Two deliberate differences from Java, neither reachable through a valid
// repository path: only ASCII 0-9 count as digits (Java also treats other
// Unicode decimal digits as numbers), and unknown qualifiers compare by
// bytes rather than by UTF-16 code units.
//
// The order is not transitive for some odd inputs, exactly as in Maven:
// "1.0.alpha" < "1" < "1.ga.1" but "1.0.alpha" > "1.ga.1" (an int item
// beats a string item in the same position, yet both equal "nothing").

type cvKind uint8

const (
	cvInt cvKind = iota
	cvString
	cvList
)

// cvItem is one parsed component. Numbers keep their digits (without
// leading zeros) so that arbitrarily long numbers compare exactly.
type cvItem struct {
	kind cvKind
	num  string    // cvInt: decimal digits, no leading zeros; "" is 0
	str  string    // cvString: lowercased qualifier after aliasing
	list []*cvItem // cvList
}

// cvRank is the position of the well-known qualifiers; unknown
// qualifiers rank after all of them and then compare lexically. The
// empty qualifier (a release) sits between "snapshot" and "sp".
func cvRank(q string) int {
	switch q {
	case "alpha":
		return 0
	case "beta":
		return 1
	case "milestone":
		return 2
	case "rc":
		return 3
	case "snapshot":
		return 4
	case "":
		return 5
	case "sp":
		return 6
	}
	return 7
}

func cvCompareQualifiers(a, b string) int {
	ra, rb := cvRank(a), cvRank(b)
	switch {
	case ra < rb:
		return -1
	case ra > rb:
		return 1
	case ra == 7:
		return strings.Compare(a, b)
	}
	return 0
}

func cvNewString(s string, followedByDigit bool) *cvItem {
	if followedByDigit && len(s) == 1 {
		// "a1" is alpha-1, "b1" beta-1, "m1" milestone-1; a lone "a" is not.
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	switch s {
	case "ga", "final":
		s = ""
	case "cr":
		s = "rc"
	}
	return &cvItem{kind: cvString, str: s}
}

func cvParseItem(isDigit bool, s string) *cvItem {
	if isDigit {
		return &cvItem{kind: cvInt, num: strings.TrimLeft(s, "0")}
	}
	return cvNewString(s, false)
}

func (it *cvItem) isNull() bool {
	switch it.kind {
	case cvInt:
		return it.num == ""
	case cvString:
		return it.str == ""
	}
	return len(it.list) == 0
}

// normalize drops trailing null items (0, "", empty lists), looking past
// non-null sublists, as ListItem.normalize does: "1.0-alpha" is "1-alpha".
func (it *cvItem) normalize() {
	for i := len(it.list) - 1; i >= 0; i-- {
		last := it.list[i]
		if last.isNull() {
			it.list = append(it.list[:i], it.list[i+1:]...)
		} else if last.kind != cvList {
			break
		}
	}
}

// cvParse splits a version into items: '.' separates items, '-'
// and every transition between digits and letters start a sublist.
func cvParse(v string) *cvItem {
	v = strings.ToLower(v)
	root := &cvItem{kind: cvList}
	list := root
	stack := []*cvItem{root}
	push := func() {
		sub := &cvItem{kind: cvList}
		list.list = append(list.list, sub)
		list = sub
		stack = append(stack, sub)
	}
	isDigit := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				list.list = append(list.list, &cvItem{kind: cvInt})
			} else {
				list.list = append(list.list, cvParseItem(isDigit, v[start:i]))
			}
			start = i + 1
			if c == '-' {
				push()
			}
		case '0' <= c && c <= '9':
			if !isDigit && i > start {
				list.list = append(list.list, cvNewString(v[start:i], true))
				start = i
				push()
			}
			isDigit = true
		default:
			if isDigit && i > start {
				list.list = append(list.list, cvParseItem(true, v[start:i]))
				start = i
				push()
			}
			isDigit = false
		}
	}
	if len(v) > start {
		list.list = append(list.list, cvParseItem(isDigit, v[start:]))
	}
	// Innermost first, so a parent sees its sublists already emptied.
	for i := len(stack) - 1; i >= 0; i-- {
		stack[i].normalize()
	}
	return root
}

func cvCompareDigits(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// cvCompareScalar compares a number or string item with b (nil when b's
// list is shorter). Lists on the left are handled by the caller.
func cvCompareScalar(a, b *cvItem) int {
	if a.kind == cvInt {
		switch {
		case b == nil:
			if a.num == "" {
				return 0
			}
			return 1 // 1.1 > 1
		case b.kind == cvInt:
			return cvCompareDigits(a.num, b.num)
		}
		return 1 // 1.1 > 1-sp, 1.1 > 1-1
	}
	switch {
	case b == nil:
		return cvCompareQualifiers(a.str, "") // 1-rc < 1, 1-sp > 1
	case b.kind == cvString:
		return cvCompareQualifiers(a.str, b.str)
	}
	return -1 // 1.any < 1.1, 1.any < 1-1
}

// CompareVersions orders versions as Maven's ComparableVersion does
// (1.0 < 1.0.1 < 1.1; 1.0-alpha < 1.0-beta < 1.0-rc < 1.0-SNAPSHOT < 1.0 <
// 1.0-sp; 1.0 == 1.0.0; qualifier aliases a/b/m/cr; numeric vs string
// items...). Returns -1, 0, +1.
func CompareVersions(a, b string) int {
	// Lists nest once per '-', so walk them with an explicit stack: a long
	// hostile version must not exhaust the goroutine stack. A missing item
	// compared with a list behaves exactly as an empty list (MNG-6964).
	type frame struct {
		l, r []*cvItem
		i    int
	}
	stack := []frame{{l: cvParse(a).list, r: cvParse(b).list}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.i >= len(f.l) && f.i >= len(f.r) {
			stack = stack[:len(stack)-1]
			continue
		}
		var l, r *cvItem
		if f.i < len(f.l) {
			l = f.l[f.i]
		}
		if f.i < len(f.r) {
			r = f.r[f.i]
		}
		f.i++
		var res int
		switch {
		case l != nil && l.kind != cvList:
			res = cvCompareScalar(l, r)
		case l == nil && r.kind != cvList:
			res = -cvCompareScalar(r, nil)
		case l == nil: // r is a list
			stack = append(stack, frame{r: r.list})
		case r == nil || r.kind == cvList: // l is a list
			var rl []*cvItem
			if r != nil {
				rl = r.list
			}
			stack = append(stack, frame{l: l.list, r: rl})
		case r.kind == cvInt:
			res = -1 // 1-1 < 1.0.x
		default:
			res = 1 // 1-1 > 1-sp
		}
		if res != 0 {
			return res
		}
	}
	return 0
}
