package term

import "testing"

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"console.log:12", "console.log:12"},
		{"x\x1b]0;pwned\x07\x1b[2J.log", "x]0;pwned[2J.log"},
		{"a\rb\x7fc\x00d", "abcd"},
		{"csi\u009b31mred", "csi31mred"},
		{"raw \x9b byte", "raw \ufffd byte"},
		{"two\nlines\tand a tab", "two\nlines\tand a tab"},
		{"训练 loss", "训练 loss"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
