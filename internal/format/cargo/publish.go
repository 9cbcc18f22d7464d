package cargo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// publish handles cargo publish: the frame is read, the .crate spooled
// and checked, then the version recorded through svc.PublishVersion;
// nothing is kept unless every step succeeds.
func (f *Format) publish(w http.ResponseWriter, r *http.Request, repo dataplane.Repo) {
	if err := f.doPublish(r, repo); err != nil {
		status := dataplane.Status(err)
		msg := dataplane.Message(f.log, err)
		f.log.Info("cargo publish refused", "status", status, "message", msg, "path", r.URL.Path)
		// Read what is left of a small request so cargo sees the answer
		// rather than a reset connection.
		io.Copy(io.Discard, io.LimitReader(r.Body, 16<<20))
		writeError(w, status, msg)
		return
	}
	writeJSON(w, map[string]any{"warnings": map[string][]string{"invalid_categories": {}, "invalid_badges": {}, "other": {}}})
}

func (f *Format) doPublish(r *http.Request, repo dataplane.Repo) error {
	nc, size, err := ReadFrame(r.Body)
	if err != nil {
		return err
	}
	if err := nc.Check(); err != nil {
		return err
	}
	file, err := f.tempFile()
	if err != nil {
		return err
	}
	defer func() { file.Close(); os.Remove(file.Name()) }()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(file, h), io.LimitReader(r.Body, size))
	if err != nil {
		return domain.Invalid("receiving the .crate failed: %v", err)
	}
	if n != size {
		return domain.Invalid("the .crate is cut short: %d of %d bytes", n, size)
	}
	if extra, _ := r.Body.Read(make([]byte, 1)); extra > 0 {
		return domain.Invalid("malformed publish request: bytes after the .crate")
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	readmeText, err := CheckCrate(file, nc.Name, nc.Vers, str(nc.ReadmeFile))
	if err != nil {
		return domain.Invalid("invalid .crate: %v", err)
	}
	readme := str(nc.Readme)
	if readme == "" {
		readme = readmeText
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return err
	}

	ref := f.ref(repo, nc.Name)
	// Authorized before the version is looked up, so a caller that may
	// not publish learns nothing of what exists.
	if err := f.svc.Authorize(r.Context(), repo.Caller, packageAccess("PublishPackageVersion", ref)); err != nil {
		return err
	}
	// Versions are immutable: cargo says so before it uploads, this
	// covers a publish racing another or made without looking.
	switch _, err := f.svc.DescribePackageVersion(r.Context(), repo.Caller, ref, nc.Vers); {
	case err == nil:
		return domain.Conflict(domain.ResPackageVersion, nc.Vers, "crate version `%s@%s` is already uploaded", nc.Name, nc.Vers)
	case !errors.Is(err, domain.ErrNotFound):
		return err
	}

	entry := nc.Entry()
	entry.Cksum = hex.EncodeToString(h.Sum(nil))
	meta := nc.Metadata(entry, readme)
	doc := versionDoc{Entry: entry}
	_, err = f.svc.PublishVersion(r.Context(), repo.Caller, service.VersionPublish{
		Package: ref,
		Version: nc.Vers,
		Assets:  []service.NewAsset{{Name: AssetName(nc.Name, nc.Vers), Content: file, SHA256: entry.Cksum}},
		Metadata: &service.VersionMetadata{DisplayName: meta.DisplayName, Summary: meta.Summary, HomePage: meta.HomePage,
			SourceCodeRepository: meta.SourceCodeRepository, Readme: meta.Readme, Licenses: meta.Licenses,
			Dependencies: meta.Dependencies, Raw: doc.encode()},
		// One spelling per crate, as crates-io; a new stamp, in the
		// publish's transaction, retires the cached index file.
		UpdatePackage: func(p *domain.Package) error {
			if prev := loadState(*p).Name; prev != "" && prev != nc.Name {
				return domain.Invalid("crate %s was published as %s: publish it under that name", nc.Name, prev)
			}
			return renewStamp(p, nc.Name, []string{nc.Vers})
		},
	})
	return err
}
