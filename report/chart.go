package report

import (
	"math"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/trainlog"
)

// Chart geometry in character cells. Each braille cell holds 2×4 dots.
const (
	chartCols = 60
	chartRows = 8
)

// A colRange is the range of a series within one dot column.
type colRange struct {
	n           int
	min, max    float64
	first, last float64
}

// minMaxColumns splits points into n columns by step and keeps each
// column's minimum, maximum, first and last value, so that downsampling
// never hides a spike. Non-finite values are skipped.
func minMaxColumns(s *trainlog.Series, n int) []colRange {
	lo, hi, ok := stepSpan(s)
	if !ok {
		return make([]colRange, max(n, 0))
	}
	return columns(s, n, lo, hi)
}

// stepSpan returns the first and last steps of the finite points of s
// (nil or empty: ok is false).
func stepSpan(s *trainlog.Series) (lo, hi int64, ok bool) {
	steps := s.Steps()
	for i, v := range s.Values() {
		if !finite(v) {
			continue
		}
		st := steps[i]
		if !ok {
			lo, hi, ok = st, st, true
		}
		lo, hi = min(lo, st), max(hi, st)
	}
	return lo, hi, ok
}

// columns is minMaxColumns over the steps lo to hi, which must hold
// every point's step.
func columns(s *trainlog.Series, n int, lo, hi int64) []colRange {
	if n <= 0 {
		return nil
	}
	out := make([]colRange, n)
	span := float64(hi - lo)
	steps := s.Steps()
	for k, v := range s.Values() {
		st := steps[k]
		if !finite(v) || st < lo || st > hi {
			continue
		}
		i := 0
		if span > 0 {
			i = int(math.Round(float64(st-lo) / span * float64(n-1)))
		}
		b := &out[i]
		if b.n == 0 {
			b.min, b.max, b.first = v, v, v
		}
		b.n++
		b.min, b.max, b.last = math.Min(b.min, v), math.Max(b.max, v), v
	}
	return out
}

// evalMark is the glyph of an evaluation on the terminal chart.
const evalMark = '•'

// evalOf returns the name of the evaluation of metric that the terminal
// chart draws with it (eval_loss for loss), or "" when there is none.
func evalOf(r *analysis.Report, metric string) string {
	if strings.HasPrefix(metric, "eval_") || r.Data == nil {
		return ""
	}
	if name := "eval_" + metric; r.Data.Get(name).Len() > 0 {
		return name
	}
	return ""
}

