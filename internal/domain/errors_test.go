package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateMessage(t *testing.T) {
	if got := TruncateMessage("short"); got != "short" {
		t.Errorf("short message changed: %q", got)
	}
	long := strings.Repeat("é", MaxMessageBytes) // 2 bytes a rune
	got := TruncateMessage(long)
	if len(got) > MaxMessageBytes+len("… (truncated)") || !strings.HasSuffix(got, "… (truncated)") || !utf8.ValidString(got) {
		t.Errorf("truncated to %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
}
