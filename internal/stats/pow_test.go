package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPowers checks Powers against math.Pow bit for bit, on random x in
// (0, 1), on the edges (subnormal, next to 0 and 1) and on the special
// values, for the powers of the polynomial schedule and a few others.
func TestPowers(t *testing.T) {
	ys := []float64{0.3, 0.5, 0.7, 1, 1.5, 2, 2.5, 3, 4, 5, 0.1, 7.75, 63, 1e3}
	xs := []float64{0, math.Copysign(0, -1), 1, 0.5, 0.25, 5e-324, 1e-310, 1e-300, 1e-150, math.Nextafter(1, 0),
		math.Nextafter(0, 1), 1 - 1e-9, 0.999, 1.5, 2, -0.5, math.NaN(), math.Inf(1), math.Inf(-1)}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		xs = append(xs, rng.Float64(), math.Pow(10, -300*rng.Float64()))
	}
	out := make([]float64, len(ys))
	for _, x := range xs {
		Powers(x, ys, out)
		for k, y := range ys {
			if want := math.Pow(x, y); !sameBits(out[k], want) {
				t.Fatalf("Powers(%g)[%g] = %v (%x), math.Pow %v (%x)", x, y, out[k], math.Float64bits(out[k]), want, math.Float64bits(want))
			}
		}
	}
}
