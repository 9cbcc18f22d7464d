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
	var h slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if cfg.LogJSON {
		h = slog.NewJSONHandler(os.Stderr, nil)
	}
	log := slog.New(h)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg, log, os.Stderr)
	if err != nil {
		log.Error("starting", "err", err)
		os.Exit(1)
	}
	if err := srv.Run(ctx); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}
