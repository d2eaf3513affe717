package trainlog

import (
	"math"
	"testing"
)

func TestSourceString(t *testing.T) {
	tests := []struct {
		src       Source
		str, frag string
	}{
		{Source{}, "", ""},
		{Source{File: "a.log"}, "a.log", ""},
		{Source{File: "a.log", Line: 12}, "a.log:12", ""},
		{Source{File: "s.json", Frag: "max_steps"}, "s.json#max_steps", "max_steps"},
		{ElemSource("s.json", LogHistory, 0), "s.json#log_history[0]", "log_history[0]"},
		{ElemSource("run/s.json", LogHistory, 1234567), "run/s.json#log_history[1234567]", "log_history[1234567]"},
		{ElemSource("ev", TFRecord, 40), "ev#record[40]", "record[40]"},
		{ElemSource("ev", TFRecord, math.MaxInt32), "ev#record[2147483647]", "record[2147483647]"},
		// Indices beyond Source.Index are written out.
		{ElemSource("ev", TFRecord, math.MaxInt32+1), "ev#record[2147483648]", "record[2147483648]"},
		{ElemSource("", TFRecord, 3), "", "record[3]"},
	}
	for _, tt := range tests {
		if got := tt.src.String(); got != tt.str {
			t.Errorf("%#v.String() = %q, want %q", tt.src, got, tt.str)
		}
		if got := tt.src.Fragment(); got != tt.frag {
			t.Errorf("%#v.Fragment() = %q, want %q", tt.src, got, tt.frag)
		}
	}
	if ElemSource("ev", TFRecord, 0).IsZero() || !(Source{}).IsZero() {
		t.Error("IsZero is wrong")
	}
	// A syntax error at an element cites it the same way.
	if got := Errorf(ElemSource("s.json", LogHistory, 7), nil, "bad %s", "value").Error(); got != "s.json#log_history[7]: bad value" {
		t.Errorf("Errorf at an element = %q", got)
	}
}
