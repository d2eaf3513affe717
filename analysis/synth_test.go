package analysis

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// A synthRun describes a generated training run, written as a Hugging
// Face trainer_state.json and read back through the real pipeline
// (trainlog.Load, then Analyze). Curves are functions of the progress p
// = step / planned steps in [0, 1]; the logged value is the curve times
// exp(noise), the noise an AR(1) process (window means of a training
// loss are correlated) with standard deviation noise and lag-1
// coefficient ar, or added to the curve when additive (a reward).
type synthRun struct {
	points   int     // logged values of the primary series
	every    int     // steps between logs (logging_steps)
	epochs   float64 // epochs over the planned steps; 0 when not logged
	stopAt   float64 // share of the planned steps where the log ends; 0 = 1 (finished)
	metric   string  // the series the curve is logged as ("loss" when empty)
	curve    func(p float64) float64
	noise    float64
	ar       float64
	additive bool
	// lr is the learning rate over its peak (1e-4); nil: not logged.
	lr func(p float64) float64
	// extra series, as functions of the progress and the log's index.
	extra map[string]func(p float64, i int) float64
	// Evaluations every evalEvery logs, of evalKey ("eval_loss").
	evalEvery int
	evalKey   string
	eval      func(k int, p float64) float64
	// evalExtra are other values logged with each evaluation.
	evalExtra map[string]func(k int, p float64) float64
	seed      uint64
}

// planned returns max_steps.
func (s synthRun) planned() int { return s.points * s.every }

// state writes the run as trainer_state.json.
func (s synthRun) state() []byte {
	rng := rand.New(rand.NewPCG(s.seed, s.seed^0x9e3779b97f4a7c15))
	metric := s.metric
	if metric == "" {
		metric = "loss"
	}
	planned := s.planned()
	last := planned
	if s.stopAt > 0 && s.stopAt < 1 {
		last = int(math.Round(s.stopAt*float64(s.points))) * s.every
	}
	num := func(v float64) string {
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 1):
			return "Infinity"
		case math.IsInf(v, -1):
			return "-Infinity"
		}
		return strconv.FormatFloat(v, 'g', 17, 64)
	}
	var b strings.Builder
	b.WriteString("{\n  \"log_history\": [\n")
	first := true
	entry := func(kv ...string) {
		if !first {
			b.WriteString(",\n")
		}
		first = false
		b.WriteString("    {")
		for i := 0; i < len(kv); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(kv[i]) + ": " + kv[i+1])
		}
		b.WriteString("}")
	}
	eps := 0.0
	for i := 1; i*s.every <= last; i++ {
		step := i * s.every
		p := float64(step) / float64(planned)
		z := rng.NormFloat64()
		eps = s.ar*eps + math.Sqrt(1-s.ar*s.ar)*s.noise*z
		v := s.curve(p)
		if s.additive {
			v += eps
		} else {
			v *= math.Exp(eps)
		}
		kv := []string{"step", strconv.Itoa(step)}
		if s.epochs > 0 {
			kv = append(kv, "epoch", num(p*s.epochs))
		}
		kv = append(kv, metric, num(v))
		if s.lr != nil {
			kv = append(kv, "learning_rate", num(1e-4*s.lr(p)))
		}
		for _, name := range extraNames(s.extra) {
			kv = append(kv, name, num(s.extra[name](p, i)))
		}
		entry(kv...)
		if s.evalEvery > 0 && i%s.evalEvery == 0 {
			key := s.evalKey
			if key == "" {
				key = "eval_loss"
			}
			ekv := []string{"step", strconv.Itoa(step)}
			if s.epochs > 0 {
				ekv = append(ekv, "epoch", num(p*s.epochs))
			}
			ekv = append(ekv, key, num(s.eval(i/s.evalEvery, p)))
			for _, name := range evalNames(s.evalExtra) {
				ekv = append(ekv, name, num(s.evalExtra[name](i/s.evalEvery, p)))
			}
			entry(ekv...)
		}
	}
	if last == planned {
		entry("step", strconv.Itoa(planned), "train_runtime", "100.5", "train_loss", "1.0")
	}
	b.WriteString("\n  ],\n")
	b.WriteString("  \"global_step\": " + strconv.Itoa(last) + ",\n")
	b.WriteString("  \"max_steps\": " + strconv.Itoa(planned) + ",\n")
	b.WriteString("  \"logging_steps\": " + strconv.Itoa(s.every) + ",\n")
	if s.epochs > 0 {
		b.WriteString("  \"num_train_epochs\": " + num(s.epochs) + ",\n")
	}
	b.WriteString("  \"train_batch_size\": 4\n}\n")
	return []byte(b.String())
}

func extraNames(m map[string]func(float64, int) float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func evalNames(m map[string]func(int, float64) float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// analyze writes the run to a temporary folder and analyses it as the CLI
// does.
func (s synthRun) analyze(t testing.TB) *Report {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trainer_state.json"), s.state(), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return Analyze(run, DefaultOptions)
}

// Curves of progress p.
func expDecay(from, to, rate float64) func(float64) float64 {
	return func(p float64) float64 { return to + (from-to)*math.Exp(-rate*p) }
}

func linearSched(p float64) float64 { return math.Max(0, 1-p) }

func cosineSched(p float64) float64 { return 0.5 * (1 + math.Cos(math.Pi*math.Min(1, p))) }

func constSched(float64) float64 { return 1 }

// warmupConst warms up linearly over the first w of the steps.
func warmupConst(w float64) func(float64) float64 {
	return func(p float64) float64 { return math.Min(1, p/w) }
}
