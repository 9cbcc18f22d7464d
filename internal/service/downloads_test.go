package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// sinceStore is a store whose Versions.DownloadsSince answers *since.
type sinceStore struct {
	store.Store
	since *time.Time
}

func (s sinceStore) Read(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Read(ctx, func(tx store.Tx) error { return fn(sinceTx{tx, s.since}) })
}

func (s sinceStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return fn(sinceTx{tx, s.since}) })
}

type sinceTx struct {
	store.Tx
	since *time.Time
}

func (t sinceTx) Versions() store.Versions { return sinceVersions{t.Tx.Versions(), t.since} }

type sinceVersions struct {
	store.Versions
	since *time.Time
}

func (v sinceVersions) DownloadsSince(context.Context) (time.Time, error) { return *v.since, nil }

// download fetches version's asset as a client would (GetPackageVersionAsset).
func (e *retentionEnv) download(ref service.PackageRef, version string) {
	e.t.Helper()
	dl, err := e.svc.GetPackageVersionAsset(e.ctx, retCaller, ref, version, "a.bin", "")
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, dl.Content)
	dl.Content.Close()
}

// downloadedAt downloads the versions with the service's clock at at.
func (e *retentionEnv) downloadedAt(at time.Time, ref service.PackageRef, versions ...string) {
	e.t.Helper()
	e.svc.SetClock(func() time.Time { return at })
	defer e.svc.SetClock(time.Now)
	for _, v := range versions {
		e.download(ref, v)
	}
}

