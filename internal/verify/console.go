package verify

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// The step of a console dict is checked against what the log shows
// around it, independently of how plateau aligned it:
//
//   - the dict's own "step" or "global_step" key, or a callback line
//     next to it (the line before, the text before the dict on its line,
//     the line after) that states a step and whose values the dict
//     shares agree: the step must be that one;
//   - for a dict printed right after tqdm's clear, the bar's frame before
//     it is a lower bound, and a frame at the very start of the next line
//     (tqdm's redraw) an upper bound; for a dict that is not, the last
//     frame before it bounds it from above (its text was flushed after
//     tqdm redrew the bar at its step);
//   - the epoch times the steps per epoch, within the epoch's rounding,
//     one step per finished epoch and 2% of the steps.
//
// The training bar is the one whose total is the run's max_steps (else
// the most frequent total), drawn on rank 0: a line that a launcher
// prefixed with another rank ("[rank1]:", srun's "1: ") is another
// process's, and is skipped.

var (
	barRE  = regexp.MustCompile(`(\d+)%\|[^|]*\|\s*(\d+)/(\d+) \[`)
	ansiRE = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")
	rankRE = regexp.MustCompile(`^(?:\[(?:rank|default)(\d+)\]:|\s{0,4}(\d{1,5}): )`)
	// swiftRE is ms-swift's own step: 'global_step/max_steps': '105/250'.
	swiftRE = regexp.MustCompile(`['"]global_step/max_steps['"]:\s*['"](\d+)/\d+['"]`)
)

// otherRank reports whether a launcher prefixed line s with a rank other
// than 0.
func otherRank(s string) bool {
	m := rankRE.FindStringSubmatch(s)
	return m != nil && strings.TrimLeft(m[1]+m[2], "0") != ""
}

// A console is what the step check needs of a console log.
type console struct {
	total int64
	// last[i] is the position of the training bar's last frame at the
	// end of line i+1, -1 before any.
	last []int64
}

func (v *verifier) console(f *file) *console {
	if f.con != nil {
		return f.con
	}
	f.line(1)
	counts := map[int64]int{}
	frames := make([][][2]int64, len(f.lines)) // per line: (position, total)
	for i, s := range f.lines {
		if otherRank(s) {
			continue
		}
		frames[i] = barFrames(s)
		for _, fr := range frames[i] {
			counts[fr[1]]++
		}
	}
	c := &console{total: -1, last: make([]int64, len(f.lines))}
	if ms := v.rep.Run.MaxSteps; ms > 0 && counts[ms] > 0 {
		c.total = ms
	} else {
		best := 0
		for t, k := range counts {
			if k > best || k == best && t > c.total {
				c.total, best = t, k
			}
		}
	}
	pos := int64(-1)
	for i := range f.lines {
		for _, fr := range frames[i] {
			if fr[1] == c.total {
				pos = fr[0]
			}
		}
		c.last[i] = pos
	}
	f.con = c
	return c
}

// barFrames returns the (position, total) of the bar frames of s, but
// those of a bar nested under another one (tqdm moves the cursor up
// after it: an evaluation bar under the training bar).
func barFrames(s string) [][2]int64 {
	if !strings.Contains(s, "%|") {
		return nil
	}
	var out [][2]int64
	for _, piece := range strings.Split(s, "\r") {
		if strings.Contains(piece, "\x1b[A") {
			continue
		}
		for _, m := range barRE.FindAllStringSubmatch(piece, -1) {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			t, _ := strconv.ParseInt(m[3], 10, 64)
			out = append(out, [2]int64{n, t})
		}
	}
	return out
}

// frames returns the positions of the training bar's frames in s.
func (c *console) frames(s string) []int64 {
	var out []int64
	for _, fr := range barFrames(s) {
		if fr[1] == c.total {
			out = append(out, fr[0])
		}
	}
	return out
}

// dictSpans returns the spans of the top-level braces of a line.
func dictSpans(s string) [][2]int {
	var out [][2]int
	depth, start := 0, -1
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case depth > 0 && (c == '\'' || c == '"'):
			quote = c
		case c == '{':
			if depth == 0 {
				start = i
			}
			depth++
		case c == '}' && depth > 0:
			depth--
			if depth == 0 {
				out = append(out, [2]int{start, i + 1})
			}
		}
	}
	return out
}

