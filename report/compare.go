package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/texttab"
)

// errNilComparison is returned by the writers when given no comparison.
var errNilComparison = errors.New("report: nil comparison")

// WriteCompareText writes a comparison as plain text: the axis, a table
// of the runs, which is better and by how much, the warnings, and the
// curves overlaid on the common axis.
func WriteCompareText(w io.Writer, c *analysis.Comparison, opts Options) error {
	if c == nil {
		return errNilComparison
	}
	if opts.Width <= 0 {
		opts.Width = DefaultWidth
	}
	opts.Width = max(opts.Width, 40)
	var b strings.Builder
	writeDocText(&b, buildCompare(c), opts, compareChart(c, min(opts.Width, 100)-2))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCompareMarkdown writes a comparison as CommonMark, the curves in a
// fenced text block.
func WriteCompareMarkdown(w io.Writer, c *analysis.Comparison, opts Options) error {
	if c == nil {
		return errNilComparison
	}
	var b strings.Builder
	writeDocMarkdown(&b, buildCompare(c), compareChart(c, 78))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCompareJSON writes a comparison as indented JSON (schema
// plateau.compare/v1, docs/json-schema.md): aligned_by, the runs with
// their numbers and verdicts, the warnings and the ranking. NaN is
// written as null; the curves are not written.
func WriteCompareJSON(w io.Writer, c *analysis.Comparison) error {
	if c == nil {
		return errNilComparison
	}
	return writeIndentedJSON(w, *c)
}

// writeIndentedJSON writes v as WriteJSON writes a report.
func writeIndentedJSON(w io.Writer, v any) error {
	var e jsonEncoder
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, e.buf.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("report: indent JSON: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// writeDocText writes a document as WriteText does, with chart lines in
// place of its chart block.
func writeDocText(b *strings.Builder, d *doc, opts Options, chart []string) {
	tw := &textWriter{opts: opts}
	for i, bl := range d.blocks {
		if i > 0 && (bl.kind == blockHeading || tw.prev != blockHeading) {
			tw.b.WriteString("\n")
		}
		if bl.kind == blockChart {
			for _, line := range chart {
				tw.b.WriteString("  " + line + "\n")
			}
		} else {
			tw.block(bl)
		}
		tw.prev = bl.kind
	}
	b.WriteString(tw.b.String())
}

// writeDocMarkdown writes a document as WriteMarkdown does, with chart
// lines in a fenced block in place of its chart block.
func writeDocMarkdown(b *strings.Builder, d *doc, chart []string) {
	for i, bl := range d.blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		if bl.kind == blockChart {
			if len(chart) > 0 {
				b.WriteString("```text\n" + strings.Join(chart, "\n") + "\n```\n")
			}
			continue
		}
		writeMarkdownBlock(b, bl)
	}
}

// axisNoun names what the axis counts: "samples seen".
func axisNoun(a analysis.Axis) string {
	switch a {
	case analysis.AxisTokens:
		return "tokens seen"
	case analysis.AxisSamples:
		return "samples seen"
	case analysis.AxisEpochs:
		return "epochs"
	}
	return "optimizer steps"
}

// axisValue formats a position on the axis.
func axisValue(a analysis.Axis, v float64) string {
	switch {
	case math.IsNaN(v):
		return notAvailable
	case a == analysis.AxisEpochs:
		return epoch(v)
	case math.Abs(v) >= 1e7:
		return sig(v, 3)
	}
	return count(int64(math.Round(v)))
}

// runLabels returns a short label per run: the names when they differ,
// else the paths.
func runLabels(c *analysis.Comparison) []string {
	seen := map[string]bool{}
	unique := true
	for _, r := range c.Runs {
		unique = unique && !seen[r.Name]
		seen[r.Name] = true
	}
	out := make([]string, len(c.Runs))
	for i, r := range c.Runs {
		out[i] = r.Path
		if unique && r.Name != "" {
			out[i] = r.Name
		}
	}
	return out
}

// runMark is the letter that stands for run i in the charts.
func runMark(i int) string { return string(rune('a' + i%26)) }

// scaleMethod says in words how a scale was found.
func scaleMethod(m analysis.ScaleMethod) string {
	switch m {
	case analysis.ScaleTotalBatch:
		return "the logged total train batch size"
	case analysis.ScaleBatchProduct:
		return "batch per device x gradient accumulation x world size"
	case analysis.ScaleRates:
		return "train_samples_per_second / train_steps_per_second, the Trainer's planned samples per step (rounded rates: approximate)"
	case analysis.ScaleExamples:
		return "examples x epochs / max_steps"
	}
	return string(m)
}

// buildCompare lays out a comparison.
func buildCompare(c *analysis.Comparison) *doc {
	d := &doc{}
	labels := runLabels(c)
	d.heading(1, fmt.Sprintf("plateau compare: %d runs aligned on %s", len(c.Runs), axisNoun(c.AlignedBy)))
	d.para(alignmentText(c, labels))
	results, speed := compareTables(c, labels)
	d.heading(2, "Runs")
	d.table(results)
	d.para(legendText(c, labels))
	if len(speed.header) > 2 {
		d.heading(2, "Speed and cost")
		d.table(speed)
		d.para(speedText(c, labels))
	}
	d.heading(2, "Which run is better")
	d.para(verdictText(c, labels))
	if len(c.Warnings) > 0 {
		d.heading(2, "Read with care")
		var items []string
		for _, w := range c.Warnings {
			items = append(items, warningText(c, w, labels))
		}
		d.list(items)
	}
	if hasCurves(c) {
		d.heading(2, "Curves")
		d.para(curvesText(c, labels))
		d.chart()
	}
	return d
}

func hasCurves(c *analysis.Comparison) bool {
	for _, r := range c.Runs {
		if len(r.Curve) > 0 {
			return true
		}
	}
	return false
}

// alignmentText says what the runs are aligned on and how each run's
// scale was found.
func alignmentText(c *analysis.Comparison, labels []string) string {
	switch c.AlignedBy {
	case analysis.AxisTokens:
		return "Aligned on the input tokens each run logged as seen (num_input_tokens_seen or num_tokens, interpolated between logs): a step means a different amount of data when batch sizes or sequence lengths differ."
	case analysis.AxisSamples:
		var parts []string
		for i, r := range c.Runs {
			parts = append(parts, fmt.Sprintf("%s %s per step (%s; %s)", code(labels[i]), num(r.Scale.PerStep), scaleMethod(r.Scale.Method), codes(dedupe(r.Scale.Sources))))
		}
		return "Aligned on samples seen, each run's step times its samples per step: " + strings.Join(parts, "; ") + ". A step means a different amount of data when the batch or the accumulation differ."
	case analysis.AxisEpochs:
		return "Aligned on epochs (the samples per step of every run are not known): an epoch is one pass over each run's own data, which may differ in size."
	}
	return "Aligned on optimizer steps, the last resort: neither the samples per step nor the epochs of every run are known, and a step means a different amount of data when the batch differs."
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// axisUnit names one unit of the axis: "samples".
func axisUnit(a analysis.Axis) string {
	switch a {
	case analysis.AxisTokens:
		return "tokens"
	case analysis.AxisSamples:
		return "samples"
	case analysis.AxisEpochs:
		return "epochs"
	}
	return "steps"
}

// A column is one column of a table of runs.
type column struct {
	head  string
	right bool
	cell  func(i int, r analysis.ComparedRun) string
}

// compareTables are the tables of the runs: results, then speed and
// cost. Columns that no run has a value for are left out.
func compareTables(c *analysis.Comparison, labels []string) (*table, *table) {
	metric := c.Runs[0].Metric
	cols := []column{
		{"", false, func(i int, _ analysis.ComparedRun) string { return runMark(i) }},
		{"Run", false, func(i int, _ analysis.ComparedRun) string {
			if i == c.Best {
				return em(styleStrong, code(labels[i]))
			}
			return code(labels[i])
		}},
		{"Status", false, func(_ int, r analysis.ComparedRun) string { return statusCell(r.Verdict.Status) }},
		{"Steps", true, func(_ int, r analysis.ComparedRun) string {
			if r.Planned > 0 && r.Planned != r.Steps {
				return stepN(r.Steps) + "/" + stepN(r.Planned)
			}
			return stepN(r.Steps)
		}},
	}
	if c.AlignedBy != analysis.AxisSteps {
		cols = append(cols, column{axisUnit(c.AlignedBy), true, func(_ int, r analysis.ComparedRun) string { return axisValue(c.AlignedBy, r.AxisEnd) }})
	}
	cols = append(cols,
		column{"Final " + metric, true, func(_ int, r analysis.ComparedRun) string {
			switch {
			case r.FinalLevel == nil:
				return ""
			case r.FinalSE > 0:
				return num(r.FinalLevel.Value) + " ± " + sig(r.FinalSE, 2)
			}
			return num(r.FinalLevel.Value)
		}},
		column{"At " + axisValue(c.AlignedBy, c.CommonEnd), true, func(_ int, r analysis.ComparedRun) string {
			if r.AtCommon == nil {
				return ""
			}
			return num(*r.AtCommon)
		}},
		column{"Best eval", true, func(_ int, r analysis.ComparedRun) string {
			if r.BestEval == nil {
				return ""
			}
			return num(r.BestEval.Value) + " @" + stepN(r.BestEvalStep)
		}},
	)
	speed := []column{cols[0], cols[1],
		{"Runtime", true, func(_ int, r analysis.ComparedRun) string {
			if r.Runtime == nil {
				return ""
			}
			return hms(r.Runtime.Value)
		}},
		{axisUnit(c.AlignedBy) + "/s", true, func(_ int, r analysis.ComparedRun) string {
			if r.AxisPerSecond <= 0 {
				return ""
			}
			return num(r.AxisPerSecond)
		}},
		{"GPU-hours", true, func(_ int, r analysis.ComparedRun) string {
			if r.Report == nil || r.Report.Throughput.GPUHours == nil {
				return ""
			}
			return sig(r.Report.Throughput.GPUHours.Value, 3)
		}},
		{"Cost", true, func(_ int, r analysis.ComparedRun) string {
			if r.Cost == nil {
				return ""
			}
			return fixed(r.Cost.Value, 2)
		}},
	}
	return runsTable(c, cols, 3), runsTable(c, speed, 2)
}

// runsTable makes a table of the runs with the columns that hold a
// value for some run (the first keep columns always).
func runsTable(c *analysis.Comparison, cols []column, keep int) *table {
	var kept []column
	for k, col := range cols {
		any := k < keep
		for i, r := range c.Runs {
			any = any || col.cell(i, r) != ""
		}
		if any {
			kept = append(kept, col)
		}
	}
	var heads []string
	var right []int
	for k, col := range kept {
		heads = append(heads, col.head)
		if col.right {
			right = append(right, k)
		}
	}
	t := newTable(heads...).alignRight(right...)
	for i, r := range c.Runs {
		var row []string
		for _, col := range kept {
			row = append(row, orNA(col.cell(i, r)))
		}
		t.add(row...)
	}
	return t
}

// statusCell shows a verdict status in its colour.
func statusCell(st analysis.Status) string {
	s := string(st)
	switch st {
	case analysis.StatusConverged:
		return em(styleGood, s)
	case analysis.StatusImproving:
		return em(styleInfo, s)
	case analysis.StatusDiverged:
		return em(styleBad, s)
	case analysis.StatusOverfitting, analysis.StatusStalled:
		return em(styleWarn, s)
	}
	return s
}

// legendText says what the table's columns hold, with the sources of the
// numbers that came from a log.
func legendText(c *analysis.Comparison, labels []string) string {
	metric := c.Runs[0].Metric
	parts := []string{fmt.Sprintf("Final %s is the level the run ended at (the mean of its last %s logged values, as in each run's report) ± its standard error (step-to-step noise / sqrt(points)).", metric, "10%")}
	for _, r := range c.Runs {
		if r.BestEval != nil {
			parts = append(parts, "Best eval is the best evaluation @ its step.")
			break
		}
	}
	if c.CommonEnd > 0 {
		parts = append(parts, fmt.Sprintf("At %s is the mean %s over the last 10%% of the first %s %s, where the shortest run ends: the runs at equal data.", axisValue(c.AlignedBy, c.CommonEnd), metric, axisValue(c.AlignedBy, c.CommonEnd), axisNoun(c.AlignedBy)))
	}
	var srcs []string
	for i, r := range c.Runs {
		var s []string
		if r.BestEval != nil {
			s = append(s, "best eval "+code(r.BestEval.Source))
		}
		if len(s) > 0 {
			srcs = append(srcs, code(labels[i])+": "+strings.Join(s, ", "))
		}
	}
	if len(srcs) > 0 {
		parts = append(parts, "Sources: "+strings.Join(srcs, "; ")+".")
	}
	return strings.Join(parts, " ")
}

// speedText says what the speed table holds and where it was read.
func speedText(c *analysis.Comparison, labels []string) string {
	s := "Speed in " + axisUnit(c.AlignedBy) + " per second of training (the logged rate, else steps per second times the run's scale)."
	var srcs []string
	for i, r := range c.Runs {
		if r.Runtime != nil {
			srcs = append(srcs, code(labels[i])+" runtime "+code(r.Runtime.Source))
		}
	}
	if len(srcs) > 0 {
		s += " Sources: " + strings.Join(srcs, "; ") + "."
	}
	if c.Runs[0].Cost == nil {
		s += " No cost: pass --gpu-hour-price PRICE to get it."
	}
	return s
}

// verdictText says which run is better, by how much, and whether that
// exceeds the noise.
func verdictText(c *analysis.Comparison, labels []string) string {
	if c.Best < 0 {
		if len(c.Runs) < 2 {
			return "One run: nothing to compare."
		}
		return "Cannot tell: the runs cannot be ranked (see below)."
	}
	best := c.Runs[c.Best]
	var what string
	var bestValue float64
	switch c.Basis {
	case analysis.BasisEval:
		what = "best " + best.EvalMetric
		bestValue = best.BestEval.Value
	default:
		what = "final " + best.Metric
		bestValue = best.FinalLevel.Value
	}
	s := fmt.Sprintf("%s is the best on its %s, %s.", em(styleStrong, code(labels[c.Best])), what, num(bestValue))
	for i, r := range c.Runs {
		if i == c.Best || r.VsBest == nil {
			continue
		}
		d := r.VsBest
		s += fmt.Sprintf(" %s is worse by %s (%s)", code(labels[i]), num(d.Delta), relativeText(d.Relative))
		switch d.Significance {
		case analysis.BeyondNoise:
			if d.NoiseBound {
				s += fmt.Sprintf(", %s times the runs' recent eval-to-eval changes (%s combined): beyond the noise.", fixed(d.Z, 1), num(d.Noise))
			} else {
				s += fmt.Sprintf(", %s standard errors of the difference: beyond the noise.", fixed(d.Z, 1))
			}
		case analysis.WithinNoise:
			s += fmt.Sprintf(", only %s standard errors of the difference: within the noise, not a real difference.", fixed(d.Z, 1))
		case analysis.NotShown:
			s += fmt.Sprintf(", %s times the runs' recent eval-to-eval changes (%s combined): not shown to exceed the noise, since those changes hold the curves' trend too; evaluate more often, or on more data, to tell.", fixed(d.Z, 1), num(d.Noise))
		default:
			s += ": the noise is unknown (fewer than 3 evaluations or final points), so whether this is a real difference cannot be told."
		}
	}
	return s
}

// relativeText says how large a difference is against the best value:
// "4.1% of the best", or "41.8 times the best" for a large one.
func relativeText(rel float64) string {
	if math.Abs(rel) >= 1 {
		return fixed(1+rel, 1) + " times the best"
	}
	return pct(rel) + " of the best"
}

// warningText writes one warning.
func warningText(c *analysis.Comparison, w analysis.CompareWarning, labels []string) string {
	per := func(format func(float64) string) string {
		var parts []string
		for i, v := range w.Values {
			if i < len(labels) {
				parts = append(parts, code(labels[i])+" "+format(v))
			}
		}
		return strings.Join(parts, ", ")
	}
	names := func() string {
		var parts []string
		for _, i := range w.Runs {
			if i < len(labels) {
				parts = append(parts, code(labels[i]))
			}
		}
		return strings.Join(parts, ", ")
	}
	// one says whether the warning concerns one run (all when Runs is
	// empty).
	one := len(w.Runs) == 1 || (len(w.Runs) == 0 && len(c.Runs) == 1)
	switch w.Kind {
	case analysis.WarnAxisFallback:
		verb, its := "logs", "its"
		if !one {
			verb, its = "log", "their"
		}
		return fmt.Sprintf("Aligned on %s, not on samples: %s %s neither %s total batch size (or batch, accumulation and world size) nor the Trainer's samples and steps per second. Next time log the batch geometry: the Trainer's ***** Running training ***** block (INFO level), or the batch size and accumulation among the run's hyperparameters (Lightning's hparams.yaml, MLflow params).", axisNoun(c.AlignedBy), names(), verb, its)
	case analysis.WarnBatch:
		return "The geometry differs: samples per step " + per(num) + ". Their steps are not comparable; the table and curves use " + axisNoun(c.AlignedBy) + "."
	case analysis.WarnSteps:
		return "The runs did different numbers of steps (" + per(func(v float64) string { return count(int64(v)) }) + ", the seed's pitfall 4): compare them on " + axisNoun(c.AlignedBy) + ", not step by step."
	case analysis.WarnEvalSet:
		switch {
		case len(w.Runs) > 0:
			verb := " evaluates"
			if len(w.Runs) > 1 {
				verb = " evaluate"
			}
			others := "the others"
			if len(c.Runs)-len(w.Runs) == 1 {
				others = "the other"
			}
			return "Only " + names() + verb + ": " + others + " cannot be judged on held-out data."
		case len(w.Values) > 0:
			return "The eval sets differ in size (" + per(func(v float64) string {
				if math.IsNaN(v) {
					return notAvailable
				}
				return count(int64(math.Round(v))) + " examples"
			}) + ", eval_runtime x eval_samples_per_second): their eval losses are not measured on the same data."
		}
		return "The runs evaluate different metrics: their evaluations are not comparable."
	case analysis.WarnLogging:
		return "The logging windows differ (" + per(func(v float64) string { return axisValue(c.AlignedBy, v) + " " + axisUnit(c.AlignedBy) }) + "): each logged loss is the mean of a window, so a wider window looks less noisy."
	case analysis.WarnMetric:
		return "The runs' main metrics or trainer families differ: they are not ranked."
	case analysis.WarnNoLevel:
		var parts []string
		for _, i := range w.Runs {
			if i < len(labels) {
				parts = append(parts, code(labels[i])+" has no finite "+code(c.Runs[i].Metric))
			}
		}
		them := "it cannot"
		if len(w.Runs) > 1 {
			them = "they cannot"
		}
		return strings.Join(parts, "; ") + ": " + them + " be ranked."
	case analysis.WarnIncomplete:
		if one {
			return names() + " stopped before the planned steps: its final level is not where it would have ended."
		}
		return names() + " stopped before the planned steps: their final levels are not where they would have ended."
	case analysis.WarnTrainOnly:
		return "No common evaluation: the runs are ranked on their train loss, which measures how well each fits its training data (memorisation included), not how good it is. Evaluate them on the same held-out data before choosing."
	}
	return string(w.Kind)
}

// curvesText introduces the overlaid curves.
func curvesText(c *analysis.Comparison, labels []string) string {
	var parts []string
	for i := range c.Runs {
		parts = append(parts, runMark(i)+" = "+code(labels[i]))
	}
	return fmt.Sprintf("%s against %s, each column the mean of the points in it (%s; * where two runs meet).", code(c.Runs[0].Metric), axisNoun(c.AlignedBy), strings.Join(parts, ", "))
}

// compareChart draws the runs' train curves overlaid in text, one letter
// per run.
func compareChart(c *analysis.Comparison, width int) []string {
	if !hasCurves(c) {
		return nil
	}
	series := make([][]analysis.AxisPoint, len(c.Runs))
	for i, r := range c.Runs {
		series[i] = r.Curve
	}
	return overlayChart(series, width, 12, axisValueFunc(c.AlignedBy))
}

func axisValueFunc(a analysis.Axis) func(float64) string {
	return func(v float64) string { return axisValue(a, v) }
}

// overlayChart plots several curves on one character grid: x buckets of
// the common axis, y rows (log when the values span more than a decade),
// one letter per curve.
func overlayChart(series [][]analysis.AxisPoint, width, height int, xfmt func(float64) string) []string {
	lo, hi := math.Inf(1), math.Inf(-1)
	xmax := 0.0
	for _, s := range series {
		for _, p := range s {
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
			xmax = math.Max(xmax, p.X)
		}
	}
	if math.IsInf(lo, 0) || xmax <= 0 {
		return nil
	}
	logY := lo > 0 && hi > 10*lo
	tr := func(v float64) float64 {
		if logY {
			return math.Log(v)
		}
		return v
	}
	ylo, yhi := tr(lo), tr(hi)
	if yhi == ylo {
		yhi = ylo + 1
	}
	mid := (ylo + yhi) / 2
	if logY {
		mid = math.Exp(mid)
	}
	labels := map[int]string{0: num(hi), height - 1: num(lo), (height - 1) / 2: num(mid)}
	lw := 0
	for _, l := range labels {
		lw = max(lw, texttab.Width(l))
	}
	cols := max(width-lw-3, 10)
	grid := make([][]rune, height)
	for r := range grid {
		grid[r] = []rune(strings.Repeat(" ", cols))
	}
	for k, s := range series {
		sum := make([]float64, cols)
		n := make([]int, cols)
		for _, p := range s {
			col := min(int(p.X/xmax*float64(cols-1)+0.5), cols-1)
			sum[col] += tr(p.Y)
			n[col]++
		}
		mark := rune('a' + k%26)
		for col := range sum {
			if n[col] == 0 {
				continue
			}
			v := sum[col] / float64(n[col])
			row := height - 1 - int((v-ylo)/(yhi-ylo)*float64(height-1)+0.5)
			row = min(max(row, 0), height-1)
			switch grid[row][col] {
			case ' ':
				grid[row][col] = mark
			case mark:
			default:
				grid[row][col] = '*'
			}
		}
	}
	var out []string
	for r, line := range grid {
		y := labels[r]
		out = append(out, strings.Repeat(" ", lw-texttab.Width(y))+y+" ┤"+strings.TrimRight(string(line), " "))
	}
	axis := strings.Repeat(" ", lw) + " └" + strings.Repeat("─", cols)
	left, right := xfmt(0), xfmt(xmax)
	ticks := strings.Repeat(" ", lw+2) + left + strings.Repeat(" ", max(cols-texttab.Width(left)-texttab.Width(right), 1)) + right
	out = append(out, axis, ticks)
	if logY {
		out = append(out, strings.Repeat(" ", lw+2)+"(log scale)")
	}
	return out
}
