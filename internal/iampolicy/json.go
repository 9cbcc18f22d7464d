package iampolicy

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// The policy grammar needs what encoding/json's map decoding loses: the
// order of members (for messages), duplicate member names (an error) and
// the JSON type of each value (a condition value may be a string, number or
// boolean; an action may not be a number). So documents are read into this
// small tree with json.Decoder's token stream, which is linear in the input.

type jkind uint8

const (
	jString jkind = iota + 1
	jNumber
	jBool
	jNull
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jString:
		return "a string"
	case jNumber:
		return "a number"
	case jBool:
		return "a boolean"
	case jNull:
		return "null"
	case jArray:
		return "a list"
	case jObject:
		return "an object"
	}
	return "nothing"
}

type jvalue struct {
	kind jkind
	str  string // a string's value, a number as written, "true" or "false"
	arr  []jvalue
	obj  []jmember
}

type jmember struct {
	key string
	val jvalue
}

// maxDepth bounds nesting. A valid policy nests four deep
// (document, Statement list, statement, Condition, operator, value list);
// anything much deeper is not a policy.
const maxDepth = 16

func decodeJSON(doc string) (jvalue, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err != nil {
		return jvalue{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jvalue{}, errorf("the policy document is not valid JSON: unexpected data after the top-level object")
	}
	return v, nil
}

func jsonError(err error) error {
	if errors.Is(err, io.EOF) {
		return errorf("the policy document is not valid JSON: unexpected end of input")
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return errorf("the policy document is not valid JSON: %s", msg)
}

func readValue(dec *json.Decoder, depth int) (jvalue, error) {
	tok, err := dec.Token()
	if err != nil {
		return jvalue{}, jsonError(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return jvalue{}, errorf("the policy document nests more than %d levels deep", maxDepth)
		}
		switch t {
		case '{':
			v := jvalue{kind: jObject}
			var seen map[string]bool // once the object is large, to stay linear
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jvalue{}, jsonError(err)
				}
				key, ok := kt.(string)
				if !ok {
					return jvalue{}, errorf("the policy document is not valid JSON: object key is not a string")
				}
				dup := false
				if seen != nil {
					dup = seen[key]
					seen[key] = true
				} else {
					for _, m := range v.obj {
						dup = dup || m.key == key
					}
					if len(v.obj) == 8 {
						seen = make(map[string]bool)
						for _, m := range v.obj {
							seen[m.key] = true
						}
						seen[key] = true
					}
				}
				if dup {
					return jvalue{}, errorf("element %q appears twice in the same object", key)
				}
				val, err := readValue(dec, depth+1)
				if err != nil {
					return jvalue{}, err
				}
				v.obj = append(v.obj, jmember{key, val})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return jvalue{}, jsonError(err)
			}
			return v, nil
		case '[':
			v := jvalue{kind: jArray, arr: []jvalue{}}
			for dec.More() {
				val, err := readValue(dec, depth+1)
				if err != nil {
					return jvalue{}, err
				}
				v.arr = append(v.arr, val)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return jvalue{}, jsonError(err)
			}
			return v, nil
		}
		return jvalue{}, errorf("the policy document is not valid JSON: unexpected %q", t.String())
	case string:
		return jvalue{kind: jString, str: t}, nil
	case json.Number:
		return jvalue{kind: jNumber, str: t.String()}, nil
	case bool:
		if t {
			return jvalue{kind: jBool, str: "true"}, nil
		}
		return jvalue{kind: jBool, str: "false"}, nil
	case nil:
		return jvalue{kind: jNull}, nil
	}
	return jvalue{}, errorf("the policy document is not valid JSON")
}
