package console

import (
	"net/http"
	"net/url"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// loc is where a page is: a domain, a repository, a package, a version.
// Pages take it from the query string (d, o, r, f, ns, p, v), which keeps
// any namespace or name addressable.
type loc struct {
	Domain, Owner, Repo string
	Format              domain.Format
	Namespace, Package  string
	Version             string
}

func locOf(r *http.Request) loc {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	return loc{Domain: q.Get("d"), Owner: q.Get("o"), Repo: q.Get("r"), Format: domain.Format(q.Get("f")),
		Namespace: q.Get("ns"), Package: q.Get("p"), Version: q.Get("v")}
}

func (l loc) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("d", l.Domain)
	set("o", l.Owner)
	set("r", l.Repo)
	set("f", string(l.Format))
	set("ns", l.Namespace)
	set("p", l.Package)
	set("v", l.Version)
	return v
}

func (l loc) link(page string, extra ...string) string {
	v := l.values()
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] != "" {
			v.Set(extra[i], extra[i+1])
		}
	}
	return "/console/" + page + "?" + v.Encode()
}

// DomainLink and the others are the pages' addresses.
func (l loc) DomainLink() string {
	return loc{Domain: l.Domain, Owner: l.Owner}.link("domain")
}
func (l loc) RepoLink() string {
	return loc{Domain: l.Domain, Owner: l.Owner, Repo: l.Repo}.link("repository")
}
func (l loc) PackageLink() string {
	l.Version = ""
	return l.link("package")
}
func (l loc) VersionLink() string { return l.link("version") }
func (l loc) AssetLink(name string) string {
	return l.link("download", "a", name)
}

// WithVersion is l at version v.
func (l loc) WithVersion(v string) loc { l.Version = v; return l }

// PackageName is the package's display name (npm's @scope/name).
func (l loc) PackageName() string { return displayName(l.Format, l.Namespace, l.Package) }

func displayName(f domain.Format, ns, name string) string {
	switch {
	case ns == "":
		return name
	case f == domain.FormatNpm:
		return "@" + ns + "/" + name
	case f == domain.FormatMaven:
		return ns + ":" + name
	default:
		return ns + "/" + name
	}
}

func (l loc) ref() service.PackageRef {
	return service.PackageRef{Domain: l.Domain, DomainOwner: l.Owner, Repository: l.Repo, Format: l.Format,
		Namespace: l.Namespace, Package: l.Package}
}

func (l loc) crumbs() []crumb {
	cs := []crumb{{"Domains", "/console/domains"}}
	if l.Domain == "" {
		return cs
	}
	cs = append(cs, crumb{l.Domain, l.DomainLink()})
	if l.Repo == "" {
		return cs
	}
	cs = append(cs, crumb{l.Repo, l.RepoLink()})
	if l.Package == "" {
		return cs
	}
	cs = append(cs, crumb{l.PackageName(), l.PackageLink()})
	if l.Version != "" {
		cs = append(cs, crumb{l.Version, l.VersionLink()})
	}
	return cs
}
