package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/artifactd/artifactd/internal/store"
)

// maxBatch bounds how many Writes share one transaction: a batch's
// first caller waits for all the others' functions before its commit.
const maxBatch = 64

// group commit: on SQLite every commit is an fsync, and commits are
// serialized, so N concurrent Writes cost N fsyncs one after the other.
// With group commit they queue while a Write is under way; when it is
// done, the first queued becomes the leader and runs the queue (up to
// maxBatch) in one transaction, each function in its own SAVEPOINT, then
// commits once. A function that fails (or panics) is rolled back to its
// savepoint and gets its own error; the others are unaffected. Every
// Write of the batch returns after the one COMMIT, with nil or the
// commit's error. A Write that finds nobody under way runs alone, as
// without group commit (no savepoint, no added latency).
type group struct {
	mu    sync.Mutex
	busy  bool // a leader is running a transaction
	queue []*writeReq
}

// writeReq is a Write waiting in the queue.
type writeReq struct {
	ctx  context.Context
	fn   func(store.Tx) error
	done chan writeResult // 1-buffered: the leader never waits on it
}

type writeResult struct {
	err      error
	panicked bool
	panicVal any
	// lead tells a queued Write that it leads the next batch.
	lead bool
}

// result returns the Write's error, or re-raises its function's panic in
// the caller's goroutine.
func (r writeResult) result() error {
	if r.panicked {
		panic(r.panicVal)
	}
	return r.err
}

func (s *Store) groupWrite(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g := s.group
	r := &writeReq{ctx: ctx, fn: fn}
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		return s.lead(r).result()
	}
	r.done = make(chan writeResult, 1)
	g.queue = append(g.queue, r)
	g.mu.Unlock()
	var res writeResult
	select {
	case res = <-r.done:
	case <-ctx.Done():
		if g.remove(r) {
			return ctx.Err()
		}
		res = <-r.done // a leader has it: its answer comes
	}
	if res.lead {
		return s.lead(r).result()
	}
	return res.result()
}

// remove takes r out of the queue, reporting whether it was there.
func (g *group) remove(r *writeReq) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, q := range g.queue {
		if q == r {
			g.queue = append(g.queue[:i], g.queue[i+1:]...)
			return true
		}
	}
	return false
}

// take returns own and the Writes queued behind it, up to maxBatch.
func (g *group) take(own *writeReq) []*writeReq {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.queue), maxBatch-1)
	batch := make([]*writeReq, 0, n+1)
	batch = append(batch, own)
	batch = append(batch, g.queue[:n]...)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	return batch
}

// handOff makes the first queued Write the next leader, or ends the
// group's busy state when nobody waits.
func (g *group) handOff() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.busy = false
		return
	}
	next := g.queue[0]
	g.queue = append(g.queue[:0], g.queue[1:]...)
	next.done <- writeResult{lead: true}
}

// requeue puts Writes that did not run back at the head of the queue.
func (g *group) requeue(rs []*writeReq) {
	if len(rs) == 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queue = append(append([]*writeReq(nil), rs...), g.queue...)
}

