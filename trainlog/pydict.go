package trainlog

import (
	"math"
	"strconv"
)

// This file parses the Python literal dicts that training libraries print
// with print(dict) or tqdm.write(str(dict)):
//
//	dict   = "{" [ item { "," item } [ "," ] ] "}"
//	item   = key ":" value
//	key    = string                      ('loss' or "it's", repr quoting)
//	value  = number | string | "True" | "False" | "None"
//	       | call                        (np.float64(0.5), tensor(0.5, device='cuda:0'))
//	       | "{" ... "}" | "[" ... "]" | "(" ... ")" | "<" ... ">"   (skipped)
//	number = [ "-" | "+" ] ( decimal | "nan" | "inf" | "Infinity" | "NaN" )
//
// Values are not copied: items point into the parsed bytes.

// pdKind classifies a parsed value.
type pdKind uint8

const (
	pdNumber pdKind = iota // an unquoted number, nan/inf, or a numeric wrapper call
	pdQuoted               // a quoted string holding a number (transformers v5)
	pdString               // any other string
	pdNone                 // None
	pdBool                 // True or False
	pdOther                // containers, other calls, unknown tokens
)

// pdStatus is the outcome of parsing one dict.
type pdStatus uint8

const (
	pdOK           pdStatus = iota
	pdUnterminated          // the input ended inside the dict
	pdBad                   // a syntax error; see the message
)

// A pdItem is one key and value of a parsed dict.
type pdItem struct {
	key  []byte // the key without its quotes (escapes left as written)
	kind pdKind
	text []byte // the value as written, without quotes for a string
	num  pdNum  // set for pdNumber and pdQuoted
}

// A pdNum is a number with the shape of its text, which tells how
// precisely it was written.
type pdNum struct {
	v        float64
	sig      int  // significant digits written
	frac     int  // digits after the decimal point
	exp      int  // the written exponent, 0 when none
	hasExp   bool // written in exponent form
	hasPoint bool
	trailing bool // the fraction ends with a zero after another digit ("2.5000e-06")
	special  bool // nan or inf
	wrapped  bool // read from a wrapper call such as np.float64(...)
	mag      int  // decimal exponent of the first significant digit written (0 for zero)
}

// pdExp10 returns 10^k.
func pdExp10(k int) float64 {
	switch {
	case k >= 0 && k < len(pdPow10):
		return pdPow10[k]
	case k < 0 && -k < len(pdPow10):
		return 1 / pdPow10[-k]
	}
	return math.Pow(10, float64(k))
}

// pdPow10 holds the powers of ten that float64 represents exactly.
var pdPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// pdParseNumber parses a whole number token: a decimal with optional sign,
// point and exponent, or nan/inf in the spellings Python and JSON use.
// Short decimals are converted without allocating; the result is always
// the correctly rounded float64.
func pdParseNumber(b []byte) (pdNum, bool) {
	var n pdNum
	ok := pdParseNumberTo(b, &n)
	return n, ok
}

