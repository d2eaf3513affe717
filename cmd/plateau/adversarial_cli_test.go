package main

import (
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// adversarialCLICases are the cases of the third adversarial pass over
// the command line (issue 13's second review). Their items continue issue
// 13's list:
//
//  31. watch - follows a file named "-" that does not exist while its
//     monitor reads standard input, then says "- never appeared" (or
//     "stdin: empty file"): two readers disagreeing about one path.
//  32. watch --stall-after accepts a negative duration without a word.
//  33. a train_runtime of 1e300 seconds is said to be "≈ -153722867280912930
//     min -8 s" in the short report and "(-2562047788015215:-30:-8)" in
//     the full one (the seconds overflow int64), and the GPU hours and the
//     cost are written out in 300 digits.
//  34. report - - reads standard input twice, finds the second read
//     empty, and says "- and - are not known to be views of one run".
//  35. report and watch of a folder whose logs lie deeper than the
//     search goes say "found no training log ... 0 files ignored", not
//     where the search stopped (scan says it, item 23).
//  36. a path whose name is too long, or under a folder that cannot be
//     searched, is said in Go's words ("stat PATH: file name too long",
//     "stat PATH: permission denied"; the child-process cases are in
//     adversarial_watch_test.go).
//  37. --metric NAME=A --metric NAME=B reads NAME from B without a word.
//  38. a console log of short lines ("a\n" ten million times, 20 MB)
//     takes 1.2 GB of memory: a token per line, a 2 MiB block's worth of
//     them in flight for each block being read.
func adversarialCLICases() []advCase {
	return []advCase{
		{name: "watch_stdin", defect: 31,
			setup: func(t *testing.T, dir string) []string {
				return []string{"watch", "-", "--no-report"}
			},
			code:    exitUsage,
			stderr:  []string{"watch follows files while a run writes them, and cannot follow standard input: write the output to a file (python train.py 2>&1 | tee train.log) and watch that file"},
			nostder: []string{"does not exist", "never appeared", "empty file"}},
		{name: "watch_negative_stall_after", defect: 32,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"watch", "run", "--no-report", "--stall-after", "-1s"}
			},
			code: exitUsage, stderr: []string{"--stall-after -1s: expected a duration of zero or more"}},
		{name: "report_stdin_twice", defect: 34,
			setup: func(t *testing.T, dir string) []string {
				return []string{"report", "-", "-"}
			},
			code:    exitUsage,
			stderr:  []string{"- (standard input) is given 2 times: a stream can be read once"},
			nostder: []string{"views of one run"}},
		{name: "report_logs_too_deep", defect: 35,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, filepath.Join("top", "a", "b", "c", "d", "e", "f", "g", "run"))
				return []string{"report", "top"}
			},
			code: exitInput,
			stderr: []string{"plateau: top: no training data: found no training log",
				"0 files ignored); 1 folder more than 6 levels down was not searched (" + filepath.Join("top", "a", "b", "c", "d", "e", "f", "g") + "): give a path closer to the logs"}},
		{name: "name_too_long", defect: 36,
			setup: func(t *testing.T, dir string) []string {
				return []string{"report", strings.Repeat("y", 300)}
			},
			code: exitInput, stderr: []string{"plateau: " + strings.Repeat("y", 300) + ": cannot be read: file name too long"},
			nostder: []string{"stat "}},
		{name: "metric_given_twice", defect: 37,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "m.csv"), []byte("step,a,b\n1,2.0,9.0\n2,1.5,8.0\n"))
				return []string{"report", "m.csv", "--metric", "loss=a", "--metric", "loss=b"}
			},
			code: exitUsage, stderr: []string{"--metric loss is given twice (loss=a, loss=b): a metric is read from one column"}},
		shortLinesCase(),
		hugeRuntimeCase(nil, "1e300 s ≈ 2.78e296 h"),
		hugeRuntimeCase([]string{"--full"}, "1e300 s (2.78e296 h)"),
	}
}

// negativeDuration matches a duration of the report gone negative:
// "≈ -153722867280912930 min", "(-2562047788015215:-30:-8)".
var negativeDuration = regexp.MustCompile(`(≈ |\()-\d+( min|:)`)

// hugeRuntimeCase is item 33 in the short or the full report: the run's
// train_runtime is 1e300 s.
func hugeRuntimeCase(flags []string, runtime string) advCase {
	return advCase{name: "huge_train_runtime" + strings.Join(flags, ""), defect: 33,
		setup: func(t *testing.T, dir string) []string {
			writeFile(t, filepath.Join(dir, "run", "trainer_state.json"), exampleState(t, func(hist []map[string]any) {
				for _, e := range hist {
					if _, ok := e["train_runtime"]; ok {
						e["train_runtime"] = 1e300
					}
				}
			}))
			return append([]string{"report", "run", "--gpu-hour-price", "2.5"}, flags...)
		},
		code:   exitOK,
		stdout: []string{runtime, "e296 h", "6.94444e296"},
		check: func(t *testing.T, _, stdout, _ string) {
			if m := negativeDuration.FindString(stdout); m != "" {
				t.Errorf("a negative duration %q:\n%s", m, stdout)
			}
			for _, l := range strings.Split(stdout, "\n") {
				if n := utf8.RuneCountInString(l); n > 160 {
					t.Errorf("a line of %d characters: %.120s...", n, l)
				}
			}
		}}
}

// shortLinesCase reads the example's console log followed by 8 MB of
// 2-byte lines (item 38) and bounds the bytes allocated meanwhile: the
// tokens of the lines took about 180 bytes per input byte, 1.5 GB here.
func shortLinesCase() advCase {
	var before runtime.MemStats
	const most = 400 << 20
	return advCase{name: "short_lines", defect: 38,
		setup: func(t *testing.T, dir string) []string {
			b := readFile(t, filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep", "console.log"))
			writeFile(t, filepath.Join(dir, "train.log"), append(b, strings.Repeat("a\n", 4<<20)...))
			runtime.GC()
			runtime.ReadMemStats(&before)
			return []string{"report", "train.log"}
		},
		code:   exitOK,
		stdout: []string{"Status       improving: loss 6.284 → 3.288", "   750   3.00  3.242  train.log:1520"},
		check: func(t *testing.T, dir, stdout, stderr string) {
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; n > most {
				t.Errorf("reading the log allocated %d bytes, want at most %d", n, most)
			}
		}}
}
