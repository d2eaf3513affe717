// Command plateau reads the logs of a fine-tuning run and reports what the
// run did. See doc.go for the manual.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// A report holds every logged point; collecting less often
		// roughly halves the time spent on a million-step log.
		debug.SetGCPercent(200)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
