package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

type secretsTx struct{ t *tx }

// GetOrCreate returns the secret stored under name, storing value first
// when there is none. The insert is ON CONFLICT DO NOTHING followed by a
// read, so of two nodes racing to create it, both get the winner's value.
// A secret that exists can be read in a Read transaction too.
func (x secretsTx) GetOrCreate(ctx context.Context, name string, value []byte) ([]byte, error) {
	if got, err := x.get(ctx, name); err == nil || !errors.Is(err, sql.ErrNoRows) {
		return got, err
	}
	if len(value) == 0 {
		return nil, domain.Invalid("secret %s: empty value", name)
	}
	_, err := x.t.exec(ctx, `INSERT INTO secrets (name, value, created_ns) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, value, time.Now().UnixNano())
	if err != nil {
		return nil, x.t.fail("store secret", err)
	}
	return x.get(ctx, name)
}

func (x secretsTx) get(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := x.t.queryRow(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, x.t.fail("read secret", err)
	}
	return v, nil
}
