package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWatchExitOnAlert follows a growing LLaMA-Factory log, appends a NaN
// loss and expects: the alert printed as a plain line (not a terminal),
// the --on-alert command run with the alert in its environment, and exit
// status 4 from --exit-on.
func TestWatchExitOnAlert(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "trainer_log.jsonl")
	var b strings.Builder
	for s := 1; s <= 30; s++ {
		fmt.Fprintf(&b, `{"current_steps": %d, "total_steps": 100, "loss": %v, "lr": 0.0001, "epoch": %v}`+"\n", s, 2-0.01*float64(s), float64(s)/100)
	}
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	alertFile := filepath.Join(t.TempDir(), "alert.txt")
	out, errb := &syncBuffer{}, &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- runWith([]string{"watch", dir, "--exit-on", "non-finite", "--interval", "50ms", "--no-report",
			"--on-alert", `printf '%s|%s|%s' "$PLATEAU_ALERT_KIND" "$PLATEAU_ALERT_STEP" "$PLATEAU_ALERT_SOURCE" > ` + alertFile},
			testStreams(nil, out, errb))
	}()
	// Append once watch follows the log: its first progress line says so.
	deadline := time.Now().Add(hangGuard)
	for !strings.Contains(out.String(), "step ") {
		if time.Now().After(deadline) {
			t.Fatalf("no progress line after %s (a hang); stderr: %s", hangGuard, errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"current_steps": 31, "total_steps": 100, "loss": NaN, "lr": 0.0001, "epoch": 0.31}` + "\n")
	f.Close()
	select {
	case c := <-code:
		if c != exitAlert {
			t.Errorf("exit status %d, want %d; stderr: %s", c, exitAlert, errb.String())
		}
	case <-time.After(hangGuard):
		t.Fatalf("watch did not exit on the alert after %s (a hang)", hangGuard)
	}
	if !strings.Contains(out.String(), "ALERT non-finite step 31") {
		t.Errorf("stdout lacks the alert line:\n%s", out.String())
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("control codes on a non-terminal:\n%q", out.String())
	}
	got, err := os.ReadFile(alertFile)
	if err != nil {
		t.Fatalf("--on-alert did not run: %v", err)
	}
	if want := "non-finite|31|trainer_log.jsonl:31"; string(got) != want {
		t.Errorf("--on-alert saw %q, want %q", got, want)
	}
}

func TestWatchUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if c := runWith([]string{"watch"}, testStreams(nil, &out, &errb)); c != exitUsage {
		t.Errorf("no path: exit %d", c)
	}
	if c := runWith([]string{"watch", ".", "--exit-on", "bogus"}, testStreams(nil, &out, &errb)); c != exitUsage {
		t.Errorf("bad kind: exit %d", c)
	}
	if !strings.Contains(errb.String(), "non-finite") {
		t.Errorf("the usage error does not list the kinds: %s", errb.String())
	}
}

// TestWatchFinalReportIsReport: on a finished run, watch's final report
// is the report 'plateau report' writes, and a folder of runs is refused
// as report refuses it.
func TestWatchFinalReportIsReport(t *testing.T) {
	root := repoRoot(t)
	pkgDir, _ := os.Getwd()
	chdir(t, root)
	defer chdir(t, pkgDir)
	for _, dir := range []string{"examples/hf_v5_sft_lora_3ep", "examples/hf_v5_overfit_eval"} {
		var rep, repErr bytes.Buffer
		if code := runWith([]string{"report", dir}, testStreams(nil, &rep, &repErr)); code != 0 {
			t.Fatalf("report %s: exit %d: %s", dir, code, repErr.String())
		}
		var out, errb bytes.Buffer
		if code := runWith([]string{"watch", dir, "--interval", "50ms"}, testStreams(nil, &out, &errb)); code != 0 {
			t.Fatalf("watch %s: exit %d: %s", dir, code, errb.String())
		}
		// The live lines come first, then a blank line and the report.
		got := out.String()
		i := strings.Index(got, "\n\n")
		if i < 0 || got[i+2:] != rep.String() {
			t.Errorf("watch %s: final report differs from report's\n%s", dir, firstDiff(rep.String(), got[max(i+2, 0):]))
		}
	}
	var out, errb bytes.Buffer
	if code := runWith([]string{"watch", "examples"}, testStreams(nil, &out, &errb)); code != exitUsage || !strings.Contains(errb.String(), "examples holds 2 runs") {
		t.Errorf("watch examples: exit %d, stderr %q; want 2 and the runs listed", code, errb.String())
	}
}
