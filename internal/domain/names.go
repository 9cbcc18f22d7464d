package domain

import "strings"

// NormalizePyPIName returns a Python project name as PEP 503 compares it:
// lowercase, with every run of '-', '_' and '.' replaced by a single '-'.
// Demo_Pkg, demo.pkg and DEMO--PKG are all demo-pkg. The PyPI format
// stores names this way, and package group patterns must use it.
func NormalizePyPIName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		b.WriteRune(r)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}
