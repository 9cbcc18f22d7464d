// Command artifactd is a self-hosted package repository that speaks the
// AWS CodeArtifact API.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/artifactd/artifactd/internal/config"
	"github.com/artifactd/artifactd/internal/logwriter"
	"github.com/artifactd/artifactd/internal/server"
)

const usage = `usage: artifactd COMMAND [flags]

Commands:
  serve     run the server
  fsck      check (and with --repair, mend) an installation's metadata and blobs
  backup    copy the embedded store of a running or stopped server to a folder
  restore   make a data directory from a backup
  login     configure cargo, gem or bundler for a repository (as aws codeartifact login does npm's)
  retention manage retention rules: put, list, delete, plan (the dry run), apply

Run 'artifactd COMMAND -h' for a command's flags.
`

// commands maps each subcommand to its function, which returns the exit
// status.
var commands = map[string]func(args []string) int{
	"serve":     serveCommand,
	"fsck":      fsckCommand,
	"backup":    backupCommand,
	"restore":   restoreCommand,
	"login":     loginCommand,
	"retention": retentionCommand,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	os.Exit(commands[os.Args[1]](os.Args[2:]))
}

func serveCommand(args []string) int {
	cfg, err := config.Parse(args, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "artifactd:", err)
		return 2
	}
	return serve(cfg)
}

// serve runs the server until a signal stops it, and returns the exit
// status. Logs go through a background writer (requests do not wait for
// their access-log line to be written), flushed before returning.
func serve(cfg config.Config) int {
	logOut := logwriter.New(os.Stderr)
	defer logOut.Close()
	var h slog.Handler = slog.NewTextHandler(logOut, nil)
	if cfg.LogJSON {
		h = slog.NewJSONHandler(logOut, nil)
	}
	log := slog.New(h)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg, log, logOut)
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	if err := srv.Run(ctx); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	return 0
}
