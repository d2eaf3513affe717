package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestDerivedRuntime checks where each kind of runtime is cited: a
// runtime read from the log cites where it was read; a difference of two
// wall-clock times is derived, says so, and names both times' sources
// instead of citing one as if it held the difference.
func TestDerivedRuntime(t *testing.T) {
	entry := func(step int64, tm float64, frag string) *trainlog.Entry {
		e := memEntry("events.out.tfevents.1", 0, step, math.NaN(), 7, "loss", 2.0/float64(step))
		e.Source.Frag, e.Time = frag, tm
		return e
	}
	for _, tc := range []struct {
		name   string
		recs   []trainlog.Record
		value  float64
		source string
	}{
		{"wall-clock times: derived", []trainlog.Record{entry(1, 1.7e9, "record[3]"), entry(2, 1.7e9+30, "record[5]"), entry(3, 1.7e9+61.5, "record[7]")},
			61.5, "derived: events.out.tfevents.1#record[7] − events.out.tfevents.1#record[3]"},
		{"elapsed time logged: read", []trainlog.Record{entry(1, 10, "record[3]"), entry(2, 20.5, "record[5]")},
			20.5, "events.out.tfevents.1#record[5]"},
		{"train_runtime: read", []trainlog.Record{entry(1, 1.7e9, "record[3]"), entry(2, 1.7e9+30, "record[5]"),
			&trainlog.Meta{Summary: &trainlog.Value{Key: "train_runtime", Value: 33.25, Digits: 6, Source: trainlog.Source{File: "train.log", Line: 9}}}},
			33.25, "train.log:9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := throughput(newAnalyzer(memRun(tc.recs...)), DefaultOptions)
			c := tp.RuntimeSeconds
			if c == nil || c.Value != tc.value || c.Source != tc.source {
				t.Fatalf("runtime = %+v, want %v from %q", c, tc.value, tc.source)
			}
			if derived := strings.HasPrefix(c.Source, "derived: "); derived != strings.HasPrefix(tc.source, "derived: ") || (derived && len(c.Also) > 0) {
				t.Errorf("runtime %+v: a derived value has no read source", c)
			}
		})
	}
}
