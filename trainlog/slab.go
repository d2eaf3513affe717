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
	// With reuse set, rewind hands the blocks out again: for a reader
	// whose entries are consumed (copied by a Collector) before it makes
	// the next ones, which then allocates nothing per entry.
	reuse   bool
	eBlocks [][]Entry
	kBlocks [][]KV
	eb, kb  int // blocks handed out since the last rewind
}

// rewind makes the blocks of a reusing slab available again; the entries
// and value lists handed out before must no longer be used.
func (s *entrySlab) rewind() {
	s.eb, s.kb, s.entries, s.kvs = 0, 0, nil, nil
}

// nextEntries returns a fresh or, when reusing, a rewound block.
func (s *entrySlab) nextEntries() []Entry {
	if s.reuse && s.eb < len(s.eBlocks) {
		b := s.eBlocks[s.eb]
		s.eb++
		return b
	}
	b := make([]Entry, slabEntries)
	if s.reuse {
		s.eBlocks = append(s.eBlocks, b)
		s.eb++
	}
	return b
}

func (s *entrySlab) nextKVs() []KV {
	if s.reuse && s.kb < len(s.kBlocks) {
		b := s.kBlocks[s.kb]
		s.kb++
		return b
	}
	b := make([]KV, slabKVs)
	if s.reuse {
		s.kBlocks = append(s.kBlocks, b)
		s.kb++
	}
	return b
}

// entry returns a new entry of the given kind and source, with unknown
// step, epoch and time.
func (s *entrySlab) entry(kind Kind, src Source) *Entry {
	if len(s.entries) == 0 {
		s.entries = s.nextEntries()
	}
	e := &s.entries[0]
	s.entries = s.entries[1:]
	*e = Entry{Kind: kind, Step: -1, Epoch: math.NaN(), Time: math.NaN(), Source: src}
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
		s.kvs = s.nextKVs()
	}
	v := s.kvs[:n:n]
	s.kvs = s.kvs[n:]
	copy(v, kvs)
	return v
}
