package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/internal/domain"
)

// The rows of each format (besides generic and npm): in the format's
// repository of versionsOf(N) versions, the small package (two versions,
// published through the protocol in setup) gets a new version published
// through the protocol as its client sends it (timed), then its index is
// read at once (timed: "after change") and again (warm), and one file is
// downloaded. Every answer is checked: the status the client expects, the
// new version in the index, the downloaded bytes' SHA-256.

// fmtLabels name the formats in the table.
var fmtLabels = map[domain.Format]string{
	domain.FormatPypi: "PyPI", domain.FormatMaven: "Maven", domain.FormatCargo: "Cargo",
	domain.FormatRuby: "RubyGems", domain.FormatNuget: "NuGet", domain.FormatSwift: "Swift",
}

// fmtIndexName is what the index read is, per format.
var fmtIndexName = map[domain.Format]string{
	domain.FormatPypi:  "simple/smallpkg/",
	domain.FormatMaven: "maven-metadata.xml",
	domain.FormatCargo: "index file",
	domain.FormatRuby:  "info/smallpkg",
	domain.FormatNuget: "flat container index.json",
	domain.FormatSwift: "release list",
}

// fmtOps are a format's four rows, in table order.
func fmtOps(f domain.Format) [4]string {
	l, ix := fmtLabels[f], fmtIndexName[f]
	return [4]string{l + " publish", l + " " + ix + " after change", l + " " + ix + " warm", l + " file GET"}
}

const (
	fmtCycles       = 5 // publish + index after change per visit (timed)
	fmtWarmPerCycle = 3 // warm index reads and downloads per cycle
)

// fmtClient speaks one format's protocol to the small package.
type fmtClient struct {
	f        fmtRepo
	s        *server
	endpoint string // ends in "/"
	// publish sends version (timed part only); index GETs the index and
	// reports whether it lists version; download GETs version's file.
	publish  func(ctx context.Context, version string) (time.Duration, error)
	index    func(ctx context.Context) ([]byte, error)
	lists    func(body []byte, version string) bool
	download func(ctx context.Context, version string) ([]byte, error)
	files    map[string][]byte // version -> its downloadable file's bytes
}

// do sends a request; the answer must have status want.
func (c *fmtClient) do(ctx context.Context, method, url string, body []byte, hdr map[string]string, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: %s, want %d: %.300s", method, url, resp.Status, want, b)
	}
	return b, nil
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// setupFormats: for every format, the small package deleted (a visit
// before this one published it; on postgres-s3 its bytes would be gone)
// and published again through the protocol with versions 1.0.0 and 1.0.1.
func (s *server) setupFormats(ctx context.Context) error {
	s.fmts = nil
	for _, f := range fmtRepos {
		c, err := s.newFmtClient(ctx, f)
		if err != nil {
			return fmt.Errorf("%s: %w", f.format, err)
		}
		in := &codeartifact.DeletePackageInput{Domain: dom, DomainOwner: owner, Repository: aws.String(f.repo),
			Format: types.PackageFormat(f.format), Package: aws.String(f.small)}
		if f.namespace != "" {
			in.Namespace = aws.String(f.namespace)
		}
		if _, err := s.ca.DeletePackage(ctx, in); err != nil {
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) {
				return fmt.Errorf("%s: DeletePackage: %w", f.format, err)
			}
		}
		for _, v := range []string{"1.0.0", "1.0.1"} {
			if _, err := c.publish(ctx, v); err != nil {
				return fmt.Errorf("%s: publish %s: %w", f.format, v, err)
			}
		}
		body, err := c.index(ctx)
		if err != nil {
			return fmt.Errorf("%s: index: %w", f.format, err)
		}
		if !c.lists(body, "1.0.0") || !c.lists(body, "1.0.1") {
			return fmt.Errorf("%s: index does not list 1.0.0 and 1.0.1: %.500s", f.format, body)
		}
		s.fmts = append(s.fmts, c)
	}
	return nil
}

