package trainlog

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// checkExactNumber fails when exactJSONNumber accepts w but disagrees
// with strconv.ParseFloat in any bit.
func checkExactNumber(t *testing.T, w string) bool {
	t.Helper()
	got, ok := exactJSONNumber([]byte(w))
	if !ok {
		return false
	}
	want, err := strconv.ParseFloat(w, 64)
	if err != nil || math.Float64bits(got) != math.Float64bits(want) {
		t.Errorf("exactJSONNumber(%q) = %v (%x), ParseFloat = %v (%x), %v", w, got, math.Float64bits(got), want, math.Float64bits(want), err)
	}
	return true
}

func TestExactJSONNumber(t *testing.T) {
	for _, tt := range []struct {
		w    string
		fast bool
	}{
		{"0", true}, {"-0", true}, {"-0.0e5", true}, {"1", true}, {"-17", true},
		{"0.1", true}, {"4.971466541290283", true}, {"3.874723434448242", true},
		{"0.0006680000000000001", true}, {"0.12345678901234567", false}, // 17 digits, above 2^53
		{"2e-05", true}, {"1.5E+3", true}, {"1e22", true}, {"1e23", false}, {"1e-22", true}, {"1e-23", false},
		{"9007199254740992", false}, {"9007199254740991", true},
		{"123456789012345678901", false}, {"1.00000000000000000000", false},
		{"1e400", false}, {"1e-400", false}, {"0.000000000000000000001", true},
	} {
		if fast := checkExactNumber(t, tt.w); fast != tt.fast {
			t.Errorf("exactJSONNumber(%q) fast = %v, want %v", tt.w, fast, tt.fast)
		}
	}
	// Numbers as Python and Go write them: the fast path must agree
	// bit for bit whenever it answers, and answer most short ones.
	r := rand.New(rand.NewPCG(5, 6))
	fast := 0
	const n = 200_000
	for i := range n {
		v := math.Exp(r.NormFloat64()*8) * float64(1-2*(i%2))
		var w string
		switch i % 4 {
		case 0:
			w = strconv.FormatFloat(v, 'g', -1, 64)
		case 1:
			w = strconv.FormatFloat(v, 'f', r.IntN(10), 64)
		case 2:
			w = strconv.FormatFloat(v, 'e', r.IntN(17), 64)
		default:
			w = strconv.FormatFloat(float64(float32(v)), 'g', -1, 32)
		}
		if !validJSONNumber([]byte(w)) {
			continue
		}
		if checkExactNumber(t, w) {
			fast++
		}
	}
	if fast < n/2 {
		t.Errorf("the fast path took %d of %d numbers", fast, n)
	}
}

func FuzzExactJSONNumber(f *testing.F) {
	for _, w := range []string{"0", "-1.5e-7", "4.971466541290283", "1e22", "12345678901234567890"} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w string) {
		if validJSONNumber([]byte(w)) {
			checkExactNumber(t, w)
		}
	})
}
