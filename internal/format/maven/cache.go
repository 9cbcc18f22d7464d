package maven

import (
	"context"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/flight"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/service"
)

// metadataCacheBytes bounds the memory of cached maven-metadata.xml
// documents (an artifact of 20,000 versions is about 800 KB).
const metadataCacheBytes = 32 << 20

// metadataKey names one artifact's maven-metadata.xml in one repository
// (the endpoint names the repository and its domain).
type metadataKey struct {
	endpoint, groupID, artifactID string
}

// metadataEntry is a rendered maven-metadata.xml, valid while the package
// keeps the same ID and stamp.
type metadataEntry struct {
	pkgID    int64
	stamp    string
	body     []byte
	modified time.Time
	// ix holds the versions, for the edit that makes the document of the
	// package's next state.
	ix *vindex.Index[listedVersion]
}

func (e *metadataEntry) size() int64 {
	n := len(e.body) + len(e.stamp) + 128
	if e.ix != nil {
		n += e.ix.Len() * 96
	}
	return int64(n)
}

// metadataRender names the rendering of an artifact's document from one
// state of its package: callers share a rendering only when they read the
// same stamp, so none is answered a state older than the one it saw.
type metadataRender struct {
	key   metadataKey
	pkgID int64
	stamp string
}

// metadataCache keeps rendered artifact documents. Entries are never
// trusted blindly: a reader first reads the package's current stamp (one
// lookup, which also authorizes it) and uses an entry only when it
// matches, so a change committed on any node is seen at once.
type metadataCache struct {
	docs    *lru.Cache[metadataKey, *metadataEntry]
	renders flight.Group[metadataRender, *metadataEntry]
}

func newMetadataCache(maxBytes int64) *metadataCache {
	return &metadataCache{docs: lru.New[metadataKey, *metadataEntry](maxBytes)}
}

// cachedArtifactMetadata serves an artifact's document from the cache
// when the repository has no upstreams (documents through upstreams
// depend on every repository searched, which the stamp does not cover)
// and the package has a stamp; otherwise it renders it.
func (f *Format) cachedArtifactMetadata(ctx context.Context, repo dataplane.Repo, p Path) ([]byte, time.Time, error) {
	cur, found, upstreams, err := f.svc.LookupPackageUpstreams(ctx, repo.Caller, ref(repo, p))
	stamp := loadPackageState(cur).Stamp
	if err != nil || !found || upstreams || stamp == "" {
		return f.artifactMetadata(ctx, repo, p)
	}
	k := metadataKey{repo.Endpoint, p.GroupID, p.ArtifactID}
	cached := func() (*metadataEntry, bool) {
		return f.docs.docs.GetIf(k, func(e *metadataEntry) bool { return e.pkgID == cur.ID && e.stamp == stamp })
	}
	if e, ok := cached(); ok {
		return e.body, e.modified, nil
	}
	e, _, err := f.docs.renders.Do(ctx, metadataRender{k, cur.ID, stamp}, func() (*metadataEntry, error) {
		// Rendered by a call that ended just before this one began?
		if e, ok := cached(); ok {
			return e, nil
		}
		// The document of an earlier state is edited when the package's
		// log names the versions changed since (vindex.Load); versions and
		// stamp come from one read transaction, so an entry is labelled
		// with the state it shows, which may be newer than this caller's.
		var prev *vindex.Index[listedVersion]
		if old, ok := f.docs.docs.Peek(k); ok {
			prev = old.ix
		}
		ix, own, how, err := vindex.Load(ctx, f.svc, repo.Caller, ref(repo, p), cur, logOf, prev, publishedSpec)
		if err != nil {
			return nil, err
		}
		body, modified, err := artifactDocument(p, ix)
		if err != nil {
			return nil, err
		}
		f.rendered.Add(1)
		if how == vindex.Edited {
			f.edited.Add(1)
		}
		e := &metadataEntry{pkgID: own.ID, stamp: ix.Stamp, body: body, modified: modified, ix: ix}
		if e.stamp != "" {
			f.docs.docs.Add(k, e, e.size())
		}
		return e, nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return e.body, e.modified, nil
}

// loadPackageState decodes a Maven package's document; anything
// unreadable counts as none.
func loadPackageState(p domain.Package) packageState {
	return domain.PackageState[packageState](p)
}

func logOf(p domain.Package) vindex.Log { return loadPackageState(p).Log }

// Rules are Maven's package-level rules for the service.
type Rules struct{}

// PackageChanged implements service.FormatRules: it gives the package a
// new stamp, inside the transaction of the change, so that every cached
// maven-metadata.xml of it is forgotten on every node.
func (Rules) PackageChanged(p *domain.Package, _ service.VersionReader, changed []string) error {
	st := loadPackageState(*p)
	st.Renew(changed)
	return domain.SetPackageState(p, st)
}
