package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/artifactd/artifactd/internal/store"
)

// leaderStore is the PostgreSQL store with the store.Leader capability.
type leaderStore struct {
	store.Store
	cfg *pgx.ConnConfig
}

// leadKey maps a job name to the advisory-lock key of its lead, in a range
// of its own (the migration and writer locks are small constants).
func leadKey(job string) int64 {
	h := fnv.New64a()
	h.Write([]byte("artifactd-lead:" + job))
	return int64(h.Sum64()>>1) | 1<<61
}

// TryLead takes a session-level advisory lock on a connection of its own;
// the lead lasts as long as that session, so a node that dies loses it.
func (s *leaderStore) TryLead(ctx context.Context, job string) (release func(), ok bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: lead %s: %w", job, err)
	}
	closeConn := func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn.Close(c)
	}
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", leadKey(job)).Scan(&ok); err != nil {
		closeConn()
		return nil, false, fmt.Errorf("postgres: lead %s: %w", job, err)
	}
	if !ok {
		closeConn()
		return nil, false, nil
	}
	return closeConn, true, nil
}
