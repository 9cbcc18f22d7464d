package maven

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
)

// maxDocumentBytes bounds the POMs and maven-metadata.xml documents read
// into memory.
const maxDocumentBytes = 16 << 20

// put takes one upload of mvn deploy (or curl): a file, a checksum, or a
// maven-metadata.xml.
func (f *Format) put(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, p Path) {
	var err error
	switch {
	case p.Checksum != "":
		err = f.putChecksum(r, repo, p)
	case p.Kind == KindArtifactMetadata:
		err = f.putArtifactMetadata(r, repo, p)
	case p.Kind == KindVersionMetadata:
		err = f.putSnapshotMetadata(r, repo, p)
	default:
		err = f.putFile(r, repo, p)
	}
	if err != nil {
		f.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// readDocument reads an XML document of an upload.
func readDocument(r *http.Request, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, domain.Invalid("The %s could not be read completely: %v", what, err)
	}
	if len(b) > maxDocumentBytes {
		return nil, domain.Invalid("The %s is larger than %d bytes", what, maxDocumentBytes)
	}
	return b, nil
}

// putFile adds a file to its version, creating the version Unfinished.
// Files of a SNAPSHOT build go into the SNAPSHOT version itself; its
// version-level maven-metadata.xml later names the current build.
func (f *Format) putFile(r *http.Request, repo dataplane.Repo, p Path) error {
	var body io.Reader = r.Body
	var describe func(*domain.PackageVersion) error
	if p.Extension == "pom" && p.Classifier == "" {
		b, err := readDocument(r, "POM")
		if err != nil {
			return err
		}
		if pom, err := ParsePOM(b); err == nil {
			describe = func(v *domain.PackageVersion) error { applyPOM(v, pom); return nil }
		} else {
			// Stored all the same: a consumer's mvn judges the POM.
			f.log.Info("a deployed POM could not be read; its version has no POM details", "file", p.File, "err", err)
		}
		body = bytes.NewReader(b)
	}
	_, err := f.svc.PublishVersion(r.Context(), repo.Caller, service.VersionPublish{
		Package: ref(repo, p), Version: p.Version,
		Assets:     []service.NewAsset{{Name: p.File, Content: body}},
		Unfinished: true, AddToPublished: true,
		UpdateVersion: describe,
	})
	return err
}

// applyPOM sets what CodeArtifact shows of a version from its POM.
func applyPOM(v *domain.PackageVersion, pom POM) {
	v.Summary = truncate(strings.TrimSpace(pom.Description), 1024)
	v.HomePage = truncate(strings.TrimSpace(pom.URL), 1024)
	v.SourceCodeRepository = truncate(strings.TrimSpace(pom.SCM), 1024)
	v.Licenses = pom.Licenses
	v.Dependencies = pom.Dependencies
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// putChecksum compares an uploaded checksum with the hash of the stored
// bytes: nothing is stored either way. The comparison is exact, as on
// CodeArtifact, which keeps lowercase hex: an uppercase checksum is a
// mismatch.
func (f *Format) putChecksum(r *http.Request, repo dataplane.Repo, p Path) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil {
		return domain.Invalid("The checksum could not be read completely: %v", err)
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return domain.Invalid("The %s checksum of %s is empty", p.Checksum, p.File)
	}
	sum := fields[0]
	if !isHexLen(strings.ToLower(sum), checksumLen[p.Checksum]) {
		return domain.Invalid("The %s checksum of %s is not %d hexadecimal digits", p.Checksum, p.File, checksumLen[p.Checksum])
	}
	if p.Kind != KindFile {
		// maven-metadata.xml is generated, not stored: the checksum is
		// compared with the digest of the last document uploaded there.
		want, err := f.uploadedDigest(r, repo, p)
		if err != nil || want == "" || sum == want {
			return err
		}
		return domain.Invalid("The %s checksum %s does not match the %s uploaded last", p.Checksum, sum, p.File)
	}
	a, _, err := f.svc.LookupAsset(r.Context(), repo.Caller, ref(repo, p), p.Version, p.File)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return domain.NotFound(domain.ResAsset, p.File, "Upload %s before its checksum: %v", p.File, err)
		}
		return err
	}
	if want := assetChecksum(a, p.Checksum); sum != want {
		return domain.Invalid("The %s checksum %s does not match %s's stored bytes", p.Checksum, sum, p.File)
	}
	return nil
}

// checksumLen is the length in hex digits of each checksum.
var checksumLen = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

