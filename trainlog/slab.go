package trainlog

import "math"

// Sizes of the blocks an entrySlab allocates.
const (
	slabEntries = 256
	slabKVs     = 4096
	slabMaxKVs  = 64 // larger value lists get their own allocation
)

// An entrySlab hands out entries and value lists from blocks, so that a
// reader of a million entries makes thousands of allocations rather than
// millions. A block stays alive while any entry or value list in it is
// referenced, which costs nothing when the records are consumed as they
// come (as a Collector does).
type entrySlab struct {
	entries []Entry
	kvs     []KV
}

// entry returns a new entry of the given kind and source, with unknown
// step, epoch and time.
func (s *entrySlab) entry(kind Kind, src Source) *Entry {
	if len(s.entries) == 0 {
		// Fresh memory is written field by field before any pointer is
		// stored in it: see rawSeries.fill.
		s.entries = make([]Entry, slabEntries)
		for i := range s.entries {
			e := &s.entries[i]
			e.Step, e.Epoch, e.Time = -1, math.NaN(), math.NaN()
		}
	}
	e := &s.entries[0]
	s.entries = s.entries[1:]
	e.Kind, e.Source = kind, src
	return e
}

// values returns a copy of kvs whose capacity is its length, so that
// appending to it reallocates and never touches another entry's values.
func (s *entrySlab) values(kvs []KV) []KV {
	n := len(kvs)
	if n == 0 {
		return nil
	}
	if n > slabMaxKVs {
		return append([]KV(nil), kvs...)
	}
	if len(s.kvs) < n {
		s.kvs = make([]KV, slabKVs)
	}
	v := s.kvs[:n:n]
	s.kvs = s.kvs[n:]
	copy(v, kvs)
	return v
}
