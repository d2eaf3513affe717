package perf

import (
	"os"
	"runtime/pprof"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

func TestZZAnalyze(t *testing.T) {
	path := "/tmp/big.log"
	if _, err := os.Stat(path); err != nil || os.Getenv("ZZAN") == "" {
		t.Skip()
	}
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create("/tmp/cpu_an.prof")
	pprof.StartCPUProfile(f)
	for i := 0; i < 6; i++ {
		analysis.Analyze(run, analysis.DefaultOptions)
	}
	pprof.StopCPUProfile()
	f.Close()
}
