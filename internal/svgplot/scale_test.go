package svgplot

import (
	"math"
	"slices"
	"testing"
)

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		lo, hi   float64
		n        int
		wantLo   float64
		wantHi   float64
		wantTick []float64
	}{
		{1, 500, 7, 0, 500, []float64{0, 100, 200, 300, 400, 500}},
		{0.3, 2.9, 5, 0, 3, []float64{0, 1, 2, 3}},
		{0.5, 0.5, 5, 0.45, 0.55, []float64{0.45, 0.5, 0.55}},
		{0, 0, 5, -1, 1, []float64{-1, -0.5, 0, 0.5, 1}},
		{2.67e-7, 2e-4, 5, 0, 2e-4, []float64{0, 5e-5, 1e-4, 1.5e-4, 2e-4}},
	}
	for _, tt := range tests {
		lo, hi, ticks := linearTicks(tt.lo, tt.hi, tt.n)
		if !near(lo, tt.wantLo) || !near(hi, tt.wantHi) || !allNear(ticks, tt.wantTick) {
			t.Errorf("linearTicks(%v, %v, %d) = %v, %v, %v; want %v, %v, %v", tt.lo, tt.hi, tt.n, lo, hi, ticks, tt.wantLo, tt.wantHi, tt.wantTick)
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi   float64
		wantTick []float64
	}{
		{0.65, 4.9, []float64{0.5, 1, 2, 5}},
		{1e-5, 3, []float64{1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1}},
		{0.0758, 6.44, []float64{0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10}},
		{0.0123, 45, []float64{0.01, 0.1, 1, 10}}, // domain [0.01, 50]
		{2, 2, []float64{2, 5}},
	}
	for _, tt := range tests {
		lo, hi, ticks := logTicks(tt.lo, tt.hi)
		if !allNear(ticks, tt.wantTick) || lo > tt.lo || hi < tt.hi {
			t.Errorf("logTicks(%v, %v) = %v, %v, %v; want ticks %v", tt.lo, tt.hi, lo, hi, ticks, tt.wantTick)
		}
	}
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func allNear(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))+1e-15 })
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v         float64
		tick, val string
	}{
		{0, "0", "0"},
		{1e6, "1M", "1e6"},
		{2.5e6, "2.5M", "2.5e6"},
		{250000, "250k", "250000"},
		{12000, "12k", "12000"},
		{5000, "5000", "5000"},
		{100, "100", "100"},
		{0.5, "0.5", "0.5"},
		{6.2840, "6.284", "6.284"},
		{0.12345, "0.12345", "0.1235"},
		{12345.6, "12345.6", "12346"},
		{2e-4, "2e-4", "2e-4"},
		{1.5e-4, "1.5e-4", "1.5e-4"},
		{2.67e-7, "2.67e-7", "2.67e-7"},
		{-1.5, "-1.5", "-1.5"},
		{math.NaN(), "NaN", "NaN"},
		{math.Inf(1), "+Inf", "+Inf"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v); got != tt.val {
			t.Errorf("FormatValue(%v) = %q, want %q", tt.v, got, tt.val)
		}
		if math.IsNaN(tt.v) || math.IsInf(tt.v, 0) {
			continue
		}
		if got := FormatTick(tt.v); got != tt.tick {
			t.Errorf("FormatTick(%v) = %q, want %q", tt.v, got, tt.tick)
		}
	}
}

func TestScalePos(t *testing.T) {
	lin := scale{d0: 0, d1: 10, p0: 100, p1: 200}
	logs := scale{log: true, d0: 0.1, d1: 10, p0: 300, p1: 100}
	tests := []struct {
		s    scale
		v    float64
		want float64
	}{
		{lin, 0, 100}, {lin, 5, 150}, {lin, 10, 200},
		{logs, 0.1, 300}, {logs, 1, 200}, {logs, 10, 100},
	}
	for _, tt := range tests {
		if got := tt.s.pos(tt.v); !near(got, tt.want) {
			t.Errorf("%+v.pos(%v) = %v, want %v", tt.s, tt.v, got, tt.want)
		}
	}
	if logs.valid(0) || logs.valid(-1) || !logs.valid(1) || lin.valid(math.NaN()) {
		t.Error("valid() wrong for log or NaN values")
	}
}

func TestXScale(t *testing.T) {
	tests := []struct {
		lo, hi         float64
		wantLo, wantHi float64
		wantTicks      []float64
	}{
		{1, 750, 0, 750, []float64{0, 200, 400, 600}},
		{5, 500, 0, 500, []float64{0, 100, 200, 300, 400, 500}},
		{1000, 2000, 1000, 2000, []float64{1000, 1200, 1400, 1600, 1800, 2000}},
		{1, 1_000_000, 0, 1_000_000, []float64{0, 200_000, 400_000, 600_000, 800_000, 1_000_000}},
		{5, 5, 4, 6, []float64{5}},
	}
	for _, tt := range tests {
		s, ticks := xScale(tt.lo, tt.hi, 0, 100)
		if !near(s.d0, tt.wantLo) || !near(s.d1, tt.wantHi) || !allNear(ticks, tt.wantTicks) {
			t.Errorf("xScale(%v, %v) = [%v, %v] %v; want [%v, %v] %v", tt.lo, tt.hi, s.d0, s.d1, ticks, tt.wantLo, tt.wantHi, tt.wantTicks)
		}
	}
}
