package upstream

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestStats: every request to the registry counts as a fetch; those that
// fail (an error status other than 404/410) also as a failure; a 304 and
// a 404 do not fail. The metadata cache counts its lookups.
func TestStats(t *testing.T) {
	reg := &registry{body: "v1"}
	c, now := newClient(t, reg, ";ttl=1m")
	ctx := context.Background()
	get := func() { c.Metadata(ctx, "public:npmjs", "pkg", "application/json", parseString) }
	stats := func() ConnStats {
		s := c.Stats()
		if len(s) != 1 || s[0].Name != "public:npmjs" {
			t.Fatalf("Stats = %+v, want public:npmjs only", s)
		}
		return s[0]
	}
	get() // 200
	get() // cached: no request
	*now = now.Add(2 * time.Minute)
	get() // 304
	*now = now.Add(2 * time.Minute)
	reg.set("", http.StatusBadGateway)
	get() // 502: a failure
	if s := stats(); s.Fetches != 3 || s.Failures != 1 {
		t.Errorf("after 200, 304, 502: %+v, want 3 fetches, 1 failure", s)
	}
	*now = now.Add(10 * time.Minute)
	reg.set("", http.StatusNotFound)
	get()
	if s := stats(); s.Fetches != 4 || s.Failures != 1 {
		t.Errorf("after a 404: %+v, want 4 fetches, still 1 failure", s)
	}
	if cs := c.MetadataCacheStats(); cs.Hits == 0 || cs.Misses == 0 {
		t.Errorf("metadata cache stats %+v: want hits and misses", cs)
	}
}
