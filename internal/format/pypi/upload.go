package pypi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

const (
	// maxFormBytes caps all the text fields of an upload together.
	maxFormBytes = 16 << 20
	// maxParts caps the parts of an upload form.
	maxParts = 2000
	// MaxUploadBytes caps a distribution file (CodeArtifact's asset limit).
	MaxUploadBytes = 5 << 30
)

// uploadForm is a parsed upload request: its text fields and the file,
// spooled to a temporary file so its metadata can be read before it is
// stored.
type uploadForm struct {
	fields   map[string][]string
	filename string
	file     *os.File
	size     int64
}

func (u *uploadForm) get(name string) string {
	if v := u.fields[name]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

func (u *uploadForm) close() {
	if u.file != nil {
		u.file.Close()
		os.Remove(u.file.Name())
	}
}

// readForm streams a multipart upload: text fields into memory (bounded),
// the "content" part to a temporary file. Fields may come before or after
// the file (twine sends them first).
func (f *Format) readForm(r *http.Request) (*uploadForm, error) {
	u := &uploadForm{fields: map[string][]string{}}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return u, domain.Invalid("Uploads are multipart/form-data requests (twine upload)")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return u, domain.Invalid("Malformed multipart request: %v", err)
	}
	var formBytes int64
	for parts := 0; ; parts++ {
		if parts >= maxParts {
			return u, domain.Invalid("The upload form has more than %d fields", maxParts)
		}
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return u, nil
		}
		if err != nil {
			return u, domain.Invalid("Malformed multipart request: %v", err)
		}
		name := p.FormName()
		switch name {
		case "content":
			if u.file != nil {
				p.Close()
				return u, domain.Invalid("The upload has more than one content part; upload one file per request")
			}
			u.filename = p.FileName()
			if u.file, err = f.tempFile(); err != nil {
				p.Close()
				return u, fmt.Errorf("spooling an upload: %w", err)
			}
			n, err := io.Copy(u.file, io.LimitReader(p, MaxUploadBytes+1))
			p.Close()
			if err != nil {
				return u, domain.Invalid("Receiving the file failed: %v", err)
			}
			if n > MaxUploadBytes {
				return u, domain.Invalid("The file is larger than the maximum of %d bytes", int64(MaxUploadBytes))
			}
			u.size = n
		case "gpg_signature", "attestations":
			// Not kept: drain within the form budget.
			n, err := io.Copy(io.Discard, io.LimitReader(p, maxFormBytes-formBytes+1))
			p.Close()
			formBytes += n
			if err != nil {
				return u, domain.Invalid("Malformed multipart request: %v", err)
			}
			if formBytes > maxFormBytes {
				return u, domain.Invalid("The upload's form fields are larger than %d bytes", maxFormBytes)
			}
		default:
			limit := min(int64(MaxMetadataBytes), maxFormBytes-formBytes)
			b, err := io.ReadAll(io.LimitReader(p, limit+1))
			p.Close()
			if err != nil {
				return u, domain.Invalid("Malformed multipart request: %v", err)
			}
			if int64(len(b)) > limit {
				return u, domain.Invalid("Form field %q is too large", name)
			}
			formBytes += int64(len(b))
			u.fields[name] = append(u.fields[name], string(b))
		}
	}
}

// metadataFromForm reads the metadata twine sends as form fields, for
// files that carry none themselves.
func metadataFromForm(u *uploadForm) Metadata {
	return Metadata{
		MetadataVersion:        u.get("metadata_version"),
		Name:                   u.get("name"),
		Version:                u.get("version"),
		Summary:                u.get("summary"),
		HomePage:               u.get("home_page"),
		License:                u.get("license"),
		LicenseExpression:      u.get("license_expression"),
		RequiresPython:         u.get("requires_python"),
		Description:            firstRaw(u.fields["description"]),
		DescriptionContentType: u.get("description_content_type"),
		RequiresDist:           nonEmpty(u.fields["requires_dist"]),
		ProjectURLs:            nonEmpty(u.fields["project_urls"]),
		Classifiers:            nonEmpty(u.fields["classifiers"]),
	}
}

