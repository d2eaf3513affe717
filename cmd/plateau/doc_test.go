package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocExamples runs every "$ plateau ..." example of the manual in
// doc.go. The indented lines after an example must each appear in its
// output; a line "exit status N" checks the exit status instead.
func TestDocExamples(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	type example struct {
		cmd  string
		want []string
	}
	var exs []example
	inExample := false
	for _, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "$ plateau "):
			exs = append(exs, example{cmd: strings.TrimPrefix(trimmed, "$ plateau ")})
			inExample = true
		case inExample && strings.HasPrefix(line, "\t") && trimmed != "":
			exs[len(exs)-1].want = append(exs[len(exs)-1].want, trimmed)
		default:
			inExample = false
		}
	}
	if len(exs) < 3 {
		t.Fatalf("found %d examples in doc.go, want at least 3", len(exs))
	}
	root := repoRoot(t)
	for _, ex := range exs {
		t.Run(ex.cmd, func(t *testing.T) {
			if len(ex.want) == 0 {
				t.Fatalf("example %q shows no output", ex.cmd)
			}
			args := strings.Fields(ex.cmd)
			for i, a := range args {
				if strings.HasPrefix(a, "examples/") {
					args[i] = filepath.Join(root, a)
				}
			}
			var out, errb bytes.Buffer
			code := runWith(args, testStreams(nil, &out, &errb))
			for _, w := range ex.want {
				if strings.HasPrefix(w, "exit status ") {
					if got := fmt.Sprintf("exit status %d", code); got != w {
						t.Errorf("%s: got %s, want %s\nstderr: %s", ex.cmd, got, w, errb.String())
					}
					continue
				}
				if !strings.Contains(out.String(), w) {
					t.Errorf("%s: output lacks %q\nstdout: %.2000s\nstderr: %s", ex.cmd, w, out.String(), errb.String())
				}
			}
		})
	}
}
