package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVerifyCommand runs plateau verify on an example, on a saved report
// of it, on that report with one step made false, and with bad
// arguments, checking the output and the exit status.
func TestVerifyCommand(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep")
	var saved bytes.Buffer
	if code := runWith([]string{"report", dir, "--format", "json"}, testStreams(nil, &saved, &bytes.Buffer{})); code != 0 {
		t.Fatalf("report: exit %d", code)
	}
	good := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(good, saved.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The first milestone says step 2 where the log says 1.
	text := strings.Replace(saved.String(), `"step": 1,`, `"step": 2,`, 1)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// One run's views in two folders: the console and the trainer state.
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, c := range [][2]string{{"console.log", a}, {"trainer_state.json", b}} {
		data, err := os.ReadFile(filepath.Join(dir, c[0]))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(c[1], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(c[1], c[0]), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	views := []string{filepath.Join(a, "console.log"), filepath.Join(b, "trainer_state.json")}
	var merged bytes.Buffer
	if code := runWith(append([]string{"report", "--format", "json"}, views...), testStreams(nil, &merged, &bytes.Buffer{})); code != 0 {
		t.Fatalf("report of two views: exit %d", code)
	}
	mergedFile := filepath.Join(t.TempDir(), "merged.json")
	if err := os.WriteFile(mergedFile, merged.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The report of a run that logged nothing plateau cites: the README.
	var empty bytes.Buffer
	runWith([]string{"report", "--format", "json", filepath.Join(repoRoot(t), "examples", "README.md")}, testStreams(nil, &empty, &bytes.Buffer{}))
	noCites := filepath.Join(t.TempDir(), "nocites.json")
	text = regexp.MustCompile(`"(library_source|source)": "[^"]*"`).ReplaceAllString(empty.String(), `"$1": ""`)
	if err := os.WriteFile(noCites, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// A custom logger's log with no metric plateau reads: report reads it
	// (insufficient data, exit 0) and so does verify, saying it checked
	// nothing.
	custom := filepath.Join(t.TempDir(), "train.log")
	if err := os.WriteFile(custom, []byte("2025-09-28 20:44:33,525 - INFO - [__main__] - Starting fine-tuning\n2025-09-28 20:44:51,812 - INFO - [__main__] - Trainable parameters: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(repoRoot(t), "examples", "hf_v5_overfit_eval")
	for _, tc := range []struct {
		name string
		args []string
		in   string
		code int
		out  []string
		err  string
	}{
		{"a run", []string{"verify", dir}, "", exitOK, []string{"citations checked: all true"}, ""},
		{"a saved report", []string{"verify", dir, "--report", good}, "", exitOK, []string{"citations checked: all true"}, ""},
		{"a saved report on standard input", []string{"verify", dir, "--report", "-"}, saved.String(), exitOK, []string{"citations checked: all true"}, ""},
		{"a false step", []string{"verify", dir, "--report", bad}, "", exitFalse,
			[]string{"false: milestones[0].metric_sources.loss: trainer_state.json#log_history[0]: cited for step 2, but log_history[0] is step 1",
				`  it reads: {"epoch":0.004,`, "citations checked: "}, "plateau: "},
		{"standard input", []string{"verify", "-"}, "", exitUsage, nil, "not standard input"},
		{"two views of one run, in two folders", append([]string{"verify"}, views...), "", exitOK, []string{"citations checked: all true"}, ""},
		{"their saved report", append([]string{"verify", "--report", mergedFile}, views...), "", exitOK, []string{"citations checked: all true"}, ""},
		{"two runs", []string{"verify", dir, other}, "", exitUsage, nil, "different runs"},
		{"nothing", []string{"verify"}, "", exitUsage, nil, "needs the run's PATH"},
		{"not a report", []string{"verify", dir, "--report", filepath.Join(dir, "trainer_state.json")}, "", exitInput, nil, "not a plateau JSON report"},
		{"a README quoting a log dict", []string{"verify", filepath.Join(repoRoot(t), "examples", "README.md")}, "", exitInput, nil,
			"README.md: nothing to verify: no training metric was read from it"},
		{"a log with no metric plateau reads", []string{"verify", custom}, "", exitOK,
			[]string{"no citations to check"}, "nothing to verify: the report of " + custom + " cites no value read from a log"},
		{"a saved report without citations", []string{"verify", dir, "--report", noCites}, "", exitInput,
			[]string{"no citations to check"}, "nothing was verified: the report cites no source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runWith(tc.args, testStreams(strings.NewReader(tc.in), &out, &errb))
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %.1000s\nstderr: %s", code, tc.code, out.String(), errb.String())
			}
			for _, w := range tc.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%.2000s", w, out.String())
				}
			}
			if !strings.Contains(errb.String(), tc.err) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.err)
			}
		})
	}
}