func firstRaw(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseDigest reads a hex digest of n bytes; md5_digest may also be
// unpadded URL-safe base64 (the legacy distutils spelling).
func parseDigest(field, v string, n int) (string, error) {
	v = strings.TrimSpace(v)
	if b, err := hex.DecodeString(v); err == nil && len(b) == n {
		return hex.EncodeToString(b), nil
	}
	if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "=")); err == nil && len(b) == n {
		return hex.EncodeToString(b), nil
	}
	return "", domain.Invalid("%s %q is not a valid digest", field, v)
}

// upload handles twine's file_upload.
func (f *Format) upload(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	u, err := f.readForm(r)
	defer u.close()
	if err != nil {
		f.uploadError(w, r, err)
		return
	}
	if err := f.publish(r, repo, u); err != nil {
		f.uploadError(w, r, err)
		return
	}
	writeText(w, http.StatusOK, "OK")
}

// publish checks an upload and records it.
func (f *Format) publish(r *http.Request, repo dataplane.Repo, u *uploadForm) error {
	switch action := u.get(":action"); action {
	case "file_upload":
	case "":
		return domain.Invalid("The upload has no :action field; send :action=file_upload")
	default:
		return domain.Invalid("Unsupported :action %q: only file_upload is supported", action)
	}
	if pv := u.get("protocol_version"); pv != "" && pv != "1" {
		return domain.Invalid("Unsupported protocol_version %q", pv)
	}
	if u.file == nil {
		return domain.Invalid("The upload has no content part (the distribution file)")
	}
	fn, ok := ParseFilename(u.filename)
	if !ok {
		return domain.Invalid("Invalid distribution file name %q: upload wheels (.whl) and sdists (.tar.gz, .zip)", u.filename)
	}

	form := metadataFromForm(u)
	project := Normalize(form.Name)
	if project == "" && fn.Kind == KindWheel {
		project = Normalize(fn.Name)
	}

	// The file's own metadata is what pip sees: read it, and prefer it.
	var raw []byte
	var readErr error
	if fn.Kind == KindWheel {
		raw, readErr = WheelMetadata(u.file, u.size, project)
	} else {
		raw, readErr = SdistMetadata(u.file, u.size, fn.Ext)
	}
	meta, parseErr := Metadata{}, readErr
	if readErr == nil {
		meta, parseErr = ParseMetadata(raw)
	}
	switch {
	case parseErr == nil:
		if form.Name != "" && Normalize(form.Name) != Normalize(meta.Name) {
			return domain.Invalid("The form's name %q does not match the name %q in the file's metadata", form.Name, meta.Name)
		}
		if form.Version != "" && !SameVersion(form.Version, meta.Version) {
			return domain.Invalid("The form's version %q does not match the version %q in the file's metadata", form.Version, meta.Version)
		}
	case fn.Kind == KindWheel:
		return domain.Invalid("Invalid wheel %s: %v", u.filename, parseErr)
	case !errors.Is(parseErr, ErrNoPkgInfo):
		return domain.Invalid("Invalid sdist %s: %v", u.filename, parseErr)
	case form.Name == "" || form.Version == "":
		return domain.Invalid("The sdist %s has no PKG-INFO and the form no name and version", u.filename)
	default:
		meta = form // a sound sdist without PKG-INFO: trust the form
	}

	name, version := strings.TrimSpace(meta.Name), strings.TrimSpace(meta.Version)
	if !ValidName(name) {
		return domain.Invalid("Invalid project name %q", name)
	}
	if _, ok := CanonicalVersion(version); !ok || len(version) > 255 {
		return domain.Invalid("Invalid version %q: versions must follow PEP 440", version)
	}
	project = Normalize(name)
	if !fn.Matches(u.filename, project, version) {
		return domain.Invalid("The file name %s does not match project %s version %s", u.filename, project, version)
	}
	// 1.0 and 1.0.0 are one version, as they are one release on PyPI.
	stored, err := f.storedVersion(r.Context(), repo, project, version)
	if err != nil {
		return err
	}

	var wantSHA256, wantMD5 string
	if v := u.get("sha256_digest"); v != "" {
		var err error
		if wantSHA256, err = parseDigest("sha256_digest", v, sha256.Size); err != nil {
			return err
		}
	}
	if v := u.get("md5_digest"); v != "" {
		var err error
		if wantMD5, err = parseDigest("md5_digest", v, 16); err != nil {
			return err
		}
	}
	var sums hashing.Sums
	check := func(s hashing.Sums) error {
		sums = s
		if wantSHA256 != "" && s.SHA256 != wantSHA256 {
			return domain.Invalid("sha256_digest %s does not match the uploaded file (sha256 %s)", wantSHA256, s.SHA256)
		}
		if wantMD5 != "" && s.MD5 != wantMD5 {
			return domain.Invalid("md5_digest %s does not match the uploaded file (md5 %s)", wantMD5, s.MD5)
		}
		return nil
	}

	entry := fileDoc{Kind: fn.Kind, RequiresPython: meta.RequiresPython}
	if fn.Kind == KindWheel {
		sum := sha256.Sum256(raw)
		entry.MetadataSHA256 = hex.EncodeToString(sum[:])
	}
	if _, err := u.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = f.svc.PublishVersion(r.Context(), repo.Caller, service.VersionPublish{
		Package:        f.ref(repo, project),
		Version:        stored,
		Assets:         []service.NewAsset{{Name: u.filename, Content: u.file, Check: check}},
		AddToPublished: true,
		// Uploads change the simple pages: a new stamp, in the publish's
		// transaction, retires the cached ones (which are edited).
		UpdatePackage: func(p *domain.Package) error { return renewStamp(p, []string{stored}) },
		UpdateVersion: func(v *domain.PackageVersion) error {
			doc := decodeDoc(v.Metadata)
			if old, ok := doc.Files[u.filename]; !ok || old.SHA256 != sums.SHA256 {
				entry.SHA256, entry.Size, entry.Uploaded = sums.SHA256, sums.Size, f.now().UTC()
				doc.Files[u.filename] = entry
			}
			// A wheel's metadata is authoritative; an sdist does not
			// replace what a wheel of the same version said.
			hasWheel := false
			for other, fd := range doc.Files {
				if other != u.filename && fd.Kind == KindWheel {
					hasWheel = true
				}
			}
			if fn.Kind == KindWheel || !hasWheel || v.DisplayName == "" {
				applyMetadata(v, meta)
			}
			v.Metadata = doc.encode()
			return nil
		},
	})
	return err
}

