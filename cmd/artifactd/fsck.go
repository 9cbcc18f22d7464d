package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/artifactd/artifactd/internal/config"
	"github.com/artifactd/artifactd/internal/server"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

const fsckUsage = `usage: artifactd fsck [--data-dir DIR | --database postgres://... --blob-store s3://...] [--repair] [--verify-bytes]

Checks that every blob an asset references is in the blob store with the
recorded size (and, with --verify-bytes, the right SHA-256), that no blob is
left without a reference or a publish in progress, and that no publish pin
has expired. --repair deletes the unreferenced blobs (through the collector)
and drops the expired pins; missing or damaged blobs are reported only.

The embedded store (SQLite in --data-dir) must not be in use: stop the server
first. On PostgreSQL, fsck may run while servers run.

Exit status: 0 clean (or everything repaired), 1 problems remain,
2 usage error or the check could not run.

Flags:
`

// fsckCommand checks an installation and, with --repair, mends what can be
// mended safely. It returns the exit status.
func fsckCommand(args []string) int {
	fs := flag.NewFlagSet("fsck", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, fsckUsage)
		fs.PrintDefaults()
	}
	fsckEnv := func(name, def string) string {
		if v := os.Getenv("ARTIFACTD_" + name); v != "" {
			return v
		}
		return def
	}
	var cfg config.Config
	var opt service.FsckOptions
	fs.StringVar(&cfg.DataDir, "data-dir", fsckEnv("DATA_DIR", "./data"), "the data directory of the embedded store [ARTIFACTD_DATA_DIR]")
	fs.StringVar(&cfg.Database, "database", fsckEnv("DATABASE", ""), "the server's --database: postgres://... (default: SQLite in the data dir) [ARTIFACTD_DATABASE]")
	fs.StringVar(&cfg.BlobStore, "blob-store", fsckEnv("BLOB_STORE", ""), "the server's --blob-store: s3://... or file:///PATH (default: the data dir) [ARTIFACTD_BLOB_STORE]")
	fs.BoolVar(&opt.Repair, "repair", false, "delete unreferenced blobs and drop expired pins")
	fs.BoolVar(&opt.VerifyBytes, "verify-bytes", false, "read every referenced blob and check its SHA-256 (reads all the bytes)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "artifactd fsck: unexpected arguments: %v\n", fs.Args())
		return 2
	}
	if err := checkInstallation(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "artifactd fsck:", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	st, blobs, err := server.OpenStorage(ctx, cfg, "")
	if errors.Is(err, sqlite.ErrInUse) {
		fmt.Fprintln(os.Stderr, "artifactd fsck: the embedded database is in use by a running artifactd server: "+
			"stop it first (fsck needs the SQLite store to itself; on PostgreSQL it runs beside the servers)")
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "artifactd fsck:", err)
		return 2
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := service.New(st, blobs, service.DefaultLimits(), log, nil)
	r, err := svc.Fsck(ctx, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "artifactd fsck:", err)
		return 2
	}
	printFsckReport(os.Stdout, r, opt)
	if r.Problems() > 0 {
		return 1
	}
	return 0
}

