package verify

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// A token is a number as a log printed it: its value and the decimal
// exponent of its last printed digit, which says how it was rounded.
type token struct {
	v    float64
	q    int // the last digit is worth 10^q
	text string
}

// numText matches a number as logs print it, thousands separators
// included.
const numText = `[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`

var (
	numRE     = regexp.MustCompile(numText)
	clockRE   = regexp.MustCompile(`(?:(\d+) days?, )?\b(\d+):(\d{2})(?::(\d{2}))?\b`)
	nonFinRE  = regexp.MustCompile(`(?i)(?:^|[^a-z])-?(?:nan|inf|infinity)(?:[^a-z]|$)`)
	keyNumRE  = regexp.MustCompile(`['"]?([A-Za-z_][\w/.\-]*)['"]?\s*[:=]\s*(?:np\.float\d*\(|tensor\()?['"]?(` + numText + `|-?nan|-?NaN|-?inf|-?Infinity)`)
	keySpcRE  = regexp.MustCompile(`(?:^|[\s|,])([A-Za-z_][\w/]*) +(` + numText + `)(?:$|[\s|,])`)
	stepStmRE = []*regexp.Regexp{
		regexp.MustCompile(`\[\s*[Ss]tep\s+(\d+)\b`),
		regexp.MustCompile(`(?:^|[\s|>\]:])[Ss]tep\s+(\d+)\s*/\s*\d+`),
		regexp.MustCompile(`(?:^|[^\w])(?:global_)?step\s*[=:]\s*(\d+)\b`),
	}
)

// parseToken reads a printed number.
func parseToken(text string) (token, bool) {
	t := strings.ReplaceAll(strings.Trim(text, `'"`), ",", "")
	low := strings.ToLower(strings.TrimLeft(t, "+-"))
	switch low {
	case "nan":
		return token{v: math.NaN(), text: text}, true
	case "inf", "infinity":
		v := math.Inf(1)
		if strings.HasPrefix(t, "-") {
			v = math.Inf(-1)
		}
		return token{v: v, text: text}, true
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return token{}, false
	}
	mant, exp := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mant = t[:i]
		exp, _ = strconv.Atoi(t[i+1:])
	}
	dec := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		dec = len(mant) - i - 1
	}
	return token{v: v, q: exp - dec, text: text}, true
}

// lineTokens returns every number of a line, with the extra readings a
// reader may have made: a percentage as a fraction, and h:mm:ss or mm:ss
// as seconds.
func lineTokens(s string) []token {
	var out []token
	for _, m := range numRE.FindAllStringIndex(s, -1) {
		t, ok := parseToken(s[m[0]:m[1]])
		if !ok {
			continue
		}
		out = append(out, t)
		if m[1] < len(s) && s[m[1]] == '%' {
			out = append(out, token{v: t.v / 100, q: t.q - 2, text: t.text + "%"})
		}
	}
	for _, m := range clockRE.FindAllStringSubmatch(s, -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		secs := a*60 + b
		if m[4] != "" {
			c, _ := strconv.Atoi(m[4])
			secs = a*3600 + b*60 + c
		}
		if m[1] != "" {
			d, _ := strconv.Atoi(m[1])
			secs += d * 86400
		}
		out = append(out, token{v: float64(secs), text: m[0]})
	}
	return out
}

// A kv is a key and a number printed next to it.
type kv struct {
	key string
	tok token
}

// keyValues returns the "key: value", "key=value" and "key value" pairs
// of a line (dict items included).
func keyValues(s string) []kv {
	var out []kv
	for _, re := range []*regexp.Regexp{keyNumRE, keySpcRE} {
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			if t, ok := parseToken(m[2]); ok {
				out = append(out, kv{m[1], t})
			}
		}
	}
	return out
}

// sameName reports whether a key as logged names metric.
func sameName(key, metric string) bool {
	if key == metric {
		return true
	}
	for _, k := range []trainlog.Kind{trainlog.KindTrain, trainlog.KindEval, trainlog.KindSummary} {
		if trainlog.Canonical(k, key) == metric {
			return true
		}
	}
	return false
}

// matches reports whether the report's value v can be the printed token
// t: v rounds to t at t's printed precision, or they are the same
// float32 (TensorBoard).
func matches(v float64, t token) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return math.IsNaN(t.v) && math.IsNaN(v) || math.IsInf(t.v, 0) && t.v == v
	}
	if math.IsNaN(t.v) || math.IsInf(t.v, 0) {
		return false
	}
	d := math.Abs(v - t.v)
	mag := math.Max(math.Abs(v), math.Abs(t.v))
	if d <= 0.5*math.Pow(10, float64(t.q))*(1+1e-9)+1e-12*mag {
		return true
	}
	if v != 0 && float32(v) == float32(t.v) {
		return true
	}
	return d <= 2e-7*mag // a float32 widened on either side
}

// anyMatch reports whether v matches one of toks.
func anyMatch(v float64, toks []token) bool {
	for _, t := range toks {
		if matches(v, t) {
			return true
		}
	}
	return false
}

// hasNonFinite reports a nan or inf word on a line.
func hasNonFinite(s string) bool { return nonFinRE.MatchString(s) }

// statedStep returns a step a line states in a callback's words ("[Step
// N/M]", "Step N/M | ...", "step=N"), or -1. A DeepSpeed line counting
// engine steps ("skipped=") states none.
func statedStep(s string) int64 {
	if strings.Contains(s, "skipped=") {
		return -1
	}
	for _, re := range stepStmRE {
		if m := re.FindStringSubmatch(s); m != nil {
			n, err := strconv.ParseInt(m[1], 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// excerpt shortens a line for a message, around hint when given.
func excerpt(s, hint string) string {
	s = strings.ReplaceAll(s, "\r", `\r`)
	const width = 240
	if len(s) <= width {
		return s
	}
	i := -1
	if hint != "" {
		i = strings.Index(s, hint)
	}
	if i < 0 {
		i = strings.LastIndexByte(s, '{')
	}
	if i < 0 {
		return s[:width] + "..."
	}
	a := max(0, min(i-width/3, len(s)-width))
	out := s[a : a+width]
	if a > 0 {
		out = "..." + out
	}
	if a+width < len(s) {
		out += "..."
	}
	return out
}

// canonicalTrain is a training key's canonical name.
func canonicalTrain(k string) string { return trainlog.Canonical(trainlog.KindTrain, k) }
