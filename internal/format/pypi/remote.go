package pypi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

// Remote is PyPI's part of external connections (service.RemoteFormat):
// the project pages of the simple index behind public:pypi (the URL pip's
// --index-url takes), read as pip reads them.
//
// Only files with a sha256 are listed (the pages artifactd renders carry
// one for every file, and a fetched file is kept only when it matches).
// Files the index marks yanked (PEP 592) are listed yanked, with the
// index's reason, so that a pin still installs them. Files not kept yet
// advertise no separate core metadata (PEP 658): artifactd can serve a
// wheel's METADATA only once it keeps the wheel, so pip downloads the
// wheel itself.
type Remote struct {
	// Now stamps kept files the index gave no upload time (nil: time.Now).
	Now func() time.Time
}

var _ service.RemoteFormat = Remote{}

// remoteAccept prefers PEP 691 JSON, as pip does.
const remoteAccept = ContentTypeJSON + ", " + ContentTypeHTML + ";q=0.2, " + ContentTypeText + ";q=0.1"

// MetadataRequest asks for the project's page, simple/{project}/ when
// the connection's URL is the index's simple/ URL.
func (Remote) MetadataRequest(_, name string) (string, string) {
	return url.PathEscape(Normalize(name)) + "/", remoteAccept
}

// remoteLink is one file a project page offers.
type remoteLink struct {
	href           string // as written (JSON url, HTML href, fragment included)
	filename       string // JSON filename; "" for HTML (taken from the URL)
	hashes         map[string]string
	requiresPython string
	yanked         bool
	yankedReason   string
	size           int64 // -1 when not given
	uploaded       time.Time
}

// ParseMetadata reads a project page: PEP 691 JSON, or PEP 503 HTML
// (chosen by the content type; sniffed when it is neither). File URLs
// resolve against base (files may live on another host). Files whose
// name is not a wheel or sdist of this project, whose URL is not http(s),
// or that have no sha256 are left out.
func (Remote) ParseMetadata(body []byte, contentType string, base *url.URL, _, name string) (*service.RemotePackage, error) {
	project := Normalize(name)
	var links []remoteLink
	var err error
	if isJSONPage(body, contentType) {
		links, err = parseJSONPage(body, project)
	} else {
		links, base, err = parseHTMLPage(string(body), base)
	}
	if err != nil {
		return nil, err
	}
	return remotePackage(links, base, project), nil
}

func isJSONPage(body []byte, contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case ContentTypeJSON, "application/vnd.pypi.simple.latest+json":
		return true
	case ContentTypeHTML, "application/vnd.pypi.simple.latest+html", ContentTypeText:
		return false
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))
}

// checkAPIVersion refuses a page of a later major version (PEP 629: the
// client must not guess).
func checkAPIVersion(v string) error {
	if v == "" {
		return nil
	}
	major, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	if major != "1" {
		return fmt.Errorf("the page has repository version %q; artifactd reads version 1", v)
	}
	return nil
}

