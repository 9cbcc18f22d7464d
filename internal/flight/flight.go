// Package flight runs at most one computation per key at a time: callers
// asking for a key while its computation runs wait for it and share its
// result. Caches use it so that a burst of requests for a document that
// just changed rebuilds it once, not once per request.
package flight

import (
	"context"
	"errors"
	"sync"
)

// Group is a set of keyed computations. The zero value is ready to use.
type Group[K comparable, V any] struct {
	mu    sync.Mutex
	calls map[K]*call[V]
}

type call[V any] struct {
	done    chan struct{}
	waiters int // callers waiting for it (tests wait on this)
	v       V
	err     error
}

// Do returns fn's result for key, running fn unless a call for key is
// already running, in which case it waits for that call's result. A
// waiter whose context ends stops waiting with ctx.Err(). A waiter whose
// leader failed only because the leader's own context ended runs again
// (its own context may well be alive). shared reports whether the
// result came from another caller's fn.
func (g *Group[K, V]) Do(ctx context.Context, key K, fn func() (V, error)) (v V, shared bool, err error) {
	for {
		g.mu.Lock()
		if g.calls == nil {
			g.calls = map[K]*call[V]{}
		}
		c, running := g.calls[key]
		if !running {
			c = &call[V]{done: make(chan struct{})}
			g.calls[key] = c
			g.mu.Unlock()
			g.run(key, c, fn)
			return c.v, false, c.err
		}
		c.waiters++
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			var zero V
			return zero, false, ctx.Err()
		case <-c.done:
		}
		if isContextErr(c.err) && ctx.Err() == nil {
			continue
		}
		return c.v, true, c.err
	}
}

// run calls fn and publishes its result, also when fn panics (the panic
// goes on in the leader; waiters get an error).
func (g *Group[K, V]) run(key K, c *call[V], fn func() (V, error)) {
	c.err = errPanicked
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	c.v, c.err = fn()
}

// Waiting returns how many callers wait for key's running call (tests,
// metrics).
func (g *Group[K, V]) Waiting(key K) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.calls[key]; ok {
		return c.waiters
	}
	return 0
}

var errPanicked = errors.New("flight: the computation panicked")

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
