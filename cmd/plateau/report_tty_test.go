package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/seedrun"
	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/internal/texttab"
)

// TestReportOnTerminal runs 'plateau report' as on an 80-column terminal
// (internal/term's fake terminal: colour, the loss chart) on both
// examples and the seed reconstruction: the default text holds at most
// 100 lines, and its first 15 hold the status, the recommended
// checkpoint's path and the answer to "train more?" with a number.
func TestReportOnTerminal(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "LoRA_Demo")
	if err := os.Mkdir(seed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := seedrun.Write(seed); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dir, status, use string
	}{
		{filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep"), "improving", "checkpoint-750"},
		{filepath.Join(repoRoot(t), "examples", "hf_v5_overfit_eval"), "overfitting", "checkpoint-80"},
		{seed, "converged", "output/lora_elderly_single/final_lora"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			tt, in, out, errOut := term.Test()
			tt.SetTerminal(true)
			tt.SetWidth(80)
			s := &streams{in: in, out: tt.Out, err: errOut, outIsTTY: tt.IsTerminal(), cols: tt.Width(),
				getenv: func(string) string { return "" }}
			if code := runWith([]string{"report", c.dir}, s); code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			txt := term.Strip(out.String())
			if txt == out.String() {
				t.Error("no colour on a terminal")
			}
			lines := strings.Split(strings.TrimSuffix(txt, "\n"), "\n")
			t.Logf("%d lines", len(lines))
			if len(lines) > 100 {
				t.Errorf("default text on an 80-column terminal is %d lines, want at most 100", len(lines))
			}
			for i, l := range lines {
				if w := texttab.Width(l); w > 80 {
					t.Errorf("line %d is %d columns wide: %q", i+1, w, l)
				}
			}
			if !strings.Contains(txt, "┤") {
				t.Error("no chart on a terminal")
			}
			head := strings.Join(lines[:min(15, len(lines))], "\n")
			for _, want := range []string{"Status       " + c.status, c.use, "Train more?"} {
				if !strings.Contains(head, want) {
					t.Errorf("the first 15 lines lack %q:\n%s", want, head)
				}
			}
			more := head[strings.Index(head, "Train more?"):]
			if i := strings.Index(more, "\nProblems"); i >= 0 {
				more = more[:i]
			}
			if !strings.ContainsAny(more, "0123456789") {
				t.Errorf("the train-more answer holds no number: %q", more)
			}
		})
	}
}
