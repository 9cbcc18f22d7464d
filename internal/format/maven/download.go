package maven

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// get serves a file, a checksum or a generated maven-metadata.xml.
func (f *Format) get(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, p Path) {
	if p.Kind != KindFile {
		body, modified, err := f.metadata(r.Context(), repo, p)
		if err != nil {
			f.writeError(w, err)
			return
		}
		if p.Checksum != "" {
			serveChecksum(w, r, hexSum(p.Checksum, body))
			return
		}
		serveDocument(w, r, body, modified)
		return
	}
	dl, err := f.open(r.Context(), repo, p)
	if err != nil {
		f.writeError(w, err)
		return
	}
	if p.Checksum != "" {
		a := dl.Asset
		if a.SHA256 == "" {
			// Being fetched through an external connection: its hashes
			// are known once it is kept.
			_, cerr := io.Copy(io.Discard, dl.Content)
			dl.Content.Close()
			if cerr != nil {
				f.writeError(w, domain.Unavailable("Could not fetch %s: %v", p.File, cerr))
				return
			}
			if a, _, err = f.svc.LookupAsset(r.Context(), repo.Caller, ref(repo, p), dl.Version.Version.Version, p.File); err != nil {
				f.writeError(w, err)
				return
			}
		} else {
			dl.Content.Close()
		}
		serveChecksum(w, r, assetChecksum(a, p.Checksum))
		return
	}
	defer dl.Content.Close()
	w.Header().Set("Content-Type", contentType(p.Extension))
	if a := dl.Asset; a.SHA256 != "" { // "" while fetched through an external connection
		w.Header().Set("ETag", `"`+a.SHA256+`"`)
		// What repository managers send: newer Maven resolvers take the
		// checksums from these headers instead of asking for them.
		w.Header().Set("X-Checksum-Sha1", a.SHA1)
		w.Header().Set("X-Checksum-Md5", a.MD5)
		w.Header().Set("X-Checksum-Sha256", a.SHA256)
	}
	dataplane.ServeObject(w, r, dl.Content)
}

// open opens a file of a version a client may download: from the version
// the directory names, else (for a file of an earlier SNAPSHOT build)
// from the build's own version, through upstreams and external
// connections.
func (f *Format) open(ctx context.Context, repo dataplane.Repo, p Path) (service.AssetDownload, error) {
	dl, err := f.openVersion(ctx, repo, p, p.Version)
	if err != nil && p.Build != "" && errors.Is(err, domain.ErrNotFound) {
		dl, err = f.openVersion(ctx, repo, p, BuildVersion(p.Version, p.Build))
	}
	return dl, err
}

func (f *Format) openVersion(ctx context.Context, repo dataplane.Repo, p Path, version string) (service.AssetDownload, error) {
	dl, err := f.svc.OpenThroughUpstreams(ctx, repo.Caller, ref(repo, p), version, p.File, usable)
	if err != nil {
		return dl, err
	}
	if st := dl.Version.Version.Status; !usable(st) {
		dl.Content.Close()
		return service.AssetDownload{}, domain.NotFound(domain.ResPackageVersion, version, "Package version %s is %s: its files cannot be downloaded", version, st)
	}
	return dl, nil
}

func contentType(ext string) string {
	switch {
	case ext == "pom" || strings.HasSuffix(ext, ".xml") || ext == "xml":
		return "text/xml"
	case ext == "module" || strings.HasSuffix(ext, ".json"):
		return "application/json"
	case strings.HasSuffix(ext, ".asc"):
		return "text/plain"
	}
	return "application/octet-stream"
}

// serveChecksum answers a checksum file: the lowercase hex digest alone.
func serveChecksum(w http.ResponseWriter, r *http.Request, sum string) {
	if sum == "" {
		writeText(w, http.StatusNotFound, "No such checksum")
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("ETag", `"`+sum+`"`)
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(sum))
}

// serveDocument answers a generated maven-metadata.xml, with validators
// so that clients revalidate cheaply; HEAD and conditionals included.
func serveDocument(w http.ResponseWriter, r *http.Request, body []byte, modified time.Time) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("ETag", `"`+hexSum("sha1", body)+`"`)
	w.Header().Set("Cache-Control", "no-cache")
	// Last-Modified is the newest version's publication, which goes back
	// when that version is archived or deleted: a client's
	// If-Modified-Since could then wrongly get 304, so only the ETag
	// validates.
	r.Header.Del("If-Modified-Since")
	http.ServeContent(w, r, "", modified, bytes.NewReader(body))
}

