package trainlog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestLoadProgress checks that Load counts every byte of the files it
// reads, and only those, and nothing for standard input.
func TestLoadProgress(t *testing.T) {
	dir := filepath.Join("..", "examples", "hf_v5_sft_lora_3ep")
	var p trainlog.Progress
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{Progress: &p})
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	used := 0
	for _, f := range run.Files {
		if !f.Used || strings.HasPrefix(f.Reason, "settings") {
			continue // settings files are read whole, outside the progress
		}
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		want += st.Size()
		used++
	}
	if used < 3 || p.Total() != want || p.Read() != want {
		t.Errorf("read %d of %d bytes, want %d of the %d files used", p.Read(), p.Total(), want, used)
	}

	var q trainlog.Progress
	log := "{'loss': 1.5, 'epoch': 0.5}\n{'loss': 1.2, 'epoch': 1.0}\n"
	if _, err := trainlog.Load([]string{"-"}, trainlog.LoadOptions{Stdin: strings.NewReader(log), Progress: &q}); err != nil {
		t.Fatal(err)
	}
	if q.Total() != 0 || q.Read() != 0 {
		t.Errorf("standard input counted: read %d of %d", q.Read(), q.Total())
	}
}
