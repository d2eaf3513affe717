package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/internal/svgplot"
	"github.com/plateau-dev/plateau/trainlog"
)

// HTMLOptions tune the HTML report and its charts. The zero value means
// the defaults.
type HTMLOptions struct {
	// Smoothing is the weight of the debiased EMA drawn over noisy
	// series, as TensorBoard's smoothing slider: 0 means the default
	// 0.6; NoSmoothing (or any negative value) draws no EMA line; values
	// are capped at 0.999.
	Smoothing float64
	// MaxPoints is the number of points drawn per series before display
	// downsampling (min and max per bucket) sets in; 0 means 2000.
	// Flagged points are drawn even beyond it. Analysis always uses
	// every point.
	MaxPoints int
}

// NoSmoothing as HTMLOptions.Smoothing turns the EMA line off.
const NoSmoothing = -1

// DefaultHTMLOptions are the options used for the zero HTMLOptions.
var DefaultHTMLOptions = HTMLOptions{Smoothing: 0.6, MaxPoints: 2000}

// withDefaults fills in the zero fields.
func (o HTMLOptions) withDefaults() HTMLOptions {
	if o.Smoothing == 0 || math.IsNaN(o.Smoothing) {
		o.Smoothing = DefaultHTMLOptions.Smoothing
	}
	if o.Smoothing > 0.999 {
		o.Smoothing = 0.999
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = DefaultHTMLOptions.MaxPoints
	}
	return o
}

// Sections that hold charts (ids of the HTML sections).
const (
	sectionCurves   = "curves"
	sectionAccuracy = "accuracy"
	sectionLR       = "lr"
	sectionEval     = "generalisation"
)

// A chartSpec is one chart and where the page shows it.
type chartSpec struct {
	Section string
	Chart   *svgplot.Chart
	// Notes says, per series, how many points are drawn of how many.
	Notes []string
}

// buildCharts returns the charts of r in page order. It returns none
// when the report carries no data.
func buildCharts(r *analysis.Report, opts HTMLOptions) []chartSpec {
	if r == nil || r.Data == nil {
		return nil
	}
	opts = opts.withDefaults()
	b := &chartBuilder{r: r, run: r.Data, opts: opts, epochs: epochBoundaries(r.Data)}
	var out []chartSpec
	ids := map[string]int{}
	add := func(c chartSpec, ok bool) {
		if !ok {
			return
		}
		if len(b.epochs) > 0 {
			c.Chart.TopLabel = "epoch"
		}
		// Two metric names can make one id (rewards/margins and
		// rewards_margins); number the later ones.
		id := c.Chart.ID
		if ids[id]++; ids[id] > 1 {
			c.Chart.ID = id + "-" + strconv.Itoa(ids[id])
		}
		out = append(out, c)
	}
	add(b.lossChart())
	add(b.gradNormChart())
	for _, m := range b.familyMetrics() {
		add(b.metricChart(m, sectionCurves))
	}
	add(b.accuracyChart())
	add(b.lrChart())
	add(b.evalChart())
	return out
}

type chartBuilder struct {
	r      *analysis.Report
	run    *trainlog.Run
	opts   HTMLOptions
	epochs []epochBoundary
}

// An epochBoundary is the first step logged with a larger whole epoch.
type epochBoundary struct {
	Step  int64
	Epoch int
}

// epochBoundaries finds the steps where the whole epoch number grows,
// from the loss series or, failing that, any series with epochs. A
// boundary at the last step (the end of training) is left out.
func epochBoundaries(run *trainlog.Run) []epochBoundary {
	s := run.Get("loss")
	if !hasEpochs(s) {
		s = nil
		for _, name := range run.SeriesNames() {
			if hasEpochs(run.Series[name]) {
				s = run.Series[name]
				break
			}
		}
	}
	if s == nil {
		return nil
	}
	var out []epochBoundary
	prev := math.NaN()
	last := s.Step(s.Len() - 1)
	for i := range s.Len() {
		ep := s.Epoch(i)
		if math.IsNaN(ep) || math.IsInf(ep, 0) {
			continue
		}
		e := math.Floor(ep + 1e-6)
		if st := s.Step(i); !math.IsNaN(prev) && e > prev && st != last && len(out) < 1000 {
			out = append(out, epochBoundary{Step: st, Epoch: int(e)})
		}
		prev = e
	}
	return out
}

