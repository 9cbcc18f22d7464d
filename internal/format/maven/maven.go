// Package maven serves Maven repositories on the data plane, in Maven's
// own layout, for mvn, Gradle and any client of a Maven repository.
//
// Under a repository's endpoint {ep} (…/maven/d/{domain}-{owner}/{repo}/):
//
//	GET|PUT {ep}{group/path}/{artifactId}/{version}/{file}        a file of a version
//	GET|PUT {ep}{group/path}/{artifactId}/maven-metadata.xml      the artifact's versions
//	GET|PUT {ep}{group/path}/{artifactId}/{X-SNAPSHOT}/maven-metadata.xml  the current build
//	GET|PUT any of those + .md5|.sha1|.sha256|.sha512             checksums
//
// A package's namespace is the groupId and its name the artifactId. Files
// go into a version that stays Unfinished until a maven-metadata.xml that
// lists it is uploaded. Checksums are never stored: uploads are compared
// with the hashes of the stored bytes, downloads answered from them.
// maven-metadata.xml is always generated from the versions a client may
// resolve, never the uploaded document replayed.
package maven

import (
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// Format is the Maven data plane.
type Format struct {
	svc  *service.Service
	log  *slog.Logger
	now  func() time.Time
	docs *metadataCache // rendered artifact maven-metadata.xml, keyed on package stamps
	// rendered counts artifact documents rendered for the cache (tests).
	rendered atomic.Int64
	// edited counts those of them made from an earlier one (tests).
	edited atomic.Int64
}

// New returns the Maven format.
func New(svc *service.Service, log *slog.Logger) *Format {
	return &Format{svc: svc, log: log, now: time.Now, docs: newMetadataCache(metadataCacheBytes)}
}

// Name implements dataplane.Format.
func (f *Format) Name() domain.Format { return domain.FormatMaven }

// ServeRepo implements dataplane.Format.
func (f *Format) ServeRepo(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	if repo.Path == "" {
		writeText(w, http.StatusNotFound, "This is a Maven repository: request {groupId as path}/{artifactId}/{version}/{file}")
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut:
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT")
		writeText(w, http.StatusMethodNotAllowed, "Method not allowed: a Maven repository takes GET, HEAD and PUT")
		return
	}
	p, err := ParsePath(repo.Path)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.Method == http.MethodPut {
		f.put(w, r, repo, p)
		return
	}
	f.get(w, r, repo, p)
}

func ref(repo dataplane.Repo, p Path) service.PackageRef {
	return repo.Ref(domain.FormatMaven, p.GroupID, p.ArtifactID)
}

// usable reports whether a client may download the files of a version of
// status st: Published ones, and Unlisted ones by exact name (earlier
// SNAPSHOT builds, lockfile pins).
func usable(st domain.Status) bool {
	return st == domain.StatusPublished || st == domain.StatusUnlisted
}

// writeText answers a plain-text message; mvn shows the status and,
// with -e, the text.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// writeError answers a service error as plain text.
func (f *Format) writeError(w http.ResponseWriter, err error) {
	writeText(w, dataplane.Status(err), dataplane.Message(f.log, err))
}
