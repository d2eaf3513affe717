package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// hangGuard bounds every wait on a watch running in the background. It
// only tells a hang from a slow machine (CI runs these tests under -race
// on loaded runners): no test asserts how fast the watch is.
const hangGuard = 5 * time.Minute

// collector gathers alerts and the latest status from a watch running in
// the background.
type collector struct {
	mu     sync.Mutex
	alerts []Alert
	at     map[string]time.Time
	seen   seen
}

// seen is what a status showed: the last step read, and the run's
// evaluation steps and checkpoints as the latest analysis saw them.
type seen struct {
	step        int64
	analysed    int64 // the last step of the data the latest analysis read
	evalSteps   []int64
	checkpoints []int64
}

func (c *collector) update(st Status) {
	var s seen
	s.step = st.Step
	if r := st.Report; r != nil && r.Data != nil {
		for _, name := range r.Data.SeriesNames() {
			if ser := r.Data.Series[name]; ser.Len() > 0 {
				s.analysed = max(s.analysed, ser.Step(ser.Len()-1))
			}
		}
		if ev := r.Data.Get("eval_loss"); ev != nil {
			for i := range ev.Len() {
				s.evalSteps = append(s.evalSteps, ev.Step(i))
			}
		}
		for _, ck := range r.Checkpoints {
			s.checkpoints = append(s.checkpoints, ck.Step)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = s
}

func (c *collector) status() seen {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

// waitUntil polls cond until it holds; it fails the test after hangGuard.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s (a hang)", what, hangGuard)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitDone waits for the watch to return its final report.
func waitDone(t *testing.T, done <-chan *analysis.Report, what string) *analysis.Report {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(hangGuard):
		t.Fatalf("%s: not after %s (a hang)", what, hangGuard)
		return nil
	}
}

func (c *collector) add(a Alert) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alerts = append(c.alerts, a)
	if c.at == nil {
		c.at = map[string]time.Time{}
	}
	c.at[a.Kind] = time.Now()
}

func (c *collector) get(kind string) (Alert, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.alerts {
		if a.Kind == kind {
			return a, c.at[kind], true
		}
	}
	return Alert{}, time.Time{}, false
}

func (c *collector) all() []Alert {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Alert(nil), c.alerts...)
}

// startWatch runs Watch on root in the background.
func startWatch(t *testing.T, root string, stopAtEnd bool) (*collector, context.CancelFunc, <-chan *analysis.Report) {
	t.Helper()
	c := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *analysis.Report, 1)
	opts := Options{
		Root:         root,
		Analysis:     analysis.DefaultOptions,
		Thresholds:   DefaultThresholds,
		MinPoll:      10 * time.Millisecond,
		MaxPoll:      100 * time.Millisecond,
		RenderEvery:  50 * time.Millisecond,
		AnalyzeEvery: 100 * time.Millisecond,
		OnAlert:      c.add,
		OnUpdate:     c.update,
		StopAtEnd:    stopAtEnd,
	}
	go func() {
		rep, err := Watch(ctx, opts)
		if err != nil {
			t.Errorf("Watch: %v", err)
		}
		done <- rep
	}()
	t.Cleanup(cancel)
	return c, cancel, done
}

func appendFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func jsonlLine(step, total int, loss, lr float64) string {
	return fmt.Sprintf(`{"current_steps": %d, "total_steps": %d, "loss": %v, "lr": %v, "epoch": %v, "percentage": %.2f, "elapsed_time": "0:00:%02d", "remaining_time": "0:01:00"}`+"\n",
		step, total, loss, lr, float64(step)/float64(total), 100*float64(step)/float64(total), step%60)
}

// TestNonFiniteOnAppend appends a NaN loss to a log being watched, once
// the watcher has read the healthy start, and expects the non-finite
// alert citing the new line. (The time it took is logged: the watch
// polls at most every MaxPoll, but a test cannot promise a loaded
// machine's latency.)
func TestNonFiniteOnAppend(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "trainer_log.jsonl")
	var b strings.Builder
	for s := 1; s <= 40; s++ {
		fmt.Fprint(&b, jsonlLine(s, 100, 2.0-0.01*float64(s), 1e-4))
	}
	appendFile(t, log, []byte(b.String()))
	c, _, _ := startWatch(t, dir, false)
	waitUntil(t, "the watcher reads steps 1-40", func() bool { return c.status().step == 40 })
	if as := c.all(); len(as) != 0 {
		t.Fatalf("alerts on a healthy start: %v", as)
	}
	start := time.Now()
	appendFile(t, log, []byte(`{"current_steps": 41, "total_steps": 100, "loss": NaN, "lr": 0.0001, "epoch": 0.41}`+"\n"))
	var a Alert
	var at time.Time
	waitUntil(t, "the non-finite alert", func() (ok bool) { a, at, ok = c.get(KindNonFinite); return ok })
	t.Logf("alert %s after the append", at.Sub(start))
	if a.Step != 41 || !strings.Contains(a.Sources[0], "trainer_log.jsonl:41") {
		t.Errorf("alert %+v: want step 41 at trainer_log.jsonl:41", a)
	}
}

