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

// parse reads backup's or restore's flags: required names the folder flag
// the command cannot do without. It answers usage errors itself (ok false,
// with the exit status).
func (f *backupFlags) parse(fs *flag.FlagSet, args []string, required string, value *string) (int, bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return code, false
	}
	if *value == "" {
		fmt.Fprintf(fs.Output(), "artifactd %s: --%s is required\n", fs.Name(), required)
		fs.Usage()
		return 2, false
	}
	if err := f.embeddedOnly("artifactd " + fs.Name()); err != nil {
		fmt.Fprintln(fs.Output(), err)
		return 2, false
	}
	return 0, true
}

func (f *backupFlags) options() []backup.Option {
	if f.copy {
		return []backup.Option{backup.WithCopy()}
	}
	return nil
}

// failed reports a command's error: "interrupted" when a signal stopped it
// (target names what was not written), else the error.
func failed(ctx context.Context, stderr io.Writer, cmd, target string, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "artifactd %s: interrupted; %s was not written\n", cmd, target)
	} else {
		fmt.Fprintln(stderr, "artifactd", err)
	}
	return 1
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
			"Copies the embedded store (artifactd.db, blobs/, credentials.json, secrets.key) of a data directory to a new folder,\n"+
			"while a server serves it or not. The folder appears only once the backup is complete and checked.")
		fs.PrintDefaults()
	}
	if code, ok := f.parse(fs, args, "to", to); !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	r, err := backup.Backup(ctx, f.dataDir, *to, f.options()...)
	if err != nil {
		return failed(ctx, stderr, "backup", *to, err)
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
	if code, ok := f.parse(fs, args, "from", from); !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	m, err := backup.ReadManifest(*from)
	if err == nil {
		err = backup.Restore(ctx, *from, f.dataDir, f.options()...)
	}
	if err != nil {
		return failed(ctx, stderr, "restore", f.dataDir, err)
	}
	fmt.Fprintf(stdout, "restored %s (backup of %s made %s) into %s: %d domains, %d repositories, %d package versions, %d blobs (%d bytes)\n",
		*from, m.Source, m.Time.Format("2006-01-02T15:04:05Z"), f.dataDir,
		m.Counts.Domains, m.Counts.Repositories, m.Counts.PackageVersions, m.Blobs, m.BlobBytes)
	return 0
}
