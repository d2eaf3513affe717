package report

import (
	"math"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/svgplot"
	"github.com/plateau-dev/plateau/trainlog"
)

// chartRun returns a report over a run with the given series, each
// logged at steps 1, 2, ... with its values.
func chartRun(series map[string][]float64) *analysis.Report {
	run := trainlog.NewRun("r")
	for name, vs := range series {
		s := &trainlog.Series{Name: name}
		for i, v := range vs {
			s.Append(trainlog.Point{Step: int64(i + 1), Value: v, Epoch: math.NaN(),
				Source: trainlog.Source{File: "log.txt", Line: i + 1}})
		}
		run.Series[name] = s
	}
	return &analysis.Report{Data: run, Primary: "loss", Run: analysis.RunInfo{LastStep: int64(len(series["loss"]))},
		Eval: analysis.Eval{BestStep: -1}, CheckpointsRecommended: analysis.Recommendation{Step: -1}}
}

// decay returns n values falling geometrically from a to b.
func decay(n int, a, b float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a * math.Pow(b/a, float64(i)/float64(n-1))
	}
	return out
}

func TestLossChartLogScale(t *testing.T) {
	tests := []struct {
		name   string
		series map[string][]float64
		log    bool
	}{
		{"falls 9x", map[string][]float64{"loss": decay(50, 4.5, 0.5)}, false},
		{"falls 11x", map[string][]float64{"loss": decay(50, 5.5, 0.5)}, true},
		{"falls 100x", map[string][]float64{"loss": decay(50, 3, 0.03)}, true},
		{"a zero", map[string][]float64{"loss": append(decay(49, 3, 0.03), 0)}, false},
		{"negative", map[string][]float64{"loss": {-1, 2, 3, 0.1, 0.01, 4}}, false},
		// The eval loss counts: train falls 5x, eval sits 3x above.
		{"with eval", map[string][]float64{"loss": decay(50, 1, 0.2), "eval_loss": {3, 3, 3}}, true},
	}
	for _, tt := range tests {
		specs := buildCharts(chartRun(tt.series), HTMLOptions{})
		if len(specs) == 0 || specs[0].Chart.ID != "chart-loss" {
			t.Fatalf("%s: no loss chart", tt.name)
		}
		c := specs[0].Chart
		if c.YLog != tt.log || strings.HasSuffix(c.Title, "(log scale)") != tt.log {
			t.Errorf("%s: log axis %v, title %q; want log %v", tt.name, c.YLog, c.Title, tt.log)
		}
	}
}

