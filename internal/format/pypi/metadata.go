package pypi

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
)

// MaxMetadataBytes caps a METADATA or PKG-INFO file and each form field:
// nothing legitimate comes near it, and it bounds what a malicious
// archive can make the server decompress.
const MaxMetadataBytes = 4 << 20

// maxHeaders caps the number of header lines of a metadata file.
const maxHeaders = 20000

// ErrMetadata is wrapped by every metadata parsing error.
var ErrMetadata = errors.New("invalid core metadata")

// Metadata is the part of a distribution's core metadata (METADATA in a
// wheel, PKG-INFO in an sdist) that artifactd uses.
type Metadata struct {
	MetadataVersion        string
	Name                   string
	Version                string
	Summary                string
	HomePage               string
	License                string
	LicenseExpression      string
	RequiresPython         string
	Description            string
	DescriptionContentType string
	RequiresDist           []string
	ProjectURLs            []string // "Label, URL"
	Classifiers            []string
}

// ParseMetadata reads core metadata: RFC 822 style headers, repeated for
// multi-valued fields, folded lines continued with whitespace, and the
// long description either in a Description header or in the body after
// the first blank line (metadata 2.1+).
func ParseMetadata(b []byte) (Metadata, error) {
	var m Metadata
	if len(b) > MaxMetadataBytes {
		return m, fmt.Errorf("%w: larger than %d bytes", ErrMetadata, MaxMetadataBytes)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	text = strings.ToValidUTF8(text, string(utf8.RuneError))
	text = strings.TrimPrefix(text, "\ufeff")

	type field struct{ key, value string }
	var fields []field
	body := ""
	rest := text
	for rest != "" {
		line, after, found := strings.Cut(rest, "\n")
		if !found {
			after = ""
		}
		if line == "" {
			body = after
			break
		}
		rest = after
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				return m, fmt.Errorf("%w: continuation line before the first field", ErrMetadata)
			}
			fields[len(fields)-1].value += "\n" + line
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return m, fmt.Errorf("%w: line %q is not a \"Field: value\" header", ErrMetadata, truncate(line, 60))
		}
		if len(fields) >= maxHeaders {
			return m, fmt.Errorf("%w: more than %d fields", ErrMetadata, maxHeaders)
		}
		fields = append(fields, field{strings.TrimSpace(key), strings.TrimLeft(value, " \t")})
	}

	for _, f := range fields {
		v := f.value
		one := strings.TrimSpace(unfold(v))
		switch strings.ToLower(f.key) {
		case "metadata-version":
			m.MetadataVersion = one
		case "name":
			m.Name = one
		case "version":
			m.Version = one
		case "summary":
			m.Summary = one
		case "home-page":
			m.HomePage = one
		case "license":
			m.License = strings.TrimSpace(unfoldDescription(v))
		case "license-expression":
			m.LicenseExpression = one
		case "requires-python":
			m.RequiresPython = one
		case "description":
			m.Description = unfoldDescription(v)
		case "description-content-type":
			m.DescriptionContentType = one
		case "requires-dist":
			m.RequiresDist = append(m.RequiresDist, one)
		case "project-url":
			m.ProjectURLs = append(m.ProjectURLs, one)
		case "classifier":
			m.Classifiers = append(m.Classifiers, one)
		}
	}
	if strings.TrimSpace(body) != "" {
		m.Description = body
	}
	if m.Name == "" {
		return m, fmt.Errorf("%w: no Name field", ErrMetadata)
	}
	if m.Version == "" {
		return m, fmt.Errorf("%w: no Version field", ErrMetadata)
	}
	return m, nil
}

