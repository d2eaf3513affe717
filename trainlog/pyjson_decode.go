package trainlog

// This file holds the decoding helpers built on jsonLexer: skipping
// values, reading the members of an object, and sniffing the head of a
// file for Detect functions.

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// jsonMaxDepth caps the nesting of skipped or read values, so that
// hostile input cannot exhaust the stack.
const jsonMaxDepth = 512

// skipValue skips the value whose first token was just read, checking
// its syntax. It reports false after a syntax error.
func (lx *jsonLexer) skipValue() bool {
	switch lx.tok {
	case jtObjectStart, jtArrayStart:
		if lx.depth >= jsonMaxDepth {
			lx.fail(false, "values nested more than %d deep", jsonMaxDepth)
			return false
		}
		lx.depth++
		defer func() { lx.depth-- }()
		if lx.tok == jtObjectStart {
			return lx.objectMembersSkip()
		}
		return lx.arrayElemsSkip()
	case jtString, jtNumber, jtTrue, jtFalse, jtNull:
		return true
	}
	lx.unexpected("a JSON value")
	return false
}

// objectMembersSkip skips the members of an object whose '{' was just
// read, up to and including its '}'.
func (lx *jsonLexer) objectMembersSkip() bool {
	first := true
	for {
		t := lx.next()
		if first && t == jtObjectEnd {
			return true
		}
		first = false
		if t != jtString {
			lx.unexpected("a string key")
			return false
		}
		if lx.next() != jtColon {
			lx.unexpected("':' after an object key")
			return false
		}
		lx.next()
		if !lx.skipValue() {
			return false
		}
		switch lx.next() {
		case jtComma:
		case jtObjectEnd:
			return true
		default:
			lx.unexpected("',' or '}' after an object member")
			return false
		}
	}
}

// arrayElemsSkip skips the elements of an array whose '[' was just read,
// up to and including its ']'.
func (lx *jsonLexer) arrayElemsSkip() bool {
	first := true
	for {
		t := lx.next()
		if first && t == jtArrayEnd {
			return true
		}
		first = false
		if !lx.skipValue() {
			return false
		}
		switch lx.next() {
		case jtComma:
		case jtArrayEnd:
			return true
		default:
			lx.unexpected("',' or ']' after an array element")
			return false
		}
	}
}

// A jsonMember is one key of an object with a scalar value or a
// flattened nested value, as read by readObject.
type jsonMember struct {
	Key  string
	Kind jsonTok // jtNumber, jtString, jtTrue, jtFalse, jtNull, jtObjectStart or jtArrayStart
	Num  float64
	Str  string
	Line int
	// Sub holds the members of a nested object, when the caller asked
	// for them.
	Sub []jsonMember
}

// readObject reads the members of an object whose '{' was just read.
// Nested objects are read into Sub down to depth levels and skipped
// beyond; arrays are always skipped. It reports false after a syntax
// error.
func (lx *jsonLexer) readObject(depth int) ([]jsonMember, bool) {
	var ms []jsonMember
	first := true
	for {
		t := lx.next()
		if first && t == jtObjectEnd {
			return ms, true
		}
		first = false
		if t != jtString {
			lx.unexpected("a string key")
			return ms, false
		}
		m := jsonMember{Key: lx.key(), Line: lx.tokLine}
		if lx.next() != jtColon {
			lx.unexpected("':' after key " + strconv.Quote(m.Key))
			return ms, false
		}
		if !lx.readMemberValue(&m, depth) {
			return ms, false
		}
		ms = append(ms, m)
		switch lx.next() {
		case jtComma:
		case jtObjectEnd:
			return ms, true
		default:
			lx.unexpected("',' or '}' after the value of " + strconv.Quote(m.Key))
			return ms, false
		}
	}
}

func (lx *jsonLexer) readMemberValue(m *jsonMember, depth int) bool {
	t := lx.next()
	m.Kind = t
	switch t {
	case jtNumber:
		m.Num = lx.num
	case jtString:
		m.Str = string(lx.str)
	case jtTrue, jtFalse, jtNull:
	case jtObjectStart:
		if depth > 0 && lx.depth < jsonMaxDepth {
			lx.depth++
			sub, ok := lx.readObject(depth - 1)
			lx.depth--
			m.Sub = sub
			return ok
		}
		return lx.skipValue()
	case jtArrayStart:
		return lx.skipValue()
	default:
		lx.unexpected("a value for key " + strconv.Quote(m.Key))
		return false
	}
	return true
}

// syntaxError converts the lexer's error into a *SyntaxError for file.
func (lx *jsonLexer) syntaxError(file, context string) *SyntaxError {
	e := lx.err
	if e == nil {
		e = &jsonError{Line: lx.tokLine, Msg: "invalid JSON"}
	}
	msg := e.Msg
	if e.Col > 0 {
		msg = fmt.Sprintf("column %d: %s", e.Col, msg)
	}
	if context != "" {
		msg += " (" + context + ")"
	}
	var cause error
	if e.Truncated {
		cause = ErrTruncated
	}
	return &SyntaxError{File: file, Line: e.Line, Msg: msg, Err: cause}
}

// jsonInt converts a JSON number to an int64 if it is integral and in
// range.
func jsonInt(v float64) (int64, bool) {
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, false
	}
	return int64(v), true
}

// jsonHead returns head without a UTF-8 byte order mark and leading
// whitespace.
func jsonHead(head []byte) []byte {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(head, " \t\r\n")
}

// jsonTopKeys reads the top-level members of the JSON object at the
// start of head, stopping at the first error or at the end of head;
// nested values are skipped. complete reports whether the whole object
// was read without error.
func jsonTopKeys(head []byte) (keys []jsonMember, complete bool) {
	head = jsonHead(head)
	if len(head) == 0 || head[0] != '{' {
		return nil, false
	}
	lx := newJSONBytesLexer(head, 1)
	lx.next()
	ms, ok := lx.readObject(0)
	return ms, ok
}
