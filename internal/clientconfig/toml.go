// Package clientconfig writes the configuration files of package managers
// that `aws codeartifact login` does not know (cargo, gem, bundler), the
// way that command writes npm's, pip's and twine's: it sets the keys for
// one repository and leaves everything else in the file as it was.
package clientconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// setTOMLTable sets string keys in the table [header] of a TOML document
// and returns the new document. Lines of other tables, comments and other
// keys of the table are kept; a key already in the table is replaced in
// place; a missing table is appended. It reads TOML only as far as table
// headers and `key = value` lines at the start of a line, which is all
// cargo's own files hold; a table defined in dotted or inline form elsewhere
// is not found (the result would then define it twice, which cargo refuses
// with a clear error rather than using the wrong value).
func setTOMLTable(doc, header string, keys []string, values map[string]string) string {
	lines := strings.Split(doc, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	start := -1
	for i, l := range lines {
		if tomlHeader(l) == header {
			start = i
			break
		}
	}
	if start < 0 {
		if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			lines = append(lines, "")
		}
		lines = append(lines, "["+header+"]")
		for _, k := range keys {
			lines = append(lines, k+" = "+strconv.Quote(values[k]))
		}
		return strings.Join(lines, "\n") + "\n"
	}
	end := len(lines)
	for i := start + 1; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "[") {
			end = i
			break
		}
	}
	set := make(map[string]bool, len(keys))
	for i := start + 1; i < end; i++ {
		k, ok := tomlKey(lines[i])
		if _, want := values[k]; ok && want {
			lines[i] = k + " = " + strconv.Quote(values[k])
			set[k] = true
		}
	}
	var missing []string
	for _, k := range keys {
		if !set[k] {
			missing = append(missing, k+" = "+strconv.Quote(values[k]))
		}
	}
	out := append([]string{}, lines[:start+1]...)
	out = append(out, missing...)
	out = append(out, lines[start+1:]...)
	return strings.Join(out, "\n") + "\n"
}

// tomlHeader returns the name of a standard table header line ("" if the
// line is not one), without quotes around simple names.
func tomlHeader(line string) string {
	l := strings.TrimSpace(line)
	if !strings.HasPrefix(l, "[") || strings.HasPrefix(l, "[[") {
		return ""
	}
	l, _, _ = strings.Cut(l, "#")
	l = strings.TrimSpace(l)
	if !strings.HasSuffix(l, "]") {
		return ""
	}
	parts := strings.Split(l[1:len(l)-1], ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if u, err := strconv.Unquote(p); err == nil {
			p = u
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
}

// tomlKey returns the bare key of a `key = value` line.
func tomlKey(line string) (string, bool) {
	k, _, ok := strings.Cut(line, "=")
	if !ok {
		return "", false
	}
	k = strings.TrimSpace(k)
	if u, err := strconv.Unquote(k); err == nil {
		k = u
	}
	return k, k != "" && !strings.ContainsAny(k, "#[")
}

// RegistryName is the cargo registry name login writes for a repository,
// {domain}-{repository}: cargo allows ASCII letters, digits, '-' and '_',
// so the '.' a repository name may hold becomes '_'.
func RegistryName(domain, repository string) string {
	return domain + "-" + strings.ReplaceAll(repository, ".", "_")
}

// ValidRegistryName reports whether cargo accepts name as a registry name.
func ValidRegistryName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("registry name %q: 1 to 64 characters", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("registry name %q: only ASCII letters, digits, '-' and '_'", name)
		}
	}
	return nil
}
