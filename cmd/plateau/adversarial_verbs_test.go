package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// adversarialVerbCases are the cases of the second adversarial pass
// (issue 13's review), over the verbs added after the first: scan,
// compare, verify, watch on discovered runs, and report's --summary and
// --full. Their items continue issue 13's list:
//
//  17. verify spins for minutes on a wide CSV (each citation re-split
//     the header and every column of its row).
//  18. verify --report hangs on a FIFO, reads a device forever, reads a
//     1 GB file whole to fail at its first byte, and words its errors
//     as Go does ("read run: is a directory"), with no line.
//  19. --summary and --full are dropped without a word for JSON and HTML.
//  20. scan calls a device or a FIFO "a file" and sends it to report.
//  21. compare ranks a run against itself (the same path twice, or a
//     link to it).
//  23. scan says a folder "holds no file plateau reads" when its runs
//     lie deeper than --max-depth, and cuts deeper runs silently.
//  24. verify calls false the citations of an estimated step whose
//     stated step plateau refused (1e17): its own report.
//  25. compare gives a false reason for not ranking a run whose loss is
//     never finite ("the main metrics or trainer families differ").
//  26. scan exits 0 on input problems and names neither file nor line.
//
// (22, watch on a folder with no readable log, is a child-process case in
// adversarial_watch_test.go.)
func adversarialVerbCases() []advCase {
	return []advCase{
		{name: "verify_wide_csv", defect: 17,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "wide", "metrics.csv"), wideCSV(200000, 5))
				return []string{"verify", "wide/metrics.csv"}
			},
			code: exitOK, stdout: []string{"citations checked: all true"}},
		{name: "verify_report_fifo", defect: 18,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				mkfifo(t, filepath.Join(dir, "report.fifo"))
				return []string{"verify", "run", "--report", "report.fifo"}
			},
			code: exitInput, stderr: []string{"--report report.fifo is a named pipe (FIFO), not a file: give a saved report, or pipe it into '--report -'"}},
		{name: "verify_report_device", defect: 18,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				mknod(t, filepath.Join(dir, "zero"), 5)
				return []string{"verify", "run", "--report", "zero"}
			},
			code: exitInput, stderr: []string{"--report zero is a character device, not a file"}},
		{name: "verify_report_folder", defect: 18,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"verify", "run", "--report", "run"}
			},
			code: exitInput, stderr: []string{"--report run is a directory, not a file"}, nostder: []string{"read run"}},
		{name: "verify_report_missing", defect: 18,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"verify", "run", "--report", "nope.json"}
			},
			code: exitInput, stderr: []string{"--report nope.json: no such file"}, nostder: []string{"open nope.json"}},
		{name: "verify_report_binary", defect: 18,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				writeFile(t, filepath.Join(dir, "junk.json"), []byte("\x89PNG\r\n\x1a\n\x00\x00binary"))
				return []string{"verify", "run", "--report", "junk.json"}
			},
			code: exitInput, stderr: []string{"junk.json:1: not a plateau JSON report: expected a JSON object ('{'), as 'plateau report RUN -f json' writes"}},
		{name: "verify_report_sparse", defect: 18,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				f, err := os.Create(filepath.Join(dir, "big.json"))
				if err != nil {
					t.Fatal(err)
				}
				if err := f.Truncate(64 << 20); err != nil { // the table measures 1 GB
					t.Skipf("a sparse file: %v", err)
				}
				f.Close()
				return []string{"verify", "run", "--report", "big.json"}
			},
			code: exitInput, stderr: []string{"big.json:1: not a plateau JSON report: expected a JSON object ('{')"}},
		{name: "verify_report_cut_short", defect: 18,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				rep := reportOf(t, dir, "run", "-f", "json")
				lines := strings.SplitAfter(rep, "\n")
				writeFile(t, filepath.Join(dir, "cut.json"), []byte(strings.Join(lines[:40], "")))
				return []string{"verify", "run", "--report", "cut.json"}
			},
			code: exitInput, stderr: []string{"cut.json:40: not a plateau JSON report: the file ends inside the JSON document"}},
		{name: "summary_json", defect: 19,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "--summary", "-f", "json"}
			},
			code: exitUsage, stderr: []string{"--summary is for text and Markdown; json writes the whole report"}},
		{name: "full_html", defect: 19,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "--full", "-o", "r.html"}
			},
			code: exitUsage, stderr: []string{"--full is for text and Markdown; html writes the whole report"}},
		{name: "scan_device", defect: 20,
			setup: func(t *testing.T, dir string) []string {
				mknod(t, filepath.Join(dir, "zero"), 5)
				return []string{"scan", "zero"}
			},
			code: exitUsage, stderr: []string{"scan needs a folder of runs; zero is a character device"}, nostder: []string{"plateau report zero"}},
		{name: "scan_fifo", defect: 20,
			setup: func(t *testing.T, dir string) []string {
				mkfifo(t, filepath.Join(dir, "in.fifo"))
				return []string{"scan", "in.fifo"}
			},
			code: exitUsage, stderr: []string{"scan needs a folder of runs; in.fifo is a named pipe (FIFO)"}, nostder: []string{"plateau report in.fifo"}},
		{name: "compare_same_run", defect: 21,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"compare", "run", "run/"}
			},
			code: exitUsage, stderr: []string{"run and run/ are the same run: compare needs different runs"}},
		{name: "compare_same_run_through_link", defect: 21,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				copyRun(t, dir, "other")
				if err := os.Symlink("run", filepath.Join(dir, "rl")); err != nil {
					t.Fatal(err)
				}
				return []string{"compare", "run", "other", "rl/console.log", "rl"}
			},
			code: exitUsage, stderr: []string{"run and rl/console.log are the same run: compare needs different runs (both read rl/console.log)"}},
		{name: "scan_beyond_max_depth", defect: 23,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, filepath.Join("runs", "a", "b", "c", "d"))
				return []string{"scan", "runs", "--max-depth", "2"}
			},
			code: exitInput, stderr: []string{"runs: no run within 2 levels (--max-depth 2): 1 folder deeper was not searched (runs/a/b/c)"},
			nostder: []string{"holds no file plateau reads"}},
		{name: "scan_cut_at_max_depth", defect: 23,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, filepath.Join("runs", "near"))
				copyRun(t, dir, filepath.Join("runs", "a", "b", "c", "far"))
				return []string{"scan", "runs", "--max-depth", "2"}
			},
			code: exitOK, stdout: []string{"1 run under runs"}, stderr: []string{"plateau: runs: 1 folder deeper than --max-depth 2 was not searched (runs/a/b/c)"}},
		{name: "verify_estimated_step_beyond_2^53", defect: 24,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "trainer_state.json"), exampleState(t, func(h []map[string]any) { h[0]["step"] = 1e17 }))
				return []string{"verify", "run"}
			},
			code: exitOK, stdout: []string{"citations checked: all true"}},
		{name: "compare_never_finite", defect: 25,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "good")
				b := readFile(t, filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep", "console.log"))
				writeFile(t, filepath.Join(dir, "nan", "console.log"), nanLosses(b))
				return []string{"compare", "good", "nan"}
			},
			code: exitOK, stdout: []string{"Cannot tell: the runs cannot be ranked (see below).", "nan has no finite loss: it cannot be ranked."},
			check: func(t *testing.T, _, stdout, _ string) {
				if strings.Contains(stdout, "metrics or trainer families differ") {
					t.Errorf("a false reason for not ranking:\n%s", stdout)
				}
			}},
		{name: "verify_escapes_in_cited_text", defect: 27,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				log := filepath.Join(dir, "run", "console.log")
				lines := strings.SplitAfter(string(readFile(t, log)), "\n")
				lines[20] = strings.TrimSuffix(lines[20], "\n") + " \x1b]0;pwned\x07\x1b[2J\n"
				writeFile(t, log, []byte(strings.Join(lines, "")))
				var rep map[string]any
				if err := json.Unmarshal([]byte(reportOf(t, dir, "run", "-f", "json")), &rep); err != nil {
					t.Fatal(err)
				}
				m := rep["milestones"].([]any)[0].(map[string]any)
				m["metrics"].(map[string]any)["loss"] = 9.999
				m["metric_sources"].(map[string]any)["loss"] = "console.log:21"
				m["metric_sources"].(map[string]any)["grad_norm"] = "x\x1b]0;pwned\x07.log:21"
				b, err := json.Marshal(rep)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(dir, "r.json"), b)
				return []string{"verify", "run", "--report", "r.json"}
			},
			code: exitFalse, stdout: []string{"console.log:21: loss 9.999 is not on line 21", "]0;pwned[2J", "x]0;pwned.log:21"},
			check: func(t *testing.T, _, stdout, stderr string) {
				if strings.ContainsAny(stdout+stderr, "\x1b\x07") {
					t.Errorf("output holds ESC or BEL bytes:\n%q", stdout)
				}
			}},
		{name: "checkpoint_name_beyond_2^53", defect: 28,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				for _, ck := range []string{"checkpoint-99999999999999999999", "checkpoint-9223372036854775807"} {
					writeFile(t, filepath.Join(dir, "run", ck, "trainer_state.json"), readFile(t, filepath.Join(dir, "run", "trainer_state.json")))
				}
				return []string{"report", "run"}
			},
			code: exitOK, stdout: []string{"Use          no checkpoint folder was found next to the logs"},
			check: func(t *testing.T, _, stdout, _ string) {
				if strings.Contains(stdout, "9223372036854775807") {
					t.Errorf("a checkpoint of step 2^63-1:\n%s", stdout)
				}
			}},
		{name: "folder_of_many_runs", defect: 30,
			setup: func(t *testing.T, dir string) []string {
				for i := range 30 {
					writeFile(t, filepath.Join(dir, "runs", fmt.Sprintf("run%02d", i), "trainer_log.jsonl"),
						[]byte(`{"current_steps": 1, "total_steps": 2, "loss": 2.0}`+"\n"+`{"current_steps": 2, "total_steps": 2, "loss": 1.5}`+"\n"))
				}
				return []string{"report", "runs"}
			},
			code: exitUsage, stderr: []string{"runs holds 30 runs, and report takes one run per path:\n  runs/run00 ", "  runs/run19 ", "  ... and 10 more\nName one of them"},
			check: func(t *testing.T, _, _, stderr string) {
				if n := strings.Count(stderr, "\n"); n > 25 {
					t.Errorf("the refusal takes %d lines:\n%s", n, stderr)
				}
			}},
		{name: "scan_input_problems", defect: 26,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, filepath.Join("runs", "good"))
				writeFile(t, filepath.Join(dir, "runs", "bad", "trainer_state.json"), exampleState(t, func(h []map[string]any) { h[0]["step"] = 1e17 }))
				return []string{"scan", "runs"}
			},
			code:   exitInput,
			stdout: []string{"2 runs under runs"},
			stderr: []string{"plateau: runs/bad: trainer_state.json#log_history[0]: step 1e+17: expected a whole step from 0 to 2^53",
				"1 input problem(s); the scan covers what was readable"}},
	}
}