// parseJSONPage reads a PEP 691 project page.
func parseJSONPage(body []byte, project string) ([]remoteLink, error) {
	var doc struct {
		Meta struct {
			APIVersion string `json:"api-version"`
		} `json:"meta"`
		Name  string `json:"name"`
		Files []struct {
			Filename       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython string            `json:"requires-python"`
			Yanked         json.RawMessage   `json:"yanked"`
			Size           *int64            `json:"size"`
			UploadTime     string            `json:"upload-time"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a PEP 691 project page: %w", err)
	}
	if err := checkAPIVersion(doc.Meta.APIVersion); err != nil {
		return nil, err
	}
	if doc.Name != "" && Normalize(doc.Name) != project {
		return nil, fmt.Errorf("the page is for project %q, not %q", doc.Name, project)
	}
	links := make([]remoteLink, 0, len(doc.Files))
	for _, f := range doc.Files {
		l := remoteLink{href: f.URL, filename: f.Filename, hashes: map[string]string{}, requiresPython: f.RequiresPython, size: -1}
		for alg, v := range f.Hashes {
			l.hashes[strings.ToLower(alg)] = v
		}
		var yanked any
		if json.Unmarshal(f.Yanked, &yanked) == nil {
			switch y := yanked.(type) {
			case bool:
				l.yanked = y
			case string:
				l.yanked, l.yankedReason = true, y
			}
		}
		if f.Size != nil && *f.Size >= 0 {
			l.size = *f.Size
		}
		if t, err := time.Parse(time.RFC3339Nano, f.UploadTime); err == nil {
			l.uploaded = t.UTC()
		}
		links = append(links, l)
	}
	return links, nil
}

// parseHTMLPage reads a PEP 503 project page: its <a> links (and a <base
// href>, which moves the base URL, as in browsers and pip).
func parseHTMLPage(doc string, base *url.URL) ([]remoteLink, *url.URL, error) {
	var links []remoteLink
	for _, tag := range htmlTags(doc) {
		switch tag.name {
		case "base":
			if href, ok := tag.attrs["href"]; ok {
				if u, err := base.Parse(strings.TrimSpace(href)); err == nil {
					base = u
				}
			}
		case "meta":
			if tag.attrs["name"] == "pypi:repository-version" {
				if err := checkAPIVersion(tag.attrs["content"]); err != nil {
					return nil, nil, err
				}
			}
		case "a":
			href, ok := tag.attrs["href"]
			if !ok {
				continue
			}
			l := remoteLink{href: strings.TrimSpace(href), hashes: map[string]string{}, size: -1,
				requiresPython: tag.attrs["data-requires-python"]}
			if reason, ok := tag.attrs["data-yanked"]; ok {
				l.yanked, l.yankedReason = true, reason
			}
			links = append(links, l)
		}
	}
	return links, base, nil
}

// htmlTag is a start tag: its lowercase name and attributes (lowercase
// names, unescaped values; the first of a repeated attribute wins).
type htmlTag struct {
	name  string
	attrs map[string]string
}

// htmlTags returns the start tags of an HTML document that matter to a
// project page (a, base, meta). It is tolerant rather than complete:
// comments are skipped, anything it cannot read is passed over.
func htmlTags(doc string) []htmlTag {
	var tags []htmlTag
	i := 0
	for i < len(doc) {
		j := strings.IndexByte(doc[i:], '<')
		if j < 0 {
			break
		}
		i += j
		if strings.HasPrefix(doc[i:], "<!--") {
			end := strings.Index(doc[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		k := i + 1
		for k < len(doc) && isTagNameChar(doc[k]) {
			k++
		}
		name := strings.ToLower(doc[i+1 : k])
		if name != "a" && name != "base" && name != "meta" {
			i++
			continue
		}
		if k < len(doc) && !isSpace(doc[k]) && doc[k] != '>' && doc[k] != '/' {
			i++ // <abbr>, <aside>...
			continue
		}
		attrs, end := htmlAttrs(doc, k)
		tags = append(tags, htmlTag{name: name, attrs: attrs})
		i = end
	}
	return tags
}

// htmlAttrs reads the attributes of a start tag from doc[i:], up to its
// '>', and returns them and the index after the tag.
func htmlAttrs(doc string, i int) (map[string]string, int) {
	attrs := map[string]string{}
	for i < len(doc) {
		for i < len(doc) && (isSpace(doc[i]) || doc[i] == '/') {
			i++
		}
		if i >= len(doc) {
			break
		}
		if doc[i] == '>' {
			return attrs, i + 1
		}
		start := i
		for i < len(doc) && !isSpace(doc[i]) && doc[i] != '=' && doc[i] != '>' && doc[i] != '/' {
			i++
		}
		name := strings.ToLower(doc[start:i])
		for i < len(doc) && isSpace(doc[i]) {
			i++
		}
		value := ""
		if i < len(doc) && doc[i] == '=' {
			i++
			for i < len(doc) && isSpace(doc[i]) {
				i++
			}
			if i < len(doc) && (doc[i] == '"' || doc[i] == '\'') {
				q := doc[i]
				end := strings.IndexByte(doc[i+1:], q)
				if end < 0 {
					value, i = doc[i+1:], len(doc)
				} else {
					value, i = doc[i+1:i+1+end], i+1+end+1
				}
			} else {
				start := i
				for i < len(doc) && !isSpace(doc[i]) && doc[i] != '>' {
					i++
				}
				value = doc[start:i]
			}
		}
		if _, dup := attrs[name]; !dup && name != "" {
			attrs[name] = html.UnescapeString(value)
		}
	}
	return attrs, len(doc)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func isTagNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// hashLengths are the digests RemoteFile holds, by name, with their
// lengths in hex.
var hashLengths = map[string]int{"sha256": 64, "sha512": 128, "sha1": 40, "md5": 32}

// remotePackage groups the usable links by version.
func remotePackage(links []remoteLink, base *url.URL, project string) *service.RemotePackage {
	out := &service.RemotePackage{}
	type group struct {
		rv       *service.RemoteVersion
		doc      versionDoc
		hasWheel bool
	}
	groups := map[string]*group{} // by the version less trailing ".0"s
	var order []*group
	for _, l := range links {
		u, err := base.Parse(l.href)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		hashes := l.hashes
		if alg, v, ok := strings.Cut(u.Fragment, "="); ok {
			hashes[strings.ToLower(alg)] = v
		}
		u.Fragment, u.RawFragment = "", ""
		file := service.RemoteFile{URL: u, Size: l.size}
		for alg, v := range hashes {
			v = strings.ToLower(strings.TrimSpace(v))
			if n, ok := hashLengths[alg]; !ok || !isHex(v, n) {
				continue
			}
			switch alg {
			case "sha256":
				file.SHA256 = v
			case "sha512":
				file.SHA512 = v
			case "sha1":
				file.SHA1 = v
			case "md5":
				file.MD5 = v
			}
		}
		if file.SHA256 == "" {
			continue
		}
		fn := l.filename
		if fn == "" {
			fn = path.Base(u.Path)
		}
		kind, version, ok := fileVersion(fn, project)
		if !ok {
			continue
		}
		key := dropTrailingZeros(version)
		g := groups[key]
		if g == nil {
			g = &group{rv: &service.RemoteVersion{Version: version, Files: map[string]service.RemoteFile{}},
				doc: versionDoc{Files: map[string]fileDoc{}, Remote: true}}
			groups[key] = g
			order = append(order, g)
		}
		if _, dup := g.rv.Files[fn]; dup {
			continue
		}
		if kind == KindWheel && !g.hasWheel {
			g.hasWheel, g.rv.Version = true, version // a wheel's spelling wins
		}
		g.rv.Files[fn] = file
		fd := fileDoc{Kind: kind, SHA256: file.SHA256, Size: max(l.size, 0), RequiresPython: strings.TrimSpace(l.requiresPython),
			Uploaded: l.uploaded, Yanked: l.yanked, YankedReason: l.yankedReason}
		g.doc.Files[fn] = fd
		if !l.uploaded.IsZero() && (g.rv.Published.IsZero() || l.uploaded.Before(g.rv.Published)) {
			g.rv.Published = l.uploaded
		}
	}
	for _, g := range order {
		g.rv.Metadata = service.VersionMetadata{DisplayName: project, Raw: g.doc.encode()}
		out.Versions = append(out.Versions, g.rv)
	}
	return out
}

// fileVersion returns the kind of a distribution file of project and its
// version (canonical PEP 440), or false when fn is not one.
func fileVersion(fn, project string) (kind, version string, ok bool) {
	f, ok := ParseFilename(fn)
	if !ok {
		return "", "", false
	}
	if f.Kind == KindWheel {
		v, ok := CanonicalVersion(f.Version)
		if !ok || Normalize(f.Name) != project {
			return "", "", false
		}
		return KindWheel, v, true
	}
	base := fn[:len(fn)-len(f.Ext)]
	for i := 0; i < len(base); i++ {
		if base[i] != '-' || Normalize(base[:i]) != project {
			continue
		}
		if v, ok := CanonicalVersion(base[i+1:]); ok {
			return KindSdist, v, true
		}
	}
	return "", "", false
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// KeepFile records a fetched file in its version's document, and
// describes the version from the file's core metadata as an upload does
// (a wheel's metadata is authoritative). A file whose metadata cannot be
// read is kept all the same, described by the index's listing.
func (r Remote) KeepFile(v *domain.PackageVersion, rv *service.RemoteVersion, file string, sums hashing.Sums, content io.ReaderAt, size int64) error {
	doc := decodeDoc(v.Metadata)
	if doc.Remote {
		// A version made for this file: its document is the index's
		// listing; the kept one lists the kept files only.
		doc = versionDoc{Files: map[string]fileDoc{}}
	}
	listed := decodeDoc(rv.Metadata.Raw).Files[file]
	project := Normalize(rv.Metadata.DisplayName)
	entry := fileDoc{Kind: listed.Kind, SHA256: sums.SHA256, Size: sums.Size, RequiresPython: listed.RequiresPython,
		Uploaded: listed.Uploaded, Yanked: listed.Yanked, YankedReason: listed.YankedReason}
	if entry.Uploaded.IsZero() {
		now := time.Now
		if r.Now != nil {
			now = r.Now
		}
		entry.Uploaded = now().UTC()
	}
	fn, ok := ParseFilename(file)
	var raw []byte
	var err error
	switch {
	case !ok:
		err = fmt.Errorf("%w: %s is not a wheel or sdist", ErrDist, file)
	case fn.Kind == KindWheel:
		entry.Kind = KindWheel
		if raw, err = WheelMetadata(content, size, project); err == nil {
			sum := sha256.Sum256(raw)
			entry.MetadataSHA256 = hex.EncodeToString(sum[:])
		}
	default:
		entry.Kind = KindSdist
		raw, err = SdistMetadata(content, size, fn.Ext)
	}
	if err == nil {
		meta, err := ParseMetadata(raw)
		if err == nil && Normalize(meta.Name) == project && SameVersion(meta.Version, v.Version) {
			if rp := strings.TrimSpace(meta.RequiresPython); rp != "" {
				entry.RequiresPython = rp
			}
			hasWheel := false
			for other, fd := range doc.Files {
				if other != file && fd.Kind == KindWheel {
					hasWheel = true
				}
			}
			if entry.Kind == KindWheel || !hasWheel {
				applyMetadata(v, meta)
			}
		}
	}
	doc.Files[file] = entry
	v.Metadata = doc.encode()
	return nil
}
