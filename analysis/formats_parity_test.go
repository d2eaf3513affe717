package analysis

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestFormatParity writes one multi-epoch curve (three epochs of 200
// per-step logs, the loss dropping at each epoch boundary and drifting up
// inside the epoch, an eval at each epoch end) in every text format that
// carries its step, epoch and loss, and checks that each reads to the same
// verdict, rule and one-more-epoch horizon. Lightning's metrics.csv logs a
// 0-based step and the 0-based current_epoch (constant inside an epoch);
// its epoch length must still come out as 200 steps, not step/epoch.
func TestFormatParity(t *testing.T) {
	const n, spe = 600, 200
	loss := func(s int) float64 {
		ep, in := (s-1)/spe, float64((s-1)%spe)/spe
		return []float64{2.2, 1.6, 1.1}[ep] + 0.08*in + 0.03*math.Sin(float64(s)*1.7)
	}
	eval := func(s int) float64 { return []float64{2.0, 1.85, 1.8}[s/spe-1] }
	lr := func(s int) float64 { return 2e-4 * min(float64(s)/20, 1) * (1 - float64(s)/(n+1)) }
	epoch := func(s int) float64 { return float64(s) / spe }
	isEval := func(s int) bool { return s%spe == 0 }

	var console, state, jsonl, lightning, csv bytes.Buffer
	fmt.Fprintf(&console, "[transformers] ***** Running training *****\n[transformers]   Num Epochs = 3\n[transformers]   Total optimization steps = %d\n", n)
	state.WriteString(`{"global_step": 600, "max_steps": 600, "num_train_epochs": 3, "logging_steps": 1, "log_history": [`)
	lightning.WriteString("epoch,lr-AdamW,step,train_loss,val_loss\n")
	csv.WriteString("step,epoch,loss,learning_rate,eval_loss\n")
	for s := 1; s <= n; s++ {
		fmt.Fprintf(&console, "{'loss': '%.4g', 'grad_norm': '1.2', 'learning_rate': '%.4g', 'epoch': '%.4g'}\n", loss(s), lr(s), epoch(s))
		if s > 1 {
			state.WriteString(",")
		}
		fmt.Fprintf(&state, `{"step": %d, "loss": %v, "learning_rate": %v, "grad_norm": 1.2, "epoch": %v}`, s, loss(s), lr(s), epoch(s))
		fmt.Fprintf(&jsonl, `{"current_steps": %d, "total_steps": %d, "loss": %v, "lr": %v, "epoch": %v}`+"\n", s, n, loss(s), lr(s), epoch(s))
		current := (s - 1) / spe // Lightning's current_epoch
		fmt.Fprintf(&lightning, ",%v,%d,,\n%d,,%d,%v,\n", lr(s), s-1, current, s-1, loss(s))
		ev := ""
		if isEval(s) {
			ev = fmt.Sprint(eval(s))
			fmt.Fprintf(&console, "{'eval_loss': '%.4g', 'eval_runtime': '0.04', 'epoch': '%.4g'}\n", eval(s), epoch(s))
			fmt.Fprintf(&state, `,{"step": %d, "eval_loss": %v, "epoch": %v}`, s, eval(s), epoch(s))
			fmt.Fprintf(&jsonl, `{"current_steps": %d, "total_steps": %d, "eval_loss": %v, "epoch": %v}`+"\n", s, n, eval(s), epoch(s))
			fmt.Fprintf(&lightning, "%d,,%d,,%v\n", current, s-1, eval(s))
		}
		fmt.Fprintf(&csv, "%d,%v,%v,%v,%s\n", s, epoch(s), loss(s), lr(s), ev)
	}
	state.WriteString("]}\n")

	dir := t.TempDir()
	files := []struct {
		name string
		data []byte
	}{
		{"trainer_state.json", state.Bytes()},
		{"console.log", console.Bytes()},
		{"trainer_log.jsonl", jsonl.Bytes()},
		{"lightning_logs/version_0/metrics.csv", lightning.Bytes()},
		{"history.csv", csv.Bytes()},
	}
	type result struct {
		status  Status
		rule    Rule
		horizon int64
	}
	var want result
	for i, f := range files {
		path := filepath.Join(dir, fmt.Sprint(i), f.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		r := Analyze(run, DefaultOptions)
		got := result{status: r.Verdict.Status, rule: r.Verdict.Reason.Rule}
		if a := r.AnotherEpoch; a != nil {
			got.horizon = a.Horizon.Full
		}
		if got.horizon != spe {
			t.Errorf("%s: one-more-epoch horizon %d steps, want %d", f.name, got.horizon, spe)
		}
		if i == 0 {
			want = got
			continue
		}
		if got != want {
			t.Errorf("%s: %+v, want %+v as from %s", f.name, got, want, files[0].name)
		}
	}
}

// TestFlooredStepsPerEpoch checks the epoch length of Lightning's
// whole-epoch counter on the real Lightning run (304 steps in 8 epochs),
// read from its metrics.csv and from its TensorBoard events alike, and
// that exact epochs logged once per epoch stay with the ratio.
func TestFlooredStepsPerEpoch(t *testing.T) {
	for _, p := range []string{"lightning_csv/lightning_logs/version_0", "lightning_csv/tb_logs"} {
		run, err := trainlog.Load([]string{filepath.Join(realRunsDir, p)}, trainlog.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		an := newAnalyzer(run)
		if got := runGeometry(an).stepsPerEpoch; math.Abs(got-38) > 0.5 {
			t.Errorf("%s: %g steps per epoch, want 38 (304 steps / 8 epochs)", p, got)
		}
	}
	once := &trainlog.Series{}
	for k := 1; k <= 3; k++ {
		once.Append(trainlog.Point{Step: int64(200 * k), Value: 1, Epoch: float64(k)})
	}
	if spe, ok := flooredStepsPerEpoch(once); ok {
		t.Errorf("one exact epoch per log read as floored: %g", spe)
	}
}
