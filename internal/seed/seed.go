// Package seed reads a file of domains, repositories and packages (YAML,
// or JSON, which is YAML too) and creates them through the service layer,
// so a server starts in a known state: the same validation, quotas and
// rules as the API apply. What exists already is kept, so a seed applied
// again to the same storage creates nothing twice.
package seed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/artifactd/artifactd/internal/domain"
)

// Seed is a parsed seed file.
type Seed struct {
	File    string // as given, for messages
	Region  string // "" = the server's default region
	Domains []Domain
}

// Domain is a domain to create, with its repositories.
type Domain struct {
	Name          string
	Region        string // "" = the seed's region
	EncryptionKey string
	Tags          []domain.Tag
	Repositories  []Repository
	at            where
}

// Repository is a repository to create in a domain.
type Repository struct {
	Name               string
	Description        string
	Upstreams          []string
	ExternalConnection string
	Tags               []domain.Tag
	Packages           []Package
	at                 where
}

// Package is a package whose versions are published into a repository.
type Package struct {
	Format    domain.Format
	Namespace string
	Name      string
	Versions  []Version
	at        where
}

// Version is one package version: its assets, published in order, and the
// status it ends with.
type Version struct {
	Version string
	Status  domain.Status
	Assets  []Asset
	at      where
}

// Asset is a file published as a version's asset.
type Asset struct {
	Name string // the asset's name (default: the file's base name)
	Path string // the file, resolved against the seed file's directory
	at   where
}

// where is a place in the seed file, for messages.
type where struct {
	line int
	path string // domains[0].repositories[1]
}

