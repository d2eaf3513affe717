package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/internal/numfmt"
)

// sigDigits is how many significant digits numbers are shown with.
const sigDigits = 4

// notAvailable stands for a value that is missing.
const notAvailable = "n/a"

// num formats v with sigDigits significant digits.
func num(v float64) string { return sig(v, sigDigits) }

// sig and sci are numfmt's: numbers read the same in every output.
var (
	sig = numfmt.Sig
	sci = numfmt.Sci
)

// signed formats v like num with an explicit sign: "+0.012", "-1.3";
// zero is "0".
func signed(v float64) string {
	s := num(v)
	if v > 0 && !math.IsInf(v, 1) {
		s = "+" + s
	}
	return s
}

// fixed formats v with dec decimals, keeping trailing zeros (epochs:
// "1.00"); NaN is notAvailable.
func fixed(v float64, dec int) string {
	if math.IsNaN(v) {
		return notAvailable
	}
	if math.IsInf(v, 0) {
		return sig(v, 1)
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// epoch formats a fractional epoch with two decimals.
func epoch(v float64) string { return fixed(v, 2) }

// pct formats a fraction as a percentage with one decimal: 0.957 →
// "95.7%". Fractions below 0.1% keep two significant digits.
func pct(frac float64) string {
	if math.IsNaN(frac) || math.IsInf(frac, 0) {
		return sig(frac, 1)
	}
	p := frac * 100
	if p == 0 {
		p = 0 // no "-0.0%"
	}
	if p != 0 && math.Abs(p) < 0.1 {
		return sig(p, 2) + "%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// sigma formats a deviation in noise units: "+1.2σ".
func sigma(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return sig(v, 1) + "σ"
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if v >= 0 {
		s = "+" + s
	}
	return s + "σ"
}

// pvalue formats a p-value: "< 0.001" or two significant digits.
func pvalue(p float64) string {
	switch {
	case math.IsNaN(p):
		return notAvailable
	case p < 0.001:
		return "< 0.001"
	}
	return sig(p, 2)
}

// hms formats seconds as h:mm:ss ("0:41:24"); negative or non-finite
// durations are notAvailable.
func hms(seconds float64) string {
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) || seconds < 0 {
		return notAvailable
	}
	if seconds >= 3600*hugeFixed {
		// Beyond int64 seconds: hours, as humanDuration says them.
		return sig(seconds/3600, 3) + " h"
	}
	s := int64(math.Round(seconds))
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// duration formats seconds for reading: "2484 s (0:41:24)".
func duration(seconds float64) string {
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) || seconds < 0 {
		return notAvailable
	}
	return num(seconds) + " s (" + hms(seconds) + ")"
}

// steps formats a step range "1-250" (an ASCII hyphen, as the analysis
// texts write it), or a single step; each end is marked as step marks
// it.
func steps(from, to int64) string {
	if from == to {
		return step(from)
	}
	return step(from) + "-" + step(to)
}

// step formats a step of the logged data; negative steps are unknown. It
// is marked (stepOpen, document.go): a built report prints it "~N" where
// every value logged at step N had its step estimated
// (analysis.Report.StepEstimated), N otherwise.
func step(s int64) string {
	if s < 0 {
		return notAvailable
	}
	return string(stepOpen) + strconv.FormatInt(s, 10) + string(stepClose)
}

// stepN formats a step that no logged value's step estimate can make
// uncertain: a checkpoint's (its folder names it), a planned total, a
// count; negative steps are unknown.
func stepN(s int64) string {
	if s < 0 {
		return notAvailable
	}
	return strconv.FormatInt(s, 10)
}

// count formats an integer with thousands separators: 24000 → "24,000".
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// yesNo formats a bool.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// orNA returns s, or notAvailable when s is empty.
func orNA(s string) string {
	if strings.TrimSpace(s) == "" {
		return notAvailable
	}
	return s
}
