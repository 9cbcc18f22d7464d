package sqlite

import (
	"context"
	"errors"
	"sync"

	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlstore"
)

// ErrInUse is returned by OpenExclusive when another process (or another
// OpenExclusive in this one) holds the database.
var ErrInUse = errors.New("sqlite: the database is in use by another artifactd process " +
	"(one process per SQLite database; use PostgreSQL for several nodes)")

// OpenExclusive is Open for the one process that serves the database: it
// locks path+".lock" for as long as the store is open, so that no other
// process writes to the database meanwhile, and that lets the store
// remember data-plane lookups (Resolve) until its own next write.
func OpenExclusive(ctx context.Context, path string) (store.Store, error) {
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	s, _, _, err := open(ctx, path)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.CacheResolves()
	return &exclusiveStore{Store: s, unlock: sync.OnceValue(lock.Close)}, nil
}

// exclusiveStore releases the lock after closing the store (Close may be
// called more than once).
type exclusiveStore struct {
	*sqlstore.Store
	unlock func() error
}

func (s *exclusiveStore) Close() error {
	return errors.Join(s.Store.Close(), s.unlock())
}
