//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sqlite

import (
	"errors"
	"os"
)

// lockFile is not available here: OpenExclusive fails.
func lockFile(string) (*os.File, error) {
	return nil, errors.New("sqlite: exclusive locking is not supported on this system")
}
