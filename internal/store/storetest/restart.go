package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// RunRestart checks that everything a store acknowledged survives closing
// and reopening it. open(t, dir) opens the store kept in dir, a directory
// the suite creates; called again with the same dir it must open the same
// data (a backend whose data is not in files maps dir to a database of its
// own). At the end it opens dir twice at once, as two nodes sharing a
// database would. The suite closes every store it opens.
func RunRestart(t *testing.T, open func(t *testing.T, dir string) store.Store) {
	dir := t.TempDir()
	ctx := context.Background()
	s := open(t, dir)
	f := &fx{T: t, s: s, ctx: ctx}
	tr := f.tree()
	full := fullVersion(tr.p1.ID, "3.0.0")
	f.write(func(tx store.Tx) error { return tx.Versions().Create(ctx, &full) })
	a := f.asset(full.ID, "a.tgz", sha(1), 123)
	f.asset(tr.v11.ID, "b.tgz", sha(2), 456)
	f.write(func(tx store.Tx) error { return tx.Versions().Delete(ctx, tr.v11.ID) })
	down := f.repo(tr.d.ID, "down", domain.Upstream{RepositoryID: tr.r2.ID, Name: tr.r2.Name},
		domain.Upstream{RepositoryID: tr.r1.ID, Name: tr.r1.Name})
	last := f.repo(tr.d.ID, "zz-last")
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(ctx, last.ID) })
	tags := []domain.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}
	f.write(func(tx store.Tx) error { return tx.Tags().Put(ctx, "arn:d", tags) })
	secret := []byte("signing key")
	f.write(func(tx store.Tx) error {
		_, err := tx.Secrets().GetOrCreate(ctx, "token-key", secret)
		return err
	})
	user := f.iamUser("111122223333", "Alice", "/")
	stamp := f.stamp()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for round := range 2 {
		s = open(t, dir)
		f = &fx{T: t, s: s, ctx: ctx}
		f.read(func(tx store.Tx) error {
			d, err := tx.Domains().Get(ctx, "us-east-1", "o", "d")
			if err != nil {
				return err
			}
			f.sameTime("domain CreatedTime", d.CreatedTime, testTime)
			if d.ID != tr.d.ID || d.EncryptionKey != tr.d.EncryptionKey {
				t.Errorf("domain = %+v, want %+v", d, tr.d)
			}
			r, err := tx.Repositories().GetByID(ctx, down.ID)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(r.Upstreams, down.Upstreams) || r.Description != down.Description {
				t.Errorf("repository = %+v, want %+v", r, down)
			}
			v, err := tx.Versions().Get(ctx, tr.p1.ID, "3.0.0")
			if err != nil {
				return err
			}
			f.checkVersion("version", v, full)
			got, err := tx.Assets().Get(ctx, full.ID, "a.tgz")
			if err != nil || !reflect.DeepEqual(got, a) {
				t.Errorf("asset = %+v, %v; want %+v", got, err, a)
			}
			gotSecret, err := tx.Secrets().GetOrCreate(ctx, "token-key", []byte("new"))
			if err != nil || string(gotSecret) != string(secret) {
				t.Errorf("secret = %q, %v; want %q", gotSecret, err, secret)
			}
			gotTags, err := tx.Tags().List(ctx, "arn:d")
			if err != nil || !reflect.DeepEqual(gotTags, tags) {
				t.Errorf("tags = %v, %v; want %v", gotTags, err, tags)
			}
			gotUser, err := tx.Identities().GetUser(ctx, user.Account, "alice")
			if err != nil || gotUser.ID != user.ID || gotUser.UserID != user.UserID {
				t.Errorf("IAM user = %+v, %v; want %+v", gotUser, err, user)
			}
			return nil
		})
		if got := f.stamp(); got != stamp {
			t.Errorf("round %d: AuthzStamp = %d after a restart, want %d", round, got, stamp)
		}
		f.wantOrphans("orphans", sha(2))
		f.wantReferenced(sha(1), true)
		// Ids are not reused across restarts either.
		again := f.repo(tr.d.ID, "again")
		if again.ID == last.ID {
			t.Errorf("round %d: the deleted repository's ID %d was reused", round, last.ID)
		}
		f.write(func(tx store.Tx) error { return tx.Repositories().Delete(ctx, again.ID) })
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}

	// Two stores open on the same data at once, as two nodes: the
	// AuthzStamp each reads moves with the other's writes.
	s1, s2 := open(t, dir), open(t, dir)
	defer s1.Close()
	defer s2.Close()
	f1, f2 := &fx{T: t, s: s1, ctx: ctx}, &fx{T: t, s: s2, ctx: ctx}
	for i, w := range []struct{ writer, reader *fx }{{f1, f2}, {f2, f1}} {
		before := w.reader.stamp()
		w.writer.write(func(tx store.Tx) error {
			return tx.Identities().PutPolicy(ctx, domain.PrincipalUser, user.ID, "p", fmt.Sprint(i))
		})
		if after := w.reader.stamp(); after == before {
			t.Errorf("store %d wrote, the other's AuthzStamp stayed %d", i+1, after)
		}
	}
}
