package service

import (
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/lru"
)

// Observer hears what the service did, for the metrics: a publish, a run
// of the blob collector. Its methods must be quick and safe for
// concurrent use.
type Observer interface {
	// Published is called after a version publish commits.
	Published(f domain.Format)
	// Collected is called after each run of CollectOrphans.
	Collected(run CollectorRun)
}

// CollectorRun is what one run of the blob collector removed.
type CollectorRun struct {
	Blobs  int   // blobs whose bytes were deleted
	Bytes  int64 // their size
	Failed bool  // the run stopped on an error (what it removed before counts)
}

// RetentionObserver is an optional Observer capability: it hears what
// each background run of a retention rule did.
type RetentionObserver interface {
	// RetentionApplied is called after a rule's run with its action and
	// the versions it acted on and skipped.
	RetentionApplied(action domain.RetentionAction, applied, skipped int)
}

// UseObserver makes o hear the service's publishes and collections. It is
// set once, before the service serves requests.
func (s *Service) UseObserver(o Observer) {
	if o == nil {
		o = noObserver{}
	}
	s.obs = o
}

// noObserver is the Observer of a server without metrics.
type noObserver struct{}

func (noObserver) Published(domain.Format) {}
func (noObserver) Collected(CollectorRun)  {}

// TokenCacheStats counts lookups in the cache of verified authorization
// tokens (every data-plane request with a token looks), for the metrics.
func (s *Service) TokenCacheStats() lru.Stats {
	return lru.Stats{Hits: s.verified.hits.Load(), Misses: s.verified.misses.Load()}
}
