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

const usage = `usage: artifactd serve [flags]

Run 'artifactd serve -h' for the flags.
`

func main() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cfg, err := config.Parse(os.Args[2:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "artifactd:", err)
		os.Exit(2)
	}
	os.Exit(serve(cfg))
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