// unfold joins a folded header value into one line.
func unfold(v string) string {
	lines := strings.Split(v, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}

// unfoldDescription undoes the folding of a multi-line field in metadata
// before 2.1: continuation lines start with 8 spaces, or with 7 spaces and
// '|' (setuptools), or with any whitespace.
func unfoldDescription(v string) string {
	lines := strings.Split(v, "\n")
	for i := 1; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "       |"):
			lines[i] = l[8:]
		case strings.HasPrefix(l, "        "):
			lines[i] = l[8:]
		default:
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.Join(lines, "\n")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Requirement is one Requires-Dist entry taken apart (PEP 508).
type Requirement struct {
	Name      string // as written
	Extras    []string
	Specifier string // ">=1.0,<2" without parentheses, or "@ URL"
	Marker    string // what follows ';'
}

// ParseRequirement splits a PEP 508 requirement: name, optional
// [extras], an optional version specifier (bare or in parentheses) or
// "@ URL", and an optional "; marker".
func ParseRequirement(s string) (Requirement, error) {
	var r Requirement
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (isAlnum(s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-') {
		i++
	}
	r.Name = s[:i]
	if !ValidName(r.Name) {
		return r, fmt.Errorf("%w: requirement %q has no valid project name", ErrMetadata, truncate(s, 80))
	}
	rest := strings.TrimLeft(s[i:], " \t")
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return r, fmt.Errorf("%w: requirement %q has an unclosed extras list", ErrMetadata, truncate(s, 80))
		}
		for _, e := range strings.Split(rest[1:end], ",") {
			if e = strings.TrimSpace(e); e != "" {
				r.Extras = append(r.Extras, e)
			}
		}
		rest = strings.TrimLeft(rest[end+1:], " \t")
	}
	if strings.HasPrefix(rest, "@") {
		// A URL may hold ';': the marker must follow whitespace.
		url, marker, found := strings.Cut(rest[1:], " ;")
		if !found {
			url, marker, _ = strings.Cut(rest[1:], "\t;")
		}
		r.Specifier = "@ " + strings.TrimSpace(url)
		r.Marker = strings.TrimSpace(marker)
		return r, nil
	}
	spec, marker, _ := strings.Cut(rest, ";")
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "(") {
		if !strings.HasSuffix(spec, ")") {
			return r, fmt.Errorf("%w: requirement %q has an unclosed '('", ErrMetadata, truncate(s, 80))
		}
		spec = strings.TrimSpace(spec[1 : len(spec)-1])
	}
	if spec != "" && !strings.ContainsAny(spec[:1], "<>=!~") {
		return r, fmt.Errorf("%w: requirement %q has an invalid version specifier", ErrMetadata, truncate(s, 80))
	}
	r.Specifier = spec
	r.Marker = strings.TrimSpace(marker)
	return r, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// DependencyType is the dependencyType of every PyPI dependency.
const DependencyType = "Requires-Dist"

// Dependency is how ListPackageVersionDependencies shows a requirement:
// the normalized project name, and the specifier with any environment
// marker kept after "; " (extras are not shown).
func (r Requirement) Dependency() domain.Dependency {
	req := r.Specifier
	if r.Marker != "" {
		req = strings.TrimSpace(req + "; " + r.Marker)
	}
	return domain.Dependency{Package: Normalize(r.Name), DependencyType: DependencyType, VersionRequirement: req}
}

// HomePageURL is Home-page, else the Project-URL labelled Homepage.
func (m Metadata) HomePageURL() string {
	if m.HomePage != "" && !strings.EqualFold(m.HomePage, "UNKNOWN") {
		return m.HomePage
	}
	return m.projectURL("homepage", "home")
}

// SourceCodeURL is the Project-URL labelled Source, Source Code or
// Repository.
func (m Metadata) SourceCodeURL() string {
	return m.projectURL("source", "sourcecode", "repository", "code")
}

// projectURL returns the first Project-URL whose label, lowercased and
// stripped of punctuation and spaces, is one of labels.
func (m Metadata) projectURL(labels ...string) string {
	for _, want := range labels {
		for _, pu := range m.ProjectURLs {
			label, u, ok := strings.Cut(pu, ",")
			if !ok {
				continue
			}
			if labelKey(label) == want {
				return strings.TrimSpace(u)
			}
		}
	}
	return ""
}

func labelKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

// Licenses are License-Expression, else a one-line License field, else
// the names of the License :: classifiers.
func (m Metadata) Licenses() []domain.License {
	if m.LicenseExpression != "" {
		return []domain.License{{Name: m.LicenseExpression}}
	}
	if l := strings.TrimSpace(m.License); l != "" && !strings.EqualFold(l, "UNKNOWN") && !strings.Contains(l, "\n") && len(l) <= 255 {
		return []domain.License{{Name: l}}
	}
	var out []domain.License
	for _, c := range m.Classifiers {
		parts := strings.Split(c, "::")
		if len(parts) >= 2 && strings.TrimSpace(parts[0]) == "License" {
			name := strings.TrimSpace(parts[len(parts)-1])
			if name != "" && name != "OSI Approved" {
				out = append(out, domain.License{Name: name})
			}
		}
	}
	return out
}

// Dependencies are the Requires-Dist entries; unparsable ones are skipped.
func (m Metadata) Dependencies() []domain.Dependency {
	var out []domain.Dependency
	for _, rd := range m.RequiresDist {
		r, err := ParseRequirement(rd)
		if err != nil {
			continue
		}
		out = append(out, r.Dependency())
	}
	return out
}
