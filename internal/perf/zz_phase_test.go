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
	if _, err := os.Stat(path); err != nil || os.Getenv("ZZPH") == "" {
		t.Skip()
	}
	var ms0, ms1, ms2 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	t2 := time.Now()
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t3 := time.Now()
	runtime.ReadMemStats(&ms1)
	rep := analysis.Analyze(run, analysis.DefaultOptions)
	t4 := time.Now()
	report.WriteJSON(io.Discard, rep)
	t5 := time.Now()
	runtime.ReadMemStats(&ms2)
	t.Logf("load %v (gcs %d, sys %dMB) analyze %v (gcs %d, sys %dMB) json %v", t3.Sub(t2), ms1.NumGC-ms0.NumGC, ms1.HeapSys>>20, t4.Sub(t3), ms2.NumGC-ms1.NumGC, ms2.HeapSys>>20, t5.Sub(t4))
}
