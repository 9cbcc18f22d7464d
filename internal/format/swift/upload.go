package swift

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

// Bounds on a publish request besides the archive.
const (
	maxParts          = 16
	maxSignatureBytes = 64 << 10
)

// publishForm is a parsed publish request (Registry.md 4.6): the source
// archive spooled to a temporary file, the rest in memory.
type publishForm struct {
	archive           *os.File
	size              int64
	metadata          []byte
	signature         []byte
	metadataSignature []byte
}

func (p *publishForm) close() {
	if p.archive != nil {
		p.archive.Close()
		os.Remove(p.archive.Name())
	}
}

// statusError is a refusal with the status Registry.md gives it.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func failf(status int, format string, args ...any) error {
	return &statusError{status: status, msg: fmt.Sprintf(format, args...)}
}

// readPublishForm streams a multipart publish body: source-archive to a
// temporary file (at most MaxArchiveBytes), metadata (MaxMetadataBytes)
// and the signatures (maxSignatureBytes each) into memory. Other parts are
// refused: the spec names these four.
func (f *Format) readPublishForm(r *http.Request) (*publishForm, error) {
	p := &publishForm{}
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" || params["boundary"] == "" {
		return p, failf(http.StatusUnsupportedMediaType, "a release is published as multipart/form-data (Registry.md 4.6)")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for parts := 0; ; parts++ {
		if parts >= maxParts {
			return p, failf(http.StatusBadRequest, "the request has more than %d parts", maxParts)
		}
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, failf(http.StatusBadRequest, "malformed multipart body: %v", err)
		}
		name := part.FormName()
		switch name {
		case "source-archive":
			if p.archive != nil {
				part.Close()
				return p, failf(http.StatusBadRequest, "the request has more than one source-archive part")
			}
			if p.archive, err = f.tempFile(); err != nil {
				part.Close()
				return p, fmt.Errorf("spooling a source archive: %w", err)
			}
			n, err := io.Copy(p.archive, io.LimitReader(decodePart(part), MaxArchiveBytes+1))
			part.Close()
			if err != nil {
				return p, failf(http.StatusBadRequest, "receiving the source archive failed: %v", err)
			}
			if n > MaxArchiveBytes {
				return p, failf(http.StatusRequestEntityTooLarge, "the source archive is larger than %d bytes", int64(MaxArchiveBytes))
			}
			p.size = n
		case "metadata", "source-archive-signature", "metadata-signature":
			limit, r := int64(maxSignatureBytes), decodePart(part)
			if name == "metadata" {
				limit = MaxMetadataBytes
				if transferEncoding(part) == "quoted-printable" {
					r = part // raw: see metadataJSON
				}
			}
			b, err := io.ReadAll(io.LimitReader(r, limit+1))
			part.Close()
			if err != nil {
				return p, failf(http.StatusBadRequest, "receiving part %s failed: %v", name, err)
			}
			if int64(len(b)) > limit {
				return p, failf(http.StatusRequestEntityTooLarge, "part %s is larger than %d bytes", name, limit)
			}
			switch name {
			case "metadata":
				p.metadata = metadataJSON(b, transferEncoding(part))
			case "source-archive-signature":
				p.signature = b
			default:
				p.metadataSignature = b
			}
		default:
			part.Close()
			return p, failf(http.StatusBadRequest, "unexpected part %s: a publish has source-archive, source-archive-signature, metadata and metadata-signature", quote(name))
		}
	}
	if p.archive == nil {
		return p, failf(http.StatusBadRequest, "the request has no source-archive part")
	}
	return p, nil
}

// publish serves PUT {scope}/{name}/{version} (Registry.md 4.6):
// synchronous publication, 201 with the release's Location.
func (f *Format) publish(w http.ResponseWriter, r *http.Request, repo dataplane.Repo, scope, name, version string) {
	location, err := f.doPublish(r, repo, scope, name, version)
	if err != nil {
		// Drain a little of what is left so the client reads the answer
		// rather than a reset connection.
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		var se *statusError
		var ae *archiveError
		switch {
		case errors.As(err, &se):
			writeProblem(w, se.status, se.msg)
		case errors.As(err, &ae):
			writeProblem(w, http.StatusUnprocessableEntity, ae.msg)
		case errors.Is(err, domain.ErrConflict):
			writeProblem(w, http.StatusConflict, "a release with version "+version+" already exists: "+dataplane.Message(f.log, err))
		default:
			f.writeError(w, err)
		}
		return
	}
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusCreated)
}

