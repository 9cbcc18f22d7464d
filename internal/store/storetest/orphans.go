package storetest

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// orphans returns the queued digests, sorted.
func (f *fx) orphans() []string {
	f.Helper()
	var out []string
	f.read(func(tx store.Tx) error {
		os, err := tx.Orphans().List(f.ctx, 100000)
		for _, o := range os {
			out = append(out, o.SHA256)
		}
		return err
	})
	slices.Sort(out)
	return out
}

func (f *fx) wantOrphans(what string, want ...string) {
	f.Helper()
	slices.Sort(want)
	if got := f.orphans(); !reflect.DeepEqual(got, want) {
		f.Errorf("%s: orphans %v, want %v", what, got, want)
	}
}

func (f *fx) wantReferenced(sha string, want bool) {
	f.Helper()
	f.read(func(tx store.Tx) error {
		got, err := tx.Orphans().Referenced(f.ctx, sha)
		if err == nil && got != want {
			f.Errorf("Referenced(%s) = %v, want %v", sha[len(sha)-4:], got, want)
		}
		return err
	})
}

func (f *fx) count(what string, got func(tx store.Tx) (int, error), want int) {
	f.Helper()
	f.read(func(tx store.Tx) error {
		n, err := got(tx)
		if err == nil && n != want {
			f.Errorf("%s = %d, want %d", what, n, want)
		}
		return err
	})
}

// tree is a domain with two repositories, two packages in the first and
// two versions in each; assets are added by the tests.
type tree struct {
	d                domain.Domain
	r1, r2           domain.Repository
	p1, p2           domain.Package
	v11, v12, v2, vo domain.PackageVersion
}

func (f *fx) tree() tree {
	var t tree
	t.d = f.domain("us-east-1", "o", "d")
	t.r1 = f.repo(t.d.ID, "r1")
	t.r2 = f.repo(t.d.ID, "r2")
	t.p1 = f.pkg(t.r1.ID, domain.FormatNpm, "", "p1")
	t.p2 = f.pkg(t.r1.ID, domain.FormatNpm, "", "p2")
	t.v11 = f.version(t.p1.ID, "1")
	t.v12 = f.version(t.p1.ID, "2")
	t.v2 = f.version(t.p2.ID, "1")
	po := f.pkg(t.r2.ID, domain.FormatNpm, "", "p1")
	t.vo = f.version(po.ID, "1")
	return t
}

func testOrphansAssetsDeleteAll(f *fx) {
	t := f.tree()
	f.asset(t.v11.ID, "a", sha(1), 10)
	f.asset(t.v11.ID, "b", sha(2), 20)
	f.asset(t.v11.ID, "c", sha(2), 20) // same blob twice
	f.asset(t.v12.ID, "a", sha(3), 30)
	f.asset(t.vo.ID, "a", sha(1), 10) // also referenced elsewhere
	f.write(func(tx store.Tx) error { return tx.Assets().DeleteAll(f.ctx, t.v11.ID) })
	f.wantOrphans("after DeleteAll", sha(1), sha(2))
	f.count("assets of the version", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, t.v11.ID) }, 0)
	f.count("assets of its sibling", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, t.v12.ID) }, 1)
	f.count("versions", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, t.p1.ID) }, 2)
	f.wantReferenced(sha(1), true)
	f.wantReferenced(sha(2), false)
	f.wantReferenced(sha(3), true)
	// Deleting nothing queues nothing.
	f.write(func(tx store.Tx) error { return tx.Assets().DeleteAll(f.ctx, t.v11.ID) })
	f.wantOrphans("after a second DeleteAll", sha(1), sha(2))
}

func testOrphansVersionDelete(f *fx) {
	t := f.tree()
	f.asset(t.v11.ID, "a", sha(1), 10)
	f.asset(t.v11.ID, "b", sha(2), 20)
	f.asset(t.v12.ID, "a", sha(2), 20)
	f.write(func(tx store.Tx) error { return tx.Versions().Delete(f.ctx, t.v11.ID) })
	f.wantOrphans("after Versions.Delete", sha(1), sha(2))
	f.count("assets of the deleted version", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, t.v11.ID) }, 0)
	f.count("versions", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, t.p1.ID) }, 1)
	f.wantReferenced(sha(1), false)
	f.wantReferenced(sha(2), true)
	// Freeing a digest that is already queued keeps one queue entry.
	f.write(func(tx store.Tx) error { return tx.Versions().Delete(f.ctx, t.v12.ID) })
	f.wantOrphans("after freeing a queued digest again", sha(1), sha(2))
}

