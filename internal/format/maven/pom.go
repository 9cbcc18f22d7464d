package maven

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
)

// POM is what artifactd reads from a project's pom.xml. Values are as written, with ${...} properties substituted from <properties>, project.version/project.groupId/project.artifactId (and their pom.* / bare "version" aliases) and the parent's version/groupId when the project inherits them; properties that cannot be resolved stay as written.
// Values are trimmed, as Maven trims them. Packaging is "" when the POM
// does not say (Maven then means "jar").
type POM struct {
	GroupID, ArtifactID, Version, Packaging string // GroupID/Version fall back to <parent>'s
	Name, Description, URL                  string
	Licenses                                []domain.License
	SCM                                     string       // <scm><url>, else <connection> without the "scm:git:" style prefix
	Parent                                  *Coordinates // nil without <parent>
	Dependencies                            []domain.Dependency
}

// Coordinates name one Maven artifact version.
type Coordinates struct{ GroupID, ArtifactID, Version string }

// Dependency types CodeArtifact uses for Maven.
const (
	pomDepParent   = "parent"
	pomDepOptional = "optional"
	pomDepCompile  = "compile"
)

type pomCoordinatesXML struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
}

type pomXML struct {
	Parent      *pomCoordinatesXML `xml:"parent"`
	GroupID     string             `xml:"groupId"`
	ArtifactID  string             `xml:"artifactId"`
	Version     string             `xml:"version"`
	Packaging   string             `xml:"packaging"`
	Name        string             `xml:"name"`
	Description string             `xml:"description"`
	URL         string             `xml:"url"`
	Licenses    []struct {
		Name string `xml:"name"`
		URL  string `xml:"url"`
	} `xml:"licenses>license"`
	SCM struct {
		URL        string `xml:"url"`
		Connection string `xml:"connection"`
	} `xml:"scm"`
	Properties pomProperties `xml:"properties"`
	// Only the project's own direct dependencies: the path does not match
	// <dependencyManagement>, <profiles> or plugin dependencies.
	Dependencies []struct {
		pomCoordinatesXML
		Scope    string `xml:"scope"`
		Optional string `xml:"optional"`
	} `xml:"dependencies>dependency"`
}

// pomProperties collects <properties>: each child element's name and
// trimmed text; a later duplicate wins, as in java.util.Properties.
type pomProperties map[string]string

func (p *pomProperties) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if *p == nil {
		*p = map[string]string{}
	}
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			var s string
			if err := d.DecodeElement(&s, &t); err != nil {
				return err
			}
			(*p)[t.Name.Local] = strings.TrimSpace(s)
		case xml.EndElement:
			return nil
		}
	}
}

