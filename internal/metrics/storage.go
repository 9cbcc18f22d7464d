package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/store"
)

// TimeStore returns st with its calls timed. A store that can lead
// cluster jobs (store.Leader) stays one: the server and the service ask.
func (m *Metrics) TimeStore(st store.Store) store.Store {
	t := &timedStore{Store: st,
		read: m.store.WithLabelValues("read"), write: m.store.WithLabelValues("write"),
		resolve: m.store.WithLabelValues("resolve"), stamp: m.store.WithLabelValues("authz_stamp")}
	if l, ok := st.(store.Leader); ok {
		return &timedLeaderStore{timedStore: t, leader: l}
	}
	return t
}

type timedStore struct {
	store.Store
	read, write, resolve, stamp prometheus.Observer
}

func since(o prometheus.Observer, start time.Time) { o.Observe(time.Since(start).Seconds()) }

func (s *timedStore) Read(ctx context.Context, fn func(store.Tx) error) error {
	defer since(s.read, time.Now())
	return s.Store.Read(ctx, fn)
}

func (s *timedStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	defer since(s.write, time.Now())
	return s.Store.Write(ctx, fn)
}

func (s *timedStore) Resolve(ctx context.Context, q store.Lookup) (store.Resolution, error) {
	defer since(s.resolve, time.Now())
	return s.Store.Resolve(ctx, q)
}

func (s *timedStore) AuthzStamp(ctx context.Context) (int64, error) {
	defer since(s.stamp, time.Now())
	return s.Store.AuthzStamp(ctx)
}

type timedLeaderStore struct {
	*timedStore
	leader store.Leader
}

func (s *timedLeaderStore) TryLead(ctx context.Context, job string) (func(), bool, error) {
	return s.leader.TryLead(ctx, job)
}

// TimeBlobs returns the blob store b with its calls timed. It keeps the
// optional capabilities the server and the memory cache use (Pinger,
// Walker): the file-system and S3 backends have both.
func (m *Metrics) TimeBlobs(b blob.Store) blob.Store {
	return &timedBlobs{Store: b,
		open: m.blob.WithLabelValues("open"), stat: m.blob.WithLabelValues("stat"),
		del: m.blob.WithLabelValues("delete"), create: m.blob.WithLabelValues("new_upload"),
		commit: m.blob.WithLabelValues("commit")}
}

type timedBlobs struct {
	blob.Store
	open, stat, del, create, commit prometheus.Observer
}

func (b *timedBlobs) Open(ctx context.Context, sha256 string) (blob.Object, error) {
	defer since(b.open, time.Now())
	return b.Store.Open(ctx, sha256)
}

func (b *timedBlobs) Stat(ctx context.Context, sha256 string) (int64, error) {
	defer since(b.stat, time.Now())
	return b.Store.Stat(ctx, sha256)
}

func (b *timedBlobs) Delete(ctx context.Context, sha256 string) error {
	defer since(b.del, time.Now())
	return b.Store.Delete(ctx, sha256)
}

func (b *timedBlobs) NewUpload(ctx context.Context) (blob.Upload, error) {
	defer since(b.create, time.Now())
	u, err := b.Store.NewUpload(ctx)
	if err != nil {
		return nil, err
	}
	return &timedUpload{Upload: u, commit: b.commit}, nil
}

// Ping passes the backend's readiness check through (none: ready).
func (b *timedBlobs) Ping(ctx context.Context) error {
	if p, ok := b.Store.(blob.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// errNoWalk is Walk's error for a backend that cannot list its objects.
var errNoWalk = errors.New("blob store cannot list its objects")

// Walk passes the backend's listing through.
func (b *timedBlobs) Walk(ctx context.Context, fn func(sha256 string, size int64) error) error {
	if w, ok := b.Store.(blob.Walker); ok {
		return w.Walk(ctx, fn)
	}
	return errNoWalk
}

type timedUpload struct {
	blob.Upload
	commit prometheus.Observer
}

func (u *timedUpload) Commit(ctx context.Context, sha256 string) error {
	defer since(u.commit, time.Now())
	return u.Upload.Commit(ctx, sha256)
}
