package trainlog

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Sentinel causes of a refusal to read paths as one run.
var (
	// ErrManyRuns means a path holds several runs.
	ErrManyRuns = errors.New("several runs")
	// ErrDifferentRuns means paths given together are not views of one run.
	ErrDifferentRuns = errors.New("different runs")
)

// A ManyRunsError says that a path given as one run holds several.
type ManyRunsError struct {
	Path string
	Runs []RunDir
	// Sessions are the training sessions of Runs, as 'plateau scan' lists
	// them (see Sessions): the views of one session are one. Nil when the
	// runs were not grouped: each run is then a session.
	Sessions []Session
}

// List returns the sessions the path holds: Sessions, or one per run.
func (e *ManyRunsError) List() []Session {
	if e.Sessions != nil {
		return e.Sessions
	}
	out := make([]Session, len(e.Runs))
	for i, r := range e.Runs {
		out[i] = Session{Label: r.Label(), Runs: []RunDir{r}}
	}
	return out
}

func (e *ManyRunsError) Error() string {
	list := e.List()
	names := make([]string, 0, 4)
	for i, s := range list {
		if i == 3 {
			names = append(names, "...")
			break
		}
		names = append(names, s.Label)
	}
	return fmt.Sprintf("%s holds %d runs (%s), not one", e.Path, len(list), strings.Join(names, ", "))
}

// Unwrap returns ErrManyRuns.
func (e *ManyRunsError) Unwrap() error { return ErrManyRuns }

// A DifferentRunsError says that two paths given together are not views
// of one run, with the evidence.
type DifferentRunsError struct {
	Paths    [2]string
	Relation Relation
	Check    ViewCheck
}

func (e *DifferentRunsError) Error() string {
	a, b := e.Paths[0], e.Paths[1]
	c := e.Check
	if e.Relation == RelUnknown {
		return fmt.Sprintf("%s and %s are not known to be views of one run: no measured value (loss, eval, grad_norm, end-of-training summary) is logged at a step both hold", a, b)
	}
	msg := fmt.Sprintf("%s and %s are different runs: of the %d measured values logged at steps both hold, %d differ beyond rounding", a, b, c.Common+c.SummaryCommon, c.Common+c.SummaryCommon-c.Agree-c.SummaryAgree)
	if len(c.Mismatches) > 0 {
		m := c.Mismatches[0]
		at := ""
		if m.Step >= 0 {
			at = fmt.Sprintf(" at step %d", m.Step)
		}
		msg += fmt.Sprintf(" (%s%s: %s has %s, %s has %s)", m.What, at, m.SourceA, fmtG(m.A), m.SourceB, fmtG(m.B))
	}
	for i, m := range c.Settings {
		if i == 3 {
			msg += fmt.Sprintf("; %d more settings differ", len(c.Settings)-3)
			break
		}
		msg += fmt.Sprintf("; %s is %s in %s but %s in %s", m.What, fmtG(m.A), m.SourceA, fmtG(m.B), m.SourceB)
	}
	return msg
}

// Unwrap returns ErrDifferentRuns.
func (e *DifferentRunsError) Unwrap() error { return ErrDifferentRuns }

// A ViewCheck is the evidence on whether two runs' logs are views of one
// run (CompareViews).
type ViewCheck struct {
	// Common counts the measured values (series points) logged at a step
	// both runs hold; Agree counts those equal within rounding.
	Common, Agree int
	// SummaryCommon and SummaryAgree count the end-of-training values
	// both logged, and those that agree.
	SummaryCommon, SummaryAgree int
	// Mismatches lists the first values that differ, in step order.
	Mismatches []ViewMismatch
	// Settings lists the run settings (geometry) both logged with
	// different values.
	Settings []ViewMismatch
}

// A ViewMismatch is one value two runs logged differently.
type ViewMismatch struct {
	// What is the series, summary or geometry key.
	What string
	// Step is the step of a series value, -1 otherwise.
	Step             int64
	A, B             float64
	SourceA, SourceB Source
}

// maxMismatches bounds ViewCheck.Mismatches.
const maxMismatches = 5

// Same reports whether the evidence says the two runs are views of one
// run: some measured value is logged by both, at most one in ten of them
// differs (a resumed run's console can hold a few values its
// trainer_state.json lost), and, with fewer than three values in common,
// no run setting differs.
func (c ViewCheck) Same() bool {
	n := c.Common + c.SummaryCommon
	if n == 0 {
		return false
	}
	bad := n - c.Agree - c.SummaryAgree
	if bad*10 > n {
		return false
	}
	return c.Common >= 3 || len(c.Settings) == 0
}

