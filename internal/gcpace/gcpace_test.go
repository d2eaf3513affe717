package gcpace

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	for _, c := range []struct {
		live  uint64
		floor int64
		want  int64
	}{
		{0, 320 << 20, 320 << 20},
		{100 << 20, 320 << 20, 320 << 20},
		{300 << 20, 320 << 20, 450 << 20},
		{1 << 30, 320 << 20, 3 << 29},
	} {
		if got := Limit(c.live, c.floor); got != c.want {
			t.Errorf("Limit(%d, %d) = %d, want %d", c.live, c.floor, got, c.want)
		}
	}
}

// TestStart checks that the limit follows the live heap after
// collections: a floor of 1 MiB, then 64 MiB held live.
func TestStart(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	Start(1 << 20)
	if got := debug.SetMemoryLimit(-1); got != 1<<20 {
		t.Fatalf("limit after Start = %d, want the floor %d", got, 1<<20)
	}
	held := make([]byte, 64<<20)
	for i := range held {
		held[i] = byte(i)
	}
	want := int64(64 << 20 * (1 + Headroom))
	var got int64
	for range 100 { // the finalizer runs on its own goroutine after a collection
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if got = debug.SetMemoryLimit(-1); got >= want && got < want+want/4 {
			break
		}
	}
	runtime.KeepAlive(held)
	if got < want || got >= want+want/4 || got == math.MaxInt64 {
		t.Errorf("limit with 64 MiB live = %d, want about %d", got, want)
	}
}
