package trainlog_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestLoadCustomLoggerDir: a run folder holding only a console log in an
// unknown shape (a custom logger) is read, so that the report can say no
// per-step data was found; a folder of unrelated text is not a run.
func TestLoadCustomLoggerDir(t *testing.T) {
	dir := t.TempDir()
	log := "2024-01-01 10:00:00 INFO Starting fine-tuning\n2024-01-04 03:12:00 INFO Final training loss: 1.1465\n"
	if err := os.WriteFile(filepath.Join(dir, "training.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(run.Files) != 1 || !run.Files[0].Used || run.Files[0].Format != "hf-console" || run.Files[0].Records != 0 {
		t.Errorf("files %+v, want training.log used as hf-console with 0 records", run.Files)
	}

	notes := t.TempDir()
	if err := os.WriteFile(filepath.Join(notes, "notes.txt"), []byte("just notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := trainlog.Load([]string{notes}, trainlog.LoadOptions{}); !errors.Is(err, trainlog.ErrNoData) {
		t.Errorf("a folder of notes: err %v, want ErrNoData", err)
	}
}
