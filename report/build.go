package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// Limits on what the human formats show; the JSON output holds everything.
const (
	maxMetricColumns = 6  // metric columns of the milestones table
	maxEvalRows      = 40 // rows of the eval table
	maxWarnings      = 20 // warnings listed
)

// build lays out the report of r: the answer card, then the sections in
// the order of the seed article, then the card again (what stays on
// screen). The default sections are short tables (build_short.go);
// o.Full writes every section whole; o.Summary writes the card alone, or
// in Markdown (markdown set) the card with the sections folded in a
// <details> element. Each step of the data it prints is "~N" where the
// step was estimated.
func build(r *analysis.Report, o Options, markdown bool) *doc {
	d := buildBlocks(r, o, markdown)
	d.resolveSteps(r.StepEstimated)
	return d
}

// buildBlocks lays out the blocks of build, steps still marked.
func buildBlocks(r *analysis.Report, o Options, markdown bool) *doc {
	d := &doc{}
	c := buildCard(r)
	if !markdown {
		// The text card keeps what fits in maxCardLines; the pitfalls
		// list the problems it leaves out.
		c = fitCard(c, o)
	}
	d.heading(1, "plateau: "+c.title)
	d.card(c)
	switch {
	case o.Summary && !markdown:
		return d
	case o.Summary:
		d.raw("<details><summary>The report, section by section</summary>")
		buildShort(d, r, c.shownFindings())
		d.raw("</details>")
		return d
	}
	if o.Chart {
		d.chart()
	}
	if o.Full {
		buildFull(d, r)
	} else {
		buildShort(d, r, c.shownFindings())
	}
	d.section("Summary", "")
	d.card(c)
	return d
}

// buildFull writes every section with its whole detail, numbered as in
// the seed article.
func buildFull(d *doc, r *analysis.Report) {
	buildVerdict(d, r)
	buildRun(d, r)
	buildMilestones(d, r)
	buildPhases(d, r)
	buildTrainLoss(d, r)
	buildNoise(d, r)
	buildAccuracy(d, r)
	buildLR(d, r)
	buildThroughput(d, r)
	buildEval(d, r)
	buildCheckpoints(d, r)
	buildAnotherEpoch(d, r)
	buildTrend(d, r)
	buildFindings(d, r)
}

// primary returns the primary metric's name, "loss" by default.
func primary(r *analysis.Report) string {
	if r.Primary != "" {
		return r.Primary
	}
	if r.Verdict.Metric != "" {
		return r.Verdict.Metric
	}
	return "loss"
}

// cited formats a logged value and its source for running text.
func cited(v float64, src string) string {
	if src == "" {
		return num(v)
	}
	return num(v) + " (" + code(src) + ")"
}

func statusStyle(status analysis.Status) byte {
	switch status {
	case analysis.StatusConverged:
		return styleGood
	case analysis.StatusImproving:
		return styleInfo
	case analysis.StatusDiverged:
		return styleBad
	case analysis.StatusOverfitting, analysis.StatusStalled:
		return styleWarn
	}
	return styleStrong
}

func severityStyle(sev analysis.Severity) byte {
	switch sev {
	case analysis.SevError:
		return styleBad
	case analysis.SevWarning:
		return styleWarn
	}
	return styleDim
}

// buildVerdict writes the verdict with its confidence and its reason in
// full.
func buildVerdict(d *doc, r *analysis.Report) {
	d.section("Verdict", "verdict")
	v := r.Verdict
	status := prose(string(v.Status))
	if status == "" {
		status = "not decided"
	}
	line := em(statusStyle(v.Status), status)
	var extra []string
	if v.Confidence != "" {
		extra = append(extra, "confidence "+prose(string(v.Confidence)))
	}
	if v.Metric != "" {
		extra = append(extra, "metric "+code(v.Metric))
	}
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	if reason := verdictReason(r); reason != "" {
		line += ": " + strings.TrimSuffix(reason, ".") + "."
	}
	d.para(line)
}