func testOrphansPackageDelete(f *fx) {
	t := f.tree()
	f.asset(t.v11.ID, "a", sha(1), 10)
	f.asset(t.v12.ID, "a", sha(2), 20)
	f.asset(t.v2.ID, "a", sha(3), 30)
	f.asset(t.v2.ID, "b", sha(2), 20)
	f.write(func(tx store.Tx) error { return tx.Packages().Delete(f.ctx, t.p1.ID) })
	f.wantOrphans("after Packages.Delete", sha(1), sha(2))
	for _, v := range []domain.PackageVersion{t.v11, t.v12} {
		f.count("assets of a deleted version", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, v.ID) }, 0)
	}
	f.count("versions of the deleted package", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, t.p1.ID) }, 0)
	f.count("assets of the other package", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, t.v2.ID) }, 2)
	f.wantReferenced(sha(1), false)
	f.wantReferenced(sha(2), true)
}

func testOrphansRepositoryDelete(f *fx) {
	t := f.tree()
	f.asset(t.v11.ID, "a", sha(1), 10)
	f.asset(t.v12.ID, "a", sha(2), 20)
	f.asset(t.v2.ID, "a", sha(3), 30)
	f.asset(t.vo.ID, "a", sha(3), 30) // in the other repository
	f.asset(t.vo.ID, "b", sha(4), 40)
	down := f.repo(t.d.ID, "down", domain.Upstream{RepositoryID: t.r1.ID, Name: t.r1.Name})
	arn := "arn:aws:codeartifact:us-east-1:o:repository/d/r1"
	f.write(func(tx store.Tx) error { return tx.Tags().Put(f.ctx, arn, []domain.Tag{{Key: "k", Value: "v"}}) })

	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, t.r1.ID) })
	f.wantOrphans("after Repositories.Delete", sha(1), sha(2), sha(3))
	f.wantReferenced(sha(1), false)
	f.wantReferenced(sha(3), true)
	f.wantReferenced(sha(4), true)
	for _, v := range []domain.PackageVersion{t.v11, t.v12, t.v2} {
		f.count("assets of a deleted version", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, v.ID) }, 0)
	}
	for _, p := range []domain.Package{t.p1, t.p2} {
		f.count("versions of a deleted package", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, p.ID) }, 0)
	}
	f.count("assets of the other repository", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, t.vo.ID) }, 2)
	f.read(func(tx store.Tx) error {
		_, err := tx.Packages().Get(f.ctx, t.r1.ID, domain.FormatNpm, "", "p1")
		f.wantErr("package of a deleted repository", err, domain.ErrNotFound)
		got, err := tx.Repositories().GetByID(f.ctx, down.ID)
		if err == nil && !reflect.DeepEqual(got.Upstreams, down.Upstreams) {
			f.Errorf("downstream's upstreams = %v, want the dangling %v", got.Upstreams, down.Upstreams)
		}
		// Tags are the caller's.
		tags, err2 := tx.Tags().List(f.ctx, arn)
		if err2 == nil && len(tags) != 1 {
			f.Errorf("tags of the deleted repository = %v, want them kept", tags)
		}
		return err
	})
	f.count("repositories", func(tx store.Tx) (int, error) { return tx.Repositories().Count(f.ctx, t.d.ID) }, 2)
}

