package dataplane

import (
	"strings"
	"testing"
)

func TestReasonPhrase(t *testing.T) {
	for in, want := range map[string]string{
		"File exists":            "File exists",
		"two\nlines\r\nhere":     "two lines  here",
		"caf\u00e9 \x00":         "caf? ?",
		"":                       "Conflict",
		strings.Repeat("x", 500): strings.Repeat("x", 300),
	} {
		if got := ReasonPhrase(in, 409); got != want {
			t.Errorf("ReasonPhrase(%q) = %q, want %q", in, got, want)
		}
	}
}