func hasEpochs(s *trainlog.Series) bool {
	if s.Len() == 0 {
		return false
	}
	for i := range s.Len() {
		if !math.IsNaN(s.Epoch(i)) {
			return true
		}
	}
	return false
}

// epochLines returns the epoch boundaries as vertical lines.
func (b *chartBuilder) epochLines() []svgplot.XLine {
	var out []svgplot.XLine
	for _, e := range b.epochs {
		out = append(out, svgplot.XLine{X: float64(e.Step), Label: strconv.Itoa(e.Epoch), Class: "epoch", Top: true})
	}
	return out
}

// flagged returns the steps of series name that must be drawn: its
// spikes, the checkpoints, the milestones and the best evaluation.
func (b *chartBuilder) flagged(name string) map[int64]bool {
	f := map[int64]bool{}
	for _, s := range b.r.Spikes {
		if s.Metric == name {
			f[s.Step] = true
		}
	}
	for _, c := range b.r.Checkpoints {
		f[c.Step] = true
	}
	for _, m := range b.r.Milestones {
		f[m.Step] = true
	}
	if b.r.Eval.BestStep >= 0 {
		f[b.r.Eval.BestStep] = true
	}
	return f
}

// points converts a series for display: downsampled with its flagged
// steps kept, and the non-finite values returned apart as markers.
func (b *chartBuilder) points(s *trainlog.Series, keep map[int64]bool) ([]svgplot.Point, []svgplot.Marker) {
	var flagged []int
	if len(keep) > 0 {
		for i, st := range s.Steps() {
			if keep[st] {
				flagged = append(flagged, i)
			}
		}
	}
	ys := s.Values()
	idx := stats.Downsample(ys, ys, b.opts.MaxPoints, flagged)
	pts := make([]svgplot.Point, 0, len(idx))
	var bad []svgplot.Marker
	for _, i := range idx {
		p := s.Point(i)
		pt := svgplot.Point{X: float64(p.Step), Y: p.Value, Epoch: p.Epoch, Loc: p.Source.String(), Estimated: p.StepEstimated}
		if !p.Finite() {
			bad = append(bad, svgplot.Marker{Point: pt, Shape: svgplot.ShapeCross, Class: "nonfinite",
				Label: s.Name + " is " + svgplot.FormatValue(p.Value)})
			continue
		}
		pts = append(pts, pt)
	}
	return pts, bad
}

// smoothed returns the EMA of s for display, or nil when smoothing is
// off or the series is too short to need it.
func (b *chartBuilder) smoothed(s *trainlog.Series) []svgplot.Point {
	if b.opts.Smoothing < 0 || s.Len() < 3 {
		return nil
	}
	ema := stats.EMA(s.Values(), b.opts.Smoothing)
	idx := stats.Downsample(ema, ema, b.opts.MaxPoints, nil)
	pts := make([]svgplot.Point, 0, len(idx))
	for _, i := range idx {
		pts = append(pts, svgplot.Point{X: float64(s.Step(i)), Y: ema[i], Epoch: math.NaN(), Estimated: s.StepEstimated(i)})
	}
	return pts
}

// noisySeries returns the raw points (faint dots) and the EMA line of s,
// with notes on how many points are drawn.
func (b *chartBuilder) noisySeries(s *trainlog.Series, class string) ([]svgplot.Series, []svgplot.Marker, string) {
	pts, bad := b.points(s, b.flagged(s.Name))
	out := []svgplot.Series{{Name: s.Name, Class: class + " raw", Dots: true, Total: s.Len(), Points: pts}}
	if ema := b.smoothed(s); ema != nil {
		out = append(out, svgplot.Series{Name: fmt.Sprintf("%s EMA %s", s.Name, strconv.FormatFloat(b.opts.Smoothing, 'f', -1, 64)),
			Class: class, Line: true, Total: s.Len(), Points: ema})
	}
	return out, bad, drawnNote(s.Name, len(pts)+len(bad), s.Len())
}

// drawnNote says how many points of a series are drawn.
func drawnNote(name string, drawn, total int) string {
	if drawn >= total {
		return fmt.Sprintf("%s: all %d points drawn", name, total)
	}
	return fmt.Sprintf("%s: %d of %d points drawn (min and max per bucket; spikes, checkpoints and milestones kept)", name, drawn, total)
}

