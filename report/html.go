package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/svgplot"
	"github.com/plateau-dev/plateau/internal/term"
)

//go:embed html.tmpl
var htmlTemplateText string

//go:embed html.css
var htmlPageCSS string

//go:embed html.js
var htmlChartScript string

// uPlot draws the interactive charts (see uplot/README.md).
var (
	//go:embed uplot/uPlot.iife.min.js
	uplotJS string
	//go:embed uplot/uPlot.min.css
	uplotCSS string
)

// htmlStyle is the page's whole style sheet: the page's own rules, those
// of the static charts and those of uPlot.
var htmlStyle = htmlPageCSS + svgplot.CSS() + uplotCSS

// htmlScript is the page's one script: uPlot, then the page's own.
var htmlScript = uplotJS + "\n" + htmlChartScript

// htmlCSP is the page's Content-Security-Policy: nothing may be loaded
// from anywhere, and only the page's own style sheet and script (by
// hash) may run, so even a string that escaped escaping could not
// execute. (The charts' data sits in a <script type="application/json">
// block, which is never executed.)
var htmlCSP = "default-src 'none'; style-src " + htmlHash(htmlStyle) +
	"; script-src " + htmlHash(htmlScript) + "; base-uri 'none'; form-action 'none'"

func htmlHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var htmlTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"num":        htmlNum,
	"step":       htmlStep,
	"stepN":      stepN,
	"steps":      htmlSteps,
	"epoch":      htmlEpoch,
	"pct":        htmlPct,
	"sci":        htmlSci,
	"cell":       htmlMetricCell,
	"join":       strings.Join,
	"sevClass":   htmlSevClass,
	"status":     htmlStatusClass,
	"isRec":      htmlIsRecommended,
	"noiseScale": htmlNoiseScale,
	// Sentences of explain*.go, with their markup as HTML.
	"how":        func(h analysis.How) template.HTML { return htmlText(howText(h)) },
	"geoLabel":   geometryLabel,
	"milestone":  milestoneLabel,
	"trainLoss":  func(tl analysis.TrainLoss) template.HTML { return htmlText(trainLossText(tl)) },
	"noiseText":  func(r *analysis.Report) template.HTML { return htmlText(noiseText(r.Noise, primary(r))) },
	"accText":    func(a *analysis.Accuracy) template.HTML { return htmlText(accuracyText(a)) },
	"schedule":   func(ls analysis.LRSchedule) template.HTML { return htmlText(scheduleText(ls)) },
	"tpNotes":    func(tp analysis.Throughput) []template.HTML { return htmlTexts(throughputNotes(tp)) },
	"evalText":   func(e analysis.Eval) template.HTML { return htmlText(evalText(e)) },
	"earlyStop":  func(x analysis.EarlyStop) template.HTML { return htmlText(earlyStopText(x)) },
	"noEvalText": func() template.HTML { return htmlText(noEvalAdvice()) },
	"gap":        func(g analysis.SummaryGap) template.HTML { return htmlText(gapText(g)) },
	"testWorse":  func() string { return testWorseText },
	"hint":       func(h analysis.Hint) template.HTML { return htmlText(hintText(h)) },
	"roles": func(row analysis.CheckpointRow, r *analysis.Report) template.HTML {
		return htmlText(roleText(row, r.Checkpoints))
	},
	"recommend": func(r *analysis.Report) template.HTML { return htmlText(recommendText(r)) },
	"finding":   func(f analysis.Finding, r *analysis.Report) template.HTML { return htmlText(findingText(f, r)) },
	"statistic": statisticName,
	"card":      htmlCard,
	"money":     money,
	"duration":  duration,
	// The sentences of the verdict, trend and forecast (explain_verdict.go).
	"verdictText":     func(r *analysis.Report) template.HTML { return htmlText(verdictReason(r)) },
	"trendText":       func(r *analysis.Report) template.HTML { return htmlText(trendExplanation(r)) },
	"forecastText":    func(a *analysis.AnotherEpoch) template.HTML { return htmlText(forecastSentence(a)) },
	"forecastMethod":  func(a *analysis.AnotherEpoch) template.HTML { return htmlText(forecastMethod(a)) },
	"forecastRange":   func(a *analysis.AnotherEpoch) template.HTML { return htmlText(forecastRange(a)) },
	"forecastMissing": func(a *analysis.AnotherEpoch) template.HTML { return htmlText(forecastMissing(a)) },
	"riskText":        func(a *analysis.AnotherEpoch) template.HTML { return htmlText(riskWords(a)) },
}).Parse(htmlTemplateText))

