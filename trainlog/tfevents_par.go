package trainlog

import "fmt"

// tfBatchRecords is the number of records a batch of readAll's pipeline
// holds.
const tfBatchRecords = 8192

// A tfBatch is a run of consecutive records, decoded.
type tfBatch struct {
	recs []tfRecord
	vals []tfValue
}

// readAll reads the input to its end, passing each record to add in
// order, as a loop over Scan would. Two goroutines share the work: one
// frames, checks and decodes the records (the scanner, the decoder and
// the tag cache are its own), and the caller's turns them into entries
// and passes them to add. The entries are reused once add returns (a
// Collector copies what it keeps), so that reading allocates nothing per
// record.
func (r *tfeventsReader) readAll(add func(Record)) {
	r.sink, r.slab.reuse = add, true
	defer func() { r.sink = nil }()
	const depth = 4
	full, free := make(chan *tfBatch, depth), make(chan *tfBatch, depth)
	for range depth {
		free <- &tfBatch{} // grown as records come: most files are small
	}
	done := make(chan struct{})
	defer close(done)
	var failed any // a panic of the decoding goroutine, raised again here
	d := r.d
	go func() {
		defer close(full)
		defer func() { failed = recover() }()
		for {
			var b *tfBatch
			select {
			case b = <-free:
			case <-done:
				return
			}
			// Local slices, stored in the batch when it is full: the
			// batches' headers share cache lines, which the other
			// goroutine reads.
			recs, vals := b.recs[:0], b.vals[:0]
			for len(recs) < tfBatchRecords && d.sc.Scan() {
				n := len(vals)
				rec := d.decode(vals)
				vals = rec.vals
				rec.vals = rec.vals[n:len(rec.vals):len(rec.vals)]
				recs = append(recs, rec)
			}
			b.recs, b.vals = recs, vals
			if len(b.recs) > 0 {
				select {
				case full <- b:
				case <-done:
					return
				}
			}
			if len(recs) < tfBatchRecords {
				return
			}
		}
	}()
	for b := range full {
		recs := b.recs
		for i := range recs {
			r.event(&recs[i])
		}
		free <- b
	}
	if failed != nil {
		panic(failed)
	}
	r.flush()
	if err := r.d.sc.Err(); err != nil {
		r.err = fmt.Errorf("%s: %w", r.name, err)
	}
}
