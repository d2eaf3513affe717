package perf

import (
	"os"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

func TestZZRead(t *testing.T) {
	path := "/tmp/big.log"
	if _, err := os.Stat(path); err != nil || os.Getenv("ZZREAD") == "" {
		t.Skip()
	}
	for i := 0; i < 3; i++ {
		f, _ := os.Open(path)
		rd, _, _ := trainlog.Open("big.log", f, trainlog.Options{})
		n := 0
		for rd.Scan() {
			n++
		}
		f.Close()
	}
}