func hexSum(alg string, b []byte) string {
	var h hash.Hash
	switch alg {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return ""
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// metadata generates the maven-metadata.xml a path names.
func (f *Format) metadata(ctx context.Context, repo dataplane.Repo, p Path) ([]byte, time.Time, error) {
	if p.Kind == KindVersionMetadata {
		return f.snapshotMetadata(ctx, repo, p)
	}
	return f.cachedArtifactMetadata(ctx, repo, p)
}

// artifactMetadata lists the versions a client may resolve through the
// repository: the Published ones of the repository, its upstreams and
// the registry behind an external connection.
func (f *Format) artifactMetadata(ctx context.Context, repo dataplane.Repo, p Path) ([]byte, time.Time, error) {
	srcs, err := f.svc.PackageThroughUpstreams(ctx, repo.Caller, ref(repo, p))
	if err != nil {
		return nil, time.Time{}, err
	}
	return renderArtifactMetadata(p, srcs)
}

// renderArtifactMetadata renders the document of the Published versions
// of srcs.
func renderArtifactMetadata(p Path, srcs []service.PackageSource) ([]byte, time.Time, error) {
	return artifactDocument(p, vindex.Build(0, "", service.MergeVersions(srcs), publishedSpec))
}

// publishedSpec keeps each Published version's line of the document's
// versions list, joined per group, and the newest publication time.
var publishedSpec = vindex.Spec[listedVersion]{
	Convert:  publishedVersion,
	Sections: []vindex.Section[listedVersion]{{Part: func(v listedVersion) []byte { return v.line }}},
	Better:   func(a, b listedVersion) bool { return a.published.After(b.published) },
}

// listedVersion is a Published version in its artifact's document.
type listedVersion struct {
	published time.Time
	line      []byte // "      <version>V</version>\n"
}

// versionIndent is the indentation of a <version> line (RenderArtifactMetadata).
const versionIndent = "      "

// publishedVersion is a Published version's place in its artifact's
// document, in Maven's version order.
func publishedVersion(v domain.PackageVersion) (vindex.Item[listedVersion], bool) {
	if v.Status != domain.StatusPublished {
		return vindex.Item[listedVersion]{}, false
	}
	var line bytes.Buffer
	line.WriteString(versionIndent + "<version>")
	xml.EscapeText(&line, []byte(v.Version))
	line.WriteString("</version>\n")
	return vindex.Item[listedVersion]{Key: Rules{}.VersionSortKey(v.Version), Val: listedVersion{v.PublishedTime, line.Bytes()}}, true
}

// versionSentinel stands for the versions list in a rendered skeleton: a
// "/" cannot be in a groupId or artifactId (path segments), a version,
// latest or release, so it appears once, on its own line.
const versionSentinel = "artifactd/versions"

// artifactDocument renders the artifact-level maven-metadata.xml of the
// versions in ix, and when it last changed: the document rendered with one
// stand-in version, whose line is replaced by the groups' lines. It costs
// the number of groups and the document's bytes, not a rendering of every
// version.
func artifactDocument(p Path, ix *vindex.Index[listedVersion]) ([]byte, time.Time, error) {
	newest, ok := ix.Best()
	if !ok {
		return nil, time.Time{}, domain.NotFound(domain.ResPackage, p.ArtifactID, "No version of %s:%s can be resolved from this repository", p.GroupID, p.ArtifactID)
	}
	modified := newest.Val.published
	md := ArtifactMetadata{GroupID: p.GroupID, ArtifactID: p.ArtifactID, Versions: []string{versionSentinel}, LastUpdated: modified.UTC()}
	ix.Walk("", false, func(it vindex.Item[listedVersion]) bool { md.Latest = it.Version; return true })
	ix.Walk("", false, func(it vindex.Item[listedVersion]) bool {
		if IsSnapshot(it.Version) {
			return false
		}
		md.Release = it.Version
		return true
	})
	skeleton := RenderArtifactMetadata(md)
	line := versionIndent + "<version>" + versionSentinel + "</version>\n"
	at := bytes.Index(skeleton, []byte(line))
	if at < 0 {
		return nil, time.Time{}, fmt.Errorf("maven: the metadata skeleton of %s:%s has no versions line", p.GroupID, p.ArtifactID)
	}
	parts := append([][]byte{skeleton[:at]}, ix.Joined(0)...)
	parts = append(parts, skeleton[at+len(line):])
	return vindex.NewDoc(parts).Bytes(), modified, nil
}

// snapshotMetadata describes the current build of a SNAPSHOT version:
// the one its version-level maven-metadata.xml last named, else the
// newest build among its files.
func (f *Format) snapshotMetadata(ctx context.Context, repo dataplane.Repo, p Path) ([]byte, time.Time, error) {
	v, assets, err := f.snapshotVersion(ctx, repo, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	var state snapshotState
	json.Unmarshal(v.Metadata, &state)
	builds := map[string]bool{}
	for _, a := range assets {
		if b, ok := SplitBuild(p.ArtifactID, p.Version, a.Name); ok {
			builds[b] = true
		}
	}
	build := state.Build
	if !builds[build] {
		build = ""
		for b := range builds {
			if build == "" || newerBuild(b, build) {
				build = b
			}
		}
	}
	if build == "" {
		return nil, time.Time{}, domain.NotFound(domain.ResPackageVersion, p.Version, "Version %s has no timestamped build", p.Version)
	}
	timestamp, number, _ := strings.Cut(build, "-")
	n, _ := strconv.Atoi(number)
	updated := v.PublishedTime.UTC()
	if build == state.Build && !state.Updated.IsZero() {
		updated = state.Updated
	}
	md := SnapshotMetadata{GroupID: p.GroupID, ArtifactID: p.ArtifactID, Version: p.Version, Timestamp: timestamp, BuildNumber: n, LastUpdated: updated}
	for _, a := range assets {
		if b, ok := SplitBuild(p.ArtifactID, p.Version, a.Name); !ok || b != build {
			continue
		}
		fp, err := ParsePath(url.PathEscape(p.GroupID) + "/" + p.ArtifactID + "/" + p.Version + "/" + url.PathEscape(a.Name))
		if err != nil || fp.Checksum != "" {
			continue
		}
		md.Files = append(md.Files, SnapshotVersion{Classifier: fp.Classifier, Extension: fp.Extension, Value: BuildVersion(p.Version, build), Updated: updated})
	}
	return RenderSnapshotMetadata(md), updated, nil
}

// newerBuild reports whether build a ("20261201.101010-2") is newer than b.
func newerBuild(a, b string) bool {
	ta, na, _ := strings.Cut(a, "-")
	tb, nb, _ := strings.Cut(b, "-")
	if ta != tb {
		return ta > tb
	}
	ia, _ := strconv.Atoi(na)
	ib, _ := strconv.Atoi(nb)
	return ia > ib
}

// snapshotVersion finds a SNAPSHOT version a client may resolve, in the
// repository or the first upstream repository that has it Published
// (SNAPSHOTs never come through external connections), with its files.
func (f *Format) snapshotVersion(ctx context.Context, repo dataplane.Repo, p Path) (domain.PackageVersion, []domain.Asset, error) {
	srcs, err := f.svc.PackageThroughUpstreams(ctx, repo.Caller, ref(repo, p))
	if err != nil {
		return domain.PackageVersion{}, nil, err
	}
	for _, src := range srcs {
		if src.External != "" {
			continue
		}
		for _, v := range src.Versions {
			if v.Version != p.Version {
				continue
			}
			if v.Status != domain.StatusPublished {
				return domain.PackageVersion{}, nil, domain.NotFound(domain.ResPackageVersion, p.Version, "Package version %s is %s", p.Version, v.Status)
			}
			r := ref(repo, p)
			r.Repository = src.Repository
			assets, err := f.allAssets(ctx, repo, r, p.Version)
			return v, assets, err
		}
	}
	return domain.PackageVersion{}, nil, domain.NotFound(domain.ResPackageVersion, p.Version, "Version %s of %s:%s not found", p.Version, p.GroupID, p.ArtifactID)
}

func (f *Format) allAssets(ctx context.Context, repo dataplane.Repo, r service.PackageRef, version string) ([]domain.Asset, error) {
	var all []domain.Asset
	page := store.Page{Limit: 1000}
	for {
		out, err := f.svc.ListPackageVersionAssets(ctx, repo.Caller, r, version, page)
		if err != nil {
			return nil, err
		}
		all = append(all, out.Assets...)
		if out.Next == "" {
			return all, nil
		}
		page.After = out.Next
	}
}