// chartLines draws the primary series of r, with its evaluation as
// bullets, in at most width columns, or says why it cannot. The axis is
// logarithmic when the values span more than a decade. With color set,
// the evaluation's bullets are coloured.
func chartLines(r *analysis.Report, width int, color bool) []string {
	metric := primary(r)
	pts := r.Data.Get(metric)
	evName := evalOf(r, metric)
	var evPts *trainlog.Series
	if evName != "" {
		evPts = r.Data.Get(evName)
	}
	n, lo, hi := 0, math.Inf(1), math.Inf(-1)
	for _, v := range pts.Values() {
		if finite(v) {
			n++
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if n < 2 {
		return []string{"(no chart: " + metric + " has fewer than 2 finite points)"}
	}
	firstStep, lastStep, _ := stepSpan(pts)
	if a, b, ok := stepSpan(evPts); ok {
		firstStep, lastStep = min(firstStep, a), max(lastStep, b)
		for _, v := range evPts.Values() {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	logAxis := logScale(lo, hi)
	labels := []string{num(hi), num(lo)}
	labelW := max(len(labels[0]), len(labels[1]))
	cols := max(min(chartCols, width-labelW-3), 10)
	ys := dotScale{lo: lo, hi: hi, log: logAxis}
	grid := plotBraille(columns(pts, cols*2, firstStep, lastStep), ys)
	marks := evalCells(columns(evPts, cols, firstStep, lastStep), ys)

	title := metric
	if evName != "" && len(marks) > 0 {
		title += " and " + evName + " (" + string(evalMark) + ")"
	}
	title += ", steps " + stepN(firstStep)
	if lastStep != firstStep {
		title += "-" + stepN(lastStep)
	}
	if logAxis {
		title += " (log scale)"
	}
	if n > cols*2 {
		title += ", min/max of each column"
	}
	lines := []string{title}
	for row := range chartRows {
		label := strings.Repeat(" ", labelW)
		tick := "│"
		switch row {
		case 0:
			label, tick = padLeft(labels[0], labelW), "┤"
		case chartRows - 1:
			label, tick = padLeft(labels[1], labelW), "┤"
		}
		var b strings.Builder
		for col, c := range grid[row] {
			if marks[[2]int{row, col}] {
				mark := string(evalMark)
				if color {
					mark = term.Paint(mark, term.Yellow)
				}
				b.WriteString(mark)
				continue
			}
			b.WriteRune(c)
		}
		lines = append(lines, strings.TrimRight(label+" "+tick+b.String(), " "))
	}
	lines = append(lines, strings.Repeat(" ", labelW)+" └"+strings.Repeat("─", cols))
	first, last := stepN(firstStep), stepN(lastStep)
	gap := max(cols-len(first)-len(last), 1)
	lines = append(lines, strings.Repeat(" ", labelW+2)+first+strings.Repeat(" ", gap)+last)
	return lines
}

// A dotScale maps values onto the chart's rows of dots, 0 at the bottom.
type dotScale struct {
	lo, hi float64
	log    bool
}

func (s dotScale) dot(v float64) int {
	dotsY := chartRows * 4
	a, b, x := s.lo, s.hi, v
	if s.log {
		a, b, x = math.Log(s.lo), math.Log(s.hi), math.Log(v)
	}
	if b == a {
		return dotsY / 2
	}
	return min(max(int(math.Round((x-a)/(b-a)*float64(dotsY-1))), 0), dotsY-1)
}

// evalCells returns the cells (row, column) that show an evaluation:
// per column, those of its lowest and highest values.
func evalCells(cols []colRange, ys dotScale) map[[2]int]bool {
	out := map[[2]int]bool{}
	for x, c := range cols {
		if c.n == 0 {
			continue
		}
		for _, v := range []float64{c.min, c.max} {
			out[[2]int{chartRows - 1 - ys.dot(v)/4, x}] = true
		}
	}
	return out
}

func padLeft(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return strings.Repeat(" ", w-len(s)) + s
}

// braille dot bits by [dx][dy], dy counted from the top of the cell.
var brailleBits = [2][4]rune{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}

// plotBraille draws the column ranges (one per dot column) as braille
// cells, joining neighbouring columns with vertical strokes so the curve
// stays connected.
func plotBraille(bs []colRange, ys dotScale) [][]rune {
	cols := (len(bs) + 1) / 2
	y := ys.dot
	cells := make([][]rune, chartRows)
	for i := range cells {
		cells[i] = make([]rune, cols)
	}
	set := func(x, yd int) {
		row := chartRows - 1 - yd/4
		dy := 3 - yd%4
		cells[row][x/2] |= brailleBits[x%2][dy]
	}
	vline := func(x, ya, yb int) {
		for yd := min(ya, yb); yd <= max(ya, yb); yd++ {
			set(x, yd)
		}
	}
	prevX, prevY := -1, 0 // the last drawn column and the dot row of its last value
	for x, b := range bs {
		if b.n == 0 {
			continue
		}
		if prevX >= 0 {
			// Join the previous column's last value to this column's first
			// value, interpolating across empty columns.
			target, from := y(b.first), prevY
			for gx := prevX + 1; gx < x; gx++ {
				gy := prevY + int(math.Round(float64(target-prevY)*float64(gx-prevX)/float64(x-prevX)))
				vline(gx, from, gy)
				from = gy
			}
			vline(x, from, target)
		}
		vline(x, y(b.min), y(b.max))
		prevX, prevY = x, y(b.last)
	}
	for _, row := range cells {
		for i, c := range row {
			if c == 0 {
				row[i] = ' '
			} else {
				row[i] = 0x2800 + c
			}
		}
	}
	return cells
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
