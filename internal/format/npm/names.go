package npm

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
)

// maxNameLength is npm's limit on a full package name, scope included.
const maxNameLength = 214

// pkgName is an npm package name. Scope is the scope without "@" ("" for
// unscoped packages); it is the package's CodeArtifact namespace.
type pkgName struct {
	Scope, Name string
}

// String is the name as npm writes it: "@scope/name" or "name".
func (n pkgName) String() string {
	if n.Scope == "" {
		return n.Name
	}
	return "@" + n.Scope + "/" + n.Name
}

// tarballFile is the file name of version v's tarball: the name without
// its scope, the version, ".tgz".
func (n pkgName) tarballFile(v string) string { return n.Name + "-" + v + ".tgz" }

// checkPublishName applies npm's rules for new package names
// (validate-npm-package-name): lowercase, URL-safe, no leading "." or "_",
// at most 214 characters.
func checkPublishName(n pkgName) error {
	if len(n.String()) > maxNameLength {
		return domain.Invalid("Invalid package name %q: longer than %d characters", n, maxNameLength)
	}
	parts := []string{n.Name}
	if n.Scope != "" {
		parts = append(parts, n.Scope)
	}
	for _, part := range parts {
		if err := checkNamePart(part); err != nil {
			return domain.Invalid("Invalid package name %q: %s", n, err)
		}
	}
	switch strings.ToLower(n.Name) {
	case "node_modules", "favicon.ico":
		return domain.Invalid("Invalid package name %q: %s is not allowed", n, n.Name)
	}
	return nil
}

func checkNamePart(s string) error {
	if s == "" {
		return fmt.Errorf("empty name")
	}
	if s[0] == '.' || s[0] == '_' {
		return fmt.Errorf("a name cannot start with %q", s[0])
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune("-_.!~*'()", r):
		case r >= 'A' && r <= 'Z':
			return fmt.Errorf("new packages must have lowercase names")
		default:
			return fmt.Errorf("character %q is not URL-safe", r)
		}
	}
	return nil
}

// readablePart reports whether s can be part of an existing package's
// name: what a lookup accepts before asking the store.
func readablePart(s string) bool {
	if s == "" || len(s) > maxNameLength {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("/#%?\\", r) {
			return false
		}
	}
	return true
}

// splitName reads a package name at the start of an escaped request path
// and returns it with the remaining path segments, unescaped. Scoped names
// arrive as "@scope%2fname" (npm escapes the slash) or "@scope/name".
func splitName(escaped string) (pkgName, []string, bool) {
	segs := strings.Split(escaped, "/")
	un := make([]string, len(segs))
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return pkgName{}, nil, false
		}
		un[i] = u
	}
	var n pkgName
	rest := un[1:]
	first := un[0]
	switch {
	case strings.HasPrefix(first, "@") && strings.Contains(first, "/"):
		scope, name, _ := strings.Cut(first[1:], "/")
		n = pkgName{Scope: scope, Name: name}
	case strings.HasPrefix(first, "@"):
		if len(un) < 2 {
			return pkgName{}, nil, false
		}
		n = pkgName{Scope: first[1:], Name: un[1]}
		rest = un[2:]
	default:
		n = pkgName{Name: first}
	}
	if !readablePart(n.Name) || (n.Scope != "" || strings.HasPrefix(first, "@")) && !readablePart(n.Scope) {
		return pkgName{}, nil, false
	}
	return n, rest, true
}

// parseFullName parses "@scope/name" or "name" as found in documents.
func parseFullName(s string) (pkgName, bool) {
	if strings.HasPrefix(s, "@") {
		scope, name, ok := strings.Cut(s[1:], "/")
		if !ok || !readablePart(scope) || !readablePart(name) {
			return pkgName{}, false
		}
		return pkgName{Scope: scope, Name: name}, true
	}
	if !readablePart(s) {
		return pkgName{}, false
	}
	return pkgName{Name: s}, true
}