// consoleStep checks the step of a console citation at line n.
func (v *verifier) consoleStep(c analysis.Citation, f *file, n int) (string, bool) {
	text, _ := f.line(n)
	if strings.Contains(text, "TrainOutput(") {
		return fmt.Sprintf("cited for step %d, but line %d is what Trainer.train returned (TrainOutput): its training_loss and metrics are the run's totals and means, no step's log", c.Step, n), false
	}
	spans := dictSpans(text)
	var dict string
	start := -1
	for _, sp := range spans {
		d := text[sp[0]:sp[1]]
		if start < 0 || c.Metric != "" && hasKey(d, c.Metric) {
			dict, start = d, sp[0]
			if c.Metric == "" || hasKey(d, c.Metric) {
				break
			}
		}
	}
	if start < 0 {
		// Not a dict: a callback line or a banner may state its step.
		if st := statedStep(text); st >= 0 && st != c.Step && !c.StepEstimated {
			return fmt.Sprintf("cited for step %d, but line %d says step %d", c.Step, n, st), false
		}
		return "", true
	}
	kvs := keyValues(dict)
	// Exact evidence.
	exact := map[int64]string{}
	for _, p := range kvs {
		if p.key == "step" || p.key == "global_step" {
			exact[int64(p.tok.v)] = "its '" + p.key + "' key"
		}
	}
	if m := swiftRE.FindStringSubmatch(dict); m != nil {
		if st, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			exact[st] = "its 'global_step/max_steps' key"
		}
	}
	if len(exact) == 0 {
		cands := []struct {
			s    string
			what string
		}{{text[:start], "the text before it on line " + strconv.Itoa(n)}}
		if s, ok := f.line(n - 1); ok && !strings.Contains(s, "{") {
			cands = append(cands, struct{ s, what string }{s, "line " + strconv.Itoa(n-1)})
		}
		if s, ok := f.line(n + 1); ok && !strings.Contains(s, "{") {
			cands = append(cands, struct{ s, what string }{s, "line " + strconv.Itoa(n+1)})
		}
		for _, cb := range cands {
			piece := cb.s
			if i := strings.LastIndexByte(piece, '\r'); i >= 0 && cb.what != "line "+strconv.Itoa(n+1) {
				piece = piece[i+1:]
			}
			if st := statedStep(piece); st >= 0 && sameValues(kvs, keyValues(piece)) {
				exact[st] = "the callback on " + cb.what + " says step " + strconv.FormatInt(st, 10) + " with the same values"
			}
		}
	}
	if len(exact) > 0 {
		if _, ok := exact[c.Step]; ok {
			return "", true
		}
		for st, why := range exact {
			return fmt.Sprintf("cited for step %d, but line %d is step %d (%s)", c.Step, n, st, why), false
		}
	}
	// Bounds.
	con := v.console(f)
	if con.total > 0 {
		pre := ansiRE.ReplaceAllString(text[:start], "")
		pieces := strings.Split(pre, "\r")
		synced := len(pieces) >= 2 && pieces[len(pieces)-1] == "" && strings.TrimSpace(pieces[len(pieces)-2]) == "" && pieces[len(pieces)-2] != ""
		before := int64(-1)
		if fr := con.frames(pre); len(fr) > 0 {
			before = fr[len(fr)-1]
		} else if n >= 2 {
			before = con.last[n-2]
		}
		if synced {
			if before >= 0 && c.Step < before {
				return fmt.Sprintf("cited for step %d, but the progress bar already showed %d/%d before the dict, which tqdm printed right after its clear", c.Step, before, con.total), false
			}
			next, ok := f.line(n + 1)
			for k := n + 2; ok && otherRank(next) && k <= n+64; k++ {
				next, ok = f.line(k) // tqdm's redraw is on rank 0's next line
			}
			if ok {
				next = next[len(rankRE.FindString(next)):]
				first := strings.TrimLeft(ansiRE.ReplaceAllString(next, ""), "\r")
				if m := barRE.FindStringSubmatchIndex(first); m != nil && strings.TrimSpace(first[:m[0]]) == "" || m != nil && m[0] <= 4 {
					if fr := con.frames(first[:m[1]+1]); len(fr) > 0 && c.Step > fr[0] {
						return fmt.Sprintf("cited for step %d, but tqdm redrew the bar at %d/%d right after the dict", c.Step, fr[0], con.total), false
					}
				}
			}
		} else if before >= 0 && c.Step > before {
			return fmt.Sprintf("cited for step %d, but the progress bar showed only %d/%d before the dict's text reached the log", c.Step, before, con.total), false
		}
	}
	if v.spe > 0 {
		for _, p := range kvs {
			if p.key != "epoch" || math.IsNaN(p.tok.v) {
				continue
			}
			e := p.tok.v
			half := 0.5 * math.Pow(10, float64(p.tok.q))
			slack := 1.5 + math.Floor(math.Max(e, 0)) + 0.02*e*v.spe
			lo, hi := math.Floor((e-half)*v.spe-slack), math.Ceil((e+half)*v.spe+slack)
			if float64(c.Step) < lo || float64(c.Step) > hi {
				return fmt.Sprintf("cited for step %d, but epoch %s x %.6g steps per epoch allows steps %.0f-%.0f", c.Step, p.tok.text, v.spe, lo, hi), false
			}
		}
	}
	return "", true
}

// hasKey reports whether a dict's text has a key naming metric.
func hasKey(dict, metric string) bool {
	for _, p := range keyValues(dict) {
		if sameName(p.key, metric) {
			return true
		}
	}
	return false
}

// sameValues reports whether a callback line's values agree with a
// dict's: they share the loss or at least two values, and every shared
// value agrees within the rounding of both.
func sameValues(dict, cb []kv) bool {
	shared, loss := 0, false
	for _, d := range dict {
		if d.key == "epoch" || math.IsNaN(d.tok.v) {
			continue
		}
		for _, x := range cb {
			if x.key == "epoch" || !sameName(x.key, canonicalTrain(d.key)) && !sameName(d.key, canonicalTrain(x.key)) {
				continue
			}
			if !matches(d.tok.v, x.tok) && !matches(x.tok.v, d.tok) {
				return false
			}
			shared++
			loss = loss || canonicalTrain(d.key) == "loss"
			break
		}
	}
	return loss || shared >= 2
}
