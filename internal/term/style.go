package term

import "strings"

// A Style is a set of ANSI SGR attributes.
type Style string

// Styles used by the renderers.
const (
	Bold   Style = "1"
	Dim    Style = "2"
	Red    Style = "1;31"
	Green  Style = "1;32"
	Yellow Style = "1;33"
	Cyan   Style = "36"
)

// Paint wraps s in the escape sequences of style. It does not check
// whether colour is allowed: callers do (see Term.Color).
func Paint(s string, style Style) string {
	if s == "" || style == "" {
		return s
	}
	return "\x1b[" + string(style) + "m" + s + "\x1b[0m"
}

// Strip removes ANSI CSI escape sequences from s.
func Strip(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		i++
	}
	return b.String()
}