// An htmlCardRow is one answer of the card, as HTML.
type htmlCardRow struct {
	Label string
	Text  template.HTML
	Items []template.HTML
}

// htmlCard is the answer card of r (card.go), as HTML.
func htmlCard(r *analysis.Report) []htmlCardRow {
	var out []htmlCardRow
	for _, row := range buildCard(r).rows {
		out = append(out, htmlCardRow{Label: row.label, Text: htmlText(row.text), Items: htmlTexts(row.items)})
	}
	return out
}

// htmlText renders marked-up text (document.go) as HTML: escaped text,
// sources in code elements, emphasis in strong elements.
func htmlText(s string) template.HTML { return template.HTML(renderInline(s, htmlInline{})) }

func htmlTexts(ss []string) []template.HTML {
	out := make([]template.HTML, len(ss))
	for i, s := range ss {
		out[i] = htmlText(s)
	}
	return out
}

// htmlInline renders inline markup as HTML.
type htmlInline struct{}

func (htmlInline) plain(s string) string { return template.HTMLEscapeString(s) }

// keepSteps keeps step marks: WriteHTML resolves them with its report.
func (htmlInline) keepSteps() bool { return true }

func (htmlInline) code(s string) string {
	return `<code class="src">` + template.HTMLEscapeString(s) + `</code>`
}

func (htmlInline) em(style byte, inner string) string {
	if style == styleDim || inner == "" {
		return inner
	}
	return "<strong>" + inner + "</strong>"
}

// WriteHTML writes r as one self-contained HTML page: every section of
// the report, and inline SVG charts with the conclusions drawn on them.
// The page loads nothing (no fonts, scripts or styles from elsewhere),
// reads well without script (static SVG charts), follows the reader's
// light or dark scheme and prints cleanly. With script, the charts are
// interactive (uPlot, embedded): zoom and pan, series toggles, a log
// switch, and a point's value, step, epoch and source on hover.
func WriteHTML(w io.Writer, r *analysis.Report, opts HTMLOptions) error {
	if r == nil {
		return errors.New("write html: no report")
	}
	v, err := newHTMLView(r, opts.withDefaults())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Grow(len(htmlScript) + len(htmlStyle) + 256<<10) // the page is mostly these
	err = htmlTemplate.Execute(&buf, v)
	if cerr := v.chartErr(); cerr != nil {
		return cerr
	}
	if err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	_, err = io.WriteString(w, term.Sanitize(resolveSteps(buf.String(), r.StepEstimated)))
	return err
}

// htmlView is what the page template reads.
type htmlView struct {
	R    *analysis.Report
	Opts HTMLOptions
	CSS  template.CSS
	JS   template.JS
	CSP  string
	// Charts holds the rendered charts by section id.
	Charts map[string][]htmlChart
	// ChartData is what the page's script draws the interactive charts
	// from; nil when there are no charts.
	ChartData *chartDataJSON
	// MilestoneCols are the metric columns of the milestones table.
	MilestoneCols []string
	// Sections are the sections in page order, for the contents list.
	Sections []htmlSection
	draws    []*svgDraw // the charts' drawings, in the order of buildCharts
}

type htmlChart struct {
	ID    string
	Notes []string
	svg   *svgDraw
}

// SVG returns the chart's drawing, waiting for it to be drawn.
func (c htmlChart) SVG() template.HTML {
	<-c.svg.done
	return c.svg.html
}

// An svgDraw is a chart being drawn beside the page's other parts: done
// is closed when html or err is set.
type svgDraw struct {
	done chan struct{}
	html template.HTML
	err  error
}

// A chartDataJSON is the page's chart data (a pageChartData) being
// encoded beside the page's other parts: done is closed when b or err is
// set. The template's escaper encodes it with json.Marshal, which takes b
// as it is (compact, with <, > and & already escaped).
type chartDataJSON struct {
	done chan struct{}
	b    []byte
	err  error
}

// MarshalJSON returns the encoded chart data, waiting for it.
func (c *chartDataJSON) MarshalJSON() ([]byte, error) {
	<-c.done
	return c.b, c.err
}

// chartErr waits for every chart and returns the first error, in page
// order.
func (v *htmlView) chartErr() error {
	for _, d := range v.draws {
		<-d.done
		if d.err != nil {
			return d.err
		}
	}
	return nil
}

type htmlSection struct{ ID, Title string }

