package watch

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/plateau-dev/plateau/analysis"
)

// TestMemoryFlatMillionSteps replays a generated million-step console log
// (v5 dicts, one per step) into a watched folder and checks that the heap
// stays flat: the points kept per series are bounded (Collector.Compact)
// and the readers keep no history. It takes about half a minute, so it
// runs only with PLATEAU_LONG_TESTS=1 (CI sets it).
func TestMemoryFlatMillionSteps(t *testing.T) {
	if os.Getenv("PLATEAU_LONG_TESTS") == "" {
		t.Skip("set PLATEAU_LONG_TESTS=1 to replay a million-step log (about 30 s)")
	}
	const steps = 1_000_000
	dir := t.TempDir()
	path := filepath.Join(dir, "train.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		lastStep int64
		seen     = make(chan int64, 1)
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	opts := Options{
		Root: dir, Analysis: analysis.DefaultOptions, Thresholds: DefaultThresholds,
		MinPoll: 5 * time.Millisecond, MaxPoll: 20 * time.Millisecond,
		RenderEvery: 100 * time.Millisecond, AnalyzeEvery: 2 * time.Second, MaxPoints: 20000,
		OnUpdate: func(st Status) {
			select {
			case seen <- st.Step:
			default:
			}
		},
	}
	go func() {
		_, _ = Watch(ctx, opts)
		close(done)
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	var heaps []uint64
	start := time.Now()
	for s := 1; s <= steps; s++ {
		loss := 2 + 3*math.Exp(-float64(s)/2e5) + 0.05*math.Sin(float64(s))
		fmt.Fprintf(w, "{'loss': '%.4g', 'grad_norm': '%.4g', 'learning_rate': '%.4g', 'epoch': '%.4g'}\n",
			loss, 1+0.1*math.Cos(float64(s)), 1e-4*(1-float64(s)/steps), float64(s)/1e5)
		if s%(steps/10) == 0 {
			w.Flush()
			// Wait until the watcher has caught up with this tenth.
			deadline := time.Now().Add(hangGuard)
			for lastStep < int64(s)-int64(steps/100) && time.Now().Before(deadline) {
				select {
				case lastStep = <-seen:
				case <-time.After(200 * time.Millisecond):
				}
			}
			if lastStep < int64(s)-int64(steps/100) {
				t.Fatalf("the watcher is stuck at step %d while the log reached %d", lastStep, s)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heaps = append(heaps, ms.HeapAlloc)
			t.Logf("step %7d (watcher at %7d, %5.1fs): heap %6.1f MB", s, lastStep, time.Since(start).Seconds(), float64(ms.HeapAlloc)/(1<<20))
		}
	}
	cancel()
	<-done
	if lastStep < steps*9/10 {
		t.Fatalf("the watcher reached step %d of %d", lastStep, steps)
	}
	// Flat: the heap at the end is within 1.5x (+16 MB) of the heap at 30%.
	ref, end := heaps[2], heaps[len(heaps)-1]
	if float64(end) > 1.5*float64(ref)+16<<20 {
		t.Errorf("heap grew from %.1f MB at 30%% to %.1f MB at 100%%", float64(ref)/(1<<20), float64(end)/(1<<20))
	}
}
