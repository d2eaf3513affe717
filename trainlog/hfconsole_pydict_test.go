package trainlog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestPyDict(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // key=kind:value, ...; or the status
		end  int    // -1: the whole input
	}{
		{"{'loss': 2.1048, 'grad_norm': 2.1349170207977295, 'learning_rate': 4.9939613526570054e-05, 'epoch': 0.0}",
			"loss=n:2.1048 grad_norm=n:2.1349170207977295 learning_rate=n:4.9939613526570054e-05 epoch=n:0", -1},
		{"{'loss': '5.072', 'grad_norm': '20.19', 'learning_rate': '0', 'epoch': '0.009302'}",
			"loss=q:5.072 grad_norm=q:20.19 learning_rate=q:0 epoch=q:0.009302", -1},
		{"{'eval_num_tokens': '2.787e+05', 'x': 'nan', 'y': '-inf'}", "eval_num_tokens=q:278700 x=q:NaN y=q:-Inf", -1},
		{"{'loss': 0.2051, 'grad_norm': nan, 'g2': inf, 'g3': -inf}", "loss=n:0.2051 grad_norm=n:NaN g2=n:+Inf g3=n:-Inf", -1},
		{"{'reward': None, 'done': True, 'ok': False, 'name': 'run-1'}", "reward=none done=bool ok=bool name=s", -1},
		{"{'a': np.float64(0.5), 'b': tensor(0.25, device='cuda:0'), 'c': device(type='cuda')}", "a=n:0.5 b=n:0.25 c=o", -1},
		{"{\"it's\": 1, 'memory/max_active (GiB)': 3.5,}", "it's=n:1 memory/max_active (GiB)=n:3.5", -1},
		{"{'t': {'name': 'x', 'n': [1, 2]}, 'o': <object at 0x1>, 'l': (1, 2)}", "t=o o=o l=o", -1},
		{"{}", "", -1},
		{"{'loss': 1.0}{'loss': 2.0}", "loss=n:1", 13},
		{"{'loss': 1.0, 'ep", "unterminated", 0},
		{"{'a': 'b\\'", "unterminated", 0},
		{"{'loss' 1.0}", "bad", 0},
		{"{loss: 1.0}", "bad", 0},
		{"{'a': 1 'b': 2}", "bad", 0},
	} {
		items, end, st, msg := pdDict([]byte(tc.in), nil)
		var got string
		switch st {
		case pdUnterminated:
			got = "unterminated"
		case pdBad:
			got = "bad"
			if msg == "" {
				t.Errorf("%s: no message", tc.in)
			}
		default:
			var parts []string
			for _, it := range items {
				parts = append(parts, string(it.key)+"="+pdKindText(it))
			}
			got = strings.Join(parts, " ")
		}
		if got != tc.want {
			t.Errorf("%s:\n got  %s\n want %s", tc.in, got, tc.want)
		}
		wantEnd := tc.end
		if wantEnd < 0 {
			wantEnd = len(tc.in)
		}
		if end != wantEnd {
			t.Errorf("%s: end %d, want %d", tc.in, end, wantEnd)
		}
	}
}

func pdKindText(it pdItem) string {
	switch it.kind {
	case pdNumber:
		return "n:" + fmt.Sprint(it.num.v)
	case pdQuoted:
		return "q:" + fmt.Sprint(it.num.v)
	case pdString:
		return "s"
	case pdNone:
		return "none"
	case pdBool:
		return "bool"
	}
	return "o"
}

// TestPyNumber compares the fast number parser with strconv and checks
// the shape it reports.
func TestPyNumber(t *testing.T) {
	for _, tc := range []struct {
		in        string
		sig, frac int
		mag       int
		trailing  bool
	}{
		{"6.284", 4, 3, 0, false},
		{"0.0006557", 4, 7, -4, false},
		{"392", 3, 0, 2, false},
		{"2e-05", 1, 0, -5, false},
		{"6.667e-05", 4, 3, -5, false},
		{"2.5000e-06", 5, 4, -6, true},
		{"1.00e-03", 3, 2, -3, true},
		{"20.0", 3, 1, 1, false},
		{"0", 0, 0, 0, false},
		{"-0.5", 1, 1, -1, false},
		{"526222110720000.0", 16, 1, 14, false},
		{"2.0772363998572052e+18", 17, 16, 18, false},
		{"9.774074342405685e-06", 16, 15, -6, false},
		{"12345678901234567890123", 23, 0, 22, false},
		{"1e400", 1, 0, 400, false},
	} {
		n, ok := pdParseNumber([]byte(tc.in))
		if !ok {
			t.Errorf("%s: not parsed", tc.in)
			continue
		}
		want, _ := strconv.ParseFloat(tc.in, 64)
		if n.v != want && !(math.IsInf(want, 0) && n.v == want) {
			t.Errorf("%s: %v, strconv says %v", tc.in, n.v, want)
		}
		if n.sig != tc.sig || n.frac != tc.frac || n.mag != tc.mag || n.trailing != tc.trailing {
			t.Errorf("%s: sig %d frac %d mag %d trailing %v, want %d %d %d %v", tc.in, n.sig, n.frac, n.mag, n.trailing, tc.sig, tc.frac, tc.mag, tc.trailing)
		}
	}
	for _, bad := range []string{"", "-", ".", "1.2.3", "1e", "1e+", "abc", "0x10", "1_000", "--1", "nanx"} {
		if _, ok := pdParseNumber([]byte(bad)); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	// Exhaustive-ish agreement with strconv on short decimals.
	for i := 0; i < 200000; i++ {
		s := strconv.FormatFloat(float64(i)*0.000137+float64(i%7)*1e-9, 'g', 1+i%17, 64)
		n, ok := pdParseNumber([]byte(s))
		want, _ := strconv.ParseFloat(s, 64)
		if !ok || n.v != want {
			t.Fatalf("%s: %v, strconv says %v", s, n.v, want)
		}
	}
}
