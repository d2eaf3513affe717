package zzp

import (
	"os"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

func TestZZProf(t *testing.T) {
	path := "/tmp/big.log"
	if _, err := os.Stat(path); err != nil || os.Getenv("ZZPROF") == "" {
		t.Skip()
	}
	for i := 0; i < 1; i++ {
		_, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
}
