package ruby

import (
	"bytes"
	"sort"
)

// Ruby's Marshal format 4.8, write side only, for the few types the gem
// indexes need: the legacy specs files, quick gemspecs and the
// dependency API are Marshal dumps that gem and bundler Marshal.load.

// mvalue is a value Marshal can write.
type mvalue interface{ marshal(e *mencoder) }

type (
	mnil  struct{}
	mbool bool
	mint  int
	// mstr is a UTF-8 String (written with its encoding, E=true).
	mstr string
	msym string
	marr []mvalue
	// mhash is a Hash with its pairs in order.
	mhash []mpair
	// mobj is a plain object: its class and instance variables (names
	// with their '@').
	mobj struct {
		class string
		ivars []mpair
	}
	// muser is an object with marshal_dump (Gem::Version,
	// Gem::Requirement): its class and the dumped value ('U').
	muser struct {
		class string
		v     mvalue
	}
	// mdump is an object with _dump (Gem::Specification): its class and
	// the dumped bytes ('u').
	mdump struct {
		class string
		data  []byte
	}
)

type mpair struct{ k, v mvalue }

// mencoder writes one Marshal stream; symbols are written once and then
// linked, as Ruby does.
type mencoder struct {
	buf  bytes.Buffer
	syms map[string]int
}

// marshal returns Marshal.dump(v).
func marshal(v mvalue) []byte {
	e := &mencoder{syms: map[string]int{}}
	e.buf.Write([]byte{4, 8})
	v.marshal(e)
	return e.buf.Bytes()
}

// long writes Ruby's packed integer (w_long).
func (e *mencoder) long(n int) {
	switch {
	case n == 0:
		e.buf.WriteByte(0)
	case n > 0 && n < 123:
		e.buf.WriteByte(byte(n + 5))
	case n < 0 && n > -124:
		e.buf.WriteByte(byte((n - 5) & 0xff))
	default:
		var b [4]byte
		i := 0
		for i < 4 {
			b[i] = byte(n & 0xff)
			n >>= 8
			i++
			if n == 0 || n == -1 {
				break
			}
		}
		if n >= 0 {
			e.buf.WriteByte(byte(i))
		} else {
			e.buf.WriteByte(byte(-i & 0xff))
		}
		e.buf.Write(b[:i])
	}
}

func (e *mencoder) bytes(b []byte) {
	e.long(len(b))
	e.buf.Write(b)
}

func (e *mencoder) symbol(s string) {
	if i, ok := e.syms[s]; ok {
		e.buf.WriteByte(';')
		e.long(i)
		return
	}
	e.syms[s] = len(e.syms)
	e.buf.WriteByte(':')
	e.bytes([]byte(s))
}

func (mnil) marshal(e *mencoder) { e.buf.WriteByte('0') }

func (b mbool) marshal(e *mencoder) {
	if b {
		e.buf.WriteByte('T')
	} else {
		e.buf.WriteByte('F')
	}
}

// marshal writes a Fixnum; the indexes never hold integers beyond 2^30.
func (n mint) marshal(e *mencoder) {
	e.buf.WriteByte('i')
	e.long(int(n))
}

func (s mstr) marshal(e *mencoder) {
	e.buf.WriteString(`I"`)
	e.bytes([]byte(s))
	e.long(1)
	e.symbol("E")
	e.buf.WriteByte('T')
}

func (s msym) marshal(e *mencoder) { e.symbol(string(s)) }

func (a marr) marshal(e *mencoder) {
	e.buf.WriteByte('[')
	e.long(len(a))
	for _, v := range a {
		v.marshal(e)
	}
}

func (h mhash) marshal(e *mencoder) {
	e.buf.WriteByte('{')
	e.long(len(h))
	for _, p := range h {
		p.k.marshal(e)
		p.v.marshal(e)
	}
}

func (o mobj) marshal(e *mencoder) {
	e.buf.WriteByte('o')
	e.symbol(o.class)
	e.long(len(o.ivars))
	for _, p := range o.ivars {
		p.k.marshal(e)
		p.v.marshal(e)
	}
}

func (u muser) marshal(e *mencoder) {
	e.buf.WriteByte('U')
	e.symbol(u.class)
	u.v.marshal(e)
}

func (d mdump) marshal(e *mencoder) {
	e.buf.WriteByte('u')
	e.symbol(d.class)
	e.bytes(d.data)
}

// strs is an Array of Strings.
func strs(ss []string) marr {
	a := make(marr, len(ss))
	for i, s := range ss {
		a[i] = mstr(s)
	}
	return a
}

// strHash is a Hash of String to String, in key order.
func strHash(m map[string]string) mhash {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := make(mhash, len(keys))
	for i, k := range keys {
		h[i] = mpair{mstr(k), mstr(m[k])}
	}
	return h
}

// gemVersion is a Gem::Version.
func gemVersion(v string) mvalue { return muser{"Gem::Version", marr{mstr(v)}} }

// gemRequirement is a Gem::Requirement of [operator, version] pairs.
func gemRequirement(reqs [][2]string) mvalue {
	if len(reqs) == 0 {
		reqs = [][2]string{{">=", "0"}}
	}
	a := make(marr, len(reqs))
	for i, r := range reqs {
		a[i] = marr{mstr(r[0]), gemVersion(r[1])}
	}
	return muser{"Gem::Requirement", marr{a}}
}

// gemDependency is a Gem::Dependency as rubygems marshals it.
func gemDependency(d depDoc) mvalue {
	req := gemRequirement(d.Reqs)
	typ := "runtime"
	if d.Type == depDevelopment {
		typ = "development"
	}
	return mobj{class: "Gem::Dependency", ivars: []mpair{
		{msym("@name"), mstr(d.Name)},
		{msym("@requirement"), req},
		{msym("@type"), msym(typ)},
		{msym("@prerelease"), mbool(false)},
		{msym("@version_requirements"), req},
	}}
}
