//go:build unix

package fileio

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangGuard bounds every wait in these tests: it tells a hang from a
// slow, loaded machine, and asserts no speed.
const hangGuard = 5 * time.Minute

// inTime fails the test when f does not return within hangGuard: a hang.
func inTime(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(hangGuard):
		t.Fatalf("%s: no answer after %s (a hang)", what, hangGuard)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

func TestOpenRegularRefusesFIFOWithoutBlocking(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.fifo")
	mkfifo(t, p)
	var err error
	inTime(t, "OpenRegular(fifo)", func() { _, err = OpenRegular(p) })
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "named pipe") || !strings.Contains(err.Error(), p) {
		t.Errorf("OpenRegular(fifo) = %v, want a not-regular error naming the pipe", err)
	}
}

func TestOpenRegularFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.log")
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p, filepath.Join(dir, "l.log")); err != nil {
		t.Fatal(err)
	}
	f, err := OpenRegular(filepath.Join(dir, "l.log"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "x\n" {
		t.Errorf("read %q through the link", b)
	}
	if _, err := OpenRegular(dir); !errors.Is(err, ErrNotRegular) {
		t.Errorf("OpenRegular(dir) = %v, want ErrNotRegular", err)
	}
}

func TestSameFileResolvesLinks(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "console.log"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("run", filepath.Join(dir, "rl")); err != nil {
		t.Fatal(err)
	}
	if !SameFile(filepath.Join(dir, "rl", "console.log"), filepath.Join(run, "console.log")) {
		t.Error("a file reached through a linked folder is not the same file")
	}
	if SameFile(filepath.Join(dir, "rl", "new.md"), filepath.Join(run, "new.md")) {
		t.Error("two paths that do not exist are the same file")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	// A new file, then the same replaced keeping its permissions.
	p := filepath.Join(dir, "r.md")
	if err := WriteFile(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", st.Mode().Perm())
	}
	// A link is kept, its target replaced.
	link := filepath.Join(dir, "link.md")
	if err := os.Symlink("r.md", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("three")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&fs.ModeSymlink == 0 {
		t.Error("the symbolic link was replaced by a file")
	}
	if b, _ := os.ReadFile(p); string(b) != "three" {
		t.Errorf("the link's target holds %q", b)
	}
	// Refusals name the path given and no temporary file.
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "missing", "dir", "r.md"), "the folder " + filepath.Join(dir, "missing", "dir") + " does not exist"},
		{dir, "is a directory"},
		{filepath.Join(dir, "r.md", "x"), "is not a folder"},
	} {
		err := WriteFile(c.path, []byte("x"))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), ".plateau-") {
			t.Errorf("WriteFile(%s) = %v, want an error saying %q", c.path, err, c.want)
		}
	}
	dangling := filepath.Join(dir, "dangling.md")
	if err := os.Symlink("nowhere/x.md", dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dangling, []byte("x")); err == nil || !strings.Contains(err.Error(), "leads nowhere") {
		t.Errorf("WriteFile(dangling link) = %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*plateau-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestWriteFileFIFO writes into a named pipe that a reader holds open,
// and refuses one that nobody reads, without blocking; the pipe stays.
func TestWriteFileFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.fifo")
	mkfifo(t, p)
	var err error
	inTime(t, "WriteFile(fifo without reader)", func() { err = WriteFile(p, []byte("x")) })
	if err == nil || !strings.Contains(err.Error(), "no process is reading") {
		t.Errorf("WriteFile(fifo without reader) = %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(p) // blocks until the writer opens
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	// The reader opens in the background; retry until it is there.
	deadline := time.Now().Add(hangGuard)
	for {
		err = WriteFile(p, []byte("report"))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "report" {
		t.Errorf("the reader got %q", s)
	}
	if st, _ := os.Lstat(p); st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced by %s", Kind(st.Mode()))
	}
}
