package report

import (
	"math"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/texttab"
	"github.com/plateau-dev/plateau/trainlog"
)

func TestMinMaxColumnsKeepsExtremes(t *testing.T) {
	pts := &trainlog.Series{Name: "loss"}
	for i := range 10000 {
		v := 1.0
		switch i {
		case 4321:
			v = 50 // a spike
		case 777:
			v = -3 // a dip
		case 9000:
			v = math.NaN()
		}
		pts.Append(trainlog.Point{Step: int64(i), Value: v})
	}
	cols := minMaxColumns(pts, 120)
	hi, lo, n := math.Inf(-1), math.Inf(1), 0
	for _, c := range cols {
		if c.n == 0 {
			continue
		}
		n += c.n
		hi, lo = math.Max(hi, c.max), math.Min(lo, c.min)
	}
	if hi != 50 || lo != -3 {
		t.Errorf("extremes after downsampling = [%v, %v], want [-3, 50]", lo, hi)
	}
	if n != 9999 {
		t.Errorf("%d points bucketed, want 9999 (NaN skipped)", n)
	}
	if cols[len(cols)-1].last != 1 || cols[0].first != 1 {
		t.Error("first/last values lost")
	}
}

func TestChartLines(t *testing.T) {
	r := seedReport(t)
	r.Data = seedRun()
	lines := chartLines(r, 80, false)
	if len(lines) != chartRows+3 {
		t.Fatalf("%d chart lines, want %d:\n%s", len(lines), chartRows+3, strings.Join(lines, "\n"))
	}
	if !strings.HasPrefix(lines[0], "loss, steps 1-750 (log scale)") {
		t.Errorf("title = %q", lines[0])
	}
	for _, l := range lines {
		if w := texttab.Width(l); w > 80 {
			t.Errorf("line %q is %d wide", l, w)
		}
	}
	// The spike at step 400 (0.9, far above its neighbours ~0.12) must
	// reach the upper half of the chart.
	col := int(math.Round(float64(400-1) / float64(750-1) * float64(chartCols*2-1) / 2))
	prefix := strings.Index(lines[1], "┤") + len("┤")
	upper := []rune(lines[3][prefix:])
	if col >= len(upper) || !isBraille(upper[col]) {
		t.Errorf("spike at step 400 not drawn in column %d of %q", col, lines[3])
	}
}

func TestChartDegenerate(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   string
	}{
		{"no series", nil, "(no chart: loss has fewer than 2 finite points)"},
		{"one point", []float64{1}, "(no chart"},
		{"non-finite", []float64{math.NaN(), math.Inf(1)}, "(no chart"},
		{"flat", []float64{2, 2, 2, 2}, "loss, steps 0-3"},
		{"negative", []float64{-1, -2, 3, 0}, "loss, steps 0-3"},
	}
	for _, tt := range tests {
		run := trainlog.NewRun("x")
		if tt.values != nil {
			s := &trainlog.Series{Name: "loss"}
			for i, v := range tt.values {
				s.Append(trainlog.Point{Step: int64(i), Value: v})
			}
			run.Series["loss"] = s
		}
		r := &analysis.Report{Primary: "loss", Data: run}
		lines := chartLines(r, 30, false)
		if !strings.HasPrefix(lines[0], tt.want) {
			t.Errorf("%s: first line %q, want prefix %q", tt.name, lines[0], tt.want)
		}
	}
	if lines := chartLines(&analysis.Report{}, 80, false); !strings.HasPrefix(lines[0], "(no chart") {
		t.Errorf("report without data: %q", lines[0])
	}
}
