package perf

import (
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

func TestZZPhases(t *testing.T) {
	path := "/tmp/big.log"
	if _, err := os.Stat(path); err != nil {
		t.Skip()
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		t0 := time.Now()
		f, _ := os.Open(path)
		rd, _, _ := trainlog.Open("big.log", f, trainlog.Options{})
		n := 0
		for rd.Scan() {
			n++
		}
		f.Close()
		t1 := time.Now()
		runtime.GC()
		t2 := time.Now()
		run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t3 := time.Now()
		rep := analysis.Analyze(run, analysis.DefaultOptions)
		t4 := time.Now()
		report.WriteJSON(io.Discard, rep)
		t5 := time.Now()
		runtime.ReadMemStats(&ms1)
		t.Logf("read-only %v (%d recs) | load %v analyze %v json %v | gcs %d pause %v", t1.Sub(t0), n, t3.Sub(t2), t4.Sub(t3), t5.Sub(t4), ms1.NumGC-ms0.NumGC, time.Duration(ms1.PauseTotalNs-ms0.PauseTotalNs))
	}
}
