package trainlog

import "strings"

// csvMaxMetrics bounds the metric columns a CSV reader reads per header.
// Every metric column becomes a series, each with its own bookkeeping: a
// file of 200,000 columns and 5 rows (5.5 MB) took 1.5 GB. No report can
// show that many series, and no trainer logs them: the columns past the
// bound are left out, and the reader says so.
const csvMaxMetrics = 1000

// capMetrics leaves out the metric columns past csvMaxMetrics, keeping
// first the columns of the metrics a report is built on (loss, eval
// losses, learning rate, grad norm) wherever they are, then the others in
// file order. It adds a note at the header's line when it leaves any out.
func (p *csvPlan) capMetrics(src Source) {
	n := 0
	for _, c := range p.cols {
		if c.role == csvMetric {
			n++
		}
	}
	if n <= csvMaxMetrics {
		return
	}
	keep := 0
	for i := range p.cols {
		if c := &p.cols[i]; c.role == csvMetric && coreMetric(c.kind, c.key) {
			keep++
		}
	}
	others := csvMaxMetrics - min(keep, csvMaxMetrics)
	for i := range p.cols {
		c := &p.cols[i]
		if c.role != csvMetric || coreMetric(c.kind, c.key) {
			continue
		}
		if others > 0 {
			others--
			continue
		}
		c.role = csvSkip
	}
	p.notes = append(p.notes, Errorf(src, nil, "%d metric columns: %d are read (the loss, eval, learning-rate and grad-norm columns, then the first others) and %d left out; plateau reads at most %d metric columns per file",
		n, csvMaxMetrics, n-csvMaxMetrics, csvMaxMetrics))
}

// coreMetric reports the metrics a report is built on.
func coreMetric(kind Kind, key string) bool {
	switch c := Canonical(kind, key); {
	case c == "loss", c == "learning_rate", c == "grad_norm":
		return true
	case strings.HasPrefix(c, "eval_") && strings.Contains(c, "loss"):
		return true
	}
	return false
}
