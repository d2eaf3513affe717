package report

import (
	"math"
	"testing"
)

func TestNumberFormats(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"num loss", num(2.8099), "2.81"},
		{"num four digits", num(0.2402), "0.2402"},
		{"num trims zeros", num(0.1286000001), "0.1286"},
		{"num integer", num(2484.2), "2484"},
		{"num large", num(338244), "338244"},
		{"num huge", num(9.7e6), "9.7e6"},
		{"num tiny", num(0.0005123), "5.123e-4"},
		{"num threshold", num(0.001), "0.001"},
		{"num negative", num(-0.0123), "-0.0123"},
		{"num rounds up", num(9.99996), "10"},
		{"num to million", num(999999.7), "1e6"},
		{"num zero", num(0), "0"},
		{"num NaN", num(math.NaN()), "NaN"},
		{"num +Inf", num(math.Inf(1)), "+Inf"},
		{"num -Inf", num(math.Inf(-1)), "-Inf"},
		{"sig 2", sig(0.03212, 2), "0.032"},
		{"sci lr", sci(2.0e-4, 3), "2e-4"},
		{"sci lr digits", sci(1.3433e-4, 3), "1.34e-4"},
		{"sci lr tiny", sci(2.6667e-7, 3), "2.67e-7"},
		{"sci positive exp", sci(1234567, 3), "1.23e6"},
		{"signed plus", signed(0.012), "+0.012"},
		{"signed minus", signed(-1.3), "-1.3"},
		{"signed zero", signed(0), "0"},
		{"fixed epoch", epoch(1), "1.00"},
		{"fixed NaN epoch", epoch(math.NaN()), "n/a"},
		{"pct", pct(0.957), "95.7%"},
		{"pct small", pct(0.00037), "0.037%"},
		{"pct zero", pct(0), "0.0%"},
		{"sigma", sigma(1.31), "+1.3σ"},
		{"sigma negative", sigma(-2.06), "-2.1σ"},
		{"pvalue small", pvalue(1e-9), "< 0.001"},
		{"pvalue", pvalue(0.4123), "0.41"},
		{"hms", hms(2484.2), "0:41:24"},
		{"hms day", hms(93784), "26:03:04"},
		{"hms negative", hms(-1), "n/a"},
		{"duration", duration(2484.2), "2484 s (0:41:24)"},
		{"steps range", resolveSteps(steps(1, 250), nil), "1-250"},
		{"steps single", resolveSteps(steps(750, 750), nil), "750"},
		{"steps range, the first estimated", resolveSteps(steps(1, 250), func(s int64) string {
			if s == 1 {
				return "cadence"
			}
			return ""
		}), "~1-250"},
		{"step unknown", step(-1), "n/a"},
		{"step of no data", stepN(250), "250"},
		{"count", count(24000), "24,000"},
		{"count small", count(750), "750"},
		{"count negative", count(-1234567), "-1,234,567"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\nb\tc\r", "a b c "},
		{"forged \x01code\x02 and \x03bbold\x04", "forged code and bbold"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestProse checks that text quoted from a log cannot forge markup: its
// control characters are dropped and its line breaks become spaces.
func TestProse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"the last is 6.438 (trainer_state.json#log_history[124]).", "the last is 6.438 (trainer_state.json#log_history[124])."},
		{"forged \x01code\x02 and \x03bem\x04", "forged code and bem"},
		{"two\nlines\tand a tab", "two lines and a tab"},
	}
	for _, tt := range tests {
		if got := prose(tt.in); got != tt.want {
			t.Errorf("prose(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
