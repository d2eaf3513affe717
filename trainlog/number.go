package trainlog

import (
	"math"
	"strconv"
	"strings"
)

// ParseNumber parses a number as Python, JSON and the training libraries
// write it: any strconv.ParseFloat syntax, "nan", "NaN", "inf",
// "Infinity", "-inf", with optional surrounding quotes, thousands
// separators ("41,943,040"), a trailing "%" (returned as written, not
// divided) and wrappers such as "np.float64(0.5)" or
// "tensor(0.5, device='cuda:0')". It also returns the number of
// significant digits written (DigitsFloat64 for a repr that is exact by
// construction is not guessed: the count is of the digits present).
func ParseNumber(s string) (v float64, digits int, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		inner := s[i+1 : len(s)-1]
		if j := strings.IndexByte(inner, ','); j >= 0 {
			inner = inner[:j]
		}
		s = strings.TrimSpace(inner)
	}
	s = strings.TrimSuffix(s, "%")
	switch strings.ToLower(s) {
	case "nan", "-nan", "+nan":
		return math.NaN(), DigitsFloat64, true
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), DigitsFloat64, true
	case "-inf", "-infinity":
		return math.Inf(-1), DigitsFloat64, true
	case "":
		return 0, 0, false
	}
	if strings.IndexByte(s, ',') >= 0 {
		s = strings.ReplaceAll(s, ",", "")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, 0, false
	}
	return f, SignificantDigits(s), true
}

// SignificantDigits counts the significant digits in a decimal number's
// text ("0.0006557" has 4, "6.284" has 4, "392" has 3, "2e-05" has 1).
// Integers written without a point count all their digits; trailing
// zeros of an integer are counted too, since "1000" in a log is usually
// exact.
func SignificantDigits(s string) int {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	n, started := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		if c == '0' && !started {
			continue
		}
		started = true
		n++
	}
	if n == 0 {
		return 1
	}
	return n
}

// ParseDuration parses "MM:SS", "H:MM:SS", "1 day, 2:03:04" and
// "0:01:56.19" into seconds.
func ParseDuration(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	days := 0.0
	if i := strings.Index(s, "day"); i > 0 {
		d, err := strconv.ParseFloat(strings.TrimSpace(s[:i]), 64)
		if err != nil {
			return 0, false
		}
		days = d
		s = s[i:]
		if j := strings.IndexByte(s, ','); j >= 0 {
			s = strings.TrimSpace(s[j+1:])
		} else {
			return days * 86400, true
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	total := 0.0
	for _, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 {
			return 0, false
		}
		total = total*60 + f
	}
	return days*86400 + total, true
}
