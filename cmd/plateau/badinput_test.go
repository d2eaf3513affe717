package main

import (
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHugeLineWithoutNewline feeds a 50 MB line with no newline: plateau
// must answer with a clear message and exit status 1, without a panic.
func TestHugeLineWithoutNewline(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB input: skipped in -short mode")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "huge.log")
	// One readable dict, then 50 MB of text with no line break at all.
	data := []byte("{'loss': 2.5, 'grad_norm': 1.0, 'learning_rate': 0.001, 'epoch': 0.1}\n")
	data = append(data, bytes.Repeat([]byte("abcdefgh"), 50<<20/8)...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runWith([]string{"report", path}, testStreams(nil, &out, &errb))
	if code != exitInput {
		t.Errorf("exit status %d, want %d; stderr: %s", code, exitInput, errb.String())
	}
	if !strings.Contains(errb.String(), "huge.log:2") {
		t.Errorf("stderr does not name the file and line: %q", errb.String())
	}
	if !strings.Contains(out.String(), "loss") {
		t.Errorf("no report of the readable part: %.300q", out.String())
	}
}

// TestInputsNeverWritten runs every format on the bundled examples and
// checks that no input file changed.
func TestInputsNeverWritten(t *testing.T) {
	root := repoRoot(t)
	src := filepath.Join(root, "examples")
	before := hashTree(t, src)
	for _, format := range []string{"text", "md", "json", "html"} {
		for _, ex := range []string{"hf_v5_sft_lora_3ep", "hf_v5_overfit_eval"} {
			var out, errb bytes.Buffer
			code := runWith([]string{"report", filepath.Join(src, ex), "--format", format}, testStreams(nil, &out, &errb))
			if code != exitOK {
				t.Errorf("%s %s: exit status %d; stderr: %s", ex, format, code, errb.String())
			}
		}
	}
	after := hashTree(t, src)
	if len(before) != len(after) {
		t.Fatalf("file count changed: %d -> %d", len(before), len(after))
	}
	for p, h := range before {
		if after[p] != h {
			t.Errorf("%s was modified", p)
		}
	}
}

// TestOutputRefusesInput checks that -o never overwrites an input.
func TestOutputRefusesInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "trainer_state.json")
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "hf_v5_overfit_eval", "trainer_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runWith([]string{"report", in, "-o", in}, testStreams(nil, &out, &errb))
	if code != exitUsage {
		t.Errorf("exit status %d, want %d", code, exitUsage)
	}
	got, _ := os.ReadFile(in)
	if !bytes.Equal(got, data) {
		t.Error("the input was overwritten")
	}
	// Writing next to it works and leaves the input alone.
	outPath := filepath.Join(dir, "report.md")
	code = runWith([]string{"report", in, "--format", "md", "-o", outPath}, testStreams(nil, &out, &errb))
	if code != exitOK {
		t.Fatalf("exit status %d; stderr: %s", code, errb.String())
	}
	if b, err := os.ReadFile(outPath); err != nil || !bytes.Contains(b, []byte("trainer_state.json#log_history[")) {
		t.Errorf("report.md lacks log_history citations (err %v)", err)
	}
}

func hashTree(t *testing.T, root string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
