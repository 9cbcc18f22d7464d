package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// RunConcurrentWrites checks what Write promises under concurrency, where
// a backend may run several callers' functions in one transaction (group
// commit): each Write is still all or nothing on its own, a panic is its
// caller's alone, a Write that returned is visible to the next Read, and
// a Write cancelled while it waits for its turn does not run. open returns
// a new, empty store.
func RunConcurrentWrites(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*fx)
	}{
		{"SomeFail", testConcurrentWritesSomeFail},
		{"Panic", testConcurrentWritesPanic},
		{"VisibleOnReturn", testConcurrentWritesVisible},
		{"CancelledWhileQueued", testConcurrentWritesCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(&fx{T: t, s: s, ctx: context.Background()})
		})
	}
}

// hold runs a Write that stays open until release is closed, so that
// Writes started meanwhile queue behind it (and may then share a
// transaction). It returns once the held Write is under way.
func (f *fx) hold(release <-chan struct{}) *sync.WaitGroup {
	inside := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := f.s.Write(f.ctx, func(tx store.Tx) error {
			close(inside)
			<-release
			return nil
		})
		if err != nil {
			f.Errorf("held Write: %v", err)
		}
	}()
	<-inside
	return &wg
}

// testConcurrentWritesSomeFail: of many Writes queued together, the ones
// that fail (their own error, or a constraint violation after writing)
// leave nothing, and all the others land.
func testConcurrentWritesSomeFail(f *fx) {
	const n = 48
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "r")
	p := f.pkg(r.ID, domain.FormatGeneric, "ns", "p")
	boom := errors.New("boom")
	release := make(chan struct{})
	held := f.hold(release)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.s.Write(f.ctx, func(tx store.Tx) error {
				v := newVersion(p.ID, fmt.Sprintf("1.0.%d", i))
				if err := tx.Versions().Create(f.ctx, &v); err != nil {
					return err
				}
				if err := tx.Assets().Add(f.ctx, v.ID, newAsset("a", sha(i), 10)); err != nil {
					return err
				}
				switch i % 3 {
				case 1:
					return fmt.Errorf("version %d: %w", i, boom)
				case 2: // a failed statement after good ones
					return tx.Domains().Create(f.ctx, &domain.Domain{Region: "us-east-1", Owner: "o", Name: "d"})
				}
				return nil
			})
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them queue behind the held Write
	close(release)
	wg.Wait()
	held.Wait()
	want := 0
	for i, err := range errs {
		switch i % 3 {
		case 0:
			if err != nil {
				f.Errorf("Write %d: %v", i, err)
			}
			want++
		case 1:
			f.wantErr(fmt.Sprintf("Write %d", i), err, boom)
		case 2:
			f.wantErr(fmt.Sprintf("Write %d", i), err, domain.ErrConflict)
		}
	}
	f.read(func(tx store.Tx) error {
		for i := range n {
			_, err := tx.Versions().Get(f.ctx, p.ID, fmt.Sprintf("1.0.%d", i))
			if i%3 == 0 && err != nil {
				f.Errorf("version 1.0.%d of a Write that succeeded: %v", i, err)
			}
			if i%3 != 0 && !errors.Is(err, domain.ErrNotFound) {
				f.Errorf("version 1.0.%d of a Write that failed: %v, want not found", i, err)
			}
		}
		return nil
	})
	f.count("versions", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, p.ID) }, want)
	f.count("domains", func(tx store.Tx) (int, error) { return tx.Domains().Count(f.ctx, "us-east-1", "o") }, 1)
	var size int64
	f.read(func(tx store.Tx) error {
		var err error
		size, err = tx.Domains().AssetSizeBytes(f.ctx, d.ID)
		return err
	})
	if size != int64(want*10) {
		f.Errorf("assetSizeBytes %d, want %d (the failed Writes' assets counted?)", size, want*10)
	}
}

// testConcurrentWritesPanic: a panic in one of several queued Writes is
// raised in its caller's goroutine and leaves nothing; the others land.
func testConcurrentWritesPanic(f *fx) {
	const n = 16
	release := make(chan struct{})
	held := f.hold(release)
	errs := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = f.s.Write(f.ctx, func(tx store.Tx) error {
				if err := tx.Domains().Create(f.ctx, &domain.Domain{Region: "r", Owner: "o", Name: fmt.Sprintf("d%d", i)}); err != nil {
					return err
				}
				if i == 5 {
					panic("boom 5")
				}
				return nil
			})
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	held.Wait()
	for i := range n {
		switch {
		case i == 5 && panics[i] != "boom 5":
			f.Errorf("Write 5: recovered %v, want its panic", panics[i])
		case i != 5 && (panics[i] != nil || errs[i] != nil):
			f.Errorf("Write %d: panic %v, error %v", i, panics[i], errs[i])
		}
	}
	f.read(func(tx store.Tx) error {
		_, err := tx.Domains().Get(f.ctx, "r", "o", "d5")
		f.wantErr("domain of the panicking Write", err, domain.ErrNotFound)
		return nil
	})
	f.count("domains", func(tx store.Tx) (int, error) { return tx.Domains().Count(f.ctx, "r", "o") }, n-1)
}

// testConcurrentWritesVisible: whatever transaction a Write shared, once
// it returns nil a Read started after it sees its data.
func testConcurrentWritesVisible(f *fx) {
	const workers, each = 8, 25
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "r")
	p := f.pkg(r.ID, domain.FormatGeneric, "ns", "p")
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("%d.%d", w, i)
				if err := f.s.Write(f.ctx, func(tx store.Tx) error {
					v := newVersion(p.ID, name)
					return tx.Versions().Create(f.ctx, &v)
				}); err != nil {
					f.Errorf("Write %s: %v", name, err)
					return
				}
				if err := f.s.Read(f.ctx, func(tx store.Tx) error {
					_, err := tx.Versions().Get(f.ctx, p.ID, name)
					return err
				}); err != nil {
					f.Errorf("Read right after Write %s returned: %v", name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	f.count("versions", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, p.ID) }, workers*each)
}

// testConcurrentWritesCancelled: a Write whose context ends while it
// waits for its turn returns the context's error without running; the
// Writes queued with it are unaffected.
func testConcurrentWritesCancelled(f *fx) {
	release := make(chan struct{})
	held := f.hold(release)
	ctx, cancel := context.WithCancel(f.ctx)
	ran := make(chan struct{}, 1)
	cancelled := make(chan error, 1)
	go func() {
		cancelled <- f.s.Write(ctx, func(tx store.Tx) error {
			ran <- struct{}{}
			return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "cancelled"})
		})
	}()
	other := make(chan error, 1)
	go func() {
		other <- f.s.Write(f.ctx, func(tx store.Tx) error {
			return tx.Domains().Create(f.ctx, &domain.Domain{Region: "r", Owner: "o", Name: "other"})
		})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		f.Errorf("cancelled Write: %v, want context.Canceled", err)
	}
	close(release)
	held.Wait()
	if err := <-other; err != nil {
		f.Errorf("the other queued Write: %v", err)
	}
	select {
	case <-ran:
		f.Error("the cancelled Write's function ran")
	default:
	}
	f.count("domains", func(tx store.Tx) (int, error) { return tx.Domains().Count(f.ctx, "r", "o") }, 1)
}
