package analysis

import (
	"math"
	"strconv"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// memEntry returns a training entry of file:line at step with the given
// epoch (NaN for none) and key/value pairs, written with digits
// significant digits (17 for full precision).
func memEntry(file string, line int, step int64, epoch float64, digits int, kv ...any) *trainlog.Entry {
	e := trainlog.NewEntry(trainlog.KindTrain, trainlog.Source{File: file, Line: line})
	if line == 0 {
		e.Source.Frag = "log_history[" + strconv.FormatInt(step-1, 10) + "]"
	}
	e.Step, e.Epoch = step, epoch
	for i := 0; i+1 < len(kv); i += 2 {
		e.Values = append(e.Values, trainlog.KV{Key: kv[i].(string), Value: kv[i+1].(float64), Digits: digits})
	}
	return e
}

// memRun collects records into a run named "mem".
func memRun(recs ...trainlog.Record) *trainlog.Run {
	run := trainlog.NewRun("mem")
	run.Root = "mem"
	c := trainlog.NewCollector(run)
	for _, r := range recs {
		c.Add(r)
	}
	return c.Run()
}

// geo returns a geometry record.
func geo(key string, v float64, file string, line int) *trainlog.Meta {
	return &trainlog.Meta{Geometry: &trainlog.Value{Key: key, Value: v, Digits: 17, Source: trainlog.Source{File: file, Line: line}}}
}

// sum returns a summary record.
func sum(key string, v float64, file string, line int) *trainlog.Meta {
	return &trainlog.Meta{Summary: &trainlog.Value{Key: key, Value: v, Digits: 17, Source: trainlog.Source{File: file, Line: line}}}
}

// curveRun returns a run of n steps logged every `every` steps in
// train.log (one line per log), with loss(step), grad_norm(step) and
// learning_rate(step), and epochs of stepsPerEpoch steps (+Inf: no
// epoch logged) rounded to epochDigits decimals (-1: full precision).
func curveRun(n, every int, stepsPerEpoch float64, epochDigits int, loss, gn, lr func(int) float64, extra ...trainlog.Record) *trainlog.Run {
	var recs []trainlog.Record
	for s := every; s <= n; s += every {
		ep := float64(s) / stepsPerEpoch
		if math.IsInf(stepsPerEpoch, 1) {
			ep = math.NaN()
		} else if epochDigits >= 0 {
			p := math.Pow(10, float64(epochDigits))
			ep = math.Round(ep*p) / p
		}
		kv := []any{"loss", loss(s)}
		if gn != nil {
			kv = append(kv, "grad_norm", gn(s))
		}
		if lr != nil {
			kv = append(kv, "learning_rate", lr(s))
		}
		recs = append(recs, memEntry("train.log", s/every, int64(s), ep, 17, kv...))
	}
	return memRun(append(recs, extra...)...)
}

func TestMemRunHelpers(t *testing.T) {
	run := curveRun(10, 1, 5, 2, func(s int) float64 { return 1 / float64(s) }, nil, nil)
	if got := run.Get("loss").Len(); got != 10 {
		t.Fatalf("loss has %d points, want 10", got)
	}
	if p, _ := run.Get("loss").At(5); p.Source.String() != "train.log:5" || p.Epoch != 1 {
		t.Errorf("step 5 = %+v", p)
	}
}
