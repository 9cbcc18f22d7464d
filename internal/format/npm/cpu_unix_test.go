//go:build unix

package npm

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used (user and system): a
// benchmark's CPU per operation, less sensitive than its wall time to
// other load on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