// spikeMarkers marks the spikes of metric: a red triangle above a spike
// upwards or below a spike downwards, and a grey chevron below an
// expected drop at an epoch boundary (the model seeing its data again),
// so that the two are never confused.
func (b *chartBuilder) spikeMarkers(metric string) []svgplot.Marker {
	var out []svgplot.Marker
	s := b.run.Get(metric)
	for _, sp := range b.r.Spikes {
		if sp.Metric != metric {
			continue
		}
		m := svgplot.Marker{Shape: svgplot.ShapeTriangle, Class: "spike",
			Label: fmt.Sprintf("spike in %s, z = %s", metric, svgplot.FormatValue(sp.Z))}
		switch {
		case sp.Epoch:
			m.Shape, m.Class = svgplot.ShapeChevron, "epochdrop"
			m.Label = fmt.Sprintf("drop in %s at an epoch boundary (expected), z = %s", metric, svgplot.FormatValue(sp.Z))
		case sp.Z < 0:
			m.Shape = svgplot.ShapeTriangleDown
		}
		p, _ := s.At(sp.Step)
		m.Point = svgplot.Point{X: float64(sp.Step), Y: sp.Value, Epoch: p.Epoch, Loc: sp.Source, Estimated: sp.StepEstimated != ""}
		out = append(out, m)
	}
	return out
}

// chartStep writes a step in a chart's label: "~N" when estimated, as
// the report's text marks it.
func chartStep(step int64, estimated bool) string {
	if estimated {
		return "~" + strconv.FormatInt(step, 10)
	}
	return strconv.FormatInt(step, 10)
}

// Chart ids are built from metric names; slug keeps them simple tokens.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if s == "" {
		s = "metric"
	}
	return s
}

// lossName is the loss drawn on the main chart: the training loss, or a
// primary metric that is a loss (eval_loss for a run that logged only
// validation). A reward gets a chart of its own.
func (b *chartBuilder) lossName() string {
	if b.run.Get("loss").Len() > 0 {
		return "loss"
	}
	if p := b.r.Primary; strings.Contains(p, "loss") && b.run.Get(p).Len() > 0 {
		return p
	}
	return ""
}

// percentile returns the q-quantile (0..1) of the sorted values xs.
func percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return xs[lo] + (xs[hi]-xs[lo])*(pos-float64(lo))
}

// usualRange returns the 10th and 90th percentiles of the finite
// positive values of s logged after step from (the end of warmup, when
// the gradients of a fresh model are not yet typical), with the number of
// values they were taken from.
func usualRange(s *trainlog.Series, from int64) (lo, hi float64, n int, ok bool) {
	var xs []float64
	steps := s.Steps()
	for i, v := range s.Values() {
		if steps[i] > from && finite(v) && v > 0 {
			xs = append(xs, v)
		}
	}
	if len(xs) < 5 {
		return 0, 0, len(xs), false
	}
	sort.Float64s(xs)
	return percentile(xs, 0.1), percentile(xs, 0.9), len(xs), true
}

// logScale reports whether values spanning lo to hi are better drawn on
// a log axis: all positive and more than a decade apart, so that the
// second half of a curve falling 100× is not a flat line at the bottom.
func logScale(lo, hi float64) bool { return lo > 0 && hi > 10*lo }

// pointRange returns the range of the y values of the series' points.
func pointRange(series ...[]svgplot.Point) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, pts := range series {
		for _, p := range pts {
			if !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0) {
				lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
			}
		}
	}
	return lo, hi
}

// lossChart is the main chart: the training loss with its EMA, the eval
// loss, phases, epochs, spikes, checkpoints and the recommendation, on a
// log axis when the losses span more than a decade.
func (b *chartBuilder) lossChart() (chartSpec, bool) {
	name := b.lossName()
	if name == "" {
		return chartSpec{}, false
	}
	s := b.run.Get(name)
	series, bad, note := b.noisySeries(s, "c0")
	c := &svgplot.Chart{ID: "chart-loss", Title: "Training " + name, XLabel: "step", YLabel: name,
		Series: series, XLines: b.epochLines()}
	spec := chartSpec{Section: sectionCurves, Chart: c, Notes: []string{note}}
	if ev := b.run.Get("eval_loss"); ev.Len() > 0 && name != ev.Name {
		pts, evBad := b.points(ev, b.flagged(ev.Name))
		c.Series = append(c.Series, svgplot.Series{Name: ev.Name, Class: "c1 thin", Line: true, Dots: true, Total: ev.Len(), Points: pts})
		bad = append(bad, evBad...)
		spec.Notes = append(spec.Notes, drawnNote(ev.Name, len(pts)+len(evBad), ev.Len()))
	}
	c.YLog = b.logAxis(c)
	if c.YLog {
		c.Title += " (log scale)"
	}
	for i, ph := range b.r.Phases {
		cls := "a"
		if i%2 == 1 {
			cls = "b"
		}
		c.XBands = append(c.XBands, svgplot.XBand{From: float64(ph.StartStep), To: float64(ph.EndStep), Label: string(ph.Name), Class: cls, Shade: true})
	}
	c.XBands = append(c.XBands, b.overfitBand(len(b.r.Phases) > 0)...)
	c.Markers = append(c.Markers, b.spikeMarkers(name)...)
	c.Markers = append(c.Markers, bad...)
	c.Markers = append(c.Markers, b.bestEvalMarker()...)
	c.Markers = append(c.Markers, b.checkpointMarkers(s)...)
	c.XLines = append(c.XLines, b.recommendedLine()...)
	c.Legend = legendFor(c)
	return spec, true
}

