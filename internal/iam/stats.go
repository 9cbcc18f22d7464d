package iam

import "github.com/artifactd/artifactd/internal/lru"

// KeyCacheStats counts lookups in the cache of resolved access keys
// (every signed request looks), for the metrics.
func (s *Service) KeyCacheStats() lru.Stats {
	return lru.Stats{Hits: s.keys.hits.Load(), Misses: s.keys.misses.Load()}
}
