package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// adversarialCases lists the cases of the adversarial suite, by the item
// of issue 13 they come from.
func adversarialCases() []advCase {
	return []advCase{
		// 1. A step count from the input must never drive a loop.
		{name: "huge_last_step_state", defect: 1,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "trainer_state.json"), exampleState(t, func(h []map[string]any) {
					h[len(h)-2]["step"] = 1e12
				}))
				return []string{"report", "run"}
			},
			code: exitOK, stdout: []string{"Status "}},
		{name: "huge_step_console", defect: 1,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "train.log"), exampleConsole(t, "[Step 749/750]", "[Step 100000000000/750]"))
				return []string{"report", "train.log"}
			},
			code: exitOK, stdout: []string{"Status "}},
		{name: "huge_epoch_state", defect: 1,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "trainer_state.json"), exampleState(t, func(h []map[string]any) {
					h[len(h)-2]["epoch"] = 1e12
				}))
				return []string{"report", "run"}
			},
			code: exitOK, stdout: []string{"Status "}},
		{name: "huge_step_no_epochs", defect: 1,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "trainer_state.json"), exampleState(t, func(h []map[string]any) {
					for _, e := range h {
						delete(e, "epoch")
					}
					h[len(h)-2]["step"] = 1e12
				}))
				return []string{"report", "run"}
			},
			code: exitOK, stdout: []string{"Status "}},
		// 2. -o writes into a device or a pipe, never replaces it.
		{name: "output_null_device", defect: 2,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				mknod(t, filepath.Join(dir, "null"), 3)
				return []string{"report", "run", "-o", "null"}
			},
			code: exitOK, outputs: []string{"null"},
			check: func(t *testing.T, dir, _, _ string) {
				isType(t, filepath.Join(dir, "null"), fs.ModeDevice|fs.ModeCharDevice)
			}},
		{name: "output_full_device", defect: 2,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				mknod(t, filepath.Join(dir, "full"), 7)
				return []string{"report", "run", "-o", "full"}
			},
			code: exitInput, stderr: []string{"-o full: no space left on device"}, outputs: []string{"full"},
			check: func(t *testing.T, dir, _, _ string) {
				isType(t, filepath.Join(dir, "full"), fs.ModeDevice|fs.ModeCharDevice)
			}},
		{name: "output_fifo_no_reader", defect: 2,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				mkfifo(t, filepath.Join(dir, "out.fifo"))
				return []string{"report", "run", "-o", "out.fifo"}
			},
			code: exitInput, stderr: []string{"-o out.fifo is a named pipe that no process is reading"},
			check: func(t *testing.T, dir, _, _ string) { isType(t, filepath.Join(dir, "out.fifo"), fs.ModeNamedPipe) }},
		{name: "output_directory", defect: 2,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "-o", "run"}
			},
			code: exitUsage, stderr: []string{"-o run is a directory"}},
		// 3. An input reached through a linked folder is still an input.
		{name: "output_input_through_link", defect: 3,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				if err := os.Symlink("run", filepath.Join(dir, "rl")); err != nil {
					t.Fatal(err)
				}
				return []string{"report", "run", "-o", "rl/console.log"}
			},
			code: exitUsage, stderr: []string{"-o rl/console.log would overwrite an input (run/console.log)"}},
		{name: "output_input_file_link", defect: 3,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				if err := os.Symlink("run/trainer_state.json", filepath.Join(dir, "state.json")); err != nil {
					t.Fatal(err)
				}
				return []string{"report", "run/trainer_state.json", "-o", "state.json"}
			},
			code: exitUsage, stderr: []string{"-o state.json would overwrite an input (run/trainer_state.json)"}},
		// 4. A FIFO or a device given as the input: an error, at once.
		{name: "input_fifo", defect: 4,
			setup: func(t *testing.T, dir string) []string {
				mkfifo(t, filepath.Join(dir, "in.fifo"))
				return []string{"report", "in.fifo"}
			},
			code: exitInput, stderr: []string{"in.fifo: a named pipe (FIFO), not a regular file", "plateau report -"}},
		{name: "input_device", defect: 4,
			setup: func(t *testing.T, dir string) []string {
				mknod(t, filepath.Join(dir, "zero"), 5)
				return []string{"report", "zero"}
			},
			code: exitInput, stderr: []string{"zero: a character device, not a regular file"}},
		{name: "fifo_in_run_dir", defect: 4,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				mkfifo(t, filepath.Join(dir, "run", "live.log"))
				return []string{"report", "run", "-f", "json"}
			},
			code: exitOK, stdout: []string{`"path": "live.log"`, "a named pipe (FIFO), not a regular file"}},
		// 12. Flags: NaN is not a number of anything; --charts names itself.
		{name: "gpu_price_nan", defect: 12,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "--gpu-hour-price", "NaN"}
			},
			code: exitUsage, stderr: []string{"--gpu-hour-price NaN: expected a price of zero or more"}},
		{name: "smoothing_nan", defect: 12,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "--smoothing", "NaN"}
			},
			code: exitUsage, stderr: []string{"--smoothing NaN: expected a weight in [0, 1)"}},
		{name: "compare_gpu_price_inf", defect: 12,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "a")
				copyRun(t, dir, "b")
				return []string{"compare", "a", "b", "--gpu-hour-price", "+Inf"}
			},
			code: exitUsage, stderr: []string{"--gpu-hour-price +Inf: expected a price of zero or more"}},
		{name: "charts_into_a_log", defect: 12,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "--charts", "run/console.log"}
			},
			code: exitUsage, stderr: []string{"--charts run/console.log is a regular file: give a folder"}, nostder: []string{"-o "}},
		{name: "charts_beside_the_logs", defect: 12,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "--charts", "run/charts"}
			},
			code: exitOK, stderr: []string{"wrote 3 charts to run/charts"}, outputs: []string{"run/charts/"}},
		// 14. A missing output folder is named; no temporary name leaks.
		{name: "output_folder_missing", defect: 14,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				return []string{"report", "run", "-o", "missing/dir/r.md"}
			},
			code: exitUsage, stderr: []string{"-o missing/dir/r.md: the folder missing/dir does not exist"}, nostder: []string{".plateau-"}},
		{name: "compare_output_input_through_link", defect: 3,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "a")
				copyRun(t, dir, "b")
				if err := os.Symlink("b", filepath.Join(dir, "bl")); err != nil {
					t.Fatal(err)
				}
				return []string{"compare", "a", "b", "-o", "bl/trainer_state.json"}
			},
			code: exitUsage, stderr: []string{"-o bl/trainer_state.json would overwrite an input (b/trainer_state.json)"}},
		// 9. Symbolic links are followed, loops cut.
		{name: "linked_log", defect: 9,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				if err := os.Mkdir(filepath.Join(dir, "links"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("../run/console.log", filepath.Join(dir, "links", "console.log")); err != nil {
					t.Fatal(err)
				}
				return []string{"report", "links", "-f", "json"}
			},
			code: exitOK, stdout: []string{`"path": "console.log",
        "format": "hf-console",
        "used": true`}},
		{name: "linked_folder_and_loop", defect: 9,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				if err := os.Mkdir(filepath.Join(dir, "linkdir"), 0o755); err != nil {
					t.Fatal(err)
				}
				for name, target := range map[string]string{"run": "../run", "loop": "..", "twice": "../run"} {
					if err := os.Symlink(target, filepath.Join(dir, "linkdir", name)); err != nil {
						t.Fatal(err)
					}
				}
				return []string{"report", "linkdir", "-f", "json"}
			},
			code: exitOK, stdout: []string{`"path": "run/trainer_state.json",
        "format": "trainer-state",
        "used": true`, "a symbolic link to .., a folder that holds this one (a loop)", "a symbolic link to ../run, already read as linkdir/run"}},
		// 10. Silent data changes are said.
		{name: "dict_cut_at_end", defect: 10,
			setup: func(t *testing.T, dir string) []string {
				b := readFile(t, filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep", "console.log"))
				b = append(b, "{'loss': 1.23, 'grad_norm': 0.5, 'learn"...)
				writeFile(t, filepath.Join(dir, "train.log"), b)
				return []string{"report", "train.log", "--no-chart"}
			},
			code: exitInput, stderr: []string{"the file ends inside a log dict: expected '}'"}, stdout: []string{"Status "},
			check: func(t *testing.T, dir, _, stderr string) {
				n := bytes.Count(readFile(t, filepath.Join(dir, "train.log")), []byte("\n")) + 1
				if want := fmt.Sprintf("train.log:%d: the file ends", n); !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}},
		{name: "negative_step", defect: 10,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "trainer_state.json"), exampleState(t, func(h []map[string]any) { h[0]["step"] = -1 }))
				return []string{"report", "run"}
			},
			code: exitInput, stderr: []string{"trainer_state.json#log_history[0]: step -1: expected a whole step from 0 to 2^53"}},
		{name: "step_beyond_2^53", defect: 10,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "trainer_state.json"), exampleState(t, func(h []map[string]any) { h[0]["step"] = 1e17 }))
				return []string{"report", "run"}
			},
			code: exitInput, stderr: []string{"trainer_state.json#log_history[0]: step 1e+17: expected a whole step from 0 to 2^53"}},
		// 12. A folder without a log says, per file, why.
		{name: "no_log_reasons", defect: 12,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "nolog", "notes.txt"), []byte("some notes about the run\n"))
				writeFile(t, filepath.Join(dir, "nolog", "data.txt"), []byte("\x00\x01binary"))
				writeFile(t, filepath.Join(dir, "nolog", "empty.log"), nil)
				return []string{"report", "nolog"}
			},
			code: exitInput, stderr: []string{"3 files ignored)\n  data.txt: binary data", "\n  empty.log: empty file", "\n  notes.txt: text without training records"}},
		// 13. A file with no training record is an input error.
		{name: "readme", defect: 13,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "README.md"), []byte("# My project\n\nSome text, step 1, loss is fine.\n"))
				return []string{"report", "README.md"}
			},
			code: exitInput, stderr: []string{"README.md: no training record"}},
		{name: "go_mod", defect: 13,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/x\n\ngo 1.22\n"))
				return []string{"report", "go.mod"}
			},
			code: exitInput, stderr: []string{"go.mod: no training record"}},
		{name: "notes", defect: 13,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "notes.txt"), []byte("training went well, loss 0.5 at the end\n"))
				return []string{"report", "notes.txt"}
			},
			code: exitInput, stderr: []string{"notes.txt: no training record"}},
		// 14. plateau's own outputs are not logs: a re-run works.
		rerun("md", "REPORT.md"),
		rerun("json", "report.json"),
		rerun("text", "report.txt"),
		rerun("html", "report.html"),
		{name: "own_json_given", defect: 14,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				wd, _ := os.Getwd()
				chdir(t, dir)
				defer chdir(t, wd)
				if code := runWith([]string{"report", "run", "-o", "r.json"}, testStreams(nil, io.Discard, io.Discard)); code != exitOK {
					t.Fatalf("first run: exit %d", code)
				}
				return []string{"report", "r.json"}
			},
			code: exitInput, stderr: []string{"r.json: plateau's own JSON output (plateau.report/"}},
		// 7. Control bytes from a file name never reach a report.
		{name: "escapes_in_file_name_html", defect: 7,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "x\x1b]0;pwned\x07\x1b[2J.log"), exampleConsole(t, "[Step 300/750]", "[Step 300/750]"))
				return []string{"report", "run", "-o", "r.html"}
			},
			code: exitOK, outputs: []string{"r.html"},
			check: func(t *testing.T, dir, _, _ string) {
				b := readFile(t, filepath.Join(dir, "r.html"))
				if !strings.HasPrefix(string(b), "<!DOCTYPE html>") {
					t.Errorf("-o r.html did not write HTML: %.40q", b)
				}
				if strings.ContainsAny(string(b), "\x1b\x07") {
					t.Error("the HTML report holds ESC or BEL bytes")
				}
				if !strings.Contains(string(b), "x]0;pwned[2J.log:") {
					t.Error("the HTML report does not name the file")
				}
			}},
	}
}

// rerun is the case of a report written into the run folder, then
// written again: the second run must not read the first report as a log.
func rerun(format, name string) advCase {
	args := func() []string { return []string{"report", "run", "-f", format, "-o", "run/" + name} }
	return advCase{name: "rerun_" + format, defect: 14,
		setup: func(t *testing.T, dir string) []string {
			copyRun(t, dir, "run")
			wd, _ := os.Getwd()
			chdir(t, dir)
			defer chdir(t, wd)
			var errb bytes.Buffer
			if code := runWith(args(), testStreams(nil, io.Discard, &errb)); code != exitOK {
				t.Fatalf("first run: exit %d: %s", code, errb.String())
			}
			return args()
		},
		code: exitOK, outputs: []string{"run/" + name},
		check: func(t *testing.T, dir, _, _ string) {
			var out bytes.Buffer
			if code := runWith([]string{"report", "run", "-f", "json"}, testStreams(nil, &out, io.Discard)); code != exitOK {
				t.Fatalf("report after the re-run: exit %d", code)
			}
			if !strings.Contains(out.String(), "plateau's own") && format != "html" && format != "md" {
				t.Errorf("the run's files do not say %s is plateau's own output:\n%.2000s", name, out.String())
			}
		}}
}