// pdParseNumberTo is pdParseNumber writing into n.
func pdParseNumberTo(b []byte, n *pdNum) bool {
	*n = pdNum{}
	if len(b) == 0 {
		return false
	}
	i, neg := 0, false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	if i < len(b) && (b[i]|0x20 == 'n' || b[i]|0x20 == 'i') {
		return pdSpecial(b[i:], neg, n)
	}
	var mant uint64
	acc := 0 // significant digits accumulated in mant
	start := i
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		if n.sig > 0 || c != 0 {
			n.sig++
			if acc < 19 {
				mant = mant*10 + uint64(c)
				acc++
			}
		}
	}
	nd := i - start
	intSig, fracLead := n.sig, 0
	if i < len(b) && b[i] == '.' {
		i++
		fs := i
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			if n.sig > 0 || c != 0 {
				n.sig++
				if acc < 19 {
					mant = mant*10 + uint64(c)
					acc++
				}
			} else {
				fracLead++
			}
		}
		n.frac = i - fs
		nd += n.frac
		n.hasPoint = true
		n.trailing = n.frac > 1 && b[i-1] == '0' && n.sig > 0
	}
	if nd == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		es := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if n.exp < 10000 {
				n.exp = n.exp*10 + int(b[i]-'0')
			}
		}
		if i == es {
			return false
		}
		if eneg {
			n.exp = -n.exp
		}
		n.hasExp = true
	}
	if i != len(b) {
		return false
	}
	switch {
	case n.sig == 0:
	case intSig > 0:
		n.mag = intSig - 1 + n.exp
	default:
		n.mag = -fracLead - 1 + n.exp
	}
	// Every significant digit went into mant (leading zeros add nothing),
	// so the value is mant × 10^(exp-frac); with both factors exact, one
	// multiplication or division rounds correctly.
	if acc == n.sig && mant < 1<<53 {
		e10 := n.exp - n.frac
		if e10 >= 0 && e10 < len(pdPow10) {
			n.v = float64(mant) * pdPow10[e10]
			if neg {
				n.v = -n.v
			}
			return true
		}
		if e10 < 0 && -e10 < len(pdPow10) {
			n.v = float64(mant) / pdPow10[-e10]
			if neg {
				n.v = -n.v
			}
			return true
		}
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !isRangeErr(err) {
		return false
	}
	n.v = v
	return true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// pdSpecial parses nan and inf spellings.
func pdSpecial(w []byte, neg bool, n *pdNum) bool {
	n.special, n.sig = true, DigitsFloat64
	switch string(w) {
	case "nan", "NaN", "NAN":
		n.v = math.NaN()
	case "inf", "Inf", "INF", "Infinity", "infinity":
		n.v = math.Inf(1)
		if neg {
			n.v = math.Inf(-1)
		}
	default:
		return false
	}
	return true
}

// pdDict parses the dict that starts at b[0] == '{'. It appends the items
// to items and returns them with the offset just past the closing brace.
// On pdBad, msg says what was expected; on pdUnterminated the input ended
// inside the dict.
func pdDict(b []byte, items []pdItem) (out []pdItem, end int, st pdStatus, msg string) {
	i := pdSpace(b, 1)
	if i >= len(b) {
		return items, 0, pdUnterminated, ""
	}
	if b[i] == '}' {
		return items, i + 1, pdOK, ""
	}
	for {
		if i >= len(b) {
			return items, 0, pdUnterminated, ""
		}
		q := b[i]
		if q != '\'' && q != '"' {
			return items, 0, pdBad, "expected a quoted key"
		}
		j, ok := pdQuoteEnd(b, i)
		if !ok {
			return items, 0, pdUnterminated, ""
		}
		it := pdItem{key: b[i+1 : j-1]}
		i = pdSpace(b, j)
		if i >= len(b) {
			return items, 0, pdUnterminated, ""
		}
		if b[i] != ':' {
			return items, 0, pdBad, "expected ':' after key '" + clipBytes(it.key, 40) + "'"
		}
		i = pdSpace(b, i+1)
		var vst pdStatus
		i, vst = pdValue(b, i, &it)
		switch vst {
		case pdUnterminated:
			return items, 0, pdUnterminated, ""
		case pdBad:
			return items, 0, pdBad, "expected a value for key '" + clipBytes(it.key, 40) + "'"
		}
		items = append(items, it)
		i = pdSpace(b, i)
		if i >= len(b) {
			return items, 0, pdUnterminated, ""
		}
		switch b[i] {
		case '}':
			return items, i + 1, pdOK, ""
		case ',':
			i = pdSpace(b, i+1)
			if i < len(b) && b[i] == '}' {
				return items, i + 1, pdOK, ""
			}
		default:
			return items, 0, pdBad, "expected ',' or '}' after the value of '" + clipBytes(it.key, 40) + "'"
		}
	}
}

// pdValue parses one value at b[i] into it and returns the offset after it.
func pdValue(b []byte, i int, it *pdItem) (int, pdStatus) {
	if i >= len(b) {
		return i, pdUnterminated
	}
	switch c := b[i]; {
	case c == '\'' || c == '"':
		j, ok := pdQuoteEnd(b, i)
		if !ok {
			return i, pdUnterminated
		}
		it.text = b[i+1 : j-1]
		it.kind = pdString
		if pdParseNumberTo(it.text, &it.num) {
			it.kind = pdQuoted
		}
		return j, pdOK
	case c == '{' || c == '[' || c == '(' || c == '<':
		j := pdSkipBalanced(b, i)
		if j < 0 {
			return i, pdUnterminated
		}
		it.kind, it.text = pdOther, b[i:j]
		return j, pdOK
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		j := pdToken(b, i)
		if j >= len(b) {
			return j, pdUnterminated
		}
		it.text = b[i:j]
		it.kind = pdOther
		if pdParseNumberTo(it.text, &it.num) {
			it.kind = pdNumber
		}
		return j, pdOK
	case c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		return pdWord(b, i, it)
	}
	return i, pdBad
}

// pdWord parses True, False, None, nan, inf, or a call such as
// np.float64(0.5).
func pdWord(b []byte, i int, it *pdItem) (int, pdStatus) {
	j := i
	for j < len(b) && (b[j] == '_' || b[j] == '.' || (b[j]|0x20 >= 'a' && b[j]|0x20 <= 'z') || (b[j] >= '0' && b[j] <= '9')) {
		j++
	}
	if j >= len(b) {
		return j, pdUnterminated
	}
	w := b[i:j]
	if b[j] == '(' {
		k := pdSkipBalanced(b, j)
		if k < 0 {
			return j, pdUnterminated
		}
		it.text = b[i:k]
		it.kind = pdOther
		if v, d, ok := ParseNumber(string(it.text)); ok {
			it.kind = pdNumber
			it.num = pdNum{v: v, sig: d, wrapped: true}
		}
		return k, pdOK
	}
	it.text = w
	switch string(w) {
	case "None":
		it.kind = pdNone
	case "True", "False":
		it.kind = pdBool
	default:
		it.kind = pdOther
		if pdParseNumberTo(w, &it.num) {
			it.kind = pdNumber
		}
	}
	return j, pdOK
}

// pdToken returns the end of a bare token starting at i: the first byte
// that ends a value.
func pdToken(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ',', '}', ' ', '\t', ']', ')', ':':
			return i
		}
		i++
	}
	return i
}

