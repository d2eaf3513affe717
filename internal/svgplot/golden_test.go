package svgplot

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the SVG goldens in testdata")

// goldenCharts are charts whose rendering is kept in testdata/NAME.svg:
// open them in a browser to review a change, then -update.
func goldenCharts() map[string]*Chart {
	var loss, eval []Point
	for i := 0; i <= 30; i++ {
		x := float64(i * 12500)
		loss = append(loss, Point{X: x, Y: 4 * math.Exp(-float64(i)/6), Epoch: float64(i) / 10, Loc: "trainer_state.json#log_history[" + stepText(float64(i)) + "]"})
		if i%5 == 0 {
			eval = append(eval, Point{X: x, Y: 2 + 0.01*float64(i), Epoch: float64(i) / 10, Loc: "console.log:" + stepText(float64(100+i))})
		}
	}
	full := &Chart{ID: "full", Title: "Training loss (log scale)", XLabel: "step", YLabel: "loss", TopLabel: "epoch", YLog: true,
		Series: []Series{
			{Name: "loss", Class: "c0 raw", Dots: true, Points: loss},
			{Name: "loss EMA 0.6", Class: "c0", Line: true, Points: loss},
			{Name: "eval_loss", Class: "c1 thin", Line: true, Dots: true, Points: eval},
		},
		XBands: []XBand{
			{From: 0, To: 60000, Label: "rapid decline", Class: "a", Shade: true},
			{From: 60000, To: 75000, Label: "slowing down a lot", Class: "b", Shade: true}, // does not fit: tooltip only
			{From: 75000, To: 375000, Label: "diminishing returns", Class: "a", Shade: true},
			{From: 125000, To: 375000, Label: "overfitting from step 125000", Class: "overfit", Row: 1},
		},
		XLines: []XLine{
			{X: 125000, Label: "1", Class: "epoch", Top: true}, {X: 250000, Label: "2", Class: "epoch", Top: true},
			{X: 370000, Label: "end of warmup", Class: "warmup"}, // near the right edge: its label goes left
			{X: 250000, Class: "recommended"},
		},
		Markers: []Marker{
			{Point: loss[3], Shape: ShapeTriangle, Class: "spike", Label: "spike in loss, z = 6"},
			{Point: loss[8], Shape: ShapeTriangleDown, Class: "spike", Label: "spike in loss, z = -6"},
			{Point: loss[10], Shape: ShapeChevron, Class: "epochdrop", Label: "drop in loss at an epoch boundary (expected)"},
			{Point: Point{X: 150000, Y: math.NaN(), Epoch: math.NaN()}, Shape: ShapeCross, Class: "nonfinite", Label: "loss is NaN"},
			{Point: eval[1], Shape: ShapeRing, Class: "best", Label: "best eval_loss"},
			{Point: loss[20], Shape: ShapeDiamond, Class: "recommended", Label: "recommended: checkpoint-250000"},
		},
		Legend: []LegendItem{
			{Label: "spike", Class: "spike", Shape: ShapeTriangle},
			{Label: "drop at epoch start", Class: "epochdrop", Shape: ShapeChevron},
			{Label: "NaN/Inf", Class: "nonfinite", Shape: ShapeCross},
			{Label: "best eval", Class: "best", Shape: ShapeRing},
			{Label: "recommended", Class: "recommended", Shape: ShapeDiamond},
		},
	}
	var gn []Point
	for i := 1; i <= 40; i++ {
		gn = append(gn, Point{X: float64(i), Y: 1 + 0.3*math.Sin(float64(i)), Epoch: math.NaN()})
	}
	band := &Chart{ID: "band", Title: "Gradient norm (log scale)", XLabel: "step", YLabel: "grad_norm", YLog: true,
		Series: []Series{{Name: "grad_norm", Class: "c3 raw", Dots: true, Points: gn}},
		YBands: []YBand{{From: 0.8, To: 1.25, Label: "usual range 0.8–1.25 (p10–p90)", Class: "range"}},
		Legend: []LegendItem{{Label: "usual range 0.8–1.25 (p10–p90)", Class: "range", Shape: "band"}},
	}
	return map[string]*Chart{"full": full, "band": band, "empty": {ID: "empty", Title: "nothing"}}
}

func TestRenderGolden(t *testing.T) {
	for name, c := range goldenCharts() {
		t.Run(name, func(t *testing.T) {
			got := render(t, c, true)
			if err := wellFormed(got); err != nil {
				t.Fatalf("not well-formed: %v", err)
			}
			path := filepath.Join("testdata", name+".svg")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/svgplot -run TestRenderGolden -update)", err)
			}
			if got != string(want) {
				_ = os.WriteFile(path+".got", []byte(got), 0o644)
				t.Errorf("%s differs from the golden; wrote %s.got (review it in a browser; accept with -update)", path, path)
			}
		})
	}
}

// TestLayoutFull checks the layout decisions of the full golden chart
// directly, so that a golden update cannot quietly undo them.
func TestLayoutFull(t *testing.T) {
	v := layout(goldenCharts()["full"], false)
	// Nine legend entries do not fit on one row of 760: nothing is left
	// out, the rest wraps onto a second row.
	rows := map[string]bool{}
	for _, l := range v.Legend {
		rows[l.TY] = true
	}
	if len(v.Legend) != 8 || len(rows) != 2 {
		t.Errorf("%d legend entries on %d rows, want 8 on 2", len(v.Legend), len(rows))
	}
	// The plot starts below the second legend row and two lanes.
	if want := num(marginTop + legendRowH + 2*(laneH+laneGap)); v.Plot.Y != want {
		t.Errorf("plot top %s, want %s", v.Plot.Y, want)
	}
	var labels []string
	for _, b := range v.XBands {
		labels = append(labels, b.Label)
		if b.Title == "" {
			t.Errorf("band without its tooltip: %+v", b)
		}
	}
	if g := strings.Join(labels, "|"); g != "rapid decline||diminishing returns|overfitting from step 125000" {
		t.Errorf("lane labels %q: a label is drawn only when it fits whole in its segment", g)
	}
	for _, l := range v.XLines {
		if l.Label == "end of warmup" && !l.End {
			t.Errorf("the label near the right edge is not anchored at its end: %+v", l)
		}
	}
}

// TestTickAtRightEdge checks that a long tick label at the right edge is
// anchored at its end rather than cut by the chart's edge.
func TestTickAtRightEdge(t *testing.T) {
	c := &Chart{ID: "t", Series: []Series{{Name: "x", Dots: true, Points: []Point{{X: 0, Y: 1}, {X: 0.0015, Y: 2}}}}}
	v := layout(c, false)
	last := v.XTicks[len(v.XTicks)-1]
	if last.Label != "0.0015" || !last.End || last.TX != num(DefaultWidth-2) {
		t.Errorf("last x tick %+v, want 0.0015 anchored at the chart's edge", last)
	}
	if first := v.XTicks[0]; first.End {
		t.Errorf("first x tick %+v anchored at its end", first)
	}
}
