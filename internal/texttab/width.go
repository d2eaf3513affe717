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

// escapeLen returns the length of the ANSI escape sequence at the start of
// s (CSI "ESC [ params final" or a two-byte escape).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	if s[1] != '[' {
		return 2
	}
	for i := 2; i < len(s); i++ {
		if s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
	}
	return len(s)
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
	line, lw := words[0], Width(words[0])
	for _, word := range words[1:] {
		ww := Width(word)
		if width > 0 && lw+1+ww > width {
			lines = append(lines, line)
			line, lw = word, ww
			continue
		}
		line += " " + word
		lw += 1 + ww
	}
	return append(lines, line)
}