func testOrphansQueue(f *fx) {
	t := f.tree()
	// The older entry has the larger digest, so that order by digest and
	// order by age differ.
	f.asset(t.v11.ID, "a", sha(0xff), 1)
	f.asset(t.v12.ID, "a", sha(0x01), 1)
	before := time.Now()
	f.write(func(tx store.Tx) error { return tx.Assets().DeleteAll(f.ctx, t.v11.ID) })
	time.Sleep(5 * time.Millisecond)
	f.write(func(tx store.Tx) error { return tx.Assets().DeleteAll(f.ctx, t.v12.ID) })
	after := time.Now()
	var got []store.Orphan
	f.read(func(tx store.Tx) error {
		var err error
		got, err = tx.Orphans().List(f.ctx, 10)
		return err
	})
	if len(got) != 2 || got[0].SHA256 != sha(0xff) || got[1].SHA256 != sha(0x01) {
		f.Fatalf("List = %+v, want oldest first", got)
	}
	for _, o := range got {
		if o.QueuedAt.Before(before.Add(-time.Second)) || o.QueuedAt.After(after.Add(time.Second)) ||
			o.QueuedAt.Location() != time.UTC {
			f.Errorf("QueuedAt = %v, want in [%v, %v], UTC", o.QueuedAt, before, after)
		}
	}
	if !got[0].QueuedAt.Before(got[1].QueuedAt) {
		f.Errorf("QueuedAt %v, %v: not increasing", got[0].QueuedAt, got[1].QueuedAt)
	}
	f.read(func(tx store.Tx) error {
		one, err := tx.Orphans().List(f.ctx, 1)
		if err == nil && (len(one) != 1 || one[0].SHA256 != sha(0xff)) {
			f.Errorf("List(1) = %+v", one)
		}
		return err
	})
	f.write(func(tx store.Tx) error {
		if err := tx.Orphans().Remove(f.ctx, sha(0xff)); err != nil {
			return err
		}
		return tx.Orphans().Remove(f.ctx, sha(0x77)) // not queued: no error
	})
	f.wantOrphans("after Remove", sha(0x01))
	// A digest referenced again and freed again is queued again.
	f.asset(t.v2.ID, "a", sha(0xff), 1)
	f.wantReferenced(sha(0xff), true)
	f.write(func(tx store.Tx) error { return tx.Versions().Delete(f.ctx, t.v2.ID) })
	f.wantOrphans("after re-freeing", sha(0x01), sha(0xff))
}

// testDeleteLargeRepository deletes a repository of 10,000 versions (2,000
// with -short or -race), which must be done with set-based statements to be
// quick.
func testDeleteLargeRepository(f *fx) {
	nVersions, nBlobs := 10000, 1000
	if testing.Short() || raceEnabled {
		nVersions, nBlobs = 2000, 200
	}
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "big")
	keep := f.repo(d.ID, "keep")
	kp := f.pkg(keep.ID, domain.FormatNpm, "", "k")
	kv := f.version(kp.ID, "1")
	f.asset(kv.ID, "a", sha(0), 1)
	start := time.Now()
	f.write(func(tx store.Tx) error {
		var p domain.Package
		for i := 0; i < nVersions; i++ {
			if i%1000 == 0 {
				p = domain.Package{RepositoryID: r.ID, Format: domain.FormatNpm, Name: "p" + string(rune('a'+i/1000))}
				if err := tx.Packages().Create(f.ctx, &p); err != nil {
					return err
				}
			}
			v := newVersion(p.ID, "1.0."+strconv.Itoa(i))
			if err := tx.Versions().Create(f.ctx, &v); err != nil {
				return err
			}
			if err := tx.Assets().Add(f.ctx, v.ID, newAsset("a.tgz", sha(i%nBlobs), 1)); err != nil {
				return err
			}
		}
		return nil
	})
	f.Logf("created %d versions in %v", nVersions, time.Since(start))
	start = time.Now()
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, r.ID) })
	elapsed := time.Since(start)
	f.Logf("deleted them in %v", elapsed)
	if elapsed > 30*time.Second {
		f.Errorf("deleting %d versions took %v", nVersions, elapsed)
	}
	if got := len(f.orphans()); got != nBlobs {
		f.Errorf("%d orphans, want %d", got, nBlobs)
	}
	f.wantReferenced(sha(0), true)
	f.wantReferenced(sha(1), false)
	f.count("repositories", func(tx store.Tx) (int, error) { return tx.Repositories().Count(f.ctx, d.ID) }, 1)
}

