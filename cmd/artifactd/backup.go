package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/artifactd/artifactd/internal/backup"
)

// backupFlags are the flags backup and restore share.
type backupFlags struct {
	dataDir   string
	database  string
	blobStore string
	copy      bool
}

func (f *backupFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("DATA_DIR", "./data"), "the data directory")
	fs.StringVar(&f.database, "database", os.Getenv("ARTIFACTD_DATABASE"),
		"the server's --database: only the embedded SQLite database can be backed up by artifactd")
	fs.StringVar(&f.blobStore, "blob-store", os.Getenv("ARTIFACTD_BLOB_STORE"),
		"the server's --blob-store: only the data directory's blobs/ folder can be backed up by artifactd")
	fs.BoolVar(&f.copy, "copy", false, "copy blob files even where hard links are possible")
}

// embeddedOnly refuses the installations whose storage artifactd does not
// keep itself.
func (f *backupFlags) embeddedOnly(cmd string) error {
	var msgs []string
	if f.database != "" {
		msgs = append(msgs, "the metadata is in PostgreSQL (--database): back it up with PostgreSQL's own tools "+
			"(pg_dump, or continuous archiving for point-in-time recovery)")
	}
	if f.blobStore != "" {
		msgs = append(msgs, "the blobs are in "+redact(f.blobStore)+" (--blob-store): protect them with the "+
			"store's own means (S3 bucket versioning or replication, file-system snapshots)")
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s works on the embedded store only (SQLite database and blobs/ in --data-dir); %s. "+
		"See docs/storage-layout.md", cmd, strings.Join(msgs, "; "))
}

// redact keeps the scheme and host of a storage URL (no credentials).
func redact(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "the given store"
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	return scheme + "://" + host
}

func envOr(name, def string) string {
	if v := os.Getenv("ARTIFACTD_" + name); v != "" {
		return v
	}
	return def
}

// parseFlags parses args, answering usage errors (and -h) with status 2
// (0 for -h).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "artifactd %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return 2, false
	}
	return 0, true
}

// backupCommand copies the embedded store of a running or stopped server
// to a new folder.
func backupCommand(args []string) int {
	return runBackup(args, os.Stdout, os.Stderr)
}

func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f backupFlags
	f.register(fs)
	to := fs.String("to", "", "the folder to create (new or empty); required")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: artifactd backup --data-dir DIR --to DIR [--copy]\n\n"+
			"Copies the embedded store (artifactd.db, blobs/, credentials.json) of a data directory to a new folder,\n"+
			"while a server serves it or not. The folder appears only once the backup is complete and checked.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *to == "" {
		fmt.Fprintln(stderr, "artifactd backup: --to is required")
		fs.Usage()
		return 2
	}
	if err := f.embeddedOnly("artifactd backup"); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var opts []backup.Option
	if f.copy {
		opts = append(opts, backup.WithCopy())
	}
	r, err := backup.Backup(ctx, f.dataDir, *to, opts...)
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(stderr, "artifactd backup: interrupted; %s was not written\n", *to)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "artifactd", err)
		return 1
	}
	fmt.Fprintln(stdout, r)
	return 0
}

// restoreCommand makes a data directory from a backup.
func restoreCommand(args []string) int {
	return runRestore(args, os.Stdout, os.Stderr)
}

func runRestore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f backupFlags
	f.register(fs)
	from := fs.String("from", "", "the backup folder (made by artifactd backup); required")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: artifactd restore --from DIR --data-dir DIR [--copy]\n\n"+
			"Makes a new (or empty) data directory from a backup and checks it; then start artifactd serve on it.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *from == "" {
		fmt.Fprintln(stderr, "artifactd restore: --from is required")
		fs.Usage()
		return 2
	}
	if err := f.embeddedOnly("artifactd restore"); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var opts []backup.Option
	if f.copy {
		opts = append(opts, backup.WithCopy())
	}
	m, err := backup.ReadManifest(*from)
	if err == nil {
		err = backup.Restore(ctx, *from, f.dataDir, opts...)
	}
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(stderr, "artifactd restore: interrupted; %s was not written\n", f.dataDir)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "artifactd", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s (backup of %s made %s) into %s: %d domains, %d repositories, %d package versions, %d blobs (%d bytes)\n",
		*from, m.Source, m.Time.Format("2006-01-02T15:04:05Z"), f.dataDir,
		m.Counts.Domains, m.Counts.Repositories, m.Counts.PackageVersions, m.Blobs, m.BlobBytes)
	return 0
}