// wideCSV is a metrics.csv of rows rows with a loss column and cols
// other metric columns.
func wideCSV(cols, rows int) []byte {
	var b bytes.Buffer
	b.WriteString("step,loss")
	for i := range cols {
		fmt.Fprintf(&b, ",m%d", i)
	}
	b.WriteByte('\n')
	for r := 1; r <= rows; r++ {
		fmt.Fprintf(&b, "%d,%g", r, 2-0.1*float64(r))
		for range cols {
			b.WriteString(",0.5")
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// nanLosses makes every logged loss of a v5 console log non-finite: the
// Trainer's dicts and the callback's [Step] lines.
func nanLosses(b []byte) []byte {
	b = regexp.MustCompile(`'loss': '[^']*'`).ReplaceAll(b, []byte("'loss': 'nan'"))
	return regexp.MustCompile(`\bloss=[0-9.e+-]+`).ReplaceAll(b, []byte("loss=nan"))
}

// reportOf runs plateau report in dir and returns its output.
func reportOf(t *testing.T, dir string, args ...string) string {
	t.Helper()
	wd, _ := os.Getwd()
	chdir(t, dir)
	defer chdir(t, wd)
	var out, errb bytes.Buffer
	if code := runWith(append([]string{"report"}, args...), testStreams(nil, &out, &errb)); code != exitOK {
		t.Fatalf("report %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}