func testAssetSizeBytes(f *fx) {
	t := f.tree()
	other := f.domain("us-east-1", "o", "other")
	empty := f.domain("us-east-1", "o", "empty")
	or := f.repo(other.ID, "r1")
	op := f.pkg(or.ID, domain.FormatNpm, "", "p1")
	ov := f.version(op.ID, "1")
	f.asset(t.v11.ID, "a", sha(1), 100)
	f.asset(t.v11.ID, "b", sha(2), 200)
	f.asset(t.v12.ID, "a", sha(2), 200) // same blob, other version
	f.asset(t.vo.ID, "a", sha(1), 100)  // same blob, other repository
	f.asset(ov.ID, "a", sha(1), 100)    // same blob, other domain
	f.asset(ov.ID, "b", sha(3), 1000)
	size := func(id int64, want int64) {
		f.Helper()
		f.read(func(tx store.Tx) error {
			got, err := tx.Domains().AssetSizeBytes(f.ctx, id)
			if err == nil && got != want {
				f.Errorf("AssetSizeBytes(%d) = %d, want %d", id, got, want)
			}
			return err
		})
	}
	size(t.d.ID, 300)
	size(other.ID, 1100)
	size(empty.ID, 0)
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, t.r1.ID) })
	size(t.d.ID, 100)
	size(other.ID, 1100)
}

// testPins covers the pins that protect a publish's bytes from collection.
func testPins(f *fx) {
	t0 := time.Now().UTC()
	var old, fresh int64
	f.write(func(tx store.Tx) (err error) {
		if old, err = tx.Orphans().Pin(f.ctx, sha(1), t0.Add(-2*time.Hour)); err != nil {
			return err
		}
		fresh, err = tx.Orphans().Pin(f.ctx, sha(2), t0)
		return err
	})
	if old == fresh || old == 0 || fresh == 0 {
		f.Fatalf("pin ids %d, %d: want distinct, non-zero", old, fresh)
	}
	pinned := func(d string, since time.Time, want bool) {
		f.Helper()
		f.read(func(tx store.Tx) error {
			got, err := tx.Orphans().Pinned(f.ctx, d, since)
			if err == nil && got != want {
				f.Errorf("Pinned(%s, %v) = %v, want %v", d[len(d)-4:], since, got, want)
			}
			return err
		})
	}
	pinned(sha(1), t0.Add(-3*time.Hour), true)
	pinned(sha(1), t0.Add(-time.Hour), false) // too old to count
	pinned(sha(2), t0.Add(-time.Hour), true)
	pinned(sha(3), t0.Add(-time.Hour), false)

	// Expired pins go, and their digests are queued for collection.
	f.write(func(tx store.Tx) error { return tx.Orphans().DropPinsBefore(f.ctx, t0.Add(-time.Hour)) })
	pinned(sha(1), time.Time{}, false)
	pinned(sha(2), time.Time{}, true)
	f.wantOrphans("after DropPinsBefore", sha(1))

	// Unpin removes exactly one pin; unpinning twice is harmless.
	f.write(func(tx store.Tx) error {
		if err := tx.Orphans().Unpin(f.ctx, fresh); err != nil {
			return err
		}
		return tx.Orphans().Unpin(f.ctx, fresh)
	})
	pinned(sha(2), time.Time{}, false)

	// Queue is idempotent.
	f.write(func(tx store.Tx) error {
		if err := tx.Orphans().Queue(f.ctx, sha(4)); err != nil {
			return err
		}
		return tx.Orphans().Queue(f.ctx, sha(4))
	})
	f.wantOrphans("after Queue", sha(1), sha(4))
}

