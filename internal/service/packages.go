package service

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// PackageRef addresses a package in a repository.
type PackageRef struct {
	Domain, DomainOwner, Repository string
	Format                          domain.Format
	Namespace, Package              string
}

// PackageInfo is a package with the repository it lives in.
type PackageInfo struct {
	Repository RepositoryInfo
	Package    domain.Package
}

// checkNamespace applies the model's namespace rules for a format.
// checkRef applies the rules every package's coordinates follow, on every
// path (API, data plane, retention): the format's namespace rule, and
// names that every backend stores alike and that can be addressed again
// (domain.ValidCoordinate; generic names are not "." or "..").
func checkRef(ref PackageRef) error {
	if err := checkNamespace(ref.Format, ref.Namespace); err != nil {
		return err
	}
	if err := checkCoordinate(ref.Format, "namespace", ref.Namespace, true); err != nil {
		return err
	}
	return checkCoordinate(ref.Format, "package name", ref.Package, false)
}

// checkCoordinate checks one namespace, package name or version.
func checkCoordinate(f domain.Format, what, v string, optional bool) error {
	switch {
	case v == "" && optional:
		return nil
	case v == "" || utf8.RuneCountInString(v) > 255:
		return domain.Invalid("Invalid %s: it must have 1 to 255 characters", what)
	case !domain.ValidCoordinate(v):
		return domain.Invalid("Invalid %s %s: it must be valid UTF-8 without control, format or private-use characters", what, strconv.QuoteToASCII(truncateRunes(v, 64)))
	case strings.ContainsAny(v, "#/") || strings.IndexFunc(v, unicode.IsSpace) >= 0:
		return domain.Invalid("Invalid %s %q: '#', '/' and whitespace are not allowed", what, truncateRunes(v, 64))
	case f == domain.FormatGeneric && (v == "." || v == ".."):
		return domain.Invalid("Invalid %s %q", what, v)
	}
	return nil
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}

func checkNamespace(f domain.Format, ns string) error {
	switch f {
	case domain.FormatMaven, domain.FormatSwift, domain.FormatGeneric:
		if ns == "" {
			return domain.Invalid("namespace is required for %s packages", f)
		}
	case domain.FormatPypi, domain.FormatNuget, domain.FormatRuby, domain.FormatCargo:
		if ns != "" {
			return domain.Invalid("%s packages do not have a namespace", f)
		}
	}
	return nil
}

// normalize returns a package's stored identity. NuGet and Swift names
// (and Swift scopes) are case-insensitive and stored lowercased, as AWS
// does; formats with their own rules (PyPI's PEP 503) supply a Normalizer.
func (s *Service) normalize(ref PackageRef) PackageRef {
	switch ref.Format {
	case domain.FormatNuget:
		ref.Package = strings.ToLower(ref.Package)
	case domain.FormatSwift:
		ref.Package = strings.ToLower(ref.Package)
		ref.Namespace = strings.ToLower(ref.Namespace)
	}
	if n, ok := s.formatRules(ref.Format).(Normalizer); ok {
		ref.Namespace, ref.Package = n.NormalizeName(ref.Namespace, ref.Package)
	}
	return ref
}

func packageNotFound(ref PackageRef) error {
	return domain.NotFound(domain.ResPackage, ref.Package, "Package not found in repository. Repository: %s, Package = PackageCoordinate{packageType=%s, namespace=%s, packageName=%s}", ref.Repository, ref.Format, ref.Namespace, ref.Package)
}

// getPackage loads the addressed repository and package in tx.
func (s *Service) getPackage(ctx context.Context, tx store.Tx, c Caller, ref PackageRef) (RepositoryInfo, domain.Package, error) {
	if err := checkRef(ref); err != nil {
		return RepositoryInfo{}, domain.Package{}, err
	}
	ref = s.normalize(ref)
	d, r, err := getRepository(ctx, tx, c, ref.Domain, ref.DomainOwner, ref.Repository)
	if err != nil {
		return RepositoryInfo{}, domain.Package{}, err
	}
	ri := RepositoryInfo{Domain: d, Repository: r}
	p, err := tx.Packages().Get(ctx, r.ID, ref.Format, ref.Namespace, ref.Package)
	if errors.Is(err, domain.ErrNotFound) {
		return ri, p, packageNotFound(ref)
	}
	return ri, p, err
}

