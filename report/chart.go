package report

import (
	"math"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
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
func minMaxColumns(pts []trainlog.Point, n int) []colRange {
	out := make([]colRange, n)
	var lo, hi int64
	first := true
	for i := range pts {
		p := &pts[i]
		if !p.Finite() {
			continue
		}
		if first {
			lo, hi, first = p.Step, p.Step, false
		}
		lo, hi = min(lo, p.Step), max(hi, p.Step)
	}
	if first || n <= 0 {
		return out
	}
	span := float64(hi - lo)
	for k := range pts {
		p := &pts[k]
		if !p.Finite() {
			continue
		}
		i := 0
		if span > 0 {
			i = int(math.Round(float64(p.Step-lo) / span * float64(n-1)))
		}
		b := &out[i]
		if b.n == 0 {
			b.min, b.max, b.first = p.Value, p.Value, p.Value
		}
		b.n++
		b.min, b.max, b.last = math.Min(b.min, p.Value), math.Max(b.max, p.Value), p.Value
	}
	return out
}

// chartLines draws the primary series of r in at most width columns, or
// says why it cannot.
func chartLines(r *analysis.Report, width int) []string {
	metric := primary(r)
	pts := pointsOf(r.Data.Get(metric))
	n, lo, hi := 0, math.Inf(1), math.Inf(-1)
	var firstStep, lastStep int64
	for i := range pts {
		p := &pts[i]
		if !p.Finite() {
			continue
		}
		if n == 0 {
			firstStep = p.Step
		}
		n++
		lastStep = p.Step
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	if n < 2 {
		return []string{"(no chart: " + metric + " has fewer than 2 finite points)"}
	}
	logScale := lo > 0 && hi/lo >= 20
	labels := []string{num(hi), num(lo)}
	labelW := max(len(labels[0]), len(labels[1]))
	cols := max(min(chartCols, width-labelW-3), 10)
	grid := plotBraille(minMaxColumns(pts, cols*2), lo, hi, logScale)

	title := metric + ", steps " + steps(firstStep, lastStep)
	if logScale {
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
		lines = append(lines, strings.TrimRight(label+" "+tick+string(grid[row]), " "))
	}
	lines = append(lines, strings.Repeat(" ", labelW)+" └"+strings.Repeat("─", cols))
	first, last := step(firstStep), step(lastStep)
	gap := max(cols-len(first)-len(last), 1)
	lines = append(lines, strings.Repeat(" ", labelW+2)+first+strings.Repeat(" ", gap)+last)
	return lines
}

func pointsOf(s *trainlog.Series) []trainlog.Point {
	if s == nil {
		return nil
	}
	return s.Points
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
func plotBraille(bs []colRange, lo, hi float64, logScale bool) [][]rune {
	cols := (len(bs) + 1) / 2
	dotsY := chartRows * 4
	y := func(v float64) int {
		a, b, x := lo, hi, v
		if logScale {
			a, b, x = math.Log(lo), math.Log(hi), math.Log(v)
		}
		if b == a {
			return dotsY / 2
		}
		return int(math.Round((x - a) / (b - a) * float64(dotsY-1)))
	}
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
