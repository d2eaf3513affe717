package trainlog

import (
	"strings"
)

var hcPctBar = []byte("%|")

// An hcBar tracks the training progress bar: the tqdm bar without a
// description (or "Train..."), not nested under another bar, whose total
// is the run's max_steps. Evaluation, download and shard-writing bars have
// other totals or descriptions.
type hcBar struct {
	total    int64 // the training bar's total, 0 until seen
	maxSteps int64 // max_steps from the INFO block or a banner, 0 unknown
	n        int64 // last position of the training bar, -1 before any
	line     int
	text     []byte // "N/TOTAL [ELAPSED<REMAINING, RATE]" of the last state
	moved    bool   // the position changed since the last dict
	reported string // text of the last progress reported
}

func (b *hcBar) init() { b.n = -1 }

// barState records a state of a bar that may be the training bar;
// cleared reports a frame drawn right after tqdm's clear.
func (r *consoleReader) barState(n, t int64, text []byte, cleared bool) {
	b := &r.bar
	switch {
	case b.total == t:
	case b.total == 0 && (b.maxSteps == 0 || t == b.maxSteps):
		b.total = t
	case b.maxSteps > 0 && t == b.maxSteps:
		b.total = t
	case r.steps.nTrain == 0 && b.n >= b.total:
		b.total = t // the first bar was done before training started
	default:
		return
	}
	if n != b.n {
		b.moved = true
	}
	b.n, b.line = n, r.line
	b.text = append(b.text[:0], text...)
	r.txt.inBlock = false
	r.steps.onBar(r, n, cleared)
}

// report queues the training bar's last state as summary values and a
// progress text when it changed since the last report.
func (b *hcBar) report(r *consoleReader) {
	if b.n < 0 || string(b.text) == b.reported {
		return
	}
	b.reported = string(b.text)
	src := r.src1(b.line)
	sum := func(key string, v float64, digits int) {
		r.emit(&Meta{Summary: &Value{Key: key, Value: v, Digits: digits, Source: src}})
	}
	sum("tqdm_step", float64(b.n), DigitsFloat64)
	sum("tqdm_total", float64(b.total), DigitsFloat64)
	elapsed, rate, perIt, digits, ok := hcBarTimes(b.reported)
	if elapsed >= 0 {
		sum("tqdm_elapsed_seconds", elapsed, DigitsFloat64)
	}
	if ok {
		// Only the rate the bar printed is a logged value; the analysis
		// derives the inverse and says so.
		if perIt {
			sum("tqdm_seconds_per_it", rate, digits)
		} else {
			sum("tqdm_it_per_second", rate, digits)
		}
	}
	r.info(InfoProgress, b.reported, b.line)
}

// hcBarTimes parses "N/T [ELAPSED<REMAINING, RATE...]": the elapsed
// seconds (-1 when unreadable) and the rate, in s/it when perIt is set.
func hcBarTimes(text string) (elapsed, rate float64, perIt bool, digits int, ok bool) {
	elapsed = -1
	i := strings.IndexByte(text, '[')
	if i < 0 {
		return
	}
	inner := strings.TrimSuffix(text[i+1:], "]")
	lt := strings.IndexByte(inner, '<')
	comma := strings.IndexByte(inner, ',')
	switch {
	case lt >= 0:
		if d, good := ParseDuration(inner[:lt]); good {
			elapsed = d
		}
	case comma >= 0:
		if d, good := ParseDuration(inner[:comma]); good {
			elapsed = d
		}
	}
	if comma < 0 {
		return
	}
	r := strings.TrimSpace(inner[comma+1:])
	if c := strings.IndexByte(r, ','); c >= 0 {
		r = r[:c]
	}
	switch {
	case strings.HasSuffix(r, "s/it"):
		perIt, r = true, strings.TrimSuffix(r, "s/it")
	case strings.HasSuffix(r, "it/s"):
		r = strings.TrimSuffix(r, "it/s")
	default:
		return
	}
	v, d, good := ParseNumber(r)
	if !good {
		return
	}
	return elapsed, v, perIt, d, true
}
