package texttab

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Width returns the display width of s in terminal columns: ANSI escape
// sequences count zero, combining marks zero, East Asian wide and
// fullwidth characters two, everything else one.
func Width(s string) int {
	w := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i += escapeLen(s[i:])
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		w += runeWidth(r)
	}
	return w
}

// escapeLen returns the length of the escape sequence at the start of s,
// which starts with ESC. A CSI sequence is "ESC [", parameter bytes
// (0x30-0x3F), intermediate bytes (0x20-0x2F) and one final byte
// (0x40-0x7E), as ECMA-48 defines it; a byte outside that grammar ends a
// malformed sequence before it, so that an unfinished sequence never
// swallows the text after it (a space, another escape). An OSC sequence
// ("ESC ]", such as a window title) runs to BEL or "ESC \". Any other
// escape is two bytes, and an ESC before a control or non-ASCII byte
// one.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		i := 2
		for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3f {
			i++
		}
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
			i++
		}
		return i
	case ']':
		for i := 2; i < len(s); i++ {
			switch {
			case s[i] == 0x07:
				return i + 1
			case s[i] == 0x1b:
				if i+1 < len(s) && s[i+1] == '\\' {
					return i + 2
				}
				return i
			}
		}
		return len(s)
	}
	if s[1] < 0x20 || s[1] >= 0x7f {
		return 1 // a lone ESC: the next byte is text (or another escape)
	}
	return 2
}

func runeWidth(r rune) int {
	switch {
	case r < 0x20 || r == 0x7f:
		return 0
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == 0x200b:
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

// isWide reports the main East Asian wide and fullwidth ranges.
func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115f,
		r >= 0x2e80 && r <= 0x303e,
		r >= 0x3041 && r <= 0x33ff,
		r >= 0x3400 && r <= 0x4dbf,
		r >= 0x4e00 && r <= 0x9fff,
		r >= 0xa000 && r <= 0xa4cf,
		r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f,
		r >= 0x1f900 && r <= 0x1f9ff,
		r >= 0x20000 && r <= 0x3fffd:
		return true
	}
	return false
}

// Wrap breaks s into lines of at most width columns at spaces. A word
// wider than width stays whole on its own line. Runs of spaces between
// words collapse to one. It returns at least one line.
func Wrap(s string, width int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	line := words[0]
	for _, word := range words[1:] {
		// The joined line is measured, not the sum of its words: an
		// escape sequence may end differently once the words are joined.
		if next := line + " " + word; width <= 0 || Width(next) <= width {
			line = next
			continue
		}
		lines = append(lines, line)
		line = word
	}
	return append(lines, line)
}
