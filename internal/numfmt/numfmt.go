// Package numfmt formats numbers the way every plateau output writes them:
// a fixed number of significant digits, decimal notation for ordinary
// magnitudes and short scientific notation ("2.67e-7") otherwise, trailing
// zeros trimmed. The text, Markdown and HTML renderers, the SVG charts and
// the analysis's own sentences share it, so that a number reads the same
// wherever it appears.
package numfmt

import (
	"math"
	"strconv"
	"strings"
)

// Sig formats v with the given number of significant digits, trailing
// zeros trimmed. Values from 0.001 to below 1e6 are written in decimal,
// others in short scientific notation ("2.67e-7", "1.5e6"). NaN and
// infinities are written as "NaN", "+Inf" and "-Inf".
func Sig(v float64, digits int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == 0:
		return "0"
	}
	digits = max(digits, 1)
	a := math.Abs(v)
	if a >= 1e-3 && a < 1e6 {
		dec := max(digits-1-int(math.Floor(math.Log10(a))), 0)
		s := strconv.FormatFloat(v, 'f', dec, 64)
		if strings.HasPrefix(s, "1000000") || strings.HasPrefix(s, "-1000000") {
			return Sci(v, digits) // rounding reached 1e6
		}
		return TrimZeros(s)
	}
	return Sci(v, digits)
}

// Sci formats v in short scientific notation with the given significant
// digits: "2e-4", "1.34e-4", "6.5e6".
func Sci(v float64, digits int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return Sig(v, digits)
	}
	s := strconv.FormatFloat(v, 'e', max(digits-1, 0), 64)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	return TrimZeros(mant) + "e" + strconv.Itoa(e)
}

// TrimZeros removes trailing zeros after a decimal point, and the point.
func TrimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
