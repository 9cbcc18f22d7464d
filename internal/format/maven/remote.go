package maven

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

// Remote reads Maven repositories (a Maven Central-style registry behind
// an external connection): the artifact-level maven-metadata.xml lists the
// versions, and each file lives in its version's directory with its SHA-1
// beside it. SNAPSHOTs are never taken from a connection, as on
// CodeArtifact.
type Remote struct{}

var _ service.RemoteFormat = Remote{}

// MetadataRequest implements service.RemoteFormat.
func (Remote) MetadataRequest(namespace, name string) (path, accept string) {
	var b strings.Builder
	for _, seg := range strings.Split(namespace, ".") {
		b.WriteString(url.PathEscape(seg))
		b.WriteByte('/')
	}
	b.WriteString(url.PathEscape(name))
	b.WriteString("/maven-metadata.xml")
	return b.String(), "application/xml, text/xml;q=0.9, */*;q=0.1"
}

// ParseMetadata implements service.RemoteFormat.
func (Remote) ParseMetadata(body []byte, contentType string, base *url.URL, namespace, name string) (*service.RemotePackage, error) {
	md, err := ParseMetadata(body)
	if err != nil {
		return nil, err
	}
	if md.GroupID != "" && md.GroupID != namespace || md.ArtifactID != "" && md.ArtifactID != name {
		return nil, fmt.Errorf("the upstream's maven-metadata.xml describes %s:%s, not %s:%s", md.GroupID, md.ArtifactID, namespace, name)
	}
	rp := &service.RemotePackage{}
	seen := map[string]bool{}
	for _, v := range md.Versions {
		if seen[v] || IsSnapshot(v) || !validVersion(v) {
			continue
		}
		seen[v] = true
		dir := base.ResolveReference(&url.URL{Path: "./" + v + "/"})
		rp.Versions = append(rp.Versions, &service.RemoteVersion{Version: v, FilesAt: dir})
	}
	return rp, nil
}

// validVersion reports whether v can name a version directory (a listing
// may hold anything).
func validVersion(v string) bool {
	p, err := ParsePath("g/a/" + url.PathEscape(v) + "/a-" + url.PathEscape(v) + ".pom")
	return err == nil && p.Version == v
}

// KeepFile implements service.RemoteFormat: the version's POM gives its
// details, as a deployed one does.
func (Remote) KeepFile(v *domain.PackageVersion, rv *service.RemoteVersion, file string, sums hashing.Sums, content io.ReaderAt, size int64) error {
	if size > maxDocumentBytes || !strings.HasSuffix(file, ".pom") {
		return nil
	}
	b := make([]byte, size)
	if _, err := content.ReadAt(b, 0); err != nil && err != io.EOF {
		return err
	}
	pom, err := ParsePOM(bytes.TrimSpace(b))
	if err != nil || pom.Version != v.Version {
		return nil // kept all the same; mvn judges it
	}
	applyPOM(v, pom)
	return nil
}