// TestTruncationAndRotation rewrites the log under the watcher: the
// watcher must start over without a crash and keep alerting.
func TestTruncationAndRotation(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "trainer_log.jsonl")
	var b strings.Builder
	for s := 1; s <= 30; s++ {
		fmt.Fprint(&b, jsonlLine(s, 100, 2.0-0.01*float64(s), 1e-4))
	}
	appendFile(t, log, []byte(b.String()))
	c, cancel, done := startWatch(t, dir, false)
	waitUntil(t, "the watcher reads steps 1-30", func() bool { return c.status().step == 30 })
	// Truncate and write a shorter, new log (a restarted job).
	if err := os.WriteFile(log, []byte(jsonlLine(1, 100, 2.5, 1e-4)), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the watcher starts over at step 1", func() bool { return c.status().step == 1 })
	// Rotate: move the file away and create a new one with a NaN.
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, log, []byte(jsonlLine(2, 100, 2.4, 1e-4)+`{"current_steps": 3, "total_steps": 100, "loss": 0.0, "grad_norm": NaN, "lr": 0.0001, "epoch": 0.03}`+"\n"))
	waitUntil(t, "the loss-0/grad-nan alert after the rotation", func() bool { _, _, ok := c.get(KindZeroLossNaN); return ok })
	cancel()
	rep := waitDone(t, done, "the watch stops when cancelled")
	if rep == nil || rep.Data == nil {
		t.Fatal("no final report")
	}
	if n := rep.Data.Get("loss").Len(); n > 5 {
		t.Errorf("after the rotation the run should hold the new file's steps only, got %d loss points", n)
	}
}

// TestRulesDivergenceAndSpikes checks the streaming rules on a
// loss that falls and then climbs far above its lowest level.
func TestRulesDivergenceAndSpikes(t *testing.T) {
	r := newRules(DefaultThresholds)
	var got []Alert
	now := time.Now()
	step := int64(0)
	add := func(loss, grad float64) {
		step++
		e := trainlog.NewEntry(trainlog.KindTrain, trainlog.Source{File: "x.log", Line: int(step)})
		e.Step = step
		e.Values = []trainlog.KV{{Key: "loss", Value: loss}, {Key: "grad_norm", Value: grad}}
		got = append(got, r.entry(e, now)...)
	}
	for i := 0; i < 200; i++ {
		add(3.0*float64(200-i)/200+0.5+0.01*float64(i%3), 1.0+0.05*float64(i%4))
	}
	if len(got) != 0 {
		t.Fatalf("alerts on a healthy falling curve: %v", got)
	}
	add(5.0, 1.0) // loss spike: 10x the recent median
	add(0.6, 80)  // grad_norm spike
	for i := 0; i < 120; i++ {
		add(0.6+0.05*float64(i), 1.0)
	}
	kinds := map[string]int64{}
	for _, a := range got {
		kinds[a.Kind] = a.Step
	}
	if kinds[KindLossSpike] != 201 {
		t.Errorf("loss spike at %d, want 201 (%v)", kinds[KindLossSpike], got)
	}
	if kinds[KindGradNormSpike] != 202 {
		t.Errorf("grad_norm spike at %d, want 202 (%v)", kinds[KindGradNormSpike], got)
	}
	if _, ok := kinds[KindDivergence]; !ok {
		t.Errorf("no divergence alert (%v)", got)
	}
	// Each kind is raised once.
	if len(got) != len(kinds) {
		t.Errorf("alerts repeated: %v", got)
	}
}

// TestStall fires when steps stop arriving.
func TestStall(t *testing.T) {
	th := DefaultThresholds
	th.StallAfter = 50 * time.Millisecond
	r := newRules(th)
	r.live = true
	t0 := time.Now()
	for i := 1; i <= 10; i++ {
		e := trainlog.NewEntry(trainlog.KindTrain, trainlog.Source{File: "x.log", Line: i})
		e.Step = int64(i)
		e.Values = []trainlog.KV{{Key: "loss", Value: 1}}
		r.entry(e, t0.Add(time.Duration(i)*10*time.Millisecond))
	}
	if a := r.tick(t0.Add(150*time.Millisecond), false); len(a) != 0 {
		t.Fatalf("stall too early: %v", a)
	}
	a := r.tick(t0.Add(2*time.Second), false)
	if len(a) != 1 || a[0].Kind != KindStall || a[0].Step != 10 {
		t.Fatalf("want one stall alert at step 10, got %v", a)
	}
	if a := r.tick(t0.Add(5*time.Second), true); len(a) != 0 {
		t.Fatalf("stall raised twice or after the end: %v", a)
	}
}