func buildRun(d *doc, r *analysis.Report) {
	d.section("1. Run", "run")
	ri := r.Run
	var facts []string
	if ri.Root != "" {
		facts = append(facts, "read from "+code(ri.Root))
	}
	if ri.Library != "" {
		facts = append(facts, "library "+prose(ri.Library))
	}
	if ri.Family != "" {
		facts = append(facts, "trainer family "+familyText(ri))
	}
	facts = append(facts, "primary metric "+code(primary(r)))
	if ri.LastStep > 0 || ri.FirstStep > 0 {
		s := "steps " + steps(ri.FirstStep, ri.LastStep)
		if ri.MaxSteps > 0 {
			s += " of " + count(ri.MaxSteps)
		}
		facts = append(facts, s)
	}
	if ri.Epochs > 0 {
		facts = append(facts, epochCount(num(ri.Epochs)))
	}
	if ri.Completed {
		facts = append(facts, "completed (an end-of-training summary or should_training_stop was found)")
	} else {
		facts = append(facts, "not known to have completed (no end-of-training summary was found)")
	}
	d.para(capitalize(strings.Join(facts, "; ")) + ".")
	d.para(estimatedStepsNote(ri))
	if len(ri.Series) > 0 {
		d.para("Series found: " + codes(ri.Series) + ".")
	} else {
		d.para("No per-step series was found: plateau needs the per-step log (the Trainer's console dicts, " +
			code("trainer_state.json") + " or TensorBoard events), not only a final summary.")
	}

	d.heading(3, "Files")
	if len(ri.Files) == 0 {
		d.para("No input files were recorded.")
	} else {
		t := newTable("File", "Format", "Used", "Records", "Errors", "Note").alignRight(3, 4)
		for _, f := range ri.Files {
			used := "used"
			if !f.Used {
				used = "ignored"
			}
			t.add(code(f.Path), prose(orNA(f.Format)), used, count(int64(f.Records)), count(int64(f.Errors)), prose(f.Reason))
		}
		d.table(t)
	}

	d.heading(3, "Geometry")
	if len(ri.Geometry) == 0 {
		d.para("Not logged: no examples, batch sizes, epochs or step counts were found. Next time keep the " +
			code("***** Running training *****") + " block the Trainer prints at INFO level " +
			"(" + code("transformers.logging.set_verbosity_info()") + ") and the " + code("trainer_state.json") + " files.")
		return
	}
	t := newTable("Field", "Value", "Source").alignRight(1)
	for _, g := range ri.Geometry {
		t.add(geometryLabel(g.Key), geoValue(g.Value), code(g.Source))
	}
	d.table(t)
}

// geoValue formats an integer-valued geometry number with separators.
func geoValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return count(int64(v))
	}
	return num(v)
}

