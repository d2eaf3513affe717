//go:build unix

package fileio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWalkDirFollowsLinks walks a folder with every kind of link: to a
// file or folder outside (followed, under the link's name), inside
// (left: walked at its own place), to the folder itself or a parent (a
// loop), to a place already walked, and to nothing.
func TestWalkDirFollowsLinks(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "run")
	for _, d := range []string{"run/real", "outside/logs"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"run/real/a.log", "outside/logs/b.log", "outside/c.log"} {
		if err := os.WriteFile(filepath.Join(base, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"file_in":   "real/a.log",
		"dir_in":    "real",
		"logs":      "../outside/logs",
		"logs_too":  "../outside/logs",
		"c.log":     "../outside/c.log",
		"parent":    "..",
		"self":      ".",
		"dangling":  "nowhere/x.log",
		"real/back": "..",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	var walked, notes []string
	err := WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		var note *LinkNote
		switch {
		case errors.As(err, &note):
			notes = append(notes, rel+": "+note.Why)
		case err != nil:
			t.Errorf("%s: %v", rel, err)
		case d.IsDir():
			walked = append(walked, rel+"/")
		default:
			walked = append(walked, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "./ c.log logs/ logs/b.log real/ real/a.log"
	if got := strings.Join(walked, " "); got != want {
		t.Errorf("walked %s\nwant   %s", got, want)
	}
	wantNotes := []string{
		"dangling: leads nowhere (no such file or directory)",
		"dir_in: read at its own place in the folder",
		"file_in: read at its own place in the folder",
		"logs_too: already read as " + filepath.Join(root, "logs"),
		"parent: a folder that holds this one (a loop)",
		"real/back: a folder that holds this one (a loop)",
		"self: a folder that holds this one (a loop)",
	}
	if got := strings.Join(notes, "\n"); got != strings.Join(wantNotes, "\n") {
		t.Errorf("notes:\n%s\nwant:\n%s", got, strings.Join(wantNotes, "\n"))
	}
}

// TestWalkDirLinkedRoot: a root that is itself a link is walked.
func TestWalkDirLinkedRoot(t *testing.T) {
	base := t.TempDir()
	if err := os.MkdirAll(filepath.Join(base, "run-123"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "run-123", "a.log"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("run-123", filepath.Join(base, "latest")); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := WalkDir(filepath.Join(base, "latest"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
		}
		got = append(got, filepath.Base(p))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "latest a.log" {
		t.Errorf("walked %v", got)
	}
}
