package seedrun

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func writeLog(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, LogName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(data), "\n") {
		t.Fatal("log does not end with a newline")
	}
	for _, ck := range Checkpoints {
		if _, err := os.Stat(filepath.Join(dir, OutputDir, ck, "adapter_config.json")); err != nil {
			t.Errorf("checkpoint %s: %v", ck, err)
		}
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestLogLayout(t *testing.T) {
	lines := writeLog(t)
	if len(lines) != Lines {
		t.Fatalf("log has %d lines, want %d", len(lines), Lines)
	}
	line := func(n int) string { return lines[n-1] }
	tests := []struct {
		line int
		want string
	}{
		{29, "***** Running training *****"},
		{30, "  Num examples = 1,000"},
		{31, "  Num Epochs = 3"},
		{32, "  Instantaneous batch size per device = 2"},
		{34, "  Gradient Accumulation steps = 2"},
		{35, "  Total optimization steps = 750"},
		{40, "0/750 [00:00<?, ?it/s]`use_cache=True`"},
		{42, "{'loss': 2.8099, 'grad_norm': "},
		{42, "'learning_rate': 0.0002, 'mean_token_accuracy': 0.436"},
		{42, "'epoch': 0.0}"},
		{41, "1/750 [00:05<1:03:50,  5.11s/it][Step 1/750] epoch=0.00 loss=2.810 lr=2.00e-04 grad_norm="},
		{540, "{'loss': 0.2402, "},
		{540, "'learning_rate': 0.00013360000000000002, 'mean_token_accuracy': 0.957"},
		{540, "'epoch': 1.0}"},
		{1040, "{'loss': 0.1443, "},
		{1040, "'mean_token_accuracy': 0.967"},
		{1040, "'epoch': 2.0}"},
		{1536, "{'loss': 0.1032, "},
		{1538, "{'loss': 0.094, "},
		{1540, "{'loss': 0.1286, 'grad_norm': 1.1399999856948853, 'learning_rate': 2.6666666666666667e-07, 'mean_token_accuracy': 0.963"},
		{1540, "'epoch': 3.0}"},
		{1539, "750/750 [41:23<00:00,  3.31s/it]"},
		{1539, "[Step 750/750] epoch=3.00 loss=0.129 lr=2.67e-07 grad_norm=1.140"},
		{1541, "750/750 [41:23<00:00,  3.31s/it][LoRA_Demo] training loop finished"},
		{1542, "{'train_runtime': 2484.0731, 'train_samples_per_second': 1.208, 'train_steps_per_second': 0.302, 'train_loss': 0.2587"},
		{1543, "750/750 [41:24<00:00,  3.31s/it]"},
	}
	for _, tt := range tests {
		if !strings.Contains(line(tt.line), tt.want) {
			t.Errorf("line %d = %q, want it to contain %q", tt.line, line(tt.line), tt.want)
		}
	}
	for _, m := range Milestones {
		if got := DictLine(m.Step); got != m.Line {
			t.Errorf("DictLine(%d) = %d, want %d", m.Step, got, m.Line)
		}
	}
	for s := int64(1); s <= Steps; s++ {
		if !strings.Contains(line(DictLine(s)), "{'loss': ") {
			t.Fatalf("line %d has no dict for step %d", DictLine(s), s)
		}
		if !strings.Contains(line(CallbackLine(s)), fmt.Sprintf("[Step %d/750]", s)) {
			t.Fatalf("line %d has no callback output for step %d", CallbackLine(s), s)
		}
	}
}

// TestCurveMatchesArticle checks the numbers the article derives from the
// curve: train_loss, the phases, the final plateau, the lr table and the
// usual grad_norm range.
func TestCurveMatchesArticle(t *testing.T) {
	c := NewCurve()
	if got := math.Round(c.Mean()*1e4) / 1e4; got != TrainLoss {
		t.Errorf("train_loss = %.6f, want %.4f", c.Mean(), TrainLoss)
	}
	var logged []float64
	for s := int64(1); s <= Steps; s++ {
		logged = append(logged, c.Logged(s))
	}
	if got := math.Round(mean(logged)*1e4) / 1e4; got != TrainLoss {
		t.Errorf("mean of the logged losses = %.6f, want %.4f", mean(logged), TrainLoss)
	}
	for _, m := range Milestones {
		if got := c.Logged(m.Step); got != m.Loss {
			t.Errorf("loss at step %d = %v, want %v", m.Step, got, m.Loss)
		}
		if got := math.Round(c.Acc[m.Step-1]*1e3) / 1e3; got != m.Acc {
			t.Errorf("accuracy at step %d = %v, want %v", m.Step, got, m.Acc)
		}
		if got := c.LR[m.Step-1]; math.Abs(got-m.LR)/m.LR > 0.005 {
			t.Errorf("lr at step %d = %v, want %v", m.Step, got, m.LR)
		}
	}
	tail := logged[675:]
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range tail[:len(tail)-1] {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if tm := mean(tail); tm < 0.105 || tm > 0.12 {
		t.Errorf("mean of steps 676-750 = %.4f, want about 0.11", tm)
	}
	if lo < 0.08 || hi > 0.145 {
		t.Errorf("steps 676-749 range %.4f-%.4f, want within the article's 0.09-0.13 plateau", lo, hi)
	}
	g := append([]float64(nil), c.GradNorm[37:]...)
	sort.Float64s(g)
	p10, p90 := g[len(g)/10], g[len(g)*9/10]
	if math.Abs(p10-0.6) > 0.03 || math.Abs(p90-0.9) > 0.03 {
		t.Errorf("grad_norm usual range %.3f-%.3f, want about 0.6-0.9", p10, p90)
	}
	for s, v := range c.GradNorm[37 : Steps-1] {
		if v > 1.0 {
			t.Errorf("grad_norm at step %d = %.3f, want only step 750 above 1", s+38, v)
		}
	}
}

func TestTrainerState(t *testing.T) {
	c := NewCurve()
	var st struct {
		GlobalStep int `json:"global_step"`
		MaxSteps   int `json:"max_steps"`
		LogHistory []struct {
			Epoch float64 `json:"epoch"`
			Loss  float64 `json:"loss"`
			Step  int     `json:"step"`
		} `json:"log_history"`
	}
	if err := json.Unmarshal([]byte(TrainerState(c, 500)), &st); err != nil {
		t.Fatal(err)
	}
	h := st.LogHistory
	if st.GlobalStep != 500 || st.MaxSteps != 750 || len(h) != 500 || h[249].Step != 250 || h[249].Loss != 0.2402 || h[249].Epoch != 1 || h[0].Epoch != 0.004 {
		t.Errorf("state: global_step %d, max_steps %d, %d entries, entry 249 %+v", st.GlobalStep, st.MaxSteps, len(h), h[249])
	}
	dir := t.TempDir()
	if err := WriteWith(dir, Options{TrainerState: true}); err != nil {
		t.Fatal(err)
	}
	for _, ck := range []string{"checkpoint-500", "checkpoint-700"} {
		if _, err := os.Stat(filepath.Join(dir, OutputDir, ck, "trainer_state.json")); err != nil {
			t.Error(err)
		}
	}
}

func TestPyRepr(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0.0002, "0.0002"},
		{2e-5, "2e-05"},
		{3.0, "3.0"},
		{2484.0731, "2484.0731"},
		{1234567.0, "1234567.0"},
		{2.6666666666666667e-07, "2.6666666666666667e-07"},
		{1e16, "1e+16"},
		{math.NaN(), "nan"},
		{math.Inf(-1), "-inf"},
	}
	for _, tt := range tests {
		if got := pyRepr(tt.v); got != tt.want {
			t.Errorf("pyRepr(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestLogDictFirstLayout(t *testing.T) {
	dir := t.TempDir()
	if err := WriteWith(dir, Options{TrainerState: true, Layout: LayoutDictFirst}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, LogName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != Lines {
		t.Fatalf("log has %d lines, want %d", len(lines), Lines)
	}
	for _, m := range Milestones {
		d, cb := lines[DictLine(m.Step)-1], lines[LayoutDictFirst.CallbackLine(m.Step)-1]
		want := fmt.Sprintf("{'loss': %s, ", pyRepr(m.Loss))
		if !strings.Contains(d, want) || !strings.Contains(d, fmt.Sprintf("| %d/750 [", m.Step)) {
			t.Errorf("line %d = %q, want the frame of step %d and %q", DictLine(m.Step), d, m.Step, want)
		}
		if !strings.HasPrefix(cb, fmt.Sprintf("Step %d/750 | epoch %.2f | loss %.4f |", m.Step, m.Epoch, m.Loss)) {
			t.Errorf("line %d = %q, want the callback of step %d", LayoutDictFirst.CallbackLine(m.Step), cb, m.Step)
		}
	}
	if !strings.Contains(lines[SummaryLine-1], "'train_runtime': 2484.0731") {
		t.Errorf("line %d = %q, want the summary", SummaryLine, lines[SummaryLine-1])
	}
}
