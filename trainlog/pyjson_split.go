package trainlog

import "bytes"

// A lexPos is a place in a lexer's input: the line of a byte, its input
// offset and the input offset of the first byte of its line.
type lexPos struct{ line, off, lineStart int }

// here returns the place of the next unread byte.
func (lx *jsonLexer) here() lexPos {
	return lexPos{line: lx.line, off: lx.base + lx.pos, lineStart: lx.lineStart}
}

// resetAt points the lexer at b, which starts at input place p, keeping
// its interned keys; b is not looked at for a byte order mark.
func (lx *jsonLexer) resetAt(b []byte, p lexPos) {
	intern := lx.intern
	if intern == nil {
		intern = map[string]string{}
	}
	*lx = jsonLexer{buf: b, eof: true, line: p.line, base: p.off, lineStart: p.lineStart, started: true,
		intern: intern, scratch: lx.scratch[:0]}
}

// cutElements cuts the elements of the array the lexer is in, from its
// position (just after the array's '[', or at the ',' after an element),
// at the first "}," found once size bytes were passed: the end of an
// object element and the ',' after it, as JSON writers write arrays of
// objects. It returns a copy of the bytes before that ',', with the place
// of the first one and the number of elements they hold (the "}," up to
// the cut), and leaves the lexer at the ',' as if it had read them. The
// bytes are not parsed: a "}," inside a string or a nested object
// misplaces the cut or the count, which the reader that parses the
// elements finds (see trainerStateReader.parse) before it uses them. It
// reports false, leaving the lexer where it was, when no "}," comes
// before the input ends. The copy is appended to dst[:0].
func (lx *jsonLexer) cutElements(dst []byte, size int) (chunk []byte, at lexPos, n int, ok bool) {
	at = lx.here()
	sep := []byte("},")
	b := lx.buf[lx.pos:]
	from := max(0, size-1) // where to look for "},"
	cut := -1
	for {
		if from < len(b) {
			if j := bytes.Index(b[from:], sep); j >= 0 {
				cut = from + j + 1
				break
			}
			from = max(from, len(b)-1)
		}
		more := lx.more()
		b = lx.buf[lx.pos:] // more moves the unread bytes, also at the end
		if !more {
			return nil, at, 0, false
		}
	}
	n = bytes.Count(b[:cut+1], sep)
	chunk = append(dst[:0], b[:cut]...)
	if k := bytes.Count(chunk, []byte{'\n'}); k > 0 {
		lx.line += k
		lx.lineStart = at.off + bytes.LastIndexByte(chunk, '\n') + 1
	}
	lx.pos += cut
	return chunk, at, n, true
}
