package service

import (
	"io"
	"net/url"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
)

// RemoteFormat is what a package format supplies so that repositories
// with an external connection serve its packages from a public registry:
// where a package's metadata lives, how to read it, and how a kept file
// changes the kept version's document. Everything else (HTTP, caching,
// single flight, integrity, retention, origin controls) is the service's
// and the upstream package's.
type RemoteFormat interface {
	// MetadataRequest names the upstream document that lists a package's
	// versions: a path relative to the connection's URL, already escaped,
	// and the Accept header to send with it.
	MetadataRequest(namespace, name string) (path, accept string)
	// ParseMetadata reads that document. base is the URL it came from
	// (after redirects): relative file URLs resolve against it. A document
	// that names another package, or cannot be read, is an error.
	ParseMetadata(body []byte, contentType string, base *url.URL, namespace, name string) (*RemotePackage, error)
	// KeepFile runs in the transaction that keeps a fetched file: v is the
	// version that keeps it, either new (its fields set from rv.Metadata)
	// or one kept earlier that gains a file. content reads the file's size
	// bytes, whose digests are sums and match what rv promised. KeepFile
	// sets v.Metadata (the format's version document) and anything else it
	// reads from the file.
	KeepFile(v *domain.PackageVersion, rv *RemoteVersion, file string, sums hashing.Sums, content io.ReaderAt, size int64) error
}

// RemotePackage is a package as an upstream registry lists it.
type RemotePackage struct {
	Versions []*RemoteVersion // in the upstream's order
	// Tags are npm's dist-tags (nil for formats without them).
	Tags map[string]string
}

// Version returns the listed version v, or nil.
func (p *RemotePackage) Version(v string) *RemoteVersion {
	if p == nil {
		return nil
	}
	for _, rv := range p.Versions {
		if rv.Version == v {
			return rv
		}
	}
	return nil
}

// RemoteVersion is one version an upstream lists.
type RemoteVersion struct {
	Version   string
	Published time.Time // zero when the upstream does not say
	// Metadata is what the listing says of the version. Raw is the format's
	// version document as its views render it for a version not kept yet
	// (an npm manifest; a PyPI document of the files offered).
	Metadata VersionMetadata
	Files    map[string]RemoteFile // by asset name
	// FilesAt is set by formats whose listings name versions but not
	// files (Maven): any file not in Files is fetched from FilesAt plus
	// its name and kept only when its bytes match the SHA-1 the upstream
	// publishes beside it ({name}.sha1).
	FilesAt *url.URL
}

// file returns the upstream file that provides asset (ok false when none).
func (rv *RemoteVersion) file(asset string) (RemoteFile, bool) {
	if f, ok := rv.Files[asset]; ok {
		return f, true
	}
	if rv.FilesAt == nil {
		return RemoteFile{}, false
	}
	u := rv.FilesAt.JoinPath(asset)
	side := rv.FilesAt.JoinPath(asset + ".sha1")
	return RemoteFile{URL: u, Size: -1, SHA1At: side}, true
}

// RemoteFile is one file of an upstream version.
type RemoteFile struct {
	URL  *url.URL
	Size int64 // -1 when unknown
	// Digests the upstream promises, lowercase hex ("" = not promised).
	// The bytes are kept only when every promised digest matches.
	SHA256, SHA512, SHA1, MD5 string
	// SHA1At, when set, is where the upstream publishes the file's SHA-1;
	// it is read before the file and the bytes must match it.
	SHA1At *url.URL
}

// check reports whether sums keep every promise of f.
func (f RemoteFile) check(sums hashing.Sums) bool {
	for _, p := range [][2]string{{f.SHA256, sums.SHA256}, {f.SHA512, sums.SHA512}, {f.SHA1, sums.SHA1}, {f.MD5, sums.MD5}} {
		if p[0] != "" && p[0] != p[1] {
			return false
		}
	}
	return f.Size < 0 || f.Size == sums.Size
}

// asVersion is how a version not kept yet appears among a package's
// versions (PackageThroughUpstreams): Published, EXTERNAL.
func (rv *RemoteVersion) asVersion(connection string) domain.PackageVersion {
	m := rv.Metadata
	return domain.PackageVersion{
		Version: rv.Version, Status: domain.StatusPublished, OriginType: domain.OriginExternal,
		EntryExternalConn: connection, PublishedTime: rv.Published,
		DisplayName: m.DisplayName, Summary: m.Summary, HomePage: m.HomePage, SourceCodeRepository: m.SourceCodeRepository,
		Licenses: m.Licenses, Dependencies: m.Dependencies, Readme: m.Readme, Metadata: m.Raw,
	}
}