// testListReferenced covers the listings fsck streams through: the
// distinct referenced digests by keyset pages, the assets of one digest,
// and the queue and pin counts.
func testListReferenced(f *fx) {
	list := func(after string, limit int) []store.BlobRef {
		f.Helper()
		var got []store.BlobRef
		f.read(func(tx store.Tx) (err error) {
			got, err = tx.Orphans().ListReferenced(f.ctx, after, limit)
			return err
		})
		return got
	}
	if got := list("", 10); len(got) != 0 {
		f.Fatalf("ListReferenced on an empty store = %+v", got)
	}
	t := f.tree()
	// sha(3) is referenced three times (twice with one size, once with
	// another: the listing shows the disagreement), sha(1) once, sha(2)
	// twice, sha(9) by an asset that is then deleted.
	f.asset(t.v11.ID, "a", sha(3), 30)
	f.asset(t.v12.ID, "a", sha(3), 30)
	f.asset(t.vo.ID, "b", sha(3), 31)
	f.asset(t.v11.ID, "b", sha(1), 10)
	f.asset(t.v2.ID, "a", sha(2), 20)
	f.asset(t.vo.ID, "a", sha(2), 20)
	f.asset(t.v12.ID, "z", sha(9), 90)
	f.write(func(tx store.Tx) error { return tx.Versions().Delete(f.ctx, t.v12.ID) })
	// v12 held sha(3) too: it stays referenced by v11 and vo.
	ref := func(d string, size, maxSize int64) store.BlobRef {
		return store.BlobRef{SHA256: d, Size: size, MaxSize: maxSize}
	}
	want := []store.BlobRef{ref(sha(1), 10, 10), ref(sha(2), 20, 20), ref(sha(3), 30, 31)}
	if got := list("", 10); !reflect.DeepEqual(got, want) {
		f.Fatalf("ListReferenced = %+v, want %+v", got, want)
	}
	var paged []store.BlobRef
	for after := ""; ; {
		page := list(after, 2)
		if len(page) > 2 {
			f.Fatalf("page of %d with limit 2", len(page))
		}
		paged = append(paged, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].SHA256
	}
	if !reflect.DeepEqual(paged, want) {
		f.Fatalf("ListReferenced by pages of 2 = %+v, want %+v", paged, want)
	}
	if got := list(sha(3), 10); len(got) != 0 {
		f.Errorf("ListReferenced after the last = %+v", got)
	}
	f.read(func(tx store.Tx) error {
		_, err := tx.Orphans().ListReferenced(f.ctx, "", 0)
		f.wantErr("ListReferenced limit 0", err, domain.ErrInvalid)
		return nil
	})

	var refs []store.AssetRef
	f.read(func(tx store.Tx) (err error) {
		refs, err = tx.Orphans().ReferencedBy(f.ctx, sha(3), 10)
		return err
	})
	at := func(repo, pkg, version, asset string, size int64) store.AssetRef {
		return store.AssetRef{Region: "us-east-1", Owner: "o", Domain: "d", Repository: repo, Format: domain.FormatNpm,
			Package: pkg, Version: version, Asset: asset, Size: size}
	}
	wantRefs := []store.AssetRef{at("r1", "p1", "1", "a", 30), at("r2", "p1", "1", "b", 31)}
	if !reflect.DeepEqual(refs, wantRefs) {
		f.Errorf("ReferencedBy = %+v, want %+v", refs, wantRefs)
	}
	f.read(func(tx store.Tx) (err error) {
		refs, err = tx.Orphans().ReferencedBy(f.ctx, sha(3), 1)
		if err == nil && (len(refs) != 1 || refs[0] != wantRefs[0]) {
			f.Errorf("ReferencedBy limit 1 = %+v", refs)
		}
		if err == nil {
			refs, err = tx.Orphans().ReferencedBy(f.ctx, sha(9), 10)
		}
		if err == nil && len(refs) != 0 {
			f.Errorf("ReferencedBy of an unreferenced digest = %+v", refs)
		}
		return err
	})

	f.count("CountQueued", func(tx store.Tx) (int, error) { return tx.Orphans().CountQueued(f.ctx) }, 2) // sha(3), sha(9)
	t0 := time.Now().UTC()
	f.write(func(tx store.Tx) error {
		for _, at := range []time.Time{t0.Add(-3 * time.Hour), t0.Add(-2 * time.Hour), t0} {
			if _, err := tx.Orphans().Pin(f.ctx, sha(5), at); err != nil {
				return err
			}
		}
		return nil
	})
	f.read(func(tx store.Tx) error {
		all, before, err := tx.Orphans().CountPins(f.ctx, t0.Add(-time.Hour))
		if err == nil && (all != 3 || before != 2) {
			f.Errorf("CountPins = %d, %d; want 3, 2", all, before)
		}
		return err
	})
}
