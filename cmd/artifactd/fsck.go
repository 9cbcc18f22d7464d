package main

import (
	"fmt"
	"os"
)

// fsckCommand checks an installation (to be built).
func fsckCommand(args []string) int {
	fmt.Fprintln(os.Stderr, "artifactd fsck: not built yet")
	return 2
}