// logAxis reports whether the series of c (not its EMA lines, which
// only smooth them) call for a log axis.
func (b *chartBuilder) logAxis(c *svgplot.Chart) bool {
	var pts [][]svgplot.Point
	for _, s := range c.Series {
		if s.Dots {
			pts = append(pts, s.Points)
		}
	}
	return logScale(pointRange(pts...))
}

// overfitBand marks where the run overfits, in its own lane (above the
// phases' lane when there are phases), so that it never hides them.
func (b *chartBuilder) overfitBand(phases bool) []svgplot.XBand {
	ev := b.r.Eval
	if !ev.Overfitting || b.r.Run.LastStep <= ev.Since {
		return nil
	}
	row := 0
	if phases {
		row = 1
	}
	p, _ := b.run.Get(ev.Metric).At(ev.Since)
	return []svgplot.XBand{{From: float64(ev.Since), To: float64(b.r.Run.LastStep),
		Label: "overfitting from step " + chartStep(ev.Since, p.StepEstimated), Class: "overfit", Row: row}}
}

// bestEvalMarker rings the best evaluation when it is on the loss chart.
func (b *chartBuilder) bestEvalMarker() []svgplot.Marker {
	ev := b.r.Eval
	if !ev.Present || ev.Best == nil || ev.BestStep < 0 || ev.Metric != "eval_loss" {
		return nil
	}
	p, _ := b.run.Get(ev.Metric).At(ev.BestStep)
	label := fmt.Sprintf("best %s %s at step %s", ev.Metric, svgplot.FormatValue(ev.Best.Value), chartStep(ev.BestStep, p.StepEstimated))
	return []svgplot.Marker{{Point: svgplot.Point{X: float64(ev.BestStep), Y: ev.Best.Value, Epoch: p.Epoch, Loc: ev.Best.Source, Estimated: p.StepEstimated},
		Shape: svgplot.ShapeRing, Class: "best", Label: label}}
}

// checkpointMarkers puts a diamond on the loss curve at each checkpoint,
// the recommended one highlighted.
func (b *chartBuilder) checkpointMarkers(s *trainlog.Series) []svgplot.Marker {
	var out []svgplot.Marker
	rec := b.r.CheckpointsRecommended
	for _, ck := range b.r.Checkpoints {
		if ck.Step < 0 {
			continue
		}
		m := svgplot.Marker{Shape: svgplot.ShapeDiamond, Class: "ckpt",
			Label: fmt.Sprintf("checkpoint %s (step %d)", ck.Path, ck.Step)}
		m.X, m.Y, m.Epoch = float64(ck.Step), math.NaN(), math.NaN()
		if p, ok := s.At(ck.Step); ok {
			m.Y, m.Epoch, m.Loc = p.Value, p.Epoch, p.Source.String()
		}
		if ck.TrainLoss != nil {
			m.Y, m.Loc = ck.TrainLoss.Value, ck.TrainLoss.Source
		}
		if rec.Step >= 0 && ck.Step == rec.Step {
			m.Class = "recommended"
			m.Label = "recommended: " + m.Label
		}
		out = append(out, m)
	}
	return out
}

// recommendedLine draws the recommended checkpoint's step across the
// plot.
func (b *chartBuilder) recommendedLine() []svgplot.XLine {
	rec := b.r.CheckpointsRecommended
	for _, ck := range b.r.Checkpoints {
		if rec.Step >= 0 && ck.Step == rec.Step {
			return []svgplot.XLine{{X: float64(rec.Step), Class: "recommended"}}
		}
	}
	return nil
}

