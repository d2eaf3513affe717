package trainlog

// This file holds the JSON tokenizer shared by the JSON-family readers
// (trainer_state.json, trainer_log.jsonl, *_results.json,
// wandb-summary.json).
//
// Python's json.dumps writes the bare tokens NaN, Infinity and -Infinity
// for non-finite floats, which encoding/json rejects. The tokenizer
// accepts RFC 8259 JSON plus those three tokens, reads its input in one
// streaming pass without building a document tree, counts lines as grep
// does, and reports errors with the line and column and what was
// expected.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonTok is the kind of a JSON token.
type jsonTok uint8

const (
	jtEOF jsonTok = iota
	jtError
	jtObjectStart // {
	jtObjectEnd   // }
	jtArrayStart  // [
	jtArrayEnd    // ]
	jtColon
	jtComma
	jtString
	jtNumber // includes NaN, Infinity and -Infinity
	jtTrue
	jtFalse
	jtNull
)

var jsonTokNames = [...]string{"end of input", "error", "'{'", "'}'", "'['", "']'", "':'", "','", "a string", "a number", "true", "false", "null"}

func (t jsonTok) String() string { return jsonTokNames[t] }

// isValue reports whether t starts a JSON value.
func (t jsonTok) isValue() bool {
	switch t {
	case jtObjectStart, jtArrayStart, jtString, jtNumber, jtTrue, jtFalse, jtNull:
		return true
	}
	return false
}

// jsonMaxInterned caps the key interning table, so that input with
// endless distinct keys cannot grow it without bound.
const jsonMaxInterned = 4096

// A jsonLexer splits JSON text into tokens. It reads from an io.Reader
// in chunks, or from one byte slice. After next returns jtString, str
// holds the decoded string; it is valid until the following call. After
// jtNumber, num holds the value and raw the text as written.
type jsonLexer struct {
	r    io.Reader
	buf  []byte
	pos  int  // next unread byte of buf
	eof  bool // no more input will come
	line int  // 1-based line of buf[pos]
	// base is the input offset of buf[0]; lineStart is the input offset
	// of the first byte of the current line. They give columns.
	base      int
	lineStart int
	ioErr     error

	tok     jsonTok
	tokLine int
	tokCol  int
	str     []byte
	raw     []byte
	num     float64
	err     *jsonError
	scratch []byte
	intern  map[string]string
	depth   int  // nesting of values being skipped or read
	started bool // a leading byte order mark was looked for
}

// A jsonError is a syntax error found by the lexer or a reader built on
// it.
type jsonError struct {
	Line, Col int
	Msg       string
	Truncated bool // the input ended in the middle of a value
}

// newJSONLexer returns a lexer reading r.
func newJSONLexer(r io.Reader) *jsonLexer {
	return &jsonLexer{r: r, buf: make([]byte, 0, 64<<10), line: 1, intern: map[string]string{}}
}

// newJSONBytesLexer returns a lexer over b, whose first byte is on the
// given line. The lexer does not modify b.
func newJSONBytesLexer(b []byte, line int) *jsonLexer {
	return &jsonLexer{buf: b, eof: true, line: line, intern: map[string]string{}}
}

// reset points the lexer at a new byte slice, keeping its interned keys.
func (lx *jsonLexer) reset(b []byte, line int) {
	*lx = jsonLexer{buf: b, eof: true, line: line, intern: lx.intern, scratch: lx.scratch[:0]}
}

