package numfmt

import (
	"math"
	"testing"
)

func TestSig(t *testing.T) {
	for _, tc := range []struct {
		v      float64
		digits int
		want   string
	}{
		{0.12861, 4, "0.1286"},
		{24487.3, 4, "24487"},
		{2.67e-7, 4, "2.67e-7"},
		{1.846e7, 4, "1.846e7"},
		{999999.7, 4, "1e6"}, // rounding reaches 1e6
		{0.001, 4, "0.001"},
		{-3.5, 2, "-3.5"},
		{0, 4, "0"},
		{math.NaN(), 4, "NaN"},
		{math.Inf(-1), 4, "-Inf"},
	} {
		if got := Sig(tc.v, tc.digits); got != tc.want {
			t.Errorf("Sig(%v, %d) = %q, want %q", tc.v, tc.digits, got, tc.want)
		}
	}
	if got := Sci(1.3333e-6, 3); got != "1.33e-6" {
		t.Errorf("Sci = %q", got)
	}
	if got := Sci(0.001, 3); got != "1e-3" {
		t.Errorf("Sci = %q", got)
	}
}
