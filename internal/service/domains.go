package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// DomainInfo is a domain with its statistics.
type DomainInfo struct {
	Domain          domain.Domain
	RepositoryCount int
	AssetSizeBytes  int64
}

// CreateDomain creates a domain in the caller's account and region.
func (s *Service) CreateDomain(ctx context.Context, c Caller, name, encryptionKey string, tags []domain.Tag) (DomainInfo, error) {
	d := domain.Domain{Region: c.Region, Owner: c.Account, Name: name, EncryptionKey: encryptionKey, CreatedTime: s.now().UTC()}
	if d.EncryptionKey == "" {
		// AWS answers with the ARN of the AWS-managed key; ours is a
		// stand-in of the same shape (key/<uuid>, which tools validate).
		d.EncryptionKey = "arn:aws:kms:" + c.Region + ":" + c.Account + ":key/" + newKeyID()
	}
	if err := s.checkTagCount(len(tags), DomainARN(d)); err != nil {
		return DomainInfo{}, err
	}
	err := s.store.Write(ctx, func(tx store.Tx) error {
		n, err := tx.Domains().Count(ctx, c.Region, c.Account)
		if err != nil {
			return err
		}
		if n >= s.limits.DomainsPerAccount {
			return domain.Quota(domain.ResDomain, name, "Maximum number of domains (%d) per account reached", s.limits.DomainsPerAccount)
		}
		if err := tx.Domains().Create(ctx, &d); err != nil {
			if errors.Is(err, domain.ErrConflict) {
				return domain.Conflict(domain.ResDomain, name, "Domain %s already exists in account %s", name, c.Account)
			}
			return err
		}
		root := rootGroup(d)
		if err := tx.PackageGroups().Create(ctx, &root); err != nil {
			return err
		}
		return tx.Tags().Put(ctx, DomainARN(d), tags)
	})
	return DomainInfo{Domain: d}, err
}

// DescribeDomain returns a domain with its statistics.
func (s *Service) DescribeDomain(ctx context.Context, c Caller, name, domainOwner string) (DomainInfo, error) {
	var info DomainInfo
	err := s.store.Read(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, name, domainOwner)
		if err != nil {
			return err
		}
		info, err = domainInfo(ctx, tx, d)
		return err
	})
	return info, err
}

func domainInfo(ctx context.Context, tx store.Tx, d domain.Domain) (DomainInfo, error) {
	info := DomainInfo{Domain: d}
	var err error
	if info.RepositoryCount, err = tx.Repositories().Count(ctx, d.ID); err != nil {
		return info, err
	}
	info.AssetSizeBytes, err = tx.Domains().AssetSizeBytes(ctx, d.ID)
	return info, err
}

// ListDomains lists the caller's domains in its region.
func (s *Service) ListDomains(ctx context.Context, c Caller, p store.Page) (ds []domain.Domain, next string, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		ds, next, err = tx.Domains().List(ctx, c.Region, c.Account, p)
		return err
	})
	return ds, next, err
}

// DeleteDomain deletes a domain that has no repositories left. A domain
// that does not exist is deleted already: the answer names it, with no
// creation time.
func (s *Service) DeleteDomain(ctx context.Context, c Caller, name, domainOwner string) (DomainInfo, error) {
	var info DomainInfo
	err := s.store.Write(ctx, func(tx store.Tx) error {
		d, err := getDomain(ctx, tx, c, name, domainOwner)
		if errors.Is(err, domain.ErrNotFound) {
			// Deleting a domain that is not there succeeds, as the
			// operation's model has no ResourceNotFoundException for it:
			// SDKs could not recognise one, and Terraform's destroy would
			// fail on a domain removed outside it.
			o, _ := owner(c, domainOwner)
			info = DomainInfo{Domain: domain.Domain{Region: c.Region, Owner: o, Name: name}}
			return nil
		}
		if err != nil {
			return err
		}
		if info, err = domainInfo(ctx, tx, d); err != nil {
			return err
		}
		if info.RepositoryCount > 0 {
			return domain.Conflict(domain.ResDomain, name, "Domain %s contains %d repositories. Delete the repositories before deleting the domain.", name, info.RepositoryCount)
		}
		if err := tx.Tags().DeleteAll(ctx, DomainARN(d)); err != nil {
			return err
		}
		if err := tx.Policies().Delete(ctx, DomainARN(d)); err != nil {
			return err
		}
		if err := deleteGroupTags(ctx, tx, d); err != nil {
			return err
		}
		return tx.Domains().Delete(ctx, d.ID)
	})
	return info, err
}

// newKeyID is a random KMS-style key ID.
func newKeyID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return uuid(b)
}

// uuid formats b as a version 4 UUID, the shape of KMS key IDs.
func uuid(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// legacyManagedKey ends the stand-in key ARN domains were given before
// key IDs were UUIDs.
const legacyManagedKey = ":key/artifactd-managed"

// EncryptionKey is the key ARN a domain reports: the one it was created
// with, except that a domain made before key IDs were UUIDs reports a
// UUID derived from its ARN (stable across calls and nodes).
func EncryptionKey(d domain.Domain) string {
	prefix, ok := strings.CutSuffix(d.EncryptionKey, legacyManagedKey)
	if !ok {
		return d.EncryptionKey
	}
	sum := sha256.Sum256([]byte(DomainARN(d)))
	return prefix + ":key/" + uuid([16]byte(sum[:16]))
}
