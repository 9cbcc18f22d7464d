package ruby

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Spec is what artifactd reads from a gemspec (the YAML in metadata.gz).
type Spec struct {
	Name, Version, Platform        string
	Summary, Description, Homepage string
	Email                          []string
	Authors, Licenses              []string
	Metadata                       map[string]string
	Dependencies                   []depDoc
	RequiredRuby, RequiredRubygems [][2]string
	RubygemsVersion                string
	SpecVersion                    int
	Date                           string // YYYY-MM-DD
}

// yamlSpec mirrors the YAML rubygems writes (Gem::Specification#to_yaml).
type yamlSpec struct {
	Name                    string            `yaml:"name"`
	Version                 yamlVersion       `yaml:"version"`
	Platform                string            `yaml:"platform"`
	Authors                 []string          `yaml:"authors"`
	Date                    string            `yaml:"date"`
	Dependencies            []yamlDependency  `yaml:"dependencies"`
	Description             string            `yaml:"description"`
	Email                   yaml.Node         `yaml:"email"`
	Homepage                string            `yaml:"homepage"`
	Licenses                []string          `yaml:"licenses"`
	Metadata                map[string]string `yaml:"metadata"`
	RequiredRubyVersion     yamlRequirement   `yaml:"required_ruby_version"`
	RequiredRubygemsVersion yamlRequirement   `yaml:"required_rubygems_version"`
	RubygemsVersion         string            `yaml:"rubygems_version"`
	SpecificationVersion    int               `yaml:"specification_version"`
	Summary                 string            `yaml:"summary"`
}

type yamlVersion struct {
	Version string `yaml:"version"`
}

// UnmarshalYAML takes a Gem::Version mapping or a bare scalar.
func (v *yamlVersion) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v.Version = n.Value
		return nil
	}
	type plain yamlVersion
	return n.Decode((*plain)(v))
}

type yamlRequirement struct {
	Requirements [][]yamlVersionOrOp `yaml:"requirements"`
}

// yamlVersionOrOp is one half of a [operator, version] pair.
type yamlVersionOrOp struct{ s string }

func (x *yamlVersionOrOp) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		x.s = n.Value
		return nil
	}
	var v yamlVersion
	if err := n.Decode(&v); err != nil {
		return err
	}
	x.s = v.Version
	return nil
}

type yamlDependency struct {
	Name        string          `yaml:"name"`
	Requirement yamlRequirement `yaml:"requirement"`
	Type        string          `yaml:"type"`
}

func (r yamlRequirement) pairs() ([][2]string, error) {
	var out [][2]string
	for _, p := range r.Requirements {
		if len(p) != 2 {
			return nil, errors.New("a requirement is not an [operator, version] pair")
		}
		op, v := strings.TrimSpace(p[0].s), strings.TrimSpace(p[1].s)
		if !validOp(op) || !ValidVersion(v) {
			return nil, fmt.Errorf("invalid requirement %q %q", op, v)
		}
		out = append(out, [2]string{op, v})
	}
	return out, nil
}

func validOp(op string) bool {
	switch op {
	case "=", "!=", ">", "<", ">=", "<=", "~>":
		return true
	}
	return false
}

// maxYAMLNodes bounds the nodes of a gemspec document, aliases expanded
// (yaml/v3 also refuses alias bombs itself).
const maxYAMLNodes = 200000

func decodeYAML(b []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	if countNodes(&doc, 0) > maxYAMLNodes {
		return fmt.Errorf("more than %d YAML nodes", maxYAMLNodes)
	}
	return doc.Decode(out)
}

func countNodes(n *yaml.Node, acc int) int {
	acc++
	for _, c := range n.Content {
		if acc > maxYAMLNodes {
			return acc
		}
		acc = countNodes(c, acc)
	}
	return acc
}

// ParseSpec reads a gemspec's YAML and checks its name, version, platform
// and dependencies.
func ParseSpec(doc []byte) (Spec, error) {
	var y yamlSpec
	if err := decodeYAML(doc, &y); err != nil {
		return Spec{}, gemErr("the gemspec is not readable YAML: %v", err)
	}
	s := Spec{
		Name: strings.TrimSpace(y.Name), Version: strings.TrimSpace(y.Version.Version), Platform: strings.TrimSpace(y.Platform),
		Summary: y.Summary, Description: y.Description, Homepage: strings.TrimSpace(y.Homepage),
		Authors: y.Authors, Licenses: y.Licenses, Metadata: y.Metadata,
		RubygemsVersion: strings.TrimSpace(y.RubygemsVersion), SpecVersion: y.SpecificationVersion,
	}
	if s.Platform == "" {
		s.Platform = "ruby"
	}
	if !ValidName(s.Name) {
		return Spec{}, gemErr("invalid gem name %q", s.Name)
	}
	if !ValidVersion(s.Version) {
		return Spec{}, gemErr("invalid version %q", s.Version)
	}
	if !ValidPlatform(s.Platform) {
		return Spec{}, gemErr("invalid platform %q", s.Platform)
	}
	switch y.Email.Kind {
	case yaml.ScalarNode:
		if y.Email.Tag != "!!null" && y.Email.Value != "" {
			s.Email = []string{y.Email.Value}
		}
	case yaml.SequenceNode:
		_ = y.Email.Decode(&s.Email)
	}
	var err error
	if s.RequiredRuby, err = y.RequiredRubyVersion.pairs(); err != nil {
		return Spec{}, gemErr("required_ruby_version: %v", err)
	}
	if s.RequiredRubygems, err = y.RequiredRubygemsVersion.pairs(); err != nil {
		return Spec{}, gemErr("required_rubygems_version: %v", err)
	}
	for _, d := range y.Dependencies {
		dd := depDoc{Name: strings.TrimSpace(d.Name), Type: depRuntime}
		if !ValidName(dd.Name) {
			return Spec{}, gemErr("invalid dependency name %q", d.Name)
		}
		if strings.TrimPrefix(strings.TrimSpace(d.Type), ":") == "development" {
			dd.Type = depDevelopment
		}
		if dd.Reqs, err = d.Requirement.pairs(); err != nil {
			return Spec{}, gemErr("dependency %s: %v", dd.Name, err)
		}
		s.Dependencies = append(s.Dependencies, dd)
	}
	if s.SpecVersion <= 0 || s.SpecVersion > 4 {
		s.SpecVersion = 4
	}
	if s.RubygemsVersion == "" || !ValidVersion(s.RubygemsVersion) {
		s.RubygemsVersion = "3.3.15"
	}
	s.Date = time.Now().UTC().Format(time.DateOnly)
	if len(y.Date) >= 10 {
		if t, err := time.Parse(time.DateOnly, y.Date[:10]); err == nil {
			s.Date = t.Format(time.DateOnly)
		}
	}
	return s, nil
}

// File is the .gem file name of the spec: name-version[-platform].gem.
func (s Spec) File() string { return FileName(s.Name, s.Version, s.Platform) }

// FileName is a gem's file name.
func FileName(name, version, platform string) string {
	return FullName(name, version, platform) + ".gem"
}

// FullName is name-version, with -platform unless it is ruby.
func FullName(name, version, platform string) string {
	if platform == "" || platform == "ruby" {
		return name + "-" + version
	}
	return name + "-" + version + "-" + platform
}
