package service

import (
	"context"
	"errors"
	"regexp"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/pkggroup"
	"github.com/artifactd/artifactd/internal/store"
)

var groupARN = regexp.MustCompile(`^arn:aws:codeartifact:([a-z0-9-]+):([0-9]{12}):package-group/([a-z][a-z0-9-]{0,48}[a-z0-9])(/.+)$`)

// resolveGroupARN checks that a package group ARN names an existing group.
func resolveGroupARN(ctx context.Context, tx store.Tx, c Caller, arn string, m []string) error {
	notFound := domain.NotFound(domain.ResPackageGroup, arn, "Resource not found: %s", arn)
	pattern, err := pkggroup.DecodePattern(m[4])
	if err != nil || m[1] != c.Region {
		return notFound
	}
	d, err := getDomain(ctx, tx, c, m[3], m[2])
	if err == nil {
		_, err = tx.PackageGroups().Get(ctx, d.ID, pattern)
	}
	if errors.Is(err, domain.ErrNotFound) {
		return notFound
	}
	return err
}

var taggableARN = regexp.MustCompile(`^arn:aws:codeartifact:([a-z0-9-]+):([0-9]{12}):(domain|repository)/([^/]+)(?:/([^/]+))?$`)

// resolveARN checks that arn names an existing taggable resource the
// caller may address.
func resolveARN(ctx context.Context, tx store.Tx, c Caller, arn string) error {
	if m := groupARN.FindStringSubmatch(arn); m != nil {
		return resolveGroupARN(ctx, tx, c, arn, m)
	}
	m := taggableARN.FindStringSubmatch(arn)
	if m == nil || (m[3] == "domain") != (m[5] == "") {
		return domain.Invalid("Invalid resource ARN: %s", arn)
	}
	region, account, kind, domainName, repo := m[1], m[2], m[3], m[4], m[5]
	notFound := domain.NotFound(kind, arn, "Resource not found: %s", arn)
	if region != c.Region {
		return notFound
	}
	if kind == "domain" {
		_, err := getDomain(ctx, tx, c, domainName, account)
		if errors.Is(err, domain.ErrNotFound) {
			return notFound
		}
		return err
	}
	_, _, err := getRepository(ctx, tx, c, domainName, account, repo)
	if errors.Is(err, domain.ErrNotFound) {
		return notFound
	}
	return err
}

func (s *Service) checkTagCount(n int, arn string) error {
	if n > s.limits.TagsPerResource {
		return domain.Quota("", arn, "A resource can have at most %d tags", s.limits.TagsPerResource)
	}
	return nil
}

// TagResource adds or replaces tags.
func (s *Service) TagResource(ctx context.Context, c Caller, arn string, tags []domain.Tag) error {
	return s.store.Write(ctx, func(tx store.Tx) error {
		if err := resolveARN(ctx, tx, c, arn); err != nil {
			return err
		}
		if err := tx.Tags().Put(ctx, arn, tags); err != nil {
			return err
		}
		all, err := tx.Tags().List(ctx, arn)
		if err != nil {
			return err
		}
		return s.checkTagCount(len(all), arn)
	})
}

// UntagResource removes tags by key.
func (s *Service) UntagResource(ctx context.Context, c Caller, arn string, keys []string) error {
	return s.store.Write(ctx, func(tx store.Tx) error {
		if err := resolveARN(ctx, tx, c, arn); err != nil {
			return err
		}
		return tx.Tags().Remove(ctx, arn, keys)
	})
}

// ListTagsForResource lists a resource's tags.
func (s *Service) ListTagsForResource(ctx context.Context, c Caller, arn string) (tags []domain.Tag, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		if err := resolveARN(ctx, tx, c, arn); err != nil {
			return err
		}
		tags, err = tx.Tags().List(ctx, arn)
		return err
	})
	return tags, err
}