// legendFor lists the annotation kinds present on c.
func legendFor(c *svgplot.Chart) []svgplot.LegendItem {
	var out []svgplot.LegendItem
	seen := map[string]bool{}
	add := func(key string, it svgplot.LegendItem) {
		if !seen[key] {
			seen[key] = true
			out = append(out, it)
		}
	}
	for _, m := range c.Markers {
		switch {
		case m.Class == "spike":
			add("spike", svgplot.LegendItem{Label: "spike", Class: "spike", Shape: svgplot.ShapeTriangle})
		case m.Class == "epochdrop":
			add("epochdrop", svgplot.LegendItem{Label: "drop at epoch start", Class: "epochdrop", Shape: svgplot.ShapeChevron})
		case m.Class == "nonfinite":
			add("nonfinite", svgplot.LegendItem{Label: "NaN/Inf", Class: "nonfinite", Shape: svgplot.ShapeCross})
		case m.Class == "best":
			add("best", svgplot.LegendItem{Label: "best eval", Class: "best", Shape: svgplot.ShapeRing})
		case m.Class == "ckpt":
			add("ckpt", svgplot.LegendItem{Label: "checkpoint", Class: "ckpt", Shape: svgplot.ShapeDiamond})
		case m.Class == "recommended":
			add("rec", svgplot.LegendItem{Label: "recommended", Class: "recommended", Shape: svgplot.ShapeDiamond})
		}
	}
	for _, yb := range c.YBands {
		add("range", svgplot.LegendItem{Label: yb.Label, Class: "range", Shape: "band"})
	}
	return out
}

// gradNormChart draws grad_norm on a log scale with its usual range.
func (b *chartBuilder) gradNormChart() (chartSpec, bool) {
	s := b.run.Get("grad_norm")
	if s.Len() == 0 {
		return chartSpec{}, false
	}
	series, bad, note := b.noisySeries(s, "c3")
	c := &svgplot.Chart{ID: "chart-grad-norm", Title: "Gradient norm (log scale)", XLabel: "step", YLabel: "grad_norm",
		YLog: true, Series: series, XLines: b.epochLines()}
	notes := []string{note, "values <= 0 cannot be drawn on a log scale"}
	band, bandNote := usualBand(s, max(b.r.LRSchedule.WarmupSteps, 0))
	c.YBands = band
	if bandNote != "" {
		notes = append(notes, bandNote)
	}
	c.Markers = append(b.spikeMarkers("grad_norm"), bad...)
	c.Legend = legendFor(c)
	return chartSpec{Section: sectionCurves, Chart: c, Notes: notes}, true
}

// usualBand returns the usual range of s after warmup as a band: its
// 10th to 90th percentiles, robust to the spikes it is there to show
// up. A range wider than a decade is no usual range (the series moved
// between regimes, or trended): no band is drawn, and the note says why.
func usualBand(s *trainlog.Series, warmup int64) ([]svgplot.YBand, string) {
	lo, hi, n, ok := usualRange(s, warmup)
	how := "p10–p90"
	if warmup > 0 {
		how += " after warmup, steps > " + strconv.FormatInt(warmup, 10)
	}
	switch {
	case !ok:
		return nil, fmt.Sprintf("no usual range: %d positive values after warmup, too few", n)
	case hi > 10*lo:
		return nil, fmt.Sprintf("no usual range drawn: the %s of %s span %s to %s, more than a decade", how, s.Name,
			svgplot.FormatValue(lo), svgplot.FormatValue(hi))
	}
	return []svgplot.YBand{{From: lo, To: hi, Class: "range",
		Label: "usual range " + svgplot.FormatValue(lo) + "–" + svgplot.FormatValue(hi) + " (" + how + ")"}}, ""
}