// identity reports whether a series or summary value tells one run from
// another: measured values do, values the configuration fixes (the
// learning rate, the epoch, counts of tokens or steps, FLOPs) do not.
func identity(name string) bool {
	switch {
	case name == "learning_rate", name == "epoch", name == "step", name == "total_flos":
		return false
	case strings.Contains(name, "tokens"), strings.Contains(name, "global_step"), strings.HasPrefix(name, "tqdm_"):
		return false
	}
	return true
}

// CompareViews compares two runs read from different paths: the values
// of the measured series they both log at the same step, their
// end-of-training values, and their settings.
func CompareViews(a, b *Run) ViewCheck {
	var c ViewCheck
	for _, name := range a.SeriesNames() {
		sb := b.Series[name]
		if sb == nil || !identity(name) {
			continue
		}
		sa := a.Series[name]
		i, j := 0, 0
		for i < sa.Len() && j < sb.Len() {
			ps, qs := sa.Step(i), sb.Step(j)
			switch {
			case ps < qs:
				i++
				continue
			case ps > qs:
				j++
				continue
			}
			ia, ib := i, j
			i, j = i+1, j+1
			c.Common++
			if agreeEither(sa.Value(ia), sa.Digits(ia), sb.Value(ib), sb.Digits(ib)) {
				c.Agree++
				continue
			}
			c.Mismatches = append(c.Mismatches, ViewMismatch{What: name, Step: ps, A: sa.Value(ia), B: sb.Value(ib), SourceA: sa.Source(ia), SourceB: sb.Source(ib)})
		}
	}
	// The loss first, then by step.
	sort.SliceStable(c.Mismatches, func(i, j int) bool {
		a, b := c.Mismatches[i], c.Mismatches[j]
		if (a.What == "loss") != (b.What == "loss") {
			return a.What == "loss"
		}
		return a.Step < b.Step
	})
	if len(c.Mismatches) > maxMismatches {
		c.Mismatches = c.Mismatches[:maxMismatches]
	}
	for _, k := range sortedKeys(a.Summary) {
		va, vb := a.Summary[k], b.Summary[k]
		if _, ok := b.Summary[k]; !ok || !identity(k) {
			continue
		}
		c.SummaryCommon++
		if agreeEither(va.Value, va.Digits, vb.Value, vb.Digits) {
			c.SummaryAgree++
		} else if len(c.Mismatches) < maxMismatches {
			c.Mismatches = append(c.Mismatches, ViewMismatch{What: k, Step: -1, A: va.Value, B: vb.Value, SourceA: va.Source, SourceB: vb.Source})
		}
	}
	// A last value (wandb-summary.json's train/loss) against the other
	// run's series of that name.
	lastOf := func(x, y *Run, swap bool) {
		for _, k := range sortedKeys(x.Summary) {
			s := y.Series[k]
			if _, ok := y.Summary[k]; ok || s.Len() == 0 || !identity(k) {
				continue
			}
			v, p := x.Summary[k], s.Point(s.Len()-1)
			c.SummaryCommon++
			if agreeEither(v.Value, v.Digits, p.Value, p.Digits) {
				c.SummaryAgree++
			} else if len(c.Mismatches) < maxMismatches {
				m := ViewMismatch{What: k, Step: -1, A: v.Value, B: p.Value, SourceA: v.Source, SourceB: p.Source}
				if swap {
					m.A, m.B, m.SourceA, m.SourceB = m.B, m.A, m.SourceB, m.SourceA
				}
				c.Mismatches = append(c.Mismatches, m)
			}
		}
	}
	lastOf(a, b, false)
	lastOf(b, a, true)
	for _, k := range sortedKeys(a.Geometry) {
		vb, ok := b.Geometry[k]
		va := a.Geometry[k]
		if !ok || k == GeoGlobalStep || k == GeoResumedFrom {
			continue
		}
		if !agreeEither(va.Value, va.Digits, vb.Value, vb.Digits) {
			c.Settings = append(c.Settings, ViewMismatch{What: k, Step: -1, A: va.Value, B: vb.Value, SourceA: va.Source, SourceB: vb.Source})
		}
	}
	return c
}