// measureFormat records the format's four rows, then deletes what it
// published (untimed).
func (s *server) measureFormat(ctx context.Context, c *fmtClient) error {
	names := fmtOps(c.f.format)
	var published []string
	defer func() {
		if len(published) > 0 {
			s.deleteFmtVersions(ctx, c.f, published)
		}
	}()
	for cycle := 0; cycle <= fmtCycles; cycle++ {
		timedRun := cycle > 0 // cycle 0 warms connections and caches
		s.m.seq++
		version := fmt.Sprintf("2.0.%d", s.m.seq)
		d, err := c.publish(ctx, version)
		if err != nil {
			return fmt.Errorf("%s: %w", names[0], err)
		}
		published = append(published, version)
		var body []byte
		d2, err := timed(func() (err error) { body, err = c.index(ctx); return err })
		if err == nil && !c.lists(body, version) {
			err = fmt.Errorf("the index does not list %s just published: %.500s", version, body)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", names[1], err)
		}
		if timedRun {
			s.record(names[0], ms(d), "ms")
			s.record(names[1], ms(d2), "ms")
		}
		for range fmtWarmPerCycle {
			d, err := timed(func() (err error) { body, err = c.index(ctx); return err })
			if err == nil && (!c.lists(body, version) || !c.lists(body, "1.0.0")) {
				err = fmt.Errorf("the index does not list %s and 1.0.0: %.500s", version, body)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", names[2], err)
			}
			if timedRun {
				s.record(names[2], ms(d), "ms")
			}
		}
		for range fmtWarmPerCycle {
			d, err := timed(func() (err error) { body, err = c.download(ctx, "1.0.0"); return err })
			if err == nil && sha256hex(body) != sha256hex(c.files["1.0.0"]) {
				err = fmt.Errorf("downloaded %d bytes of sha256 %s, want %s", len(body), sha256hex(body), sha256hex(c.files["1.0.0"]))
			}
			if err != nil {
				return fmt.Errorf("%s: %w", names[3], err)
			}
			if timedRun {
				s.record(names[3], ms(d), "ms")
			}
		}
	}
	err := s.deleteFmtVersions(ctx, c.f, published)
	published = nil
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (s *server) deleteFmtVersions(ctx context.Context, f fmtRepo, versions []string) error {
	in := &codeartifact.DeletePackageVersionsInput{Domain: dom, DomainOwner: owner, Repository: aws.String(f.repo),
		Format: types.PackageFormat(f.format), Package: aws.String(f.small), Versions: versions}
	if f.namespace != "" {
		in.Namespace = aws.String(f.namespace)
	}
	out, err := s.ca.DeletePackageVersions(ctx, in)
	if err != nil {
		return err
	}
	if len(out.SuccessfulVersions) != len(versions) {
		return fmt.Errorf("%s: deleted %d of %d versions", f.format, len(out.SuccessfulVersions), len(versions))
	}
	return nil
}

func (s *server) newFmtClient(ctx context.Context, f fmtRepo) (*fmtClient, error) {
	ep, err := s.ca.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: dom, DomainOwner: owner,
		Repository: aws.String(f.repo), Format: types.PackageFormat(f.format)})
	if err != nil {
		return nil, err
	}
	c := &fmtClient{f: f, s: s, endpoint: strings.TrimSuffix(aws.ToString(ep.RepositoryEndpoint), "/") + "/", files: map[string][]byte{}}
	basic := map[string]string{"Authorization": "Basic " + basicAuth("aws", s.token)}
	bearer := map[string]string{"Authorization": "Bearer " + s.token}
	name := f.small
	contains := func(b []byte, sub string) bool { return bytes.Contains(b, []byte(sub)) }
	switch f.format {
	case domain.FormatPypi:
		// twine's upload: multipart POST to the endpoint, Basic aws:TOKEN.
		c.publish = func(ctx context.Context, v string) (time.Duration, error) {
			file, whl := pyWheel(name, v)
			body, ctype := pyForm(name, v, file, whl)
			c.files[v] = whl
			return timed(func() error {
				_, err := c.do(ctx, http.MethodPost, c.endpoint, body, merge(basic, "Content-Type", ctype), http.StatusOK)
				return err
			})
		}
		// pip's request for the project page.
		c.index = func(ctx context.Context) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+"simple/"+name+"/", nil, merge(basic, "Accept",
				"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"), http.StatusOK)
		}
		c.lists = func(b []byte, v string) bool { return contains(b, `"`+name+"-"+v+"-py3-none-any.whl\"") }
		c.download = func(ctx context.Context, v string) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+"packages/"+name+"/"+v+"/"+name+"-"+v+"-py3-none-any.whl", nil, basic, http.StatusOK)
		}
	case domain.FormatMaven:
		dir := strings.ReplaceAll(f.namespace, ".", "/") + "/" + name + "/"
		put := func(ctx context.Context, rel string, b []byte) error {
			for _, x := range []struct {
				ext  string
				body []byte
			}{{"", b}, {".sha1", []byte(hexSum(sha1.New(), b))}, {".md5", []byte(hexSum(md5.New(), b))}} {
				if _, err := c.do(ctx, http.MethodPut, c.endpoint+rel+x.ext, x.body, basic, http.StatusCreated); err != nil {
					return err
				}
			}
			return nil
		}
		// mvn deploy: the jar, the POM and the artifact's
		// maven-metadata.xml, each followed by its .sha1 and .md5.
		c.publish = func(ctx context.Context, v string) (time.Duration, error) {
			jar := mvnJar(name + " " + v + " " + s.nonce)
			pom := []byte(fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>%s</groupId>\n  <artifactId>%s</artifactId>\n  <version>%s</version>\n</project>\n", f.namespace, name, v))
			meta := mvnMetadata(f.namespace, name, v)
			c.files[v] = jar
			return timed(func() error {
				for _, p := range []struct {
					rel  string
					body []byte
				}{{dir + v + "/" + name + "-" + v + ".jar", jar}, {dir + v + "/" + name + "-" + v + ".pom", pom}, {dir + "maven-metadata.xml", meta}} {
					if err := put(ctx, p.rel, p.body); err != nil {
						return err
					}
				}
				return nil
			})
		}
		c.index = func(ctx context.Context) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+dir+"maven-metadata.xml", nil, basic, http.StatusOK)
		}
		c.lists = func(b []byte, v string) bool { return contains(b, "<version>"+v+"</version>") }
		c.download = func(ctx context.Context, v string) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+dir+v+"/"+name+"-"+v+".jar", nil, basic, http.StatusOK)
		}
	case domain.FormatCargo:
		// cargo sends the token verbatim.
		tok := map[string]string{"Authorization": s.token}
		c.publish = func(ctx context.Context, v string) (time.Duration, error) {
			crate := tarGz(name+"-"+v+"/", [][2]string{
				{"Cargo.toml", fmt.Sprintf("[package]\nname = %q\nversion = %q\nedition = \"2021\"\n", name, v)},
				{"src/lib.rs", "pub fn version() -> &'static str { \"" + v + " " + s.nonce + "\" }\n"}})
			meta := map[string]any{"name": name, "vers": v, "deps": []any{}, "features": map[string]any{},
				"authors": []string{}, "description": "d", "license": "MIT", "keywords": []string{}, "categories": []string{},
				"badges": map[string]any{}, "links": nil}
			c.files[v] = crate
			frame := cargoFrame(meta, crate)
			return timed(func() error {
				_, err := c.do(ctx, http.MethodPut, c.endpoint+"api/v1/crates/new", frame, tok, http.StatusOK)
				return err
			})
		}
		c.index = func(ctx context.Context) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+cargoIndexPath(name), nil, tok, http.StatusOK)
		}
		c.lists = func(b []byte, v string) bool { return contains(b, `"vers":"`+v+`"`) }
		c.download = func(ctx context.Context, v string) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+"api/v1/crates/"+name+"/"+v+"/download", nil, tok, http.StatusOK)
		}
	case domain.FormatRuby:
		// gem push: POST api/v1/gems, Authorization as in the credentials
		// file (Bearer TOKEN); Bundler's compact index info/<gem>.
		c.publish = func(ctx context.Context, v string) (time.Duration, error) {
			gem := rubyGem(name, v, s.nonce)
			c.files[v] = gem
			return timed(func() error {
				b, err := c.do(ctx, http.MethodPost, c.endpoint+"api/v1/gems", gem,
					merge(bearer, "Content-Type", "application/octet-stream"), http.StatusOK)
				if err == nil && !contains(b, "Successfully registered gem: "+name+" ("+v+")") {
					err = fmt.Errorf("gem push: %s", b)
				}
				return err
			})
		}
		c.index = func(ctx context.Context) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+"info/"+name, nil, bearer, http.StatusOK)
		}
		c.lists = func(b []byte, v string) bool { return contains(b, "\n"+v+" ") }
		c.download = func(ctx context.Context, v string) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+"gems/"+name+"-"+v+".gem", nil, bearer, http.StatusOK)
		}
	case domain.FormatNuget:
		nh := func(h map[string]string) map[string]string {
			return merge(merge(h, "X-NuGet-Protocol-Version", "4.1.0"), "User-Agent", "NuGet Command Line/6.8.0 (Linux)")
		}
		idx, err := c.do(ctx, http.MethodGet, c.endpoint+"v3/index.json", nil, nh(basic), http.StatusOK)
		if err != nil {
			return nil, err
		}
		var si struct {
			Resources []struct {
				ID   string `json:"@id"`
				Type string `json:"@type"`
			} `json:"resources"`
		}
		if err := json.Unmarshal(idx, &si); err != nil {
			return nil, fmt.Errorf("service index: %w", err)
		}
		res := map[string]string{}
		for _, r := range si.Resources {
			res[r.Type] = r.ID
		}
		publishURL, base := res["PackagePublish/2.0.0"], res["PackageBaseAddress/3.0.0"]
		if publishURL == "" || base == "" {
			return nil, fmt.Errorf("service index without PackagePublish/PackageBaseAddress: %s", idx)
		}
		// dotnet nuget push: PUT multipart, the key in X-NuGet-ApiKey.
		c.publish = func(ctx context.Context, v string) (time.Duration, error) {
			pkg := nupkg(name, v, s.nonce)
			c.files[v] = pkg
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data; name="package"; filename="package.nupkg"`},
				"Content-Type": {"application/octet-stream"}})
			pw.Write(pkg)
			mw.Close()
			return timed(func() error {
				_, err := c.do(ctx, http.MethodPut, publishURL, body.Bytes(),
					nh(map[string]string{"X-NuGet-ApiKey": s.token, "Content-Type": mw.FormDataContentType()}), http.StatusCreated)
				return err
			})
		}
		// dotnet restore's version list (PackageBaseAddress).
		c.index = func(ctx context.Context) ([]byte, error) {
			return c.do(ctx, http.MethodGet, base+name+"/index.json", nil, nh(basic), http.StatusOK)
		}
		c.lists = func(b []byte, v string) bool { return contains(b, `"`+v+`"`) }
		c.download = func(ctx context.Context, v string) ([]byte, error) {
			return c.do(ctx, http.MethodGet, base+name+"/"+v+"/"+name+"."+v+".nupkg", nil, nh(basic), http.StatusOK)
		}
	case domain.FormatSwift:
		path := f.namespace + "/" + name
		// swift package-registry publish: PUT multipart source-archive.
		c.publish = func(ctx context.Context, v string) (time.Duration, error) {
			archive := swiftZip(name, v, s.nonce)
			c.files[v] = archive
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data; name="source-archive"`},
				"Content-Type": {"application/zip"}})
			pw.Write(archive)
			mw.Close()
			return timed(func() error {
				_, err := c.do(ctx, http.MethodPut, c.endpoint+path+"/"+v, body.Bytes(), merge(merge(bearer,
					"Content-Type", mw.FormDataContentType()), "Accept", "application/vnd.swift.registry.v1+json"), http.StatusCreated)
				return err
			})
		}
		c.index = func(ctx context.Context) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+path, nil, merge(bearer, "Accept", "application/vnd.swift.registry.v1+json"), http.StatusOK)
		}
		c.lists = func(b []byte, v string) bool {
			var doc struct {
				Releases map[string]json.RawMessage `json:"releases"`
			}
			return json.Unmarshal(b, &doc) == nil && doc.Releases[v] != nil
		}
		c.download = func(ctx context.Context, v string) ([]byte, error) {
			return c.do(ctx, http.MethodGet, c.endpoint+path+"/"+v+".zip", nil, merge(bearer, "Accept", "application/vnd.swift.registry.v1+zip"), http.StatusOK)
		}
	default:
		return nil, fmt.Errorf("no client for %s", f.format)
	}
	return c, nil
}
