// Package gcpace paces the garbage collector of the plateau command: a
// report holds every logged point, so collecting rarely (GOGC=200, the
// heap may grow to three times what is live) saves time on a large log,
// but the heap of a million-step log then peaks at three times its live
// data. Start caps the heap at the larger of a floor and 1.5 times the
// heap that was live after the last collection, through the runtime's
// memory limit, updated after every collection: small runs collect as
// rarely as before, a large one peaks at half its live data more, and
// the limit never falls below what is live, so the collector never runs
// back to back.
package gcpace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Headroom is the share of the live heap the heap may grow by before a
// collection, once the floor is passed.
const Headroom = 0.5

// Limit returns the memory limit for a live heap of live bytes.
func Limit(live uint64, floor int64) int64 {
	return max(floor, int64(float64(live)*(1+Headroom)))
}

// Start sets the memory limit to floor and then, after every garbage
// collection, to Limit of the live heap. It returns at once; the limit is
// updated by a finalizer, which runs after each collection.
func Start(floor int64) {
	debug.SetMemoryLimit(floor)
	p := &pacer{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	p.arm()
}

// A pacer updates the memory limit after each collection.
type pacer struct {
	floor  int64
	sample []metrics.Sample
}

// A sentinel is garbage as soon as it is made: its finalizer runs after
// the next collection, updates the limit and makes the next sentinel.
type sentinel struct{ p *pacer }

func (p *pacer) arm() {
	runtime.SetFinalizer(&sentinel{p: p}, func(s *sentinel) {
		s.p.update()
		s.p.arm()
	})
}

func (p *pacer) update() {
	metrics.Read(p.sample)
	if p.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	debug.SetMemoryLimit(Limit(p.sample[0].Value.Uint64(), p.floor))
}
