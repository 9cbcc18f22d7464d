package flight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConcurrentCallersShareOneRun(t *testing.T) {
	var g Group[string, int]
	var runs atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]int, 20)
	shared := make([]bool, 20)
	wg.Add(1)
	go func() {
		defer wg.Done()
		results[0], shared[0], _ = g.Do(context.Background(), "k", func() (int, error) {
			runs.Add(1)
			close(started)
			<-release
			return 42, nil
		})
	}()
	<-started
	for i := 1; i < len(results); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], shared[i], _ = g.Do(context.Background(), "k", func() (int, error) {
				runs.Add(1)
				return -1, nil
			})
		}()
	}
	waitFor(t, &g, "k", len(results)-1)
	close(release)
	wg.Wait()
	if runs.Load() != 1 {
		t.Errorf("fn ran %d times, want 1", runs.Load())
	}
	for i, r := range results {
		if r != 42 {
			t.Errorf("caller %d got %d", i, r)
		}
	}
	if shared[0] {
		t.Error("the leader's result is reported as shared")
	}
	// Once done, the next call runs again (nothing is cached).
	v, _, _ := g.Do(context.Background(), "k", func() (int, error) { return 7, nil })
	if v != 7 {
		t.Errorf("a later call got %d, want a fresh run", v)
	}
}

func TestWaiterGivesUpWithItsContext(t *testing.T) {
	var g Group[int, string]
	release := make(chan struct{})
	started := make(chan struct{})
	go g.Do(context.Background(), 1, func() (string, error) {
		close(started)
		<-release
		return "x", nil
	})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := g.Do(ctx, 1, func() (string, error) { return "y", nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter: %v, want its deadline", err)
	}
	close(release)
}

func TestWaiterRunsAgainWhenTheLeaderWasCancelled(t *testing.T) {
	var g Group[int, string]
	release := make(chan struct{})
	started := make(chan struct{})
	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	go g.Do(leaderCtx, 1, func() (string, error) {
		close(started)
		<-release
		return "", leaderCtx.Err()
	})
	<-started
	got := make(chan string)
	go func() {
		v, _, err := g.Do(context.Background(), 1, func() (string, error) { return "mine", nil })
		if err != nil {
			v = err.Error()
		}
		got <- v
	}()
	waitFor(t, &g, 1, 1)
	cancelLeader()
	close(release)
	if v := <-got; v != "mine" {
		t.Errorf("waiter got %q, want its own run after the leader's cancellation", v)
	}
}

func TestPanicReachesWaitersAsError(t *testing.T) {
	var g Group[int, int]
	started := make(chan struct{})
	release := make(chan struct{})
	go func() {
		defer func() { recover() }()
		g.Do(context.Background(), 1, func() (int, error) {
			close(started)
			<-release
			panic("boom")
		})
	}()
	<-started
	errc := make(chan error)
	go func() {
		_, _, err := g.Do(context.Background(), 1, func() (int, error) { return 1, nil })
		errc <- err
	}()
	waitFor(t, &g, 1, 1)
	close(release)
	if err := <-errc; err == nil {
		t.Error("a waiter of a panicked computation got no error")
	}
}

// waitFor waits until n callers wait for key.
func waitFor[K comparable, V any](t *testing.T, g *Group[K, V], key K, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); g.Waiting(key) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers wait for %v, want %d", g.Waiting(key), key, n)
		}
	}
}