// familyMetrics returns the family's primary metrics other than the loss:
// DPO reward margins and accuracies, GRPO reward, or the primary metric.
func (b *chartBuilder) familyMetrics() []string {
	var want []string
	switch b.r.Run.Family {
	case "dpo", "orpo", "kto", "simpo", "cpo":
		want = []string{"rewards/margins", "rewards/accuracies"}
	case "grpo", "ppo", "rloo":
		want = []string{"reward"}
	}
	if p := b.r.Primary; p != "" && p != "loss" && p != b.lossName() {
		want = append([]string{p}, want...)
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range want {
		if !seen[m] && b.run.Get(m).Len() > 0 {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// metricChart draws one metric with its EMA.
func (b *chartBuilder) metricChart(name, section string) (chartSpec, bool) {
	s := b.run.Get(name)
	if s.Len() == 0 {
		return chartSpec{}, false
	}
	series, bad, note := b.noisySeries(s, "c2")
	c := &svgplot.Chart{ID: "chart-" + slug(name), Title: name, XLabel: "step", YLabel: name,
		Series: series, XLines: b.epochLines()}
	c.Markers = append(b.spikeMarkers(name), bad...)
	c.Legend = legendFor(c)
	return chartSpec{Section: section, Chart: c, Notes: []string{note}}, true
}

// accuracyChart draws the token accuracy in its section.
func (b *chartBuilder) accuracyChart() (chartSpec, bool) {
	name := "mean_token_accuracy"
	if b.r.Accuracy != nil && b.r.Accuracy.Metric != "" {
		name = b.r.Accuracy.Metric
	}
	for _, m := range b.familyMetrics() {
		if m == name {
			return chartSpec{}, false
		}
	}
	spec, ok := b.metricChart(name, sectionAccuracy)
	if ok {
		spec.Chart.ID = "chart-accuracy"
		spec.Chart.Title = "Token accuracy (" + name + ")"
	}
	return spec, ok
}

// lrChart draws the learning rate with the end of warmup.
func (b *chartBuilder) lrChart() (chartSpec, bool) {
	s := b.run.Get("learning_rate")
	if s.Len() == 0 {
		return chartSpec{}, false
	}
	pts, bad := b.points(s, b.flagged(s.Name))
	title := "Learning rate"
	if k := b.r.LRSchedule.Kind; k != "" {
		title += " (" + string(k) + ")"
	}
	c := &svgplot.Chart{ID: "chart-lr", Title: title, XLabel: "step", YLabel: "learning_rate",
		Series: []svgplot.Series{{Name: s.Name, Class: "c2 hover-only", Line: true, Dots: true, Total: s.Len(), Points: pts}},
		XLines: b.epochLines(), Markers: bad}
	if w := b.r.LRSchedule.WarmupSteps; w > 0 {
		c.XLines = append(c.XLines, svgplot.XLine{X: float64(w), Label: "end of warmup", Class: "warmup"})
	}
	c.Legend = legendFor(c)
	return chartSpec{Section: sectionLR, Chart: c, Notes: []string{drawnNote(s.Name, len(pts)+len(bad), s.Len())}}, true
}

// evalChart draws the eval metric on its own axis in the generalisation
// section, with its best point and the overfitting lane: on the loss
// chart, a rise of a few percent in eval_loss is lost in the training
// loss's range.
func (b *chartBuilder) evalChart() (chartSpec, bool) {
	ev := b.r.Eval
	if !ev.Present || ev.Metric == "" || ev.Metric == b.lossName() {
		return chartSpec{}, false
	}
	s := b.run.Get(ev.Metric)
	if s.Len() == 0 {
		return chartSpec{}, false
	}
	pts, bad := b.points(s, b.flagged(s.Name))
	c := &svgplot.Chart{ID: "chart-eval", Title: ev.Metric, XLabel: "step", YLabel: ev.Metric,
		Series: []svgplot.Series{{Name: s.Name, Class: "c1", Line: true, Dots: true, Total: s.Len(), Points: pts}},
		XLines: b.epochLines(), Markers: bad}
	if strings.Contains(ev.Metric, "loss") && b.logAxis(c) {
		c.YLog = true
		c.Title += " (log scale)"
	}
	if ev.Best != nil && ev.BestStep >= 0 {
		p, _ := s.At(ev.BestStep)
		c.Markers = append(c.Markers, svgplot.Marker{Point: svgplot.Point{X: float64(ev.BestStep), Y: ev.Best.Value, Epoch: p.Epoch, Loc: ev.Best.Source, Estimated: p.StepEstimated},
			Shape: svgplot.ShapeRing, Class: "best", Label: fmt.Sprintf("best %s %s at step %s", ev.Metric, svgplot.FormatValue(ev.Best.Value), chartStep(ev.BestStep, p.StepEstimated))})
	}
	c.XBands = b.overfitBand(false)
	c.Legend = legendFor(c)
	return chartSpec{Section: sectionEval, Chart: c, Notes: []string{drawnNote(s.Name, len(pts)+len(bad), s.Len())}}, true
}
