package main

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/internal/watch"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// watchView draws the live view on a terminal, or prints plain lines when
// standard output is not one.
type watchView struct {
	s        *streams
	path     string
	mu       sync.Mutex
	lines    int // lines drawn last time (terminal mode)
	evals    int // evaluations already printed (plain mode)
	lastLine time.Time
	// doneShown is set once the end of training was printed.
	doneShown bool
}

func newWatchView(s *streams, path string) *watchView {
	v := &watchView{s: s, path: path}
	if !s.outIsTTY {
		fmt.Fprintf(s.out, "plateau: watching %s\n", term.Sanitize(path))
	}
	return v
}

func (v *watchView) alert(a watch.Alert) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.s.outIsTTY {
		v.clear()
	}
	v.println(fmt.Sprintf("ALERT %s step %d: %s", a.Kind, a.Step, a.String()))
}

// println writes one line, with the control characters of names and
// sources read from the input dropped (term.Sanitize) and line breaks
// made spaces.
func (v *watchView) println(line string) {
	line = strings.NewReplacer("\n", " ", "\t", " ").Replace(term.Sanitize(line))
	fmt.Fprintln(v.s.out, line)
}

func (v *watchView) clear() {
	if v.lines > 0 {
		fmt.Fprintf(v.s.out, "\x1b[%dA\x1b[J", v.lines)
		v.lines = 0
	}
}

func (v *watchView) close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lines = 0
}

func (v *watchView) update(st watch.Status) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.s.outIsTTY {
		v.plain(st)
		return
	}
	// Names and sources come from the input: no escape they hold may
	// reach the terminal (the view's own codes are written by clear).
	text := fitWidth(term.Sanitize(liveText(st, v.path, v.s.width())), v.s.width())
	v.clear()
	fmt.Fprint(v.s.out, text)
	v.lines = strings.Count(text, "\n")
}

// plain prints one line per new evaluation and a progress line at most
// every 30 seconds, with no control codes.
func (v *watchView) plain(st watch.Status) {
	run := st.Run
	if ev := evalSeries(run); ev != nil {
		for ; v.evals < ev.Len(); v.evals++ {
			p := ev.Point(v.evals)
			v.println(fmt.Sprintf("eval step %d: %s %.4g (%s)", p.Step, ev.Name, p.Value, p.Source))
		}
	}
	if (time.Since(v.lastLine) >= 30*time.Second && !st.Done) || (st.Done && !v.doneShown) {
		v.lastLine = time.Now()
		v.doneShown = st.Done
		v.println(progressLine(st))
	}
}

func evalSeries(run *trainlog.Run) *trainlog.Series {
	if run == nil {
		return nil
	}
	if s := run.Get("eval_loss"); s.Len() > 0 {
		return s
	}
	for _, n := range run.SeriesNames() {
		if trainlog.IsEval(n) && !strings.Contains(n, "runtime") && !strings.Contains(n, "per_second") {
			return run.Series[n]
		}
	}
	return nil
}

func progressLine(st watch.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "step %d", st.Step)
	if st.Total > 0 {
		fmt.Fprintf(&b, "/%d (%.0f%%)", st.Total, 100*float64(st.Step)/float64(st.Total))
	}
	if loss := st.Run.Get("loss"); loss.Len() > 0 {
		p := loss.Point(loss.Len() - 1)
		fmt.Fprintf(&b, " loss %.4g (%s)", p.Value, p.Source)
	}
	if st.ETA > 0 {
		fmt.Fprintf(&b, " ETA %s", st.ETA.Round(time.Second))
	}
	if st.Report != nil {
		fmt.Fprintf(&b, " verdict %s", st.Report.Verdict.Status)
	}
	switch {
	case st.Done && st.Idle > 0:
		fmt.Fprintf(&b, " — ended: no file of the run changed for %s", st.Idle.Round(time.Minute))
	case st.Done:
		b.WriteString(" — training finished")
	}
	return b.String()
}

// liveText renders the terminal view.
func liveText(st watch.Status, path string, width int) string {
	var b strings.Builder
	run := st.Run
	fmt.Fprintf(&b, "plateau watch %s — %s\n", path, progressLine(st))
	if st.StepsPerSecond > 0 {
		fmt.Fprintf(&b, "  speed %.3g steps/s", st.StepsPerSecond)
		if st.ETA > 0 {
			fmt.Fprintf(&b, ", ETA %s", st.ETA.Round(time.Second))
		}
		b.WriteString("\n")
	}
	if loss := run.Get("loss"); loss.Len() > 0 {
		vals := loss.Values()
		sm := emaLast(vals, 0.6)
		fmt.Fprintf(&b, "  loss %.4g  smoothed %.4g  %s\n", vals[len(vals)-1], sm, sparkline(vals, min(width-30, 60)))
	}
	for _, name := range []string{"learning_rate", "grad_norm"} {
		if s := run.Get(name); s.Len() > 0 {
			p := s.Point(s.Len() - 1)
			fmt.Fprintf(&b, "  %s %.4g (%s)\n", name, p.Value, p.Source)
		}
	}
	if ev := evalSeries(run); ev != nil {
		p := ev.Point(ev.Len() - 1)
		fmt.Fprintf(&b, "  %s %.4g at step %d (%s)\n", ev.Name, p.Value, p.Step, p.Source)
	}
	if st.Report != nil {
		fmt.Fprintf(&b, "  verdict: %s — %s\n", st.Report.Verdict.Status, report.VerdictSentence(st.Report))
	}
	for _, a := range st.Alerts {
		fmt.Fprintf(&b, "  alert: %s\n", a.String())
	}
	return b.String()
}

// emaLast returns the last value of TensorBoard's debiased EMA.
func emaLast(vals []float64, w float64) float64 {
	last, n := 0.0, 0
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		last = last*w + (1-w)*v
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return last / (1 - math.Pow(w, float64(n)))
}

// sparkline draws values with block characters, max/min per bucket.
func sparkline(vals []float64, width int) string {
	if width < 8 || len(vals) == 0 {
		return ""
	}
	blocks := []rune("▁▂▃▄▅▆▇█")
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		return ""
	}
	n := min(width, len(vals))
	out := make([]rune, n)
	for i := 0; i < n; i++ {
		a, z := i*len(vals)/n, (i+1)*len(vals)/n
		m := math.Inf(-1)
		for _, v := range vals[a:max(z, a+1)] {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				m = math.Max(m, v)
			}
		}
		k := 0
		if hi > lo && !math.IsInf(m, 0) {
			k = int((m - lo) / (hi - lo) * float64(len(blocks)-1))
		}
		out[i] = blocks[k]
	}
	return string(out)
}

// fitWidth cuts every line to the terminal width, so that no line wraps
// and the view can be erased by moving up one row per line.
func fitWidth(text string, width int) string {
	if width < 10 {
		width = 10
	}
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		nl := strings.HasSuffix(l, "\n")
		l = strings.TrimSuffix(l, "\n")
		if r := []rune(l); len(r) > width-1 {
			l = string(r[:width-2]) + "…"
		}
		b.WriteString(l)
		if nl {
			b.WriteString("\n")
		}
	}
	return b.String()
}
