package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestInPlaceMatchesCopying checks that MedianInPlace and QuantileInPlace
// return exactly what Median and a sort-based quantile return, as
// Quantile does, and reorder without losing values.
func TestInPlaceMatchesCopying(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	random := make([]float64, 1001)
	for i := range random {
		random[i] = math.Exp(r.NormFloat64())
	}
	ties := []float64{2, 1, 2, 2, 3, 1, 2, 5, 2}
	tests := []struct {
		name string
		xs   []float64
	}{
		{"one", []float64{4}},
		{"two", []float64{4, 1}},
		{"ties", ties},
		{"sorted", []float64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"reversed", []float64{8, 7, 6, 5, 4, 3, 2, 1}},
		{"lognormal", random},
		{"lognormal even", random[:1000]},
	}
	qs := []float64{0, 0.1, 0.25, 0.5, 0.9, 0.999, 1}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append([]float64(nil), tt.xs...)
			if got, want := MedianInPlace(buf), Median(tt.xs); got != want {
				t.Errorf("MedianInPlace = %v, want %v", got, want)
			}
			sorted := append([]float64(nil), tt.xs...)
			sort.Float64s(sorted)
			for _, q := range qs {
				// The reference: interpolation on the sorted values.
				want := quantileSorted(sorted, q)
				if got := QuantileInPlace(buf, q); got != want {
					t.Errorf("QuantileInPlace(%v) = %v, want %v", q, got, want)
				}
				if got := Quantile(tt.xs, q); got != want {
					t.Errorf("Quantile(%v) = %v, want %v", q, got, want)
				}
			}
			a, b := append([]float64(nil), buf...), append([]float64(nil), tt.xs...)
			sort.Float64s(a)
			sort.Float64s(b)
			if !slices.Equal(a, b) {
				t.Errorf("reordering changed the values")
			}
		})
	}
	if got := MedianInPlace(nil); !math.IsNaN(got) {
		t.Errorf("MedianInPlace(nil) = %v, want NaN", got)
	}
	// Quantile orders NaNs first, as sort.Float64s does.
	withNaN := []float64{3, math.NaN(), 1, 2}
	for q, want := range map[float64]float64{0: math.NaN(), 0.5: 1.5, 1: 3} {
		if got := Quantile(withNaN, q); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("Quantile(%v, %v) = %v, want %v", withNaN, q, got, want)
		}
	}
	if got := QuantileInPlace(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("QuantileInPlace(nil) = %v, want NaN", got)
	}
}
