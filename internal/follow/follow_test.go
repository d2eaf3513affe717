package follow

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// poll runs one poll and returns its events.
func poll(t *testing.T, f *Follower) []Event {
	t.Helper()
	f.lastScan = time.Time{} // rescan every time in tests
	var evs []Event
	if _, err := f.Poll(func(ev Event) bool { evs = append(evs, ev); return true }); err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestFollowLifecycle(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "run") // does not exist yet
	f := New(root, Options{FromStart: true, Accept: func(rel string, head []byte) (bool, bool) {
		return len(head) > 0, !strings.HasSuffix(rel, ".json")
	}})
	if evs := poll(t, f); len(evs) != 0 {
		t.Fatalf("events before the folder exists: %v", evs)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(root, "train.log")
	write := func(flag int, s string) {
		fh, err := os.OpenFile(log, flag|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fh.WriteString(s)
		fh.Close()
	}
	// An empty file is not accepted until it has content.
	write(os.O_TRUNC, "")
	if evs := poll(t, f); len(evs) != 0 {
		t.Fatalf("events for an empty file: %v", evs)
	}
	write(os.O_APPEND, "line 1\n")
	evs := poll(t, f)
	if len(evs) != 1 || evs[0].Kind != Appended || string(evs[0].Data) != "line 1\n" || evs[0].Rel != "train.log" {
		t.Fatalf("first content: %+v", evs)
	}
	write(os.O_APPEND, "line 2\npart")
	evs = poll(t, f)
	if len(evs) != 1 || string(evs[0].Data) != "line 2\npart" {
		t.Fatalf("appended: %+v", evs)
	}
	if evs := poll(t, f); len(evs) != 0 {
		t.Fatalf("events without a change: %v", evs)
	}
	// Truncation: the file is cut shorter and rewritten.
	write(os.O_TRUNC, "new\n")
	evs = poll(t, f)
	if len(evs) != 1 || evs[0].Kind != Reset || string(evs[0].Data) != "new\n" {
		t.Fatalf("truncation: %+v", evs)
	}
	// Rotation: a new file under the same name, longer than the old one.
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	write(os.O_TRUNC, "rotated and longer than before\n")
	evs = poll(t, f)
	var got []Event
	for _, ev := range evs {
		if ev.Rel == "train.log" {
			got = append(got, ev)
		}
	}
	if len(got) != 1 || got[0].Kind != Reset || !strings.HasPrefix(string(got[0].Data), "rotated") {
		t.Fatalf("rotation: %+v", evs)
	}
	// A whole-file format is reported as rewritten when it changes.
	state := filepath.Join(root, "checkpoint-10", "trainer_state.json")
	os.MkdirAll(filepath.Dir(state), 0o755)
	os.WriteFile(state, []byte(`{"log_history": []}`), 0o644)
	evs = poll(t, f)
	found := false
	for _, ev := range evs {
		if ev.Rel == "checkpoint-10/trainer_state.json" && ev.Kind == Rewritten {
			found = true
		}
	}
	if !found {
		t.Fatalf("new checkpoint state not reported: %+v", evs)
	}
}

func TestFeed(t *testing.T) {
	fd := NewFeed()
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(fd)
		got <- string(b)
	}()
	fd.Write([]byte("a"))
	time.Sleep(10 * time.Millisecond)
	fd.Write([]byte("b"))
	fd.Close()
	if s := <-got; s != "ab" {
		t.Fatalf("read %q", s)
	}
	if _, err := fd.Write([]byte("c")); err == nil {
		t.Fatal("write after close succeeded")
	}
}

// TestReadReturnsAvailableBytes checks that Read does not wait for a full
// buffer: a reader of a live log sees each line as soon as it is written.
func TestReadReturnsAvailableBytes(t *testing.T) {
	fd := NewFeed()
	fd.Write([]byte("short"))
	buf := make([]byte, 1<<20)
	done := make(chan int)
	go func() {
		n, _ := fd.Read(buf)
		done <- n
	}()
	select {
	case n := <-done:
		if n != 5 {
			t.Fatalf("read %d bytes", n)
		}
	case <-time.After(5 * time.Minute): // a hang guard, not a speed limit
		t.Fatal("Read blocked with bytes available")
	}
}
