package trainlog

import "strconv"

// badStep is the problem of an entry whose step is not a step: negative,
// fractional, or beyond 2^53 (past which a float64 no longer holds every
// whole number, and no run logs that many steps). The entry is kept
// without a step, so that it is placed by the steps around it and marked
// as estimated, and the problem is reported at its source.
func badStep(src Source, v float64) *SyntaxError {
	return Errorf(src, nil, "step %s: expected a whole step from 0 to 2^53; the entry is kept, its step estimated from its place in the log",
		strconv.FormatFloat(v, 'g', -1, 64))
}