// pdQuoteEnd returns the offset just past the quoted string starting at
// b[i], honouring backslash escapes. It reports false when b ends first.
func pdQuoteEnd(b []byte, i int) (int, bool) {
	q := b[i]
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case q:
			return j + 1, true
		case '\\':
			j++
		}
	}
	return 0, false
}

// pdSkipBalanced returns the offset just past the bracketed value that
// starts at b[i] ('{', '[', '(' or '<'), or -1 when b ends first. Quotes
// are respected; brackets of all kinds are counted together.
func pdSkipBalanced(b []byte, i int) int { return pdMatch(b, i, true) }

// pdSpanEnd returns the offset just past the brace that closes the '{' at
// b[0], counting only braces outside quotes, or -1 when b ends first.
func pdSpanEnd(b []byte) int { return pdMatch(b, 0, false) }

// pdMatch finds the end of the bracketed span starting at b[i]: with all
// set every kind of bracket counts, otherwise only braces.
func pdMatch(b []byte, i int, all bool) int {
	depth := 0
	for j := i; j < len(b); j++ {
		switch c := b[j]; c {
		case '{', '}', '[', ']', '(', ')', '<', '>':
			if !all && c != '{' && c != '}' {
				continue
			}
			if c == '{' || c == '[' || c == '(' || c == '<' {
				depth++
				continue
			}
			if depth--; depth == 0 {
				return j + 1
			}
		case '\'', '"':
			k, ok := pdQuoteEnd(b, j)
			if !ok {
				return -1
			}
			j = k - 1
		}
	}
	return -1
}

func pdSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// clipBytes returns b as a string of at most n bytes, for messages.
func clipBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
