package lru

import "testing"

// TestStats: a lookup that finds a usable value is a hit; one that finds
// nothing, or a value GetIf refuses, a miss.
func TestStats(t *testing.T) {
	c := New[string, int](100)
	c.Get("a")
	c.Add("a", 1, 1)
	c.Get("a")
	c.GetIf("a", func(v int) bool { return v == 2 })
	if s := c.Stats(); s != (Stats{Hits: 1, Misses: 2}) {
		t.Errorf("Stats = %+v, want 1 hit, 2 misses", s)
	}
	var none *Cache[string, int]
	if s := none.Stats(); s != (Stats{}) {
		t.Errorf("nil cache Stats = %+v", s)
	}
}
