package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An advCase is one hostile or unlucky input from the adversarial pass
// (issue 13): the inputs it builds in a fresh folder, the exit status and
// the messages plateau must give. Every case also checks the policy kept
// for all inputs: no hang, no panic, and nothing in the folder changed
// except the outputs the case names.
type advCase struct {
	name   string
	defect int // the item of issue 13
	// setup builds the inputs in dir (the working directory of the run)
	// and returns the arguments.
	setup   func(t *testing.T, dir string) []string
	code    int
	stderr  []string // substrings standard error must hold
	nostder []string // substrings it must not hold
	stdout  []string // substrings standard output must hold
	// outputs are the paths, relative to dir, the run may create or
	// change.
	outputs []string
	check   func(t *testing.T, dir, stdout, stderr string)
}

// TestAdversarial runs every case of the adversarial suite.
func TestAdversarial(t *testing.T) {
	for _, c := range append(append(adversarialCases(), adversarialVerbCases()...), adversarialCLICases()...) {
		t.Run(fmt.Sprintf("%02d_%s", c.defect, c.name), func(t *testing.T) {
			dir := t.TempDir()
			args := c.setup(t, dir)
			before := snapshot(t, dir)
			pkgDir, _ := os.Getwd()
			chdir(t, dir)
			defer chdir(t, pkgDir)
			out, errb := &syncBuffer{}, &syncBuffer{}
			code := runWithin(t, args, testStreams(nil, out, errb))
			if code != c.code {
				t.Errorf("plateau %s: exit status %d, want %d\nstderr: %s", strings.Join(args, " "), code, c.code, errb.String())
			}
			for _, s := range c.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb.String())
				}
			}
			for _, s := range c.nostder {
				if strings.Contains(errb.String(), s) {
					t.Errorf("stderr holds %q:\n%s", s, errb.String())
				}
			}
			for _, s := range c.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%.2000s", s, out.String())
				}
			}
			if strings.Contains(errb.String(), "panic") || strings.Contains(errb.String(), "internal error") {
				t.Errorf("a panic: %s", errb.String())
			}
			after := snapshot(t, dir)
			for p, h := range before {
				if after[p] != h && !c.isOutput(p) {
					t.Errorf("%s changed: %s -> %s", p, h, after[p])
				}
			}
			for p := range after {
				if _, ok := before[p]; !ok && !c.isOutput(p) {
					t.Errorf("%s was created", p)
				}
			}
			if c.check != nil {
				c.check(t, dir, out.String(), errb.String())
			}
		})
	}
}

// isOutput reports whether p is one of the case's outputs; an output
// ending in "/" is a folder, with everything in it.
func (c advCase) isOutput(p string) bool {
	for _, o := range c.outputs {
		if p == o || (strings.HasSuffix(o, "/") && (strings.HasPrefix(p, o) || p+"/" == o)) {
			return true
		}
	}
	return false
}

// hangGuard bounds every wait on plateau in these tests. It only tells a
// hang from a slow machine (CI runs the tests under -race on loaded
// runners): no test asserts how fast plateau is; benchmarks do.
const hangGuard = 5 * time.Minute

// runWithin runs plateau in this process and fails the test when it does
// not answer within hangGuard: a hang, not a slow run.
func runWithin(t *testing.T, args []string, s *streams) int {
	t.Helper()
	code := make(chan int, 1)
	go func() { code <- runWith(args, s) }()
	select {
	case c := <-code:
		return c
	case <-time.After(hangGuard):
		t.Fatalf("plateau %s: no answer after %s (a hang)", strings.Join(args, " "), hangGuard)
		return -1
	}
}

// snapshot describes every entry under dir without following links or
// opening anything but regular files: its type, and for a file its hash,
// for a link its target.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().Type().String()
		switch {
		case info.Mode().IsRegular():
			if info.Mode().Perm()&0o400 == 0 {
				desc += " unreadable"
				break
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		}
		out[filepath.ToSlash(rel)] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyRun copies the bundled example's logs (not its checkpoints) into
// dir/name.
func copyRun(t *testing.T, dir, name string) string {
	t.Helper()
	src := filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep")
	dst := filepath.Join(dir, name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"console.log", "trainer_state.json"} {
		writeFile(t, filepath.Join(dst, f), readFile(t, filepath.Join(src, f)))
	}
	return dst
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// exampleState returns the example's trainer_state.json with edit
// applied to its log_history.
func exampleState(t *testing.T, edit func(hist []map[string]any)) []byte {
	t.Helper()
	var st map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep", "trainer_state.json")), &st); err != nil {
		t.Fatal(err)
	}
	raw := st["log_history"].([]any)
	hist := make([]map[string]any, len(raw))
	for i, e := range raw {
		hist[i] = e.(map[string]any)
	}
	edit(hist)
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exampleConsole returns the example's console.log with old replaced by
// new (once, which must happen).
func exampleConsole(t *testing.T, old, new string) []byte {
	t.Helper()
	b := readFile(t, filepath.Join(repoRoot(t), "examples", "hf_v5_sft_lora_3ep", "console.log"))
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("console.log lacks %q", old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// isType checks that the entry at p is still of the given type.
func isType(t *testing.T, p string, want fs.FileMode) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Type() != want {
		t.Errorf("%s is now %v, want %v", p, st.Mode().Type(), want)
	}
}
