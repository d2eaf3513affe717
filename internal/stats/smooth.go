package stats

import "math"

// EMA returns TensorBoard's debiased exponential moving average of values
// with smoothing weight w (0.6 is TensorBoard's default), as its
// "Smoothing" slider computes it (tensorboard/webapp line_chart_v2
// data_transformer.ts, classicSmoothing):
//
//	last = last*w + (1-w)*y;  n++;  out = last / (1 - w^n)
//
// Non-finite values are passed through unchanged and do not touch the
// state; a series whose values all equal the first is returned unchanged;
// w is clamped to [0, 1] (non-finite w counts as 0). Use it for display
// only: it lags by about w/(1-w) points and hides late rises.
func EMA(values []float64, w float64) []float64 {
	out := make([]float64, len(values))
	copy(out, values)
	if len(values) == 0 {
		return out
	}
	if !isFinite(w) {
		w = 0
	}
	w = math.Max(0, math.Min(1, w))
	same := true
	for _, v := range values {
		if v != values[0] {
			same = false
			break
		}
	}
	if same {
		return out
	}
	var last float64
	n := 0
	// The debias term 1-w^n rises to exactly 1 within a few dozen points
	// (w^n < 2^-53) and stays there, so math.Pow runs only until then.
	biased := w != 1
	for i, y := range values {
		if !isFinite(y) {
			continue
		}
		last = last*w + (1-w)*y
		n++
		debias := 1.0
		if biased {
			if debias = 1 - math.Pow(w, float64(n)); debias == 1 {
				biased = false
			}
		}
		out[i] = last / debias
	}
	return out
}

// RollingMedian returns the centred rolling median of xs over an odd
// window (an even window is widened by one). Near the ends the window
// shrinks to the points available. Non-finite values are excluded from
// the windows; a position whose window holds no finite value gets NaN.
// It keeps the window sorted, so it costs O(n*window) with a small
// constant, which is fine for windows of a few dozen points on million
// point series.
func RollingMedian(xs []float64, window int) []float64 {
	n := len(xs)
	out := make([]float64, n)
	if n == 0 {
		return out
	}
	if window < 1 {
		window = 1
	}
	if window%2 == 0 {
		window++
	}
	h := window / 2
	win := make([]float64, 0, window+1)
	insert := func(v float64) {
		if !isFinite(v) {
			return
		}
		i := searchSorted(win, v)
		win = append(win, 0)
		copy(win[i+1:], win[i:])
		win[i] = v
	}
	remove := func(v float64) {
		if !isFinite(v) {
			return
		}
		i := searchSorted(win, v)
		if i < len(win) && win[i] == v {
			win = append(win[:i], win[i+1:]...)
		}
	}
	// replace swaps old for v in one shift of the values between them.
	replace := func(old, v float64) {
		i := searchSorted(win, old)
		if i >= len(win) || win[i] != old {
			insert(v)
			return
		}
		j := searchSorted(win, v)
		switch {
		case j > i:
			copy(win[i:j-1], win[i+1:j])
			win[j-1] = v
		default:
			copy(win[j+1:i+1], win[j:i])
			win[j] = v
		}
	}
	for i := 0; i <= h && i < n; i++ {
		insert(xs[i])
	}
	for i := 0; i < n; i++ {
		if m := len(win); m == 0 {
			out[i] = math.NaN()
		} else if m%2 == 1 {
			out[i] = win[m/2]
		} else {
			out[i] = (win[m/2-1] + win[m/2]) / 2
		}
		in, out := math.NaN(), math.NaN()
		if j := i + h + 1; j < n {
			in = xs[j]
		}
		if j := i - h; j >= 0 {
			out = xs[j]
		}
		switch {
		case isFinite(in) && isFinite(out):
			replace(out, in)
		default:
			insert(in)
			remove(out)
		}
	}
	return out
}

// searchSorted returns the first index i of the sorted slice a with
// a[i] >= v (sort.SearchFloat64s without the closure call per step).
func searchSorted(a []float64, v float64) int {
	lo, hi := 0, len(a)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
