package watch

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

const sftExample = "../../examples/hf_v5_sft_lora_3ep"

func copyExampleFile(t *testing.T, rel, dst string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sftExample, rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLiveRunReadsDiscoveredFiles follows an output folder whose
// checkpoints appear one by one: the live run reads only the newest
// trainer_state.json (as trainlog.Discover picks it), lists the others
// as skipped, and knows the checkpoints.
func TestLiveRunReadsDiscoveredFiles(t *testing.T) {
	dir := t.TempDir()
	copyExampleFile(t, "checkpoint-250/trainer_state.json", filepath.Join(dir, "checkpoint-250", "trainer_state.json"))
	// OnUpdate runs on the monitor's goroutine, which rebuilds the run
	// on the next update: copy what the test reads.
	type snapshot struct {
		loss        []trainlog.Point
		files       []trainlog.File
		checkpoints []trainlog.Checkpoint
	}
	var mu sync.Mutex
	var last snapshot
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Watch(ctx, Options{Root: dir, Analysis: analysis.DefaultOptions, MinPoll: 10 * time.Millisecond, MaxPoll: 50 * time.Millisecond,
			RenderEvery: 20 * time.Millisecond, AnalyzeEvery: 50 * time.Millisecond,
			OnUpdate: func(s Status) {
				var loss []trainlog.Point
				if l := s.Run.Get("loss"); l != nil {
					loss = append(loss, l.Points()...)
				}
				snap := snapshot{
					loss:        loss,
					files:       append([]trainlog.File(nil), s.Run.Files...),
					checkpoints: append([]trainlog.Checkpoint(nil), s.Run.Checkpoints...),
				}
				mu.Lock()
				last = snap
				mu.Unlock()
			}})
		done <- err
	}()
	wait := func(what string, step int64) snapshot {
		t.Helper()
		deadline := time.Now().Add(hangGuard)
		for time.Now().Before(deadline) {
			mu.Lock()
			s := last
			mu.Unlock()
			if n := len(s.loss); n > 0 && s.loss[n-1].Step == step {
				return s
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
		return snapshot{}
	}
	wait("step 250", 250)
	copyExampleFile(t, "checkpoint-500/trainer_state.json", filepath.Join(dir, "checkpoint-500", "trainer_state.json"))
	s := wait("step 500", 500)
	for _, p := range s.loss {
		if p.Source.File != "checkpoint-500/trainer_state.json" || len(p.Also) != 0 {
			t.Fatalf("loss at step %d cites %s also %v; want only checkpoint-500/trainer_state.json", p.Step, p.Source, p.Also)
		}
	}
	var used, skipped []string
	for _, f := range s.files {
		if f.Used {
			used = append(used, f.Path)
		} else {
			skipped = append(skipped, f.Path+": "+f.Reason)
		}
	}
	if len(used) != 1 || used[0] != "checkpoint-500/trainer_state.json" || len(skipped) != 1 || !strings.Contains(skipped[0], "checkpoint-250/trainer_state.json: ignored: an earlier copy") {
		t.Errorf("files used %v, skipped %v", used, skipped)
	}
	if n := len(s.checkpoints); n != 2 {
		t.Errorf("checkpoints %+v, want 250 and 500", s.checkpoints)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestWatchTakesWhatReportTakes: watch follows the folders report reads
// as one run (testdata/runs/lightning_csv: one Lightning session written
// by a CSV and a TensorBoard logger) and ends its watch refusing what
// report refuses (a folder whose two console logs are two runs).
func TestWatchTakesWhatReportTakes(t *testing.T) {
	opts := Options{Analysis: analysis.DefaultOptions, MinPoll: 10 * time.Millisecond, MaxPoll: 50 * time.Millisecond,
		RenderEvery: 20 * time.Millisecond, AnalyzeEvery: 50 * time.Millisecond, StopAtEnd: true}

	opts.Root = "../../testdata/runs/lightning_csv"
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	// Ctrl-C once something is read: metrics.csv says nothing of the end.
	// The final report reads the files whole, however far the live
	// reading got.
	opts.OnUpdate = func(st Status) {
		if st.Step > 0 {
			cancel()
		}
	}
	rep, err := Watch(ctx, opts)
	if err != nil {
		t.Fatalf("watch lightning_csv: %v", err)
	}
	run, err := trainlog.Load([]string{opts.Root}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := analysis.Analyze(run, analysis.DefaultOptions); rep.Verdict.Status != want.Verdict.Status || rep.Data.Get("eval_loss").Len() != run.Get("eval_loss").Len() {
		t.Errorf("watch: %s with %d evals, report: %s with %d", rep.Verdict.Status, rep.Data.Get("eval_loss").Len(), want.Verdict.Status, run.Get("eval_loss").Len())
	}

	dir := t.TempDir()
	copyFile(t, "../../testdata/runs/sweep/output/run-a/console.log", filepath.Join(dir, "lr5e-4.log"))
	copyFile(t, "../../testdata/runs/sweep/output/run-c/console.log", filepath.Join(dir, "lora.log"))
	opts.Root, opts.OnUpdate = dir, nil
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Watch(ctx, opts); !errors.Is(err, trainlog.ErrManyRuns) {
		t.Errorf("watch of two runs' console logs: error %v, want the refusal report gives", err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLiveSplitFolders: while following a TensorBoard run written by one
// writer per split (train/ and eval/, both logging "loss"), the eval
// folder's values are evaluations, as report reads them.
func TestLiveSplitFolders(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"train/events.out.tfevents.1700000000.host.4245.0", "eval/events.out.tfevents.1700000000.host.4245.1"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		copyFile(t, filepath.Join("../../trainlog/testdata/tfevents/split", f), filepath.Join(dir, f))
	}
	var mu sync.Mutex
	var loss, eval []trainlog.Point
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Watch(ctx, Options{Root: dir, Analysis: analysis.DefaultOptions, MinPoll: 10 * time.Millisecond, MaxPoll: 50 * time.Millisecond,
			RenderEvery: 20 * time.Millisecond, AnalyzeEvery: 50 * time.Millisecond,
			OnUpdate: func(s Status) {
				mu.Lock()
				defer mu.Unlock()
				if ctx.Err() != nil {
					return
				}
				loss, eval = loss[:0], eval[:0]
				if l := s.Run.Get("loss"); l != nil {
					loss = append(loss, l.Points()...)
				}
				if e := s.Run.Get("eval_loss"); e != nil {
					eval = append(eval, e.Points()...)
				}
			}})
		done <- err
	}()
	deadline := time.Now().Add(hangGuard)
	for time.Now().Before(deadline) {
		mu.Lock()
		n, m := len(loss), len(eval)
		mu.Unlock()
		if n >= 29 && m >= 5 { // a live reader holds back the last record of a file
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(loss) < 29 || len(loss) > 30 || len(eval) < 5 || len(eval) > 6 {
		t.Fatalf("live run: %d losses, %d eval losses; want the 30 train losses of train/ and the 6 eval losses of eval/", len(loss), len(eval))
	}
	// gen.go: the eval loss is 0.9 at step 150, the train loss 2.5e^(-150/60)+0.3.
	if p := eval[2]; p.Step != 150 || math.Abs(p.Value-0.9) > 1e-6 || p.Source.File != "eval/events.out.tfevents.1700000000.host.4245.1" {
		t.Errorf("eval_loss[2] = %+v", p)
	}
	if p := loss[14]; p.Step != 150 || math.Abs(p.Value-(2.5*math.Exp(-2.5)+0.3)) > 1e-6 {
		t.Errorf("loss[14] = %+v", p)
	}
}
