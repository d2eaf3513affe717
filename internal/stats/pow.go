package stats

import "math"

// Powers sets out[k] = math.Pow(x, ys[k]) for each k, to the last bit,
// sharing between the powers what math.Pow would compute for each: the
// logarithm and the binary mantissa and exponent of x. Each ys[k] must
// be finite and > 0; out must be as long as ys.
func Powers(x float64, ys, out []float64) {
	if !(x > 0 && x < 1) {
		// math.Pow's special cases (0, 1, NaN, ...) and x >= 1 (not needed
		// by its callers): math.Pow itself.
		for k, y := range ys {
			out[k] = math.Pow(x, y)
		}
		return
	}
	lx := math.NaN() // log(x), computed when a power has a fraction
	x1, xe := math.Frexp(x)
	for k, y := range ys {
		switch y {
		case 1:
			out[k] = x
			continue
		case 0.5:
			out[k] = math.Sqrt(x)
			continue
		}
		// The general path of math.Pow for 0 < x < 1 and finite y > 0.
		yi, yf := math.Modf(y)
		a1, ae := 1.0, 0
		if yf != 0 {
			if yf > 0.5 {
				yf--
				yi++
			}
			if math.IsNaN(lx) {
				lx = math.Log(x)
			}
			a1 = math.Exp(yf * lx)
		}
		m, me := x1, xe
		for i := int64(yi); i != 0; i >>= 1 {
			if me < -1<<12 || 1<<12 < me {
				ae += me
				break
			}
			if i&1 == 1 {
				a1 *= m
				ae += me
			}
			m *= m
			me <<= 1
			if m < .5 {
				m += m
				me--
			}
		}
		out[k] = math.Ldexp(a1, ae)
	}
}