// lastDownloaded reads a version's LastDownloadedTime from the store.
func (e *retentionEnv) lastDownloaded(ref service.PackageRef, version string) time.Time {
	e.t.Helper()
	out, err := e.svc.ListPackageVersions(e.ctx, retCaller, ref, service.ListVersionsInput{}, store.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, v := range out.Versions {
		if v.Version == version {
			return v.LastDownloadedTime
		}
	}
	e.t.Fatalf("no version %s", version)
	return time.Time{}
}

func TestDownloadTimes(t *testing.T) {
	e := newRetentionEnv(t)
	t1 := e.now.Add(-3 * time.Hour)
	e.downloadedAt(t1, retP, "1", "2")
	e.downloadedAt(t1.Add(-time.Hour), retP, "1") // earlier: 1 stays at t1
	if got := e.lastDownloaded(retP, "1"); !got.IsZero() {
		t.Errorf("before a flush: %v, want zero (kept in memory)", got)
	}
	if err := e.svc.FlushDownloads(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1", "2"} {
		if got := e.lastDownloaded(retP, v); !got.Equal(t1) {
			t.Errorf("version %s: last downloaded %v, want %v", v, got, t1)
		}
	}
	if got := e.lastDownloaded(retP, "3"); !got.IsZero() {
		t.Errorf("version 3, never downloaded: %v", got)
	}
	// Opening an Archived version's asset (a format does, and refuses
	// it) is no download.
	if _, err := e.svc.UpdatePackageVersionsStatus(e.ctx, retCaller, retP, service.BatchInput{Versions: []string{"3"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	dl, err := e.svc.OpenAsset(e.ctx, retCaller, retP, "3", "a.bin")
	if err != nil {
		t.Fatal(err)
	}
	dl.Content.Close()
	// The data plane's lookup records too (Unlisted is served).
	if _, err := e.svc.UpdatePackageVersionsStatus(e.ctx, retCaller, retP, service.BatchInput{Versions: []string{"4"}}, domain.StatusUnlisted); err != nil {
		t.Fatal(err)
	}
	if dl, err = e.svc.OpenAssetFast(e.ctx, retCaller, retP, "4", "a.bin"); err != nil {
		t.Fatal(err)
	}
	dl.Content.Close()
	if err := e.svc.FlushDownloads(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.lastDownloaded(retP, "3"); !got.IsZero() {
		t.Errorf("Archived version 3 opened: recorded %v", got)
	}
	if got := e.lastDownloaded(retP, "4"); got.IsZero() || got.Before(e.now) {
		t.Errorf("Unlisted version 4 downloaded: recorded %v, want about now", got)
	}
}

// TestDownloadTimesBounded: the map of download times is written early
// by the flusher, by the download that fills it twice over when no
// flusher keeps up, and at the flusher's end.
func TestDownloadTimesBounded(t *testing.T) {
	e := newRetentionEnv(t)
	e.svc.SetDownloadBatch(2)
	// No flusher: the 4th distinct version's download writes all four.
	e.downloadedAt(e.now, retP, "1", "2", "3")
	if got := e.lastDownloaded(retP, "1"); !got.IsZero() {
		t.Fatalf("3 versions waiting (batch 2, no flusher): %v written already", got)
	}
	e.downloadedAt(e.now, retP, "4")
	for _, v := range []string{"1", "2", "3", "4"} {
		if got := e.lastDownloaded(retP, v); !got.Equal(e.now) {
			t.Errorf("after the map filled: version %s at %v, want %v", v, got, e.now)
		}
	}
	// A flusher with a long interval is woken by a full batch.
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.svc.RunDownloadFlusher(ctx, time.Hour) }()
	later := e.now.Add(time.Minute)
	e.downloadedAt(later, retQ, "1", "2")
	deadline := time.Now().Add(10 * time.Second)
	for e.lastDownloaded(retQ, "2").IsZero() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := e.lastDownloaded(retQ, "1"); !got.Equal(later) {
		t.Errorf("woken flusher: q/1 at %v, want %v", got, later)
	}
	// What is left is written when it stops.
	e.downloadedAt(later, retQ, "3")
	cancel()
	<-done
	if got := e.lastDownloaded(retQ, "3"); !got.Equal(later) {
		t.Errorf("after the flusher stopped: q/3 at %v, want %v", got, later)
	}
}

func TestRetentionDownloaded(t *testing.T) {
	e := newRetentionEnv(t)
	// p: version i published 20-2i days ago; 1 and 3 downloaded 10 days
	// ago, 4 a day ago.
	e.downloadedAt(e.now.Add(-10*24*time.Hour), retP, "1", "3")
	e.downloadedAt(e.now.Add(-24*time.Hour), retP, "4")
	if err := e.svc.FlushDownloads(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   service.RetentionRuleInput
		want []string
	}{
		// Kept: 4 (downloaded a day ago), 8 and 9 (published 4 and 2
		// days ago, never downloaded), 2 (tagged).
		{"downloaded within 5", service.RetentionRuleInput{KeepDownloadedDays: 5, PackagePrefix: "p", Action: domain.RetentionArchive},
			[]string{"ns/p/1", "ns/p/3", "ns/p/5", "ns/p/6", "ns/p/7"}},
		// Within 9 days: 4 downloaded, 6..9 published; 1 and 3 were
		// downloaded 10 days ago.
		{"downloaded within 9", service.RetentionRuleInput{KeepDownloadedDays: 9, PackagePrefix: "p", Action: domain.RetentionDispose},
			[]string{"ns/p/1", "ns/p/3", "ns/p/5"}},
		{"downloaded within 11", service.RetentionRuleInput{KeepDownloadedDays: 11, PackagePrefix: "p", Action: domain.RetentionDelete}, nil},
		// Combined as the other kinds: a version any criterion keeps stays.
		{"and keepNewest", service.RetentionRuleInput{KeepNewest: 6, KeepDownloadedDays: 5, PackagePrefix: "p", Action: domain.RetentionArchive},
			[]string{"ns/p/1", "ns/p/3"}},
		{"and keepDays", service.RetentionRuleInput{KeepDays: 15, KeepDownloadedDays: 5, PackagePrefix: "p", Action: domain.RetentionArchive},
			[]string{"ns/p/1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := e.plan(e.put(tc.in))
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan = %v, want %v", got, tc.want)
			}
		})
	}
	// Downloads recorded only since yesterday (an upgrade): every version
	// counts as used yesterday at the latest, none is planned yet.
	*e.since = e.now.Add(-24 * time.Hour)
	if _, got := e.plan(e.put(service.RetentionRuleInput{KeepDownloadedDays: 5, PackagePrefix: "p", Action: domain.RetentionArchive})); got != nil {
		t.Errorf("downloads recorded since yesterday: plan = %v, want none", got)
	}
	*e.since = time.Time{}
	plan, _ := e.plan(e.put(service.RetentionRuleInput{KeepDownloadedDays: 5, PackagePrefix: "p", Action: domain.RetentionArchive}))
	why := map[string]service.RetentionVersion{}
	for _, v := range plan.Packages[0].Versions {
		why[v.Version] = v
	}
	if v := why["1"]; !strings.Contains(v.Why, "last downloaded") || v.LastDownloaded.IsZero() {
		t.Errorf("version 1: %+v, want its last download", v)
	}
	if v := why["5"]; !strings.Contains(v.Why, "never downloaded") || !v.LastDownloaded.IsZero() {
		t.Errorf("version 5: %+v, want never downloaded", v)
	}
	// The background run applies every rule, in order: the first
	// archives 1, 3, 5, 6 and 7, the Dispose rule disposes 1, 3 and 5;
	// the versions used lately stay.
	e.svc.RunRetention(e.ctx)
	want := map[string]domain.Status{"1": domain.StatusDisposed, "3": domain.StatusDisposed, "5": domain.StatusDisposed,
		"6": domain.StatusArchived, "7": domain.StatusArchived,
		"2": domain.StatusPublished, "4": domain.StatusPublished, "8": domain.StatusPublished, "9": domain.StatusPublished}
	if got := e.statuses(retP); !mapsEqual(got, want) {
		t.Errorf("after RunRetention: %v, want %v", got, want)
	}
}

func TestRetentionPackageGroup(t *testing.T) {
	e := newRetentionEnv(t)
	retR := retP
	retR.Package = "r"
	for i := 1; i <= 4; i++ {
		e.publish(retR, string(rune('0'+i)), e.now.Add(-time.Duration(10-i)*24*time.Hour))
	}
	for _, pattern := range []string{"/generic/ns/*", "/generic/ns/p$"} {
		if _, err := e.svc.CreatePackageGroup(e.ctx, retCaller, service.CreatePackageGroupInput{Domain: "d", Pattern: pattern}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		in   service.RetentionRuleInput
		want []string
	}{
		// ns/p belongs to the more specific /generic/ns/p$: only ns/r
		// (4 the newest, 2 tagged).
		{"namespace group", service.RetentionRuleInput{PackageGroup: "/generic/ns/*", KeepNewest: 1, Action: domain.RetentionArchive},
			[]string{"ns/r/1", "ns/r/3"}},
		{"exact group", service.RetentionRuleInput{PackageGroup: "/generic/ns/p$", KeepNewest: 3, Action: domain.RetentionArchive},
			[]string{"ns/p/1", "ns/p/3", "ns/p/4", "ns/p/5", "ns/p/6"}},
		// The root group has what no other group takes: other/q.
		{"root group", service.RetentionRuleInput{PackageGroup: "/*", KeepNewest: 1, Action: domain.RetentionDelete},
			[]string{"other/q/1", "other/q/3", "other/q/4"}},
		// r/i was published 10-i days ago: 4 is kept, 2 is tagged.
		{"with downloads", service.RetentionRuleInput{PackageGroup: "/generic/ns/*", KeepDownloadedDays: 7, Action: domain.RetentionArchive},
			[]string{"ns/r/1", "ns/r/3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := e.put(tc.in)
			if info.Rule.PackageGroup != tc.in.PackageGroup {
				t.Errorf("rule's group = %q", info.Rule.PackageGroup)
			}
			_, got := e.plan(info)
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan = %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		in   service.RetentionRuleInput
		kind error
	}{
		{service.RetentionRuleInput{PackageGroup: "/generic/nope/*", KeepNewest: 1, Action: domain.RetentionArchive}, domain.ErrNotFound},
		{service.RetentionRuleInput{PackageGroup: "/generic/ns/*", Format: domain.FormatGeneric, KeepNewest: 1, Action: domain.RetentionArchive}, domain.ErrInvalid},
		{service.RetentionRuleInput{PackageGroup: "/generic/ns/*", PackagePrefix: "p", KeepNewest: 1, Action: domain.RetentionArchive}, domain.ErrInvalid},
		{service.RetentionRuleInput{PackageGroup: "generic", KeepNewest: 1, Action: domain.RetentionArchive}, domain.ErrInvalid},
		{service.RetentionRuleInput{KeepDownloadedDays: -1, Action: domain.RetentionArchive}, domain.ErrInvalid},
	} {
		in := tc.in
		in.Domain, in.Repository = "d", "r"
		if _, err := e.svc.PutRetentionRule(e.ctx, retCaller, in); !errors.Is(err, tc.kind) {
			t.Errorf("PutRetentionRule(%+v) = %v, want %v", tc.in, err, tc.kind)
		}
	}
	// A rule whose group is deleted since plans nothing: it fails.
	info := e.put(service.RetentionRuleInput{PackageGroup: "/generic/ns/p$", KeepNewest: 1, Action: domain.RetentionArchive})
	if _, err := e.svc.DeletePackageGroup(e.ctx, retCaller, "d", "", "/generic/ns/p$"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PlanRetentionRule(e.ctx, retCaller, "d", "", "r", info.Rule.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("plan of a rule whose group is gone: %v, want ErrNotFound", err)
	}
}

// BenchmarkOpenAssetFast is the data plane's open of a stored asset (one
// store statement, the blob opened, the download recorded): the whole of
// which BenchmarkRecordDownload is the recording part. "cached" is the
// server's embedded store, whose Resolve answers are kept until a write;
// "cached, flushed" writes the download times every 1000 opens (a write:
// the next open reads the database again), far more often than a server
// does (every 5 s).
func BenchmarkOpenAssetFast(b *testing.B) {
	b.Run("shared", func(b *testing.B) {
		e := newRetentionEnv(b)
		benchOpen(b, e, 0)
	})
	for _, c := range []struct {
		name  string
		flush int
	}{{"cached", 0}, {"cached, flushed", 1000}} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			st, err := sqlite.OpenExclusive(context.Background(), filepath.Join(dir, "db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			bs, err := blobfs.New(filepath.Join(dir, "blobs"))
			if err != nil {
				b.Fatal(err)
			}
			svc := service.New(st, bs, service.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if _, err := svc.CreateDomain(context.Background(), retCaller, "d", "", nil); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.CreateRepository(context.Background(), retCaller, "d", "", "r", "", nil, nil); err != nil {
				b.Fatal(err)
			}
			e := &retentionEnv{t: b, ctx: context.Background(), svc: svc, st: st, now: time.Now().UTC(), since: new(time.Time)}
			if _, err := svc.PublishPackageVersion(e.ctx, retCaller, retP, "9",
				service.NewAsset{Name: "a.bin", Content: strings.NewReader("p9")}, false); err != nil {
				b.Fatal(err)
			}
			benchOpen(b, e, c.flush)
		})
	}
}

func benchOpen(b *testing.B, e *retentionEnv, flushEvery int) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		dl, err := e.svc.OpenAssetFast(e.ctx, retCaller, retP, "9", "a.bin")
		if err != nil {
			b.Fatal(err)
		}
		dl.Content.Close()
		if n++; flushEvery > 0 && n%flushEvery == 0 {
			if err := e.svc.FlushDownloads(e.ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
}