func TestSpikeMarkers(t *testing.T) {
	r := chartRun(map[string][]float64{"loss": decay(30, 3, 1)})
	r.Spikes = []analysis.Spike{
		{Metric: "loss", Step: 5, Value: 2.9, Z: 6, Source: "log.txt:5"},
		{Metric: "loss", Step: 10, Value: 1.2, Z: -7, Source: "log.txt:10"},
		{Metric: "loss", Step: 20, Value: 0.9, Z: -9, Epoch: true, Source: "log.txt:20"},
		{Metric: "grad_norm", Step: 3, Value: 9, Z: 9},
	}
	got := (&chartBuilder{r: r, run: r.Data}).spikeMarkers("loss")
	want := []struct {
		step         float64
		shape, class string
		label        string
	}{
		{5, svgplot.ShapeTriangle, "spike", "spike in loss, z = 6"},
		{10, svgplot.ShapeTriangleDown, "spike", "spike in loss, z = -7"},
		{20, svgplot.ShapeChevron, "epochdrop", "drop in loss at an epoch boundary (expected), z = -9"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d markers, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.X != w.step || g.Shape != w.shape || g.Class != w.class || g.Label != w.label || g.Loc != r.Spikes[i].Source {
			t.Errorf("marker %d = %+v, want step %v %s %s %q", i, g, w.step, w.shape, w.class, w.label)
		}
	}
	// The legend names the two kinds apart.
	c := &svgplot.Chart{Markers: got}
	var labels []string
	for _, it := range legendFor(c) {
		labels = append(labels, it.Label+"/"+it.Shape)
	}
	if g := strings.Join(labels, " "); g != "spike/triangle drop at epoch start/chevron" {
		t.Errorf("legend %s", g)
	}
}

// hugeGradNorm is the grad_norm of the corpus run
// console-wandb-lora-cls-huge-gradnorm (output.log), which moves from
// about 1e5 to about 0.2 with bursts up to 9.7e6.
var hugeGradNorm = []float64{47871.7, 70506.8, 397787.5, 251917.9, 312370, 190270.4, 222802.5, 234268.2, 431387.5,
	270472.6, 234906.4, 277428, 354717.5, 215956.1, 202073, 236124.1, 325341.5, 616579.8, 305819.4, 343520.9, 274912.1,
	344715.3, 654660.8, 856789.1, 367358.7, 480542.9, 367087.5, 872830.6, 926132.8, 596227.8, 1438996, 1667932.1, 385338.3,
	446680.7, 15734.3, 1441940, 615417, 97535.3, 907329.3, 2077693.9, 717528.8, 373830.9, 131288.4, 234146.5, 76313.3,
	224887.3, 1709645, 114195.9, 27419.1, 62.06, 2696044.5, 72838.4, 7.861, 2474470.5, 320595.3, 382825.6, 42167.1, 111.2,
	7438748.5, 0.2931, 0.2116, 0.1438, 4.016, 0.1822, 0.3191, 74971, 0.1504, 1.118, 114846.7, 0.2419, 0.1776, 9700543,
	0.2404, 0.0554, 0.1112}

func TestUsualBand(t *testing.T) {
	// A warmup of 20 steps with large gradients, then a noisy level
	// between 0.8 and 1.2.
	warm := make([]float64, 120)
	for i := range warm {
		warm[i] = 1 + 0.2*math.Sin(float64(i)*1.7)
		if i < 20 {
			warm[i] = 50 / float64(i+1)
		}
	}
	tests := []struct {
		name     string
		values   []float64
		warmup   int64
		lo, hi   float64 // 0: no band
		noteWant string
	}{
		{"after warmup", warm, 20, 0.8, 1.2, ""},
		{"seven decades", hugeGradNorm, 0, 0, 0, "no usual range drawn: the p10–p90 of grad_norm span 0.241 to 1.441e6, more than a decade"},
		{"too few", []float64{1, 2, 3, 4, 5, 6}, 3, 0, 0, "no usual range: 3 positive values after warmup, too few"},
	}
	for _, tt := range tests {
		s := &trainlog.Series{Name: "grad_norm"}
		for i, v := range tt.values {
			s.Append(trainlog.Point{Step: int64(i + 1), Value: v})
		}
		band, note := usualBand(s, tt.warmup)
		if note != tt.noteWant {
			t.Errorf("%s: note %q, want %q", tt.name, note, tt.noteWant)
		}
		if tt.lo == 0 {
			if band != nil {
				t.Errorf("%s: band %+v, want none", tt.name, band)
			}
			continue
		}
		if len(band) != 1 || band[0].From < tt.lo || band[0].To > tt.hi || band[0].To/band[0].From < 1.2 {
			t.Errorf("%s: band %+v, want inside [%v, %v]", tt.name, band, tt.lo, tt.hi)
		}
		if !strings.Contains(band[0].Label, "after warmup, steps > 20") {
			t.Errorf("%s: label %q does not say the warmup was left out", tt.name, band[0].Label)
		}
	}
}

// TestLossChartLanes checks that phases and overfitting take separate
// lanes, only the phases shading the plot.
func TestLossChartLanes(t *testing.T) {
	r := chartRun(map[string][]float64{"loss": decay(100, 3, 1), "eval_loss": {2, 1.8, 1.9, 2.1, 2.3}})
	r.Run.LastStep = 100
	r.Eval = analysis.Eval{Present: true, Metric: "eval_loss", BestStep: -1, Overfitting: true, Since: 40}
	for _, phases := range []bool{false, true} {
		r.Phases = nil
		if phases {
			r.Phases = []analysis.Phase{{Name: "rapid decline", StartStep: 1, EndStep: 30}, {Name: "slowing", StartStep: 30, EndStep: 100}}
		}
		var got []string
		for _, b := range buildCharts(r, HTMLOptions{})[0].Chart.XBands {
			got = append(got, b.Label+"@"+string(rune('0'+b.Row))+map[bool]string{true: "+shade"}[b.Shade])
		}
		want := "overfitting from step 40@0"
		if phases {
			want = "rapid decline@0+shade slowing@0+shade overfitting from step 40@1"
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("phases %v: bands %s, want %s", phases, g, want)
		}
	}
}

func TestChartLinesEval(t *testing.T) {
	// The train loss falls from 4 to 0.04; the eval loss, every 10
	// steps, stays at 2.
	r := chartRun(map[string][]float64{"loss": decay(100, 4, 0.04)})
	ev := &trainlog.Series{Name: "eval_loss"}
	for s := int64(10); s <= 100; s += 10 {
		ev.Append(trainlog.Point{Step: s, Value: 2})
	}
	r.Data.Series["eval_loss"] = ev
	lines := chartLines(r, 80, false)
	if want := "loss and eval_loss (•), steps 1-100 (log scale)"; lines[0] != want {
		t.Errorf("title %q, want %q", lines[0], want)
	}
	// On a log axis from 0.04 to 4, 2 is 85% of the way up: 27 of 32
	// dot rows, the second row of cells.
	bullets := 0
	for row, l := range lines[1 : 1+chartRows] {
		n := strings.Count(l, "•")
		bullets += n
		if n > 0 && row != 1 {
			t.Errorf("eval drawn on row %d: %q", row, l)
		}
	}
	if bullets != 10 {
		t.Errorf("%d evaluations drawn, want 10:\n%s", bullets, strings.Join(lines, "\n"))
	}
	colored := strings.Join(chartLines(r, 80, true), "\n")
	if !strings.Contains(colored, "\x1b[1;33m•\x1b[0m") {
		t.Error("with colour, the evaluations are not coloured")
	}
}