// lead runs own, with whatever is queued, and hands the lead on. Followers
// get their results on their channels; own's is returned.
func (s *Store) lead(own *writeReq) writeResult {
	g := s.group
	defer g.handOff() // also when own's fn panics on the fast path
	batch := g.take(own)
	if len(batch) == 1 {
		if err := own.ctx.Err(); err != nil { // cancelled while queued
			return writeResult{err: err}
		}
		// Alone: exactly a Write without group commit; a panic in fn
		// rolls back and propagates from here.
		return writeResult{err: s.writeTx(own.ctx, own.fn)}
	}
	results := make([]writeResult, len(batch))
	delivered := false
	defer func() {
		if !delivered { // runBatch itself failed: nobody may wait forever
			for _, r := range batch[1:] {
				r.done <- writeResult{err: fmt.Errorf("%s: group commit failed", s.d.Name)}
			}
		}
	}()
	unrun := s.runBatch(batch, results)
	// Writes that did not run go back to the queue (never own: it leads,
	// and returns the batch's error).
	var again []*writeReq
	for _, i := range unrun {
		if i > 0 {
			again = append(again, batch[i])
		}
	}
	g.requeue(again)
	for i, r := range batch {
		if i > 0 && !contains(unrun, i) {
			r.done <- results[i]
		}
	}
	delivered = true
	return results[0]
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// runBatch runs batch in one transaction and fills results. It returns the
// indexes of the Writes that did not run because the transaction broke
// (they have not started; own, index 0, gets the error instead).
func (s *Store) runBatch(batch []*writeReq, results []writeResult) (unrun []int) {
	// No one caller's cancellation may end the transaction the others
	// share; each Write's context is still checked before it starts.
	ctx := context.WithoutCancel(batch[0].ctx)
	begin := s.d.BeginWrite
	if begin == nil {
		begin = func(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
			return db.BeginTx(ctx, nil)
		}
	}
	stx, err := begin(ctx, s.write)
	if err != nil {
		err = fmt.Errorf("%s: begin write: %w", s.d.Name, err)
		for i := range results {
			results[i].err = err
		}
		return nil
	}
	t := &tx{s: s, tx: stx, detach: true, stmts: s.writeStmts}
	var broken error // the transaction can no longer be trusted
	ran := 0         // functions that succeeded
	for i, r := range batch {
		if broken != nil { // i > 0: the first runs first
			unrun = append(unrun, i)
			continue
		}
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		results[i], broken = s.savepoint(ctx, t, r.fn)
		if broken == nil && !results[i].panicked && results[i].err == nil {
			ran++
		}
	}
	if broken != nil || ran == 0 {
		stx.Rollback() //nolint:errcheck // the error reported is broken's, or nothing was written
		if broken != nil {
			err := fmt.Errorf("%s: group commit: %w", s.d.Name, broken)
			for i := range results {
				if !contains(unrun, i) && !results[i].panicked && results[i].err == nil {
					results[i].err = err // ran, but rolled back with the others
				}
			}
		}
		return unrun
	}
	s.committing.Add(1) // as in writeTx: see the Store's fields
	err = stx.Commit()
	s.writes.Add(1)
	s.committing.Add(-1)
	if err != nil {
		err = fmt.Errorf("%s: commit: %w", s.d.Name, err)
		for i := range results {
			if !results[i].panicked && results[i].err == nil {
				results[i].err = err
			}
		}
		return unrun
	}
	s.commits.Add(1)
	return unrun
}

// savepoint runs fn inside a savepoint of t: kept when fn returns nil,
// rolled back when it fails or panics (the panic is returned, to be
// re-raised by fn's caller). broken is a failure of the savepoint itself
// (SQLite may have rolled back the whole transaction, e.g. on SQLITE_FULL
// or an I/O error): nothing done in the transaction can be kept.
func (s *Store) savepoint(ctx context.Context, t *tx, fn func(store.Tx) error) (res writeResult, broken error) {
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
		return writeResult{err: fmt.Errorf("%s: savepoint: %w", s.d.Name, err)}, err
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				res = writeResult{panicked: true, panicVal: v}
			}
		}()
		res.err = fn(t)
	}()
	if !res.panicked && res.err == nil {
		if _, err := t.tx.ExecContext(ctx, "RELEASE w"); err != nil {
			return writeResult{err: fmt.Errorf("%s: release savepoint: %w", s.d.Name, err)}, err
		}
		return res, nil
	}
	_, err1 := t.tx.ExecContext(ctx, "ROLLBACK TO w")
	_, err2 := t.tx.ExecContext(ctx, "RELEASE w")
	if err := errors.Join(err1, err2); err != nil {
		return res, err
	}
	return res, nil
}