// more reads more input, shifting unread bytes to the front of buf first.
// Offsets relative to pos stay valid. It reports false when no more
// input will come.
func (lx *jsonLexer) more() bool {
	if lx.eof {
		return false
	}
	if lx.pos > 0 {
		n := copy(lx.buf, lx.buf[lx.pos:])
		lx.buf = lx.buf[:n]
		lx.base += lx.pos
		lx.pos = 0
	}
	if len(lx.buf) == cap(lx.buf) {
		nb := make([]byte, len(lx.buf), 2*cap(lx.buf)+4096)
		copy(nb, lx.buf)
		lx.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := lx.r.Read(lx.buf[len(lx.buf):cap(lx.buf)])
		lx.buf = lx.buf[:len(lx.buf)+n]
		if err != nil {
			lx.eof = true
			if err != io.EOF {
				lx.ioErr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	lx.eof, lx.ioErr = true, io.ErrNoProgress
	return false
}

// fail records a syntax error at the current token and returns jtError.
func (lx *jsonLexer) fail(truncated bool, format string, args ...any) jsonTok {
	lx.tok = jtError
	lx.err = &jsonError{Line: lx.tokLine, Col: lx.tokCol, Msg: fmt.Sprintf(format, args...), Truncated: truncated}
	return jtError
}

// unexpected records an error for the token just read, saying what was
// expected instead.
func (lx *jsonLexer) unexpected(expected string) {
	if lx.tok == jtError {
		return
	}
	if lx.tok == jtEOF {
		lx.fail(true, "unexpected end of input: expected %s (the file is truncated)", expected)
		return
	}
	found := lx.tok.String()
	if lx.tok == jtString {
		found = "string " + strconv.Quote(clip(string(lx.str), 40))
	}
	lx.fail(false, "expected %s, found %s", expected, found)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// next reads the next token.
func (lx *jsonLexer) next() jsonTok {
	if lx.tok == jtError {
		return jtError
	}
	if !lx.skipSpace() {
		lx.tokLine, lx.tokCol = lx.line, lx.col(lx.pos)
		lx.tok = jtEOF
		return jtEOF
	}
	lx.tokLine, lx.tokCol = lx.line, lx.col(lx.pos)
	c := lx.buf[lx.pos]
	switch c {
	case '{':
		return lx.punct(jtObjectStart)
	case '}':
		return lx.punct(jtObjectEnd)
	case '[':
		return lx.punct(jtArrayStart)
	case ']':
		return lx.punct(jtArrayEnd)
	case ':':
		return lx.punct(jtColon)
	case ',':
		return lx.punct(jtComma)
	case '"':
		return lx.scanString()
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return lx.scanNumber()
	}
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return lx.scanWord()
	}
	if c >= utf8.RuneSelf {
		r, _ := utf8.DecodeRune(lx.buf[lx.pos:])
		if r == utf8.RuneError {
			return lx.fail(false, "invalid UTF-8 byte 0x%02x: expected a JSON value", c)
		}
		return lx.fail(false, "unexpected character %q: expected a JSON value", r)
	}
	return lx.fail(false, "unexpected character %q: expected a JSON value", c)
}

func (lx *jsonLexer) punct(t jsonTok) jsonTok {
	lx.pos++
	lx.tok = t
	return t
}

// col returns the 1-based byte column of buf[off].
func (lx *jsonLexer) col(off int) int { return lx.base + off - lx.lineStart + 1 }

// skipSpace skips whitespace, counting lines and a leading UTF-8 byte
// order mark. It reports false at the end of input.
func (lx *jsonLexer) skipSpace() bool {
	if !lx.started {
		lx.started = true
		for len(lx.buf)-lx.pos < 3 && lx.more() {
		}
		if bytes.HasPrefix(lx.buf[lx.pos:], []byte("\xef\xbb\xbf")) {
			lx.pos += 3
		}
	}
	for {
		for lx.pos < len(lx.buf) {
			switch lx.buf[lx.pos] {
			case '\n':
				lx.line++
				lx.pos++
				lx.lineStart = lx.base + lx.pos
			case ' ', '\t', '\r':
				lx.pos++
			default:
				return true
			}
		}
		if !lx.more() {
			return false
		}
	}
}

// scanWord reads true, false, null, NaN or Infinity.
func (lx *jsonLexer) scanWord() jsonTok {
	n := 0
	for {
		for lx.pos+n < len(lx.buf) && isWordByte(lx.buf[lx.pos+n]) {
			n++
		}
		if lx.pos+n < len(lx.buf) || !lx.more() {
			break
		}
	}
	w := lx.buf[lx.pos : lx.pos+n]
	lx.pos += n
	switch string(w) {
	case "true":
		lx.tok = jtTrue
	case "false":
		lx.tok = jtFalse
	case "null":
		lx.tok = jtNull
	case "NaN":
		lx.tok, lx.num, lx.raw = jtNumber, math.NaN(), w
	case "Infinity":
		lx.tok, lx.num, lx.raw = jtNumber, math.Inf(1), w
	default:
		if lx.pos == len(lx.buf) && lx.eof && isWordPrefix(string(w)) {
			return lx.fail(true, "unexpected end of input in %q: expected a JSON value (the file is truncated)", w)
		}
		return lx.fail(false, "unexpected word %q: expected a JSON value (a number, string, object, array, true, false, null, NaN or Infinity)", clip(string(w), 20))
	}
	return lx.tok
}

func isWordByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWordPrefix(w string) bool {
	for _, full := range [...]string{"true", "false", "null", "NaN", "Infinity"} {
		if len(w) < len(full) && full[:len(w)] == w {
			return true
		}
	}
	return false
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// scanNumber reads a JSON number or -Infinity.
func (lx *jsonLexer) scanNumber() jsonTok {
	n := 0
	for {
		for lx.pos+n < len(lx.buf) && isNumberByte(lx.buf[lx.pos+n]) {
			n++
		}
		if lx.pos+n < len(lx.buf) || !lx.more() {
			break
		}
	}
	if n == 1 && lx.buf[lx.pos] == '-' && lx.pos+1 < len(lx.buf) && lx.buf[lx.pos+1] == 'I' {
		lx.pos++
		t := lx.scanWord()
		if t == jtNumber && lx.num > 0 {
			lx.num = math.Inf(-1)
		}
		return t
	}
	w := lx.buf[lx.pos : lx.pos+n]
	lx.pos += n
	if !validJSONNumber(w) {
		if lx.pos == len(lx.buf) && lx.eof {
			return lx.fail(true, "unexpected end of input in number %q (the file is truncated)", w)
		}
		return lx.fail(false, "invalid number %q", clip(string(w), 30))
	}
	v, ok := exactJSONNumber(w)
	if !ok {
		var err error
		v, err = strconv.ParseFloat(string(w), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return lx.fail(false, "invalid number %q", clip(string(w), 30))
		}
	}
	lx.tok, lx.num, lx.raw = jtNumber, v, w
	return jtNumber
}

// float64pow10 holds the powers of ten that a float64 represents exactly.
var float64pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactJSONNumber converts a valid JSON number whose significant digits
// fit in 53 bits and whose decimal exponent is within ±22, which covers
// most logged values: the digits and the power of ten are then exact
// float64 values, and their one product or quotient is correctly rounded,
// so the result is what strconv.ParseFloat returns, at a fraction of its
// cost. It reports false for the other numbers.
func exactJSONNumber(w []byte) (float64, bool) {
	i, neg := 0, false
	if len(w) > 0 && w[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	digits, exp := 0, 0
	for ; i < len(w) && w[i] >= '0' && w[i] <= '9'; i++ {
		if mant != 0 || w[i] != '0' {
			digits++
		}
		mant = mant*10 + uint64(w[i]-'0')
	}
	if i < len(w) && w[i] == '.' {
		for i++; i < len(w) && w[i] >= '0' && w[i] <= '9'; i++ {
			if mant != 0 || w[i] != '0' {
				digits++
			}
			mant = mant*10 + uint64(w[i]-'0')
			exp--
		}
	}
	if digits > 19 || mant>>53 != 0 {
		return 0, false
	}
	if i < len(w) { // an exponent: [eE][+-]?digits
		i++
		eneg := false
		if w[i] == '+' || w[i] == '-' {
			eneg = w[i] == '-'
			i++
		}
		e := 0
		for ; i < len(w); i++ {
			if e > 1000 {
				return 0, false
			}
			e = e*10 + int(w[i]-'0')
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	f := float64(mant)
	switch {
	case mant == 0:
	case exp == 0:
	case exp > 0 && exp <= 22:
		f *= float64pow10[exp]
	case exp < 0 && exp >= -22:
		f /= float64pow10[-exp]
	default:
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}

// validJSONNumber reports whether w follows the JSON number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validJSONNumber(w []byte) bool {
	i := 0
	if i < len(w) && w[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(w) && w[i] >= '0' && w[i] <= '9' {
			i++
		}
		return i - s
	}
	if i < len(w) && w[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(w) && w[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(w) && (w[i] == 'e' || w[i] == 'E') {
		i++
		if i < len(w) && (w[i] == '+' || w[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(w)
}

// scanString reads a string token, decoding escapes into scratch when
// there are any.
func (lx *jsonLexer) scanString() jsonTok {
	n := 1 // past the opening quote
	escaped, nonASCII := false, false
	for {
		for lx.pos+n < len(lx.buf) {
			c := lx.buf[lx.pos+n]
			switch {
			case c == '"':
				return lx.endString(n, escaped, nonASCII)
			case c == '\\':
				escaped = true
				n++ // skip the escaped byte too; checked when decoding
			case c < 0x20:
				if c == '\n' {
					return lx.fail(false, "newline inside a string: expected '\"' to close the string")
				}
				return lx.fail(false, "control character 0x%02x inside a string", c)
			case c >= utf8.RuneSelf:
				nonASCII = true
			}
			n++
		}
		if !lx.more() {
			return lx.fail(true, "unexpected end of input inside a string: expected '\"' (the file is truncated)")
		}
	}
}

func (lx *jsonLexer) endString(n int, escaped, nonASCII bool) jsonTok {
	body := lx.buf[lx.pos+1 : lx.pos+n]
	lx.pos += n + 1
	if nonASCII && !utf8.Valid(body) {
		return lx.fail(false, "invalid UTF-8 inside a string")
	}
	lx.tok = jtString
	if !escaped {
		lx.str = body
		return jtString
	}
	out, msg := unescapeJSON(lx.scratch[:0], body)
	lx.scratch = out
	if msg != "" {
		return lx.fail(false, "%s", msg)
	}
	lx.str = out
	return jtString
}

// unescapeJSON appends the decoded body of a JSON string to out. It
// returns a message when an escape is invalid.
func unescapeJSON(out, body []byte) ([]byte, string) {
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(body) {
			return out, "unfinished escape at the end of a string"
		}
		switch body[i] {
		case '"', '\\', '/':
			out = append(out, body[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(body[i+1:])
			if !ok {
				return out, "invalid \\u escape: expected four hex digits"
			}
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' {
				if r2, ok := hex4(body[i+3:]); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return out, fmt.Sprintf("invalid escape \\%c in a string", body[i])
		}
	}
	return out, ""
}

// hex4 decodes four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// key returns str as a string, interned so that repeated keys do not
// allocate.
func (lx *jsonLexer) key() string {
	if s, ok := lx.intern[string(lx.str)]; ok {
		return s
	}
	s := string(lx.str)
	if len(lx.intern) < jsonMaxInterned {
		lx.intern[s] = s
	}
	return s
}