// htmlSections lists the page's sections in order.
var htmlSections = []htmlSection{
	{"verdict", "Verdict"},
	{"curves", "Curves"},
	{"milestones", "Milestones"},
	{"phases", "Phases"},
	{"train-loss", "train_loss vs final"},
	{"noise", "End-of-run noise"},
	{"accuracy", "Token accuracy"},
	{"lr", "Learning rate"},
	{"throughput", "Throughput and cost"},
	{"generalisation", "Generalisation"},
	{"checkpoints", "Checkpoints"},
	{"another-epoch", "Another epoch?"},
	{"trend", "Trend"},
	{"findings", "Findings"},
	{"events", "Events"},
	{"warnings", "Warnings"},
	{"summary", "Summary"},
}

func newHTMLView(r *analysis.Report, opts HTMLOptions) (*htmlView, error) {
	v := &htmlView{
		R: r, Opts: opts,
		CSS: template.CSS(htmlStyle), JS: template.JS(htmlScript), CSP: htmlCSP,
		Charts:        map[string][]htmlChart{},
		MilestoneCols: htmlMilestoneCols(r.Milestones),
		Sections:      htmlSections,
	}
	// The charts are drawn on their own goroutines while the page is
	// written around them (its template waits for each where it shows it).
	charts := buildCharts(r, opts)
	for _, c := range charts {
		d := &svgDraw{done: make(chan struct{})}
		go func() {
			defer close(d.done)
			d.html, d.err = svgplot.HTML(c.Chart)
			if d.err != nil {
				d.err = fmt.Errorf("write html: chart %s: %w", c.Chart.ID, d.err)
			}
		}()
		v.draws = append(v.draws, d)
		v.Charts[c.Section] = append(v.Charts[c.Section], htmlChart{ID: c.Chart.ID, Notes: c.Notes, svg: d})
	}
	if len(charts) > 0 {
		cd := &chartDataJSON{done: make(chan struct{})}
		go func() {
			defer close(cd.done)
			cd.b, cd.err = json.Marshal(chartData(charts))
		}()
		v.ChartData = cd
	}
	return v, nil
}

// htmlMilestoneCols returns the metrics logged at any milestone, the
// loss first and the rest sorted.
func htmlMilestoneCols(ms []analysis.Milestone) []string {
	seen := map[string]bool{}
	var cols []string
	for _, m := range ms {
		for k := range m.Metrics {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	sort.Slice(cols, func(i, j int) bool {
		if (cols[i] == "loss") != (cols[j] == "loss") {
			return cols[i] == "loss"
		}
		return cols[i] < cols[j]
	})
	return cols
}

// htmlMetricCell returns the value and source of metric k at milestone m,
// or nil when it was not logged there.
func htmlMetricCell(m analysis.Milestone, k string) *analysis.Cited {
	v, ok := m.Metrics[k]
	if !ok {
		return nil
	}
	return &analysis.Cited{Value: v, Source: m.MetricSources[k]}
}

func htmlNum(v float64) string { return svgplot.FormatValue(v) }

// htmlStep formats a step of the data, marked as step marks it (WriteHTML
// resolves the marks); stepN formats any other step.
func htmlStep(s int64) string { return step(s) }

func htmlSteps(a, b int64) string {
	if a == b {
		return htmlStep(a)
	}
	return htmlStep(a) + "–" + htmlStep(b)
}

func htmlEpoch(e float64) string {
	if math.IsNaN(e) || math.IsInf(e, 0) {
		return "–"
	}
	return strconv.FormatFloat(e, 'f', 2, 64)
}

func htmlPct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// htmlSci formats a value with three significant digits in scientific
// notation, for slopes and learning rates.
func htmlSci(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return svgplot.FormatValue(v)
	}
	return strconv.FormatFloat(v, 'e', 2, 64)
}

// htmlSevClass maps a finding severity onto a CSS class.
func htmlSevClass(sev analysis.Severity) string {
	switch sev {
	case analysis.SevError, analysis.SevWarning:
		return "sev-" + string(sev)
	}
	return "sev-info"
}

// htmlStatusClass maps a verdict status onto a CSS class.
func htmlStatusClass(status analysis.Status) string {
	switch status {
	case analysis.StatusConverged, analysis.StatusImproving:
		return "st-good"
	case analysis.StatusOverfitting, analysis.StatusStalled:
		return "st-warn"
	case analysis.StatusDiverged:
		return "st-bad"
	}
	return "st-unknown"
}

// htmlIsRecommended reports whether row is the recommended checkpoint.
func htmlIsRecommended(row analysis.CheckpointRow, rec analysis.Recommendation) bool {
	return rec.Step >= 0 && row.Step == rec.Step && (rec.Path == "" || rec.Path == row.Path)
}

// htmlNoiseScale names the scale the noise was measured on.
func htmlNoiseScale(log bool) string {
	if log {
		return "log scale"
	}
	return "linear scale"
}