// checkInstallation refuses to check (and thereby create) an embedded
// database that is not there.
func checkInstallation(cfg config.Config) error {
	path := ""
	switch db := cfg.Database; {
	case db == "":
		path = filepath.Join(cfg.DataDir, "artifactd.db")
	case strings.HasPrefix(db, "sqlite://"):
		path = strings.TrimPrefix(db, "sqlite://")
	default:
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no artifactd database at %s (give the server's --data-dir or --database): %w", path, err)
	}
	return nil
}

// printFsckReport writes what fsck found and did, one line per problem
// (up to service.FsckMaxListed of each kind), then a summary.
func printFsckReport(w io.Writer, r *service.FsckReport, opt service.FsckOptions) {
	fmt.Fprintf(w, "checked %d referenced blobs against %d objects (%s) in the blob store", r.Referenced, r.Blobs, bytesText(r.BlobBytes))
	if opt.VerifyBytes {
		fmt.Fprintf(w, ", %d hashed", r.Verified)
	}
	fmt.Fprintln(w)
	list := func(kind string, is service.BlobIssues, detail func(service.BlobIssue) string) {
		for _, i := range is.List {
			fmt.Fprintf(w, "%-12s %s  %s\n", kind, i.SHA256, detail(i))
			for _, a := range i.Assets {
				fmt.Fprintf(w, "             used by %s\n", assetText(a))
			}
			if i.MoreAssets {
				fmt.Fprintln(w, "             used by more assets")
			}
		}
		if more := is.Count - len(is.List); more > 0 {
			fmt.Fprintf(w, "%-12s ... and %d more\n", kind, more)
		}
	}
	recorded := func(i service.BlobIssue) string {
		if i.Recorded != i.RecordedMax {
			return fmt.Sprintf("assets record %d to %d bytes", i.Recorded, i.RecordedMax)
		}
		return fmt.Sprintf("assets record %d bytes", i.Recorded)
	}
	list("missing", r.Missing, func(i service.BlobIssue) string { return "absent; " + recorded(i) })
	list("wrong-size", r.WrongSize, func(i service.BlobIssue) string {
		return fmt.Sprintf("%d bytes; %s", i.Size, recorded(i))
	})
	list("corrupt", r.Corrupt, func(i service.BlobIssue) string { return "bytes hash to " + i.Actual })
	list("unreferenced", r.Unreferenced, func(i service.BlobIssue) string {
		if opt.Repair {
			return fmt.Sprintf("%d bytes; no asset referenced it: collected", i.Size)
		}
		return fmt.Sprintf("%d bytes; no asset references it", i.Size)
	})

	fmt.Fprintf(w, "pins: %d (%d expired", r.Pins, r.ExpiredPins)
	if opt.Repair && r.ExpiredPins > 0 {
		fmt.Fprintf(w, ", %d left after repair", r.ExpiredPinsAfter)
	}
	fmt.Fprintf(w, "); orphan queue: %d", r.Queued)
	if opt.Repair {
		fmt.Fprintf(w, " (%d after repair)", r.QueuedAfter)
	}
	fmt.Fprintln(w)
	for _, d := range r.AssetSizeDrift {
		fmt.Fprintf(w, "asset size of domain %s (%s, %s): counted %d bytes, its assets give %d", d.Name, d.Owner, d.Region, d.Kept, d.Actual)
		if opt.Repair {
			fmt.Fprint(w, ": recounted")
		}
		fmt.Fprintln(w)
	}
	if r.InProgress > 0 {
		fmt.Fprintf(w, "%d unreferenced objects belong to publishes in progress (pinned): fine\n", r.InProgress)
	}
	if opt.Repair {
		fmt.Fprintf(w, "repaired: %d unreferenced blobs collected (%s), %d expired pins dropped\n",
			r.Collected, bytesText(r.Unreferenced.Bytes), r.ExpiredPins-r.ExpiredPinsAfter)
	}
	damaged := r.Missing.Count + r.WrongSize.Count + r.Corrupt.Count
	switch p := r.Problems(); {
	case p == 0:
		fmt.Fprintln(w, "clean")
	case damaged == p:
		fmt.Fprintf(w, "%d problems remain: %d missing, %d wrong-size, %d corrupt blobs, which fsck cannot repair "+
			"(restore their bytes from a backup, or delete the versions that use them)\n",
			p, r.Missing.Count, r.WrongSize.Count, r.Corrupt.Count)
	default:
		fmt.Fprintf(w, "%d problems remain: %d missing, %d wrong-size, %d corrupt, %d unreferenced blobs, %d expired pins",
			p, r.Missing.Count, r.WrongSize.Count, r.Corrupt.Count, r.Unreferenced.Count-r.Collected, r.ExpiredPinsAfter)
		if n := len(r.AssetSizeDrift) - r.Recounted; n > 0 {
			fmt.Fprintf(w, ", %d domain asset sizes", n)
		}
		if !opt.Repair {
			fmt.Fprint(w, " (run with --repair to collect unreferenced blobs and drop expired pins)")
		}
		fmt.Fprintln(w)
	}
}

// assetText names an asset for a person.
func assetText(a store.AssetRef) string {
	pkg := a.Package
	if a.Namespace != "" {
		pkg = a.Namespace + "/" + a.Package
	}
	return fmt.Sprintf("domain %s (owner %s, %s), repository %s: %s package %s version %s, asset %s",
		a.Domain, a.Owner, a.Region, a.Repository, a.Format, pkg, a.Version, a.Asset)
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