func isHexLen(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// assetChecksum is an asset's stored hash for a checksum extension.
func assetChecksum(a domain.Asset, alg string) string {
	switch alg {
	case "md5":
		return a.MD5
	case "sha1":
		return a.SHA1
	case "sha256":
		return a.SHA256
	case "sha512":
		return a.SHA512
	}
	return ""
}

// putArtifactMetadata finishes the versions an uploaded artifact-level
// maven-metadata.xml lists. The document itself is not kept: what clients
// read is generated.
func (f *Format) putArtifactMetadata(r *http.Request, repo dataplane.Repo, p Path) error {
	b, err := readDocument(r, "maven-metadata.xml")
	if err != nil {
		return err
	}
	md, err := ParseMetadata(b)
	if err != nil {
		return domain.Invalid("%v", err)
	}
	if md.Plugins {
		// A group's plugin prefixes (maven-plugin packaging): accepted,
		// not kept. Plugin prefixes resolve from plugin groups' settings.
		return nil
	}
	if md.GroupID != "" && md.GroupID != p.GroupID || md.ArtifactID != "" && md.ArtifactID != p.ArtifactID {
		return domain.Invalid("This maven-metadata.xml describes %s:%s, not %s:%s", md.GroupID, md.ArtifactID, p.GroupID, p.ArtifactID)
	}
	digests := documentDigests(b)
	_, err = f.svc.PublishUnfinished(r.Context(), repo.Caller, ref(repo, p), md.Versions, func(pkg *domain.Package) error {
		st := loadPackageState(*pkg)
		st.MetadataDigests = digests
		b, err := json.Marshal(st)
		pkg.Metadata = b
		return err
	})
	if isPackageNotFound(err) {
		return nil // lists nothing this repository has: nothing to finish
	}
	return err
}

// isPackageNotFound reports whether err says the package is missing (not
// the domain or the repository).
func isPackageNotFound(err error) bool {
	var de *domain.Error
	return errors.As(err, &de) && errors.Is(err, domain.ErrNotFound) && de.ResourceType == domain.ResPackage
}

// packageState is a Maven package's document: the digests of the last
// artifact-level maven-metadata.xml uploaded, by checksum extension.
type packageState struct {
	MetadataDigests map[string]string `json:"metadataDigests,omitempty"`
	// Log's stamp changes with every change to the package's versions
	// (Rules.PackageChanged) and the log names the versions changed:
	// cached documents are keyed on the stamp and edited from one stamp
	// to the next (vindex.Load).
	vindex.Log
}

// snapshotState is a SNAPSHOT version's document: the build that
// 1.0-SNAPSHOT resolves to, and the digests of the last version-level
// maven-metadata.xml uploaded.
type snapshotState struct {
	Build           string            `json:"build"`   // "20261201.101010-1"
	Updated         time.Time         `json:"updated"` // when it became current
	MetadataDigests map[string]string `json:"metadataDigests,omitempty"`
}

// documentDigests are the checksums of an uploaded document.
func documentDigests(b []byte) map[string]string {
	out := make(map[string]string, len(checksumLen))
	for alg := range checksumLen {
		out[alg] = hexSum(alg, b)
	}
	return out
}

// uploadedDigest is the digest (for p's checksum) of the maven-metadata.xml
// last uploaded at p's path; "" when none is on record.
func (f *Format) uploadedDigest(r *http.Request, repo dataplane.Repo, p Path) (string, error) {
	var digests map[string]string
	if p.Kind == KindVersionMetadata {
		vi, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, ref(repo, p), p.Version)
		if err != nil {
			return "", ignoreMissing(err)
		}
		var st snapshotState
		json.Unmarshal(vi.Version.Metadata, &st)
		digests = st.MetadataDigests
	} else {
		pkg, err := f.svc.LookupPackage(r.Context(), repo.Caller, ref(repo, p))
		if err != nil {
			return "", ignoreMissing(err)
		}
		var st packageState
		json.Unmarshal(pkg.Metadata, &st)
		digests = st.MetadataDigests
	}
	return digests[p.Checksum], nil
}

// ignoreMissing drops a package or version not-found error: the upload
// had nothing to record, so there is nothing to compare with.
func ignoreMissing(err error) error {
	var de *domain.Error
	if errors.As(err, &de) && errors.Is(err, domain.ErrNotFound) &&
		(de.ResourceType == domain.ResPackage || de.ResourceType == domain.ResPackageVersion) {
		return nil
	}
	return err
}

// putSnapshotMetadata makes the build a SNAPSHOT's version-level
// maven-metadata.xml names the current one, and the SNAPSHOT Published:
// the files of earlier builds become versions of their own
// (1.0-20261201.101010-1), Unlisted, still downloadable by their names.
func (f *Format) putSnapshotMetadata(r *http.Request, repo dataplane.Repo, p Path) error {
	b, err := readDocument(r, "maven-metadata.xml")
	if err != nil {
		return err
	}
	md, err := ParseMetadata(b)
	if err != nil {
		return domain.Invalid("%v", err)
	}
	if md.Version != "" && md.Version != p.Version {
		return domain.Invalid("This maven-metadata.xml describes version %s, not %s", md.Version, p.Version)
	}
	if md.SnapshotTimestamp == "" {
		// A non-unique SNAPSHOT (files named X-SNAPSHOT): there are no
		// builds to tell apart.
		return nil
	}
	build := fmt.Sprintf("%s-%d", md.SnapshotTimestamp, md.SnapshotBuildNumber)
	state, _ := json.Marshal(snapshotState{Build: build, Updated: f.now().UTC().Truncate(time.Second), MetadataDigests: documentDigests(b)})
	return f.svc.SplitVersion(r.Context(), repo.Caller, ref(repo, p), p.Version, service.VersionSplit{
		Route: func(asset string) string {
			if b, ok := SplitBuild(p.ArtifactID, p.Version, asset); ok && b != build {
				return BuildVersion(p.Version, b)
			}
			return ""
		},
		Status: domain.StatusUnlisted,
		Update: func(v *domain.PackageVersion) error {
			v.Metadata = state
			if v.Status == domain.StatusUnfinished {
				// As on CodeArtifact, the version-level document
				// publishes a SNAPSHOT (curl users send no other).
				v.Status, v.PublishedTime = domain.StatusPublished, f.now().UTC()
			}
			return nil
		},
	})
}
