package ingest

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time, for the records per
// CPU-second figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