// ParsePOM reads a POM (≤ a few MiB; refuse DOCTYPE/entities: a POM with a <!DOCTYPE> is an error, to avoid entity expansion). It does not follow the parent.
// Dependencies lists the parent first (type "parent"), then the direct
// <dependencies>, typed by scope ("compile" when unset) or "optional".
func ParsePOM(data []byte) (POM, error) {
	var x pomXML
	if err := mdxmlDecode(data, "project", &x); err != nil {
		return POM{}, fmt.Errorf("invalid POM: %v", err)
	}
	t := strings.TrimSpace
	groupID, version := t(x.GroupID), t(x.Version)
	var parent pomCoordinatesXML
	if x.Parent != nil {
		parent = pomCoordinatesXML{t(x.Parent.GroupID), t(x.Parent.ArtifactID), t(x.Parent.Version)}
		// A project inherits what it does not set.
		if groupID == "" {
			groupID = parent.GroupID
		}
		if version == "" {
			version = parent.Version
		}
	}
	packaging := t(x.Packaging)

	r := pomResolver{props: x.Properties, model: map[string]string{}, bare: map[string]string{}, active: map[string]bool{}, budget: pomMaxExpansion}
	for key, v := range map[string]string{
		"groupId": groupID, "artifactId": t(x.ArtifactID), "version": version,
		"name": t(x.Name), "description": t(x.Description), "url": t(x.URL),
		"parent.groupId": parent.GroupID, "parent.artifactId": parent.ArtifactID, "parent.version": parent.Version,
	} {
		if v == "" {
			continue
		}
		r.model["project."+key] = v
		r.model["pom."+key] = v
		r.bare[key] = v
	}
	if packaging != "" {
		r.model["project.packaging"] = packaging
	} else {
		r.model["project.packaging"] = "jar"
	}
	r.model["pom.packaging"] = r.model["project.packaging"]

	// Trimmed again: an empty property can leave a space at either end.
	e := func(s string) string { return strings.TrimSpace(r.expand(s)) }
	p := POM{
		GroupID:     e(groupID),
		ArtifactID:  e(t(x.ArtifactID)),
		Version:     e(version),
		Packaging:   e(packaging),
		Name:        e(t(x.Name)),
		Description: e(t(x.Description)),
		URL:         e(t(x.URL)),
	}
	for _, l := range x.Licenses {
		if lic := (domain.License{Name: e(t(l.Name)), URL: e(t(l.URL))}); lic != (domain.License{}) {
			p.Licenses = append(p.Licenses, lic)
		}
	}
	if p.SCM = e(t(x.SCM.URL)); p.SCM == "" {
		p.SCM = pomStripSCM(e(t(x.SCM.Connection)))
	}
	if x.Parent != nil {
		p.Parent = &Coordinates{GroupID: e(parent.GroupID), ArtifactID: e(parent.ArtifactID), Version: e(parent.Version)}
		p.Dependencies = append(p.Dependencies, domain.Dependency{
			Namespace: p.Parent.GroupID, Package: p.Parent.ArtifactID,
			VersionRequirement: p.Parent.Version, DependencyType: pomDepParent,
		})
	}
	for _, d := range x.Dependencies {
		typ := e(t(d.Scope))
		if typ == "" {
			typ = pomDepCompile
		}
		if strings.EqualFold(e(t(d.Optional)), "true") {
			typ = pomDepOptional
		}
		p.Dependencies = append(p.Dependencies, domain.Dependency{
			Namespace: e(t(d.GroupID)), Package: e(t(d.ArtifactID)),
			VersionRequirement: e(t(d.Version)), DependencyType: typ,
		})
	}
	return p, nil
}

// pomStripSCM turns "scm:git:https://host/repo.git" into
// "https://host/repo.git". Maven SCM URLs are scm{d}{provider}{d}{rest},
// where the delimiter d is ':' or '|'.
func pomStripSCM(s string) string {
	if len(s) < 4 || !strings.EqualFold(s[:3], "scm") || (s[3] != ':' && s[3] != '|') {
		return s
	}
	if _, rest, ok := strings.Cut(s[4:], s[3:4]); ok {
		return rest
	}
	return s
}

// pomMaxExpansion bounds the bytes property substitution may produce for one
// POM, so that properties referring to each other many times over cannot
// blow up; past it, values stay as written.
const pomMaxExpansion = 1 << 20

// pomMaxNesting bounds how deep one property's value may refer to others.
const pomMaxNesting = 32

// pomResolver substitutes ${...} references the way Maven's model
// interpolation looks them up: project.* and pom.* model values first,
// then <properties>, then the deprecated bare names (${version}).
type pomResolver struct {
	model, props map[string]string
	bare         map[string]string
	active       map[string]bool // keys being expanded: a cycle stays as written
	budget       int
}

func (r *pomResolver) lookup(key string) (string, bool) {
	if v, ok := r.model[key]; ok {
		return v, true
	}
	if v, ok := r.props[key]; ok {
		return v, true
	}
	v, ok := r.bare[key]
	return v, ok
}

func (r *pomResolver) expand(s string) string {
	return r.expandDepth(s, 0)
}

func (r *pomResolver) expandDepth(s string, depth int) string {
	if depth > pomMaxNesting || r.budget <= 0 || !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i+2:], '}')
		if j < 0 {
			b.WriteString(rest)
			break
		}
		key := rest[i+2 : i+2+j]
		b.WriteString(rest[:i])
		if v, ok := r.lookup(key); ok && !r.active[key] {
			r.active[key] = true
			b.WriteString(r.expandDepth(v, depth+1))
			delete(r.active, key)
		} else {
			b.WriteString(rest[i : i+3+j])
		}
		rest = rest[i+3+j:]
		if b.Len() > r.budget {
			r.budget = 0
			return s
		}
	}
	r.budget -= b.Len()
	return b.String()
}
