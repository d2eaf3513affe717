// Command plateau reads the logs of a fine-tuning run and reports what the
// run did. See doc.go for the manual.
package main

import (
	"os"
	"runtime/debug"

	"github.com/plateau-dev/plateau/internal/gcpace"
)

// memFloor is the heap size below which the collector runs as GOGC says
// (see gcpace).
const memFloor = 320 << 20

func main() {
	if os.Getenv("GOGC") == "" {
		// A report holds every logged point; collecting less often
		// roughly halves the time spent on a million-step log.
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// But not at three times the live heap: at most 1.5 times, once
		// the heap passes memFloor.
		gcpace.Start(memFloor)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
