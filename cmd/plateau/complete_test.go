package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCompleteListFlags asks cobra's completion command, as a shell's
// completion script does, for the values of --fail-on and --exit-on.
func TestCompleteListFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"report", "run", "--fail-on", "di"}, []string{"diverged"}},
		{[]string{"report", "run", "--fail-on", "diverged,"}, []string{"diverged,converged", "diverged,improving", "diverged,overfitting", "diverged,stalled", "diverged,insufficient-data"}},
		{[]string{"report", "run", "--fail-on=diverged,st"}, []string{"diverged,stalled"}},
		{[]string{"scan", "runs", "--fail-on", "e"}, []string{"error"}},
		{[]string{"watch", "run", "--exit-on", "non-finite,d"}, []string{"non-finite,divergence"}},
		{[]string{"watch", "run", "--exit-on", ""}, []string{"non-finite", "zero-loss-nan-grad", "loss-spike", "grad-norm-spike", "divergence", "stall", "overfitting", "converged"}},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"__complete"}, c.args...)
		if code := runWith(args, testStreams(nil, &out, &errb)); code != exitOK {
			t.Fatalf("%v: exit %d: %s", c.args, code, out.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		// The last line is the directive: 4 is no file completion.
		if d := lines[len(lines)-1]; d != ":4" {
			t.Errorf("%v: directive %s, want :4 (no file names)", c.args, d)
		}
		if got := strings.Join(lines[:len(lines)-1], " "); got != strings.Join(c.want, " ") {
			t.Errorf("%v: completions %q, want %q", c.args, got, strings.Join(c.want, " "))
		}
	}
}
