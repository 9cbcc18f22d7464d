package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// maxCachedStmts bounds a pool's cached statements: queries are literals
// of this package, a few hundred at most; the bound only stops queries
// built with a varying number of placeholders from growing it forever.
const maxCachedStmts = 512

// stmtCache keeps a pool's statements compiled, for databases in the
// process (SQLite), where compiling a statement costs more than running
// most of them (a sixth of the server's CPU per publish before it).
//
// Two rules keep it safe with database/sql and modernc.org/sqlite:
//   - Statements are prepared on the pool only outside any transaction of
//     the caller (prepareWanted runs after the transaction ends, in the
//     background): SQLite's write pool has one connection, and preparing
//     on it from inside a write transaction would wait for itself. A
//     query's first runs are compiled as before; later ones find it.
//   - Only exec, queryRow and queryAll use cached statements. A driver
//     statement runs one query at a time, and a caller iterating query's
//     rows may run the same query again from inside its loop; exec
//     finishes, queryRow's Scan closes its row at once, and queryAll reads
//     its rows to the end before returning, so none can overlap itself.
type stmtCache struct {
	db     *sql.DB
	rebind func(string) string

	mu        sync.Mutex
	stmts     map[string]*sql.Stmt
	wanted    map[string]struct{}
	preparing bool
	closed    bool
	wg        sync.WaitGroup
}

func newStmtCache(db *sql.DB, rebind func(string) string) *stmtCache {
	return &stmtCache{db: db, rebind: rebind, stmts: map[string]*sql.Stmt{}, wanted: map[string]struct{}{}}
}

// get returns q's statement, or nil (then q is wanted: prepared once the
// caller's transaction is over).
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.stmts[q]; st != nil {
		return st
	}
	if len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted[q] = struct{}{}
	}
	return nil
}

// prepareWanted prepares the wanted statements in the background; the
// caller must have ended its transaction.
func (c *stmtCache) prepareWanted() {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.preparing || c.closed || len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	c.preparing = true
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		for {
			c.mu.Lock()
			var q string
			for q = range c.wanted {
				break
			}
			if q == "" || c.closed {
				c.preparing = false
				c.mu.Unlock()
				return
			}
			delete(c.wanted, q)
			c.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			st, err := c.db.PrepareContext(ctx, c.rebind(q))
			cancel()
			if err != nil {
				continue // compiled per run, as without a cache
			}
			c.mu.Lock()
			if c.closed || c.stmts[q] != nil {
				st.Close()
			} else {
				c.stmts[q] = st
			}
			c.mu.Unlock()
		}
	}()
}

// close waits for a background preparation and closes the statements
// (before the pool).
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

// len is how many statements are kept compiled.
func (c *stmtCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stmts)
}
