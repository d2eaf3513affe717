// Package perf holds end-to-end benchmarks of plateau's pipeline (read,
// analyse, render) on large generated inputs; it has no code of its own.
//
// BenchmarkReportMillion, BenchmarkReportTrainerState and
// BenchmarkReportTFEvents time trainlog.Load, analysis.Analyze and
// report.WriteJSON on a generated million-step console log (280 MB), a
// trainer_state.json of a million entries (176 MB) and a TensorBoard
// event file of ten million scalars (540 MB):
//
//	go test ./internal/perf -run X -bench Report -benchtime 3x
//
// BenchmarkReportExample times the same pipeline on the 750-step example
// run (examples/hf_v5_sft_lora_3ep) for each kind of input and each
// output format.
//
// The command itself, as a user runs it (a fresh process, page faults
// included), is timed on the same files against `grep -c` by
//
//	go run scripts/benchcli.go
//
// which also profiles the pipeline with -cpuprofile. The machine matters:
// on a 2-core virtual machine, page faults (fresh memory) cost about as
// much as the parsing, so memory use is time.
package perf
