package stats

import (
	"math"
	"sort"
)

// Downsample chooses at most about n indices of the series (xs, ys) to
// draw, keeping its extremes: the range is cut into n/2 buckets of equal
// index length, and each bucket contributes the index of its minimum and
// of its maximum y (TensorBoard's random sampling loses spikes; this does
// not). The first and last indices, every index listed in keep (spikes,
// milestones) and every non-finite point are always kept, so the result
// can exceed n by len(keep) plus the non-finite points. The indices are
// returned sorted and unique. With n <= 0 or len(xs) <= n, all indices are
// returned.
func Downsample(xs, ys []float64, n int, keep []int) []int {
	m := min(len(xs), len(ys))
	if m == 0 {
		return []int{}
	}
	if n <= 0 || m <= n {
		all := make([]int, m)
		for i := range all {
			all[i] = i
		}
		return all
	}
	chosen := make(map[int]bool, n+len(keep)+2)
	chosen[0], chosen[m-1] = true, true
	for _, k := range keep {
		if k >= 0 && k < m {
			chosen[k] = true
		}
	}
	buckets := max(1, n/2)
	for b := 0; b < buckets; b++ {
		lo, hi := b*m/buckets, (b+1)*m/buckets
		iMin, iMax := -1, -1
		for i := lo; i < hi; i++ {
			y := ys[i]
			if math.IsNaN(y) || math.IsInf(y, 0) {
				chosen[i] = true
				continue
			}
			if iMin < 0 || y < ys[iMin] {
				iMin = i
			}
			if iMax < 0 || y > ys[iMax] {
				iMax = i
			}
		}
		if iMin >= 0 {
			chosen[iMin], chosen[iMax] = true, true
		}
	}
	out := make([]int, 0, len(chosen))
	for i := range chosen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}
