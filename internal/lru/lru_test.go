package lru

import (
	"sync"
	"testing"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := New[string, int](30)
	c.Add("a", 1, 10)
	c.Add("b", 2, 10)
	c.Add("c", 3, 10)
	if v, ok := c.Get("a"); !ok || v != 1 { // a is now the most recent
		t.Fatalf("Get(a) = %d, %v", v, ok)
	}
	c.Add("d", 4, 10) // evicts b
	if _, ok := c.Get("b"); ok {
		t.Error("b survived; it was the least recently used")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if got := c.Keys(); len(got) != 3 || got[0] != "d" || got[1] != "c" || got[2] != "a" {
		t.Errorf("Keys = %v, want [d c a] (most recent first)", got)
	}
	if c.Len() != 3 || c.Bytes() != 30 {
		t.Errorf("Len %d, Bytes %d; want 3, 30", c.Len(), c.Bytes())
	}
}

func TestReplaceRemoveAndOversize(t *testing.T) {
	c := New[string, string](100)
	c.Add("k", "old", 40)
	c.Add("k", "new", 50)
	if v, _ := c.Get("k"); v != "new" || c.Bytes() != 50 || c.Len() != 1 {
		t.Errorf("after replacing: %q, %d bytes, %d entries", v, c.Bytes(), c.Len())
	}
	c.Add("k", "huge", 101) // larger than the budget: not kept, and the old value is gone
	if _, ok := c.Get("k"); ok || c.Bytes() != 0 {
		t.Errorf("an oversize value was kept, or the replaced one left (%d bytes)", c.Bytes())
	}
	c.Add("x", "1", 10)
	c.Remove("x")
	c.Remove("missing")
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Errorf("after Remove: %d entries, %d bytes", c.Len(), c.Bytes())
	}
}

func TestGetIfLeavesRefusedValues(t *testing.T) {
	c := New[string, int](20)
	c.Add("a", 1, 10)
	c.Add("b", 2, 10)
	if _, ok := c.GetIf("a", func(v int) bool { return v == 99 }); ok {
		t.Fatal("GetIf returned a refused value")
	}
	c.Add("c", 3, 10) // a was not marked used: it is evicted, not b
	if _, ok := c.Get("a"); ok {
		t.Error("a refused value was marked recently used")
	}
	if _, ok := c.Get("b"); !ok {
		t.Error("b was evicted instead of a")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New[int, int](1000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				k := (g*1000 + i) % 200
				c.Add(k, i, 10)
				c.Get(k)
				if i%7 == 0 {
					c.Remove(k)
				}
			}
		}()
	}
	wg.Wait()
	if c.Bytes() > 1000 || c.Bytes() != int64(c.Len())*10 {
		t.Errorf("%d bytes for %d entries", c.Bytes(), c.Len())
	}
}
