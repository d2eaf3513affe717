package term

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes text read from the input (a file name, a metric name, a
// message quoting a log) safe to print on a terminal: control characters
// are dropped, ESC and BEL included, and with them the power of any
// escape sequence (a window title, a cleared screen, a moved cursor);
// the printable rest of a sequence stays visible, so an odd name still
// shows that it is odd. C1 controls (U+0080-U+009F, 0x9B is a one-byte
// CSI) go too, and bytes that are not UTF-8 become U+FFFD. Line feeds
// and tabs are kept; callers that print one line per item replace them.
func Sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			i++ // printable ASCII, a line feed or a tab: kept
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unicode.IsControl(r) && r != '\n' && r != '\t':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