// storedVersion returns the version an upload of version goes to, as
// PyPI picks the release a file joins: an existing version of the package
// that is the same PEP 440 version (1.0 for 1.0.0, 2.0rc1 for 2.0-RC1),
// else version's normalized spelling, which PyPI gives a new release. The
// package's versions are never listed: a few spellings are looked up one
// by one (versionSpellings), after one lookup of the package itself.
func (f *Format) storedVersion(ctx context.Context, repo dataplane.Repo, project, version string) (string, error) {
	spellings := versionSpellings(version)
	canonical, _ := CanonicalVersion(version)
	ref := f.ref(repo, project)
	if _, err := f.svc.LookupPackage(ctx, repo.Caller, ref); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return canonical, nil // a new package (or no repository: the publish says so)
		}
		return "", err
	}
	for _, v := range spellings {
		_, err := f.svc.DescribePackageVersion(ctx, repo.Caller, ref, v)
		switch {
		case err == nil:
			return v, nil
		case !errors.Is(err, domain.ErrNotFound):
			return "", err
		}
	}
	return canonical, nil
}

// applyMetadata sets what the control plane shows of a version.
func applyMetadata(v *domain.PackageVersion, m Metadata) {
	v.DisplayName = m.Name
	v.Summary = known(m.Summary)
	v.HomePage = m.HomePageURL()
	v.SourceCodeRepository = m.SourceCodeURL()
	v.Readme = known(m.Description)
	v.Licenses = m.Licenses()
	v.Dependencies = m.Dependencies()
}

// known drops the "UNKNOWN" old setuptools writes for missing fields.
func known(s string) string {
	if strings.TrimSpace(s) == "UNKNOWN" {
		return ""
	}
	return s
}

// uploadError answers a refused upload, the message also as the status
// line's reason phrase: twine prints only that (unless --verbose).
func (f *Format) uploadError(w http.ResponseWriter, r *http.Request, err error) {
	status := dataplane.Status(err)
	msg := dataplane.Message(f.log, err)
	f.log.Info("pypi upload refused", "status", status, "message", msg, "path", r.URL.Path)
	dataplane.WriteWithReason(w, r, status, msg, "text/plain; charset=utf-8", msg+"\n",
		func() { writeText(w, status, msg) })
}