func capitalize(s string) string {
	if s == "" || s[0] < ' ' {
		return s // empty, or starting with markup (a name in a code span)
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// metricOrder is the preferred order of metric columns.
var metricOrder = []string{"loss", "eval_loss", "mean_token_accuracy", "accuracy", "grad_norm", "learning_rate", "entropy", "num_tokens"}

// milestoneMetrics returns the metric columns of the milestones table,
// the primary metric first, and the names left out.
func milestoneMetrics(r *analysis.Report) (cols, omitted []string) {
	seen := map[string]bool{}
	for _, m := range r.Milestones {
		for k := range m.Metrics {
			seen[k] = true
		}
	}
	var names []string
	for k := range seen {
		names = append(names, k)
	}
	rank := func(k string) int {
		if k == primary(r) {
			return -1
		}
		if i := slices.Index(metricOrder, k); i >= 0 {
			return i
		}
		return len(metricOrder)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank(names[i]), rank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	if len(names) > maxMetricColumns {
		return names[:maxMetricColumns], names[maxMetricColumns:]
	}
	return names, nil
}

// metricValue formats a metric for a table cell: learning rates in
// scientific notation.
func metricValue(name string, v float64) string {
	switch {
	case name == "learning_rate" || strings.HasSuffix(name, "/lr"):
		return sci(v, 3)
	case v == math.Trunc(v) && math.Abs(v) >= 1000 && math.Abs(v) < 1e15:
		return count(int64(v)) // token and sample counts
	}
	return num(v)
}

func buildMilestones(d *doc, r *analysis.Report) {
	d.section("2. Milestones", "milestones")
	if len(r.Milestones) == 0 {
		d.para("No milestones: the primary series " + code(primary(r)) + " has no logged points. " +
			"Next time log it every few steps (" + code("logging_steps") + " in TrainingArguments; the Trainer logs " +
			code("loss") + " by default).")
		return
	}
	cols, omitted := milestoneMetrics(r)
	header := append([]string{"Milestone", "Step", "Epoch"}, cols...)
	header = append(header, "Source(s)")
	t := newTable(header...)
	for i := 1; i < 3+len(cols); i++ {
		t.alignRight(i)
	}
	for _, m := range r.Milestones {
		row := []string{milestoneLabel(m), stepMark(m.Step, m.StepEstimated), epoch(m.Epoch)}
		for _, c := range cols {
			if v, ok := m.Metrics[c]; ok {
				row = append(row, metricValue(c, v))
			} else {
				row = append(row, "")
			}
		}
		srcs := m.Sources
		if len(srcs) == 0 && m.Source != "" {
			srcs = []string{m.Source}
		}
		row = append(row, codes(srcs))
		t.add(row...)
	}
	for i, c := range cols {
		t.header[3+i] = code(c)
	}
	d.table(t)
	d.para(shownEpochEnds(r))
	if len(omitted) > 0 {
		d.para("Also logged at these steps (in the JSON output): " + codes(omitted) + ".")
	}
	d.para("Each value is read at its step; the first source of a row is the one used, the others logged the same step.")
}

func buildPhases(d *doc, r *analysis.Report) {
	d.section("3. Phases", "phases")
	if len(r.Phases) == 0 {
		d.para("Not enough points of " + code(primary(r)) + " to split the curve into phases. " +
			"Next time log more often (a lower " + code("logging_steps") + ") so the curve has at least a few dozen points.")
		return
	}
	metric, logScale := primary(r), true
	if p := r.Phases[0]; p.Metric != "" {
		metric, logScale = p.Metric, p.LogScale
	}
	share := "Share of change"
	start, end := r.Phases[0].StartLevel.Value, r.Phases[len(r.Phases)-1].EndLevel.Value
	switch greater := analysis.GreaterIsBetter(metric); {
	case greater && end > start:
		share = "Share of gain"
	case !greater && end < start:
		share = "Share of drop"
	}
	slope := "Log slope/step"
	if !logScale {
		slope = "Slope/step"
	}
	t := newTable("Phase", "Steps", "Level start → end", share, slope, "Starts at").alignRight(2, 3, 4)
	backwards := false
	for i, p := range r.Phases {
		backwards = backwards || p.ShareOfDrop < -0.0005
		t.add(phaseLetter(i)+": "+string(p.Name), steps(p.StartStep, p.EndStep),
			num(p.StartLevel.Value)+" → "+num(p.EndLevel.Value), pct(p.ShareOfDrop),
			sci(p.SlopePerStep, 2), string(p.Boundary))
	}
	d.table(t)
	var notes []string
	if metric != primary(r) {
		notes = append(notes, "The phases split the "+code(metric)+" curve, which shows the training better than "+code(primary(r))+".")
	}
	if lv := phaseLevels(r.Phases); lv != "" {
		notes = append(notes, lv)
	}
	what := code(metric)
	if logScale {
		what = "log(" + code(metric) + ")"
	}
	notes = append(notes, slope+" is the change of "+what+" from the phase's start level to its end level, per step: the rate that names the phase (rapid: at least half the fastest phase's rate; slowing or moderate: a tenth to a half; diminishing returns: less; flat: a change within the noise of the levels).")
	if backwards {
		notes = append(notes, "A negative share is a phase that went the wrong way; the shares add up to 100%.")
	}
	d.para(notes...)
}

// phaseLevels says once how the phase levels were measured, rather than
// listing every phase's window: the first phase's start, then the ends.
func phaseLevels(ps []analysis.Phase) string {
	var parts []string
	if h := ps[0].StartLevel.How; h.Method != "" {
		parts = append(parts, "the first phase starts at the "+howText(h))
	}
	chained := true
	for i := 1; i < len(ps); i++ {
		chained = chained && ps[i].StartLevel.How.Method == analysis.MethodPreviousEnd
	}
	if len(ps) > 1 && chained {
		parts = append(parts, "each later phase starts where the previous one ended")
	}
	lo, hi := 0, 0
	for _, p := range ps {
		n := p.EndLevel.How.N
		if lo == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	switch {
	case lo == 0:
	case hi == 1:
		parts = append(parts, "a phase ends at its last point")
	case lo == hi:
		parts = append(parts, fmt.Sprintf("a phase ends at the mean of its last %d points", lo))
	default:
		parts = append(parts, fmt.Sprintf("a phase ends at the mean of its last %d to %d points (about a tenth of the phase)", lo, hi))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Levels: " + strings.Join(parts, "; ") + "."
}

// withThe starts a description with "the" ("the mean of ...").
func withThe(s string) string {
	if s == "" || strings.HasPrefix(s, "the ") {
		return s
	}
	return "the " + s
}

// phaseLetter names phases A, B, C, ... as the seed article does.
func phaseLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("P%d", i+1)
}

func buildTrainLoss(d *doc, r *analysis.Report) {
	tl := r.TrainLoss
	d.section("4. Mean train_loss vs final level", "train-loss")
	t := newTable("Quantity", "Value", "Source or how").alignRight(1)
	if tl.Reported != nil {
		t.add("reported "+code("train_loss")+" (mean over the run)", num(*tl.Reported), code(tl.Source))
	} else {
		t.add("reported "+code("train_loss"), "not logged",
			"the Trainer prints it in the end-of-training summary; it is missing when the run was interrupted or its console was not saved")
	}
	if tl.RecomputedMean != nil {
		t.add("recomputed mean of the logged "+code("loss"), num(tl.RecomputedMean.Value), howText(tl.RecomputedMean.How))
	}
	if tl.FinalLevel != nil {
		t.add("final level", num(tl.FinalLevel.Value), howText(tl.FinalLevel.How))
	}
	if tl.First != nil {
		t.add("first logged value", num(tl.First.Value), code(tl.First.Source))
	}
	if tl.Last != nil {
		t.add("last logged value", num(tl.Last.Value), code(tl.Last.Source))
	}
	d.table(t)
	d.para(trainLossText(tl))
}

func buildNoise(d *doc, r *analysis.Report) {
	d.section("5. End-of-run fluctuation", "noise")
	n := r.Noise
	if n == nil {
		d.para("Not enough points at the end of " + code(primary(r)) + " to judge the fluctuation. " +
			"Next time log every step or every few steps so the last 10% of the run holds enough points.")
		return
	}
	t := newTable("Statistic", "Value", "Source or how").alignRight(1)
	scale := ""
	if n.LogScale {
		scale = "noise measured on log(" + code(primary(r)) + "), as it is multiplicative"
	}
	t.add("window", "steps "+steps(n.FromStep, n.ToStep), fmt.Sprintf("%d points", n.N))
	t.add("mean ± std", num(n.Mean)+" ± "+num(n.Std), scale)
	t.add("standard error of the mean", num(n.StdErr), "std / √n")
	t.add("point-to-point noise σ", num(n.Sigma.Value), howText(n.Sigma.How))
	t.add("last point (step "+step(n.LastStep)+")", num(n.Last.Value), code(n.Last.Source))
	judge := "normal noise"
	if !n.Normal {
		judge = em(styleWarn, "beyond normal noise")
	}
	t.add("last point vs window mean", sigma(n.Deviation), judge)
	d.table(t)
	d.para(noiseText(n, primary(r)))
}

func buildAccuracy(d *doc, r *analysis.Report) {
	d.section("6. Token accuracy", "accuracy")
	a := r.Accuracy
	if a == nil || len(a.Rows) == 0 {
		switch r.Run.Family {
		case "sft", "":
			d.para("Not logged: no " + code("mean_token_accuracy") + " series. TRL's SFTTrainer logs it; " +
				"with the plain Trainer, add it through " + code("compute_metrics") + " if you want it next time.")
		default:
			d.para("Not logged, and not expected: token accuracy is a supervised fine-tuning metric, and this is a " +
				prose(string(r.Run.Family)) + " run.")
		}
		return
	}
	metric := a.Metric
	if metric == "" {
		metric = "mean_token_accuracy"
	}
	d.para("Field " + code(metric) + " at the milestones:")
	t := newTable("Step", "Accuracy", "Value", "Source").alignRight(0, 1, 2)
	for i, c := range a.Rows {
		s := notAvailable
		if i < len(a.Steps) {
			s = step(a.Steps[i])
		}
		t.add(s, pct(c.Value), num(c.Value), code(c.Source))
	}
	d.table(t)
	d.para(accuracyText(a))
}

func buildLR(d *doc, r *analysis.Report) {
	d.section("7. Learning rate", "lr")
	lr := r.LRSchedule
	if !lr.Present {
		d.para("Not logged: no " + code("learning_rate") + " series. The Trainer logs it at every logging step; " +
			"in a custom loop, log " + code("scheduler.get_last_lr()[0]") + " next time.")
		return
	}
	if len(lr.Rows) > 0 {
		t := newTable("Step", "lr", "Source").alignRight(0, 1)
		for _, row := range lr.Rows {
			t.add(stepMark(row.Step, row.StepEstimated), sci(row.Value, 3), code(row.Source))
		}
		d.table(t)
	}
	d.para(scheduleText(lr))
}

// lowerFirst lowers the first letter of a sentence that follows a colon.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