// TestIdleEnded is the rule that takes a run without an end marker as
// ended, on made-up times: no wall-clock wait.
func TestIdleEnded(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		newest time.Time
		idle   time.Duration
		want   bool
	}{
		{"files written a second ago", now.Add(-time.Second), time.Hour, false},
		{"files written 59 minutes ago", now.Add(-59 * time.Minute), time.Hour, false},
		{"files written an hour ago", now.Add(-time.Hour), time.Hour, true},
		{"files written two days ago", now.Add(-48 * time.Hour), time.Hour, true},
		{"never taken as idle", now.Add(-48 * time.Hour), -1, false},
		{"no file found yet", time.Time{}, time.Hour, false},
		{"a file from the future (a clock skew)", now.Add(time.Hour), time.Hour, false},
	} {
		if got := idleEnded(now, tc.newest, tc.idle); got != tc.want {
			t.Errorf("%s: idleEnded = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestWatchFinishedLightning watches a finished Lightning run (the
// CSVLogger's metrics.csv and hparams.yaml, which write no end of
// training), its files last written two hours ago: the watch reads it,
// takes it as ended, and returns the final report, as it does for a
// finished Transformers run.
func TestWatchFinishedLightning(t *testing.T) {
	src := filepath.Join(testcorpus.Root(t), "testdata", "runs", "lightning_csv", "lightning_logs", "version_0")
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{"metrics.csv", "hparams.yaml"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	rep, last := watchToEnd(t, dir, "the watch of a finished Lightning run ends")
	if rep == nil || rep.Run.LastStep != 303 {
		t.Fatalf("final report %v", rep)
	}
	if !last.Done || last.Idle < 2*time.Hour-time.Minute {
		t.Errorf("last status: done %v, idle %v; want done, idle about 2h", last.Done, last.Idle)
	}
}

// TestWatchLightningConsoleEnds watches a Lightning run being written
// now (fresh files, so IdleEnd does not apply): its console's
// "`Trainer.fit` stopped" line ends the watch, as a Transformers run's
// end-of-training summary does.
func TestWatchLightningConsoleEnds(t *testing.T) {
	root := testcorpus.Root(t)
	dir := t.TempDir()
	csv, err := os.ReadFile(filepath.Join(root, "testdata", "runs", "lightning_csv", "lightning_logs", "version_0", "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	bar, err := os.ReadFile(filepath.Join(root, "trainlog", "testdata", "console", "layouts", "lightning_bar.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "lightning_logs", "version_0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lightning_logs", "version_0", "metrics.csv"), csv, 0o644); err != nil {
		t.Fatal(err)
	}
	// A validation bar makes the console a recognised log.
	val := "Validation DataLoader 0: 100%|██████████| 5/5 [00:00<00:00, 20.12it/s]\n"
	if err := os.WriteFile(filepath.Join(dir, "train.log"), append([]byte(val), bar...), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, last := watchToEnd(t, dir, "the watch of a Lightning run whose console says Trainer.fit stopped ends")
	if rep == nil || !rep.Run.Completed {
		t.Fatalf("final report %v: want a completed run", rep)
	}
	if !last.Done || last.Idle != 0 {
		t.Errorf("last status: done %v, idle %v; want done by the console's end line", last.Done, last.Idle)
	}
}

// watchToEnd watches dir with StopAtEnd until Watch returns (waitDone
// bounds the wait) and returns the final report and the last status the
// watch published.
func watchToEnd(t *testing.T, dir, what string) (*analysis.Report, Status) {
	t.Helper()
	var mu sync.Mutex
	var last Status
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan *analysis.Report, 1)
	go func() {
		rep, err := Watch(ctx, Options{Root: dir, Analysis: analysis.DefaultOptions, MinPoll: 10 * time.Millisecond, MaxPoll: 100 * time.Millisecond,
			RenderEvery: 50 * time.Millisecond, StopAtEnd: true,
			OnUpdate: func(st Status) { mu.Lock(); last = st; mu.Unlock() }})
		if err != nil {
			t.Errorf("Watch: %v", err)
		}
		done <- rep
	}()
	rep := waitDone(t, done, what)
	mu.Lock()
	defer mu.Unlock()
	return rep, last
}
