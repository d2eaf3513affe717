package stats

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestTheilSenSelection checks that the slope and its interval, found by
// selection, are the order statistics a full sort of the slopes gives.
func TestTheilSenSelection(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 200 {
		n := 2 + r.IntN(300)
		xs, ys := make([]float64, n), make([]float64, n)
		for i := range xs {
			xs[i] = float64(i) + float64(r.IntN(3))    // ties in x
			ys[i] = math.Round(r.NormFloat64()*10) / 4 // ties in y
		}
		got := TheilSen(xs, ys, 100, 0, 0.9)
		bx, by := Bin(xs, ys, 100)
		var slopes []float64
		for i := range bx {
			for j := i + 1; j < len(bx); j++ {
				if dx := bx[j] - bx[i]; dx != 0 {
					slopes = append(slopes, (by[j]-by[i])/dx)
				}
			}
		}
		if len(slopes) == 0 {
			continue
		}
		sort.Float64s(slopes)
		c := NormalQuantile(0.95) * math.Sqrt(mkVariance(by))
		nn := float64(len(slopes))
		lo := max(0, min(len(slopes)-1, int(math.Floor((nn-c)/2))))
		hi := max(0, min(len(slopes)-1, int(math.Ceil((nn+c)/2))))
		if want := quantileSorted(slopes, 0.5); got.Slope != want || got.Low != slopes[lo] || got.High != slopes[hi] {
			t.Fatalf("trial %d: slope %v [%v, %v], want %v [%v, %v]", trial, got.Slope, got.Low, got.High, want, slopes[lo], slopes[hi])
		}
	}
}
