// Package perf holds end-to-end benchmarks of plateau's pipeline (read,
// analyse, render) on large generated inputs; it has no code of its own.
//
// BenchmarkReportMillion times trainlog.Load, analysis.Analyze and
// report.WriteJSON on a generated 280 MB console log of a million steps:
//
//	go test ./internal/perf -run X -bench ReportMillion -benchtime 3x
//
// The command itself, as a user runs it, is timed on the same log written
// to a file (write it with a throwaway test calling genlog.Console(1000000, 0, false)):
//
//	go build -o /tmp/plateau ./cmd/plateau
//	/usr/bin/time -f "%es %MKB" /tmp/plateau report /tmp/big.log --format json >/dev/null
//
// The machine matters: on a 2-core virtual machine, page faults (fresh
// memory) cost about as much as the parsing, so memory use is time.
package perf