// DescribePackage returns a package.
func (s *Service) DescribePackage(ctx context.Context, c Caller, ref PackageRef) (PackageInfo, error) {
	var info PackageInfo
	err := s.store.Read(ctx, func(tx store.Tx) error {
		ri, p, err := s.getPackage(ctx, tx, c, ref)
		info = PackageInfo{Repository: ri, Package: p}
		return err
	})
	return info, err
}

// ListPackagesInput filters ListPackages.
type ListPackagesInput struct {
	Domain, DomainOwner, Repository string
	Format                          domain.Format
	Namespace, PackagePrefix        string
	Publish, Upstream               domain.Allow
}

// ListPackages lists a repository's packages.
func (s *Service) ListPackages(ctx context.Context, c Caller, in ListPackagesInput, p store.Page) (ps []domain.Package, next string, err error) {
	if in.Namespace != "" && in.Format == "" {
		return nil, "", domain.Invalid("namespace can only be used together with format")
	}
	err = s.store.Read(ctx, func(tx store.Tx) error {
		_, r, err := getRepository(ctx, tx, c, in.Domain, in.DomainOwner, in.Repository)
		if err != nil {
			return err
		}
		ps, next, err = tx.Packages().List(ctx, store.PackageFilter{
			RepositoryID: r.ID, Format: in.Format, Namespace: in.Namespace, NamePrefix: in.PackagePrefix,
			Publish: in.Publish, Upstream: in.Upstream,
		}, p)
		return err
	})
	return ps, next, err
}

// PackageListingStamp returns a stamp of the repository's packages of
// format f and their state: while it is unchanged, so are they (a
// repository deleted and made again under the same name has other
// stamps). It costs one row (store.Packages.ListingStamp), whatever the
// number of packages, and is authorized as ListPackages is.
func (s *Service) PackageListingStamp(ctx context.Context, c Caller, dom, owner, repo string, f domain.Format) (stamp string, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		_, r, err := getRepository(ctx, tx, c, dom, owner, repo)
		if err != nil {
			return err
		}
		n, err := tx.Packages().ListingStamp(ctx, r.ID, f)
		stamp = strconv.FormatInt(r.ID, 10) + ":" + strconv.FormatInt(n, 10)
		return err
	})
	return stamp, err
}

// DeletePackage deletes a package with all its versions and assets.
func (s *Service) DeletePackage(ctx context.Context, c Caller, ref PackageRef) (domain.Package, error) {
	if err := s.authorizeData(ctx, c, "DeletePackage", ref); err != nil {
		return domain.Package{}, err
	}
	var pkg domain.Package
	err := s.store.Write(ctx, func(tx store.Tx) error {
		_, p, err := s.getPackage(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		pkg = p
		return tx.Packages().Delete(ctx, p.ID)
	})
	if err == nil {
		s.WakeCollector()
	}
	return pkg, err
}

// PutPackageOriginConfiguration sets a package's origin controls, creating
// a version-less package when it does not exist yet (so ingestion can be
// blocked in advance, as on AWS).
func (s *Service) PutPackageOriginConfiguration(ctx context.Context, c Caller, ref PackageRef, origin domain.OriginConfiguration) (domain.Package, error) {
	var pkg domain.Package
	err := s.store.Write(ctx, func(tx store.Tx) error {
		ri, p, err := s.getPackage(ctx, tx, c, ref)
		switch {
		case errors.Is(err, domain.ErrNotFound) && ri.Repository.ID != 0:
			n := s.normalize(ref)
			p = domain.Package{RepositoryID: ri.Repository.ID, Format: n.Format, Namespace: n.Namespace, Name: n.Package, Origin: origin}
			err = tx.Packages().Create(ctx, &p)
		case err == nil:
			p.Origin = origin
			err = tx.Packages().Update(ctx, p)
		}
		pkg = p
		return err
	})
	return pkg, err
}