// Error is a problem with a seed: the file, the line and the path of the
// element it is about, and what is wrong.
type Error struct {
	File string
	Line int    // 0 when unknown
	Path string // "" for the whole file
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("seed ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads and checks a seed file: its structure, names that must be
// there, statuses, formats, and that every asset file can be read. It
// creates nothing.
func Load(file string) (*Seed, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	return Parse(file, data)
}

// Parse is Load for a seed already read; asset paths are resolved against
// file's directory.
func Parse(file string, data []byte) (*Seed, error) {
	p := parser{file: file, dir: filepath.Dir(file)}
	if isJSON(file, data) {
		// JSON is YAML, but encoding/json is stricter about JSON's own
		// syntax (no comments, no trailing commas): check with it first.
		if err := checkJSON(data); err != nil {
			return nil, &Error{File: file, Line: lineOf(data, err), Err: err}
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{File: file, Err: err}
	}
	s := &Seed{File: file}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &Error{File: file, Err: fmt.Errorf("the file is empty")}
	}
	err := p.mapping(root.Content[0], "", fields{
		"region": func(n *yaml.Node, path string) (err error) { s.Region, err = p.str(n, path); return },
		"domains": func(n *yaml.Node, path string) error {
			return p.seq(n, path, func(n *yaml.Node, path string) error {
				d, err := p.domain(n, path)
				s.Domains = append(s.Domains, d)
				return err
			})
		},
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func isJSON(file string, data []byte) bool {
	if strings.EqualFold(filepath.Ext(file), ".json") {
		return true
	}
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

func checkJSON(data []byte) error {
	var v any
	return json.Unmarshal(data, &v)
}

// lineOf turns a JSON syntax error's offset into a line number.
func lineOf(data []byte, err error) int {
	se, ok := err.(*json.SyntaxError)
	if !ok || se.Offset > int64(len(data)) {
		return 0
	}
	return bytes.Count(data[:se.Offset], []byte("\n")) + 1
}

type parser struct {
	file, dir string
}

// fields maps a mapping's keys to what reads their values.
type fields map[string]func(n *yaml.Node, path string) error

func (p parser) errf(n *yaml.Node, path, format string, args ...any) error {
	return &Error{File: p.file, Line: n.Line, Path: path, Err: fmt.Errorf(format, args...)}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// mapping reads a mapping whose keys must all be known.
func (p parser) mapping(n *yaml.Node, path string, f fields) error {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return p.errf(n, path, "want a mapping (key: value), not %s", kind(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		read, ok := f[k.Value]
		if !ok {
			known := make([]string, 0, len(f))
			for name := range f {
				known = append(known, name)
			}
			sort.Strings(known)
			return p.errf(k, join(path, k.Value), "unknown field (known here: %s)", strings.Join(known, ", "))
		}
		if seen[k.Value] {
			return p.errf(k, join(path, k.Value), "given twice")
		}
		seen[k.Value] = true
		if err := read(v, join(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

func (p parser) seq(n *yaml.Node, path string, item func(n *yaml.Node, path string) error) error {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, path, "want a list, not %s", kind(n))
	}
	for i, c := range n.Content {
		if err := item(c, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// str reads a scalar as the text written: a version 1.10 stays "1.10".
func (p parser) str(n *yaml.Node, path string) (string, error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, path, "want a string, not %s", kind(n))
	}
	return n.Value, nil
}

func (p parser) strs(n *yaml.Node, path string) ([]string, error) {
	var out []string
	err := p.seq(n, path, func(n *yaml.Node, path string) error {
		s, err := p.str(n, path)
		out = append(out, s)
		return err
	})
	return out, err
}

// tags reads a mapping of tag keys to values, in the file's order.
func (p parser) tags(n *yaml.Node, path string) ([]domain.Tag, error) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, path, "want a mapping of tag keys to values, not %s", kind(n))
	}
	var out []domain.Tag
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := p.str(n.Content[i], path)
		if err != nil {
			return nil, err
		}
		v, err := p.str(n.Content[i+1], join(path, k))
		if err != nil {
			return nil, err
		}
		out = append(out, domain.Tag{Key: k, Value: v})
	}
	return out, nil
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// required fails for a mapping that lacks key.
func (p parser) required(n *yaml.Node, path, key, value string) error {
	if value == "" {
		return p.errf(n, path, "%s is required", key)
	}
	return nil
}

func (p parser) domain(n *yaml.Node, path string) (d Domain, err error) {
	d.at = where{deref(n).Line, path}
	err = p.mapping(n, path, fields{
		"name":          func(n *yaml.Node, path string) (err error) { d.Name, err = p.str(n, path); return },
		"region":        func(n *yaml.Node, path string) (err error) { d.Region, err = p.str(n, path); return },
		"encryptionKey": func(n *yaml.Node, path string) (err error) { d.EncryptionKey, err = p.str(n, path); return },
		"tags":          func(n *yaml.Node, path string) (err error) { d.Tags, err = p.tags(n, path); return },
		"repositories": func(n *yaml.Node, path string) error {
			return p.seq(n, path, func(n *yaml.Node, path string) error {
				r, err := p.repository(n, path)
				d.Repositories = append(d.Repositories, r)
				return err
			})
		},
	})
	if err != nil {
		return d, err
	}
	if err := p.required(n, path, "name", d.Name); err != nil {
		return d, err
	}
	// Upstreams are created first: a repository may name only those
	// listed before it, or ones that exist already.
	for i, r := range d.Repositories {
		for _, u := range r.Upstreams {
			for _, later := range d.Repositories[i:] {
				if later.Name == u {
					return d, &Error{File: p.file, Line: r.at.line, Path: r.at.path + ".upstreams",
						Err: fmt.Errorf("upstream %q is listed at or after repository %q: list a repository's upstreams before it", u, r.Name)}
				}
			}
		}
	}
	return d, nil
}

func (p parser) repository(n *yaml.Node, path string) (r Repository, err error) {
	r.at = where{deref(n).Line, path}
	err = p.mapping(n, path, fields{
		"name":               func(n *yaml.Node, path string) (err error) { r.Name, err = p.str(n, path); return },
		"description":        func(n *yaml.Node, path string) (err error) { r.Description, err = p.str(n, path); return },
		"upstreams":          func(n *yaml.Node, path string) (err error) { r.Upstreams, err = p.strs(n, path); return },
		"externalConnection": func(n *yaml.Node, path string) (err error) { r.ExternalConnection, err = p.str(n, path); return },
		"tags":               func(n *yaml.Node, path string) (err error) { r.Tags, err = p.tags(n, path); return },
		"packages": func(n *yaml.Node, path string) error {
			return p.seq(n, path, func(n *yaml.Node, path string) error {
				pk, err := p.pkg(n, path)
				r.Packages = append(r.Packages, pk)
				return err
			})
		},
	})
	if err != nil {
		return r, err
	}
	return r, p.required(n, path, "name", r.Name)
}

func (p parser) pkg(n *yaml.Node, path string) (pk Package, err error) {
	pk.at = where{deref(n).Line, path}
	var format string
	err = p.mapping(n, path, fields{
		"format":    func(n *yaml.Node, path string) (err error) { format, err = p.str(n, path); return },
		"namespace": func(n *yaml.Node, path string) (err error) { pk.Namespace, err = p.str(n, path); return },
		"name":      func(n *yaml.Node, path string) (err error) { pk.Name, err = p.str(n, path); return },
		"versions": func(n *yaml.Node, path string) error {
			return p.seq(n, path, func(n *yaml.Node, path string) error {
				v, err := p.version(n, path)
				pk.Versions = append(pk.Versions, v)
				return err
			})
		},
	})
	if err != nil {
		return pk, err
	}
	if format == "" {
		format = string(domain.FormatGeneric)
	}
	pk.Format = domain.Format(format)
	switch pk.Format {
	case domain.FormatGeneric:
	case domain.FormatNpm:
		// Published as npm publishes (the tarball is the version).
		for _, v := range pk.Versions {
			if len(v.Assets) != 1 || !strings.HasSuffix(v.Assets[0].Path, ".tgz") {
				return pk, &Error{File: p.file, Line: v.at.line, Path: v.at.path + ".assets",
					Err: fmt.Errorf("an npm version is one tarball (a .tgz file, as npm pack makes)")}
			}
		}
	case domain.FormatMaven:
		// Deployed as mvn deploy does: files under groupId/artifactId.
		if pk.Namespace == "" {
			return pk, p.errf(n, path, "namespace (the groupId) is required for a maven package")
		}
	default:
		// Other formats' versions carry metadata their clients read
		// (indexes, checksums), made by the format's own publish path.
		return pk, p.errf(n, join(path, "format"), "format %q: only generic, npm and maven packages can be seeded; publish %s packages with their own client", format, format)
	}
	return pk, p.required(n, path, "name", pk.Name)
}

var statuses = map[string]domain.Status{
	"published":  domain.StatusPublished,
	"unfinished": domain.StatusUnfinished,
	"unlisted":   domain.StatusUnlisted,
	"archived":   domain.StatusArchived,
	"disposed":   domain.StatusDisposed,
}

func (p parser) version(n *yaml.Node, path string) (v Version, err error) {
	v.at = where{deref(n).Line, path}
	var status string
	var statusNode *yaml.Node
	err = p.mapping(n, path, fields{
		"version": func(n *yaml.Node, path string) (err error) { v.Version, err = p.str(n, path); return },
		"status": func(n *yaml.Node, path string) (err error) {
			statusNode = n
			status, err = p.str(n, path)
			return
		},
		"assets": func(n *yaml.Node, path string) error {
			return p.seq(n, path, func(n *yaml.Node, path string) error {
				a, err := p.asset(n, path)
				v.Assets = append(v.Assets, a)
				return err
			})
		},
	})
	if err != nil {
		return v, err
	}
	if err := p.required(n, path, "version", v.Version); err != nil {
		return v, err
	}
	v.Status = domain.StatusPublished
	if status != "" {
		s, ok := statuses[strings.ToLower(status)]
		if !ok {
			return v, p.errf(statusNode, join(path, "status"), "unknown status %q (want Published, Unfinished, Unlisted, Archived or Disposed)", status)
		}
		v.Status = s
	}
	if len(v.Assets) == 0 {
		return v, p.errf(n, join(path, "assets"), "a version needs at least one asset")
	}
	return v, nil
}

func (p parser) asset(n *yaml.Node, path string) (a Asset, err error) {
	a.at = where{deref(n).Line, path}
	var file string
	var fileNode *yaml.Node
	err = p.mapping(n, path, fields{
		"file": func(n *yaml.Node, path string) (err error) {
			fileNode = n
			file, err = p.str(n, path)
			return
		},
		"name": func(n *yaml.Node, path string) (err error) { a.Name, err = p.str(n, path); return },
	})
	if err != nil {
		return a, err
	}
	if err := p.required(n, path, "file", file); err != nil {
		return a, err
	}
	// The seed is the operator's own file: paths may go anywhere, but
	// relative ones start at the seed's folder, not the working directory.
	a.Path = file
	if !filepath.IsAbs(file) {
		a.Path = filepath.Join(p.dir, file)
	}
	info, err := os.Stat(a.Path)
	if err != nil {
		return a, p.errf(fileNode, join(path, "file"), "%v", err)
	}
	if !info.Mode().IsRegular() {
		return a, p.errf(fileNode, join(path, "file"), "%s is not a regular file", a.Path)
	}
	if a.Name == "" {
		a.Name = filepath.Base(file)
	}
	return a, nil
}