func (f *Format) doPublish(r *http.Request, repo dataplane.Repo, scope, name, version string) (string, error) {
	switch {
	case !ValidScope(scope):
		return "", failf(http.StatusBadRequest, "invalid package scope %s: 1 to 39 letters, digits and single inner hyphens (Registry.md 3.6.1)", quote(scope))
	case !ValidName(name):
		return "", failf(http.StatusBadRequest, "invalid package name %s: 1 to 100 letters, digits and single inner hyphens or underscores (Registry.md 3.6.2)", quote(name))
	case !ValidVersion(version):
		return "", failf(http.StatusBadRequest, "invalid version %s: releases are SemVer 2.0 versions", quote(version))
	}
	ref := repo.Ref(domain.FormatSwift, strings.ToLower(scope), strings.ToLower(name))
	// Before the body is read (and "100 Continue" sent to a client that
	// expects it): a release, once published, never changes. A caller who
	// may publish but not read learns nothing here; the publish then
	// authorizes, and refuses an existing version itself.
	_, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, ref, version)
	switch {
	case err == nil:
		return "", failf(http.StatusConflict, "a release with version %s already exists", version)
	case !errors.Is(err, domain.ErrNotFound) && !errors.Is(err, domain.ErrDenied):
		return "", err
	}
	form, err := f.readPublishForm(r)
	defer form.close()
	if err != nil {
		return "", err
	}
	arch, err := InspectArchive(form.archive, form.size)
	if err != nil {
		return "", err
	}
	meta, metaDoc, err := ParseMetadata(form.metadata)
	if err != nil {
		return "", failf(http.StatusUnprocessableEntity, "%v", err)
	}
	doc := versionDoc{Archive: archiveName(ref.Package, version), Manifests: map[string]string{}, Metadata: metaDoc}
	if len(form.signature) > 0 {
		doc.SignatureFormat = strings.TrimSpace(r.Header.Get("X-Swift-Package-Signature-Format"))
		if doc.SignatureFormat == "" || len(doc.SignatureFormat) > 64 {
			return "", failf(http.StatusBadRequest, "a signed release needs the X-Swift-Package-Signature-Format header")
		}
		doc.Signature = base64.StdEncoding.EncodeToString(form.signature)
	}
	assets := []service.NewAsset{{Name: doc.Archive, Content: form.archive, Check: func(s hashing.Sums) error {
		doc.Checksum = s.SHA256
		return nil
	}}}
	for _, m := range arch.Manifests {
		doc.Manifests[m.Name] = m.ToolsVersion
		assets = append(assets, service.NewAsset{Name: m.Name, Content: bytes.NewReader(m.Content)})
	}
	var urls []string
	for _, u := range meta.RepositoryURLs {
		urls = append(urls, canonicalURL(u))
	}
	vm := &service.VersionMetadata{DisplayName: name, Summary: meta.Description, Readme: arch.Readme}
	if len(meta.RepositoryURLs) > 0 {
		vm.SourceCodeRepository = meta.RepositoryURLs[0]
	}
	if meta.LicenseURL != "" {
		vm.Licenses = []domain.License{{URL: meta.LicenseURL}}
	}
	if _, err := form.archive.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	_, err = f.svc.PublishVersion(r.Context(), repo.Caller, service.VersionPublish{
		Package:       ref,
		Version:       version,
		Assets:        assets,
		Metadata:      vm,
		UpdatePackage: func(p *domain.Package) error { return updateState(p, []string{version}, urls) },
		UpdateVersion: func(v *domain.PackageVersion) error {
			v.Metadata = doc.encode()
			return nil
		},
	})
	if err != nil {
		return "", err
	}
	return releaseURL(repo.Endpoint, ref.Namespace, ref.Package, version), nil
}
