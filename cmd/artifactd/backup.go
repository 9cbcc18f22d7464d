package main

import (
	"fmt"
	"os"
)

// backupCommand copies the embedded store (to be built).
func backupCommand(args []string) int {
	fmt.Fprintln(os.Stderr, "artifactd backup: not built yet")
	return 2
}

// restoreCommand makes a data directory from a backup (to be built).
func restoreCommand(args []string) int {
	fmt.Fprintln(os.Stderr, "artifactd restore: not built yet")
	return 2
}