// agreeEither reports whether two values agree within the rounding of
// the less precise one.
func agreeEither(a float64, da int, b float64, db int) bool {
	if math.IsNaN(a) && math.IsNaN(b) {
		return true
	}
	return Agree(a, b, min(da, db))
}

// A Relation is how the logs of two paths relate.
type Relation int

// Relations between two runs' logs (Relate).
const (
	// RelUnknown: nothing shows whether they are views of one run.
	RelUnknown Relation = iota
	// RelSame: they log the same values at the same steps.
	RelSame
	// RelResume: one starts in the middle of training, where the other
	// is or ends: a resumed session. The steps both hold may differ (a
	// resumed run repeats the steps after its last checkpoint).
	RelResume
	// RelDifferent: they log different values at the same steps, and
	// neither resumes the other.
	RelDifferent
)

// Relate says how the logs of two runs relate, with the evidence.
func Relate(a, b *Run) (Relation, ViewCheck) {
	c := CompareViews(a, b)
	if c.Same() {
		return RelSame, c
	}
	sa, sb := spanOf(a), spanOf(b)
	if sa.resumes(sb) || sb.resumes(sa) {
		return RelResume, c
	}
	if c.Common+c.SummaryCommon == 0 {
		return RelUnknown, c
	}
	return RelDifferent, c
}

// A span is the steps a run's main measured series covers.
type span struct {
	ok               bool
	first, last, gap int64
}

// mainSeries returns a run's loss, or its longest measured series when
// it logs no loss.
func mainSeries(r *Run) *Series {
	s := r.Series["loss"]
	if s.Len() == 0 {
		for _, name := range r.SeriesNames() {
			if c := r.Series[name]; identity(name) && c.Len() > s.Len() {
				s = c
			}
		}
	}
	return s
}

// spanOf returns the span of a run's main series.
func spanOf(r *Run) span {
	s := mainSeries(r)
	if s.Len() == 0 {
		return span{}
	}
	sp := span{ok: true, first: s.Step(0), last: s.Step(s.Len() - 1), gap: 1}
	if s.Len() > 1 {
		gaps := make([]int64, 0, s.Len()-1)
		for i := 1; i < s.Len(); i++ {
			gaps = append(gaps, s.Step(i)-s.Step(i-1))
		}
		sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
		sp.gap = max(gaps[len(gaps)/2], 1)
	}
	return sp
}

// resumes reports whether s is a resumed session of o: s starts in the
// middle of training (a fresh run logs its first point within its first
// two logging intervals), after o starts and no later than just after o
// ends.
func (s span) resumes(o span) bool {
	return s.ok && o.ok && s.first > 2*s.gap && s.first > o.first && s.first <= o.last+2*max(s.gap, o.gap)
}

// viewPrintLen is the number of points a ViewPrint keeps.
const viewPrintLen = 32

// A ViewPrint is the start of a run's main measured series (its loss, or
// its longest measured series): enough to tell, without reading the run
// again, whether two runs' logs may be views of one session.
type ViewPrint struct {
	name   string
	points []Point
}

// PrintOf returns the print of a run; it is empty when the run has no
// measured series.
func PrintOf(r *Run) ViewPrint {
	s := mainSeries(r)
	if s.Len() == 0 {
		return ViewPrint{}
	}
	n := min(s.Len(), viewPrintLen)
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{Step: s.Step(i), Value: s.Value(i), Digits: s.Digits(i)}
	}
	return ViewPrint{name: s.Name, points: pts}
}

// Empty reports whether the print holds no point.
func (p ViewPrint) Empty() bool { return len(p.points) == 0 }

// Matches reports whether two runs may be views of one session: their
// prints are of the same series, start at the same step and agree, within
// the rounding of the less precise, at every step both hold. A run and
// another session of the same training with the same seed match too: a
// logger writes one folder per session, so only folders of different
// loggers are taken for views (LoggerViews).
func (p ViewPrint) Matches(q ViewPrint) bool {
	if p.Empty() || q.Empty() || p.name != q.name || p.points[0].Step != q.points[0].Step {
		return false
	}
	i, j := 0, 0
	for i < len(p.points) && j < len(q.points) {
		a, b := p.points[i], q.points[j]
		switch {
		case a.Step < b.Step:
			i++
		case a.Step > b.Step:
			j++
		default:
			if !agreeEither(a.Value, a.Digits, b.Value, b.Digits) {
				return false
			}
			i, j = i+1, j+1
		}
	}
	return true
}
