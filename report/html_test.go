package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

var updateHTML = flag.Bool("update-html", false, "rewrite the HTML outline goldens in testdata/html")

// htmlUpdating reports whether goldens should be rewritten: with
// -update-html, or with the package's -update flag when one is defined.
func htmlUpdating() bool {
	if *updateHTML {
		return true
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func renderHTML(t testing.TB, r *analysis.Report, opts HTMLOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, opts); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.String()
}

// wantSections are the section ids of every page, in order.
var wantSections = []string{"header", "card", "verdict", "curves", "milestones", "phases", "train-loss", "noise", "accuracy",
	"lr", "throughput", "generalisation", "checkpoints", "another-epoch", "trend", "findings", "events", "warnings", "summary"}

var (
	sectionRE = regexp.MustCompile(`<(?:section|header) id="([^"]+)"`)
	svgRE     = regexp.MustCompile(`(?s)<svg class="plot" id="([^"]+)"[^>]*>.*?</svg>`)
	seriesRE  = regexp.MustCompile(`(?s)<g class="series ([^"]*)" data-name="([^"]*)" data-n="(\d+)" data-total="(\d+)">(.*?)</g>`)
	markerRE  = regexp.MustCompile(`<path class="marker ([^"]*)"[^>]*data-s=`)
)

// htmlOutline extracts the structure of a page: its section ids, its
// charts, and per chart the series with the number of points drawn (as
// counted in the markup and as declared), and with annotations set the
// bands, lines and markers drawn from the analysis.
func htmlOutline(page string, annotations bool) string {
	var b strings.Builder
	for _, m := range sectionRE.FindAllStringSubmatch(page, -1) {
		fmt.Fprintf(&b, "section %s\n", m[1])
	}
	for _, svg := range svgRE.FindAllStringSubmatch(page, -1) {
		scale := "linear"
		if strings.Contains(svg[0][:200], `data-scale="log"`) {
			scale = "log"
		}
		fmt.Fprintf(&b, "chart %s scale=%s", svg[1], scale)
		if annotations {
			fmt.Fprintf(&b, " lanes=%d lane-labels=%d shaded=%d ybands=%d xlines=%d", strings.Count(svg[0], `<rect class="lane `),
				strings.Count(svg[0], `<text class="lane-label"`), strings.Count(svg[0], `<rect class="xband`),
				strings.Count(svg[0], `<rect class="yband`), strings.Count(svg[0], `<line class="xline`))
		}
		b.WriteString("\n")
		for _, s := range seriesRE.FindAllStringSubmatch(svg[0], -1) {
			dots := strings.Count(s[5], "<circle ")
			line := strings.Contains(s[5], `<path class="line"`)
			fmt.Fprintf(&b, "  series %q class=%q dots=%d declared=%s of=%s line=%v\n", s[2], s[1], dots, s[3], s[4], line)
		}
		if !annotations {
			continue
		}
		counts := map[string]int{}
		for _, m := range markerRE.FindAllStringSubmatch(svg[0], -1) {
			counts[m[1]]++
		}
		var keys []string
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  markers %q %d\n", k, counts[k])
		}
	}
	outlineChartData(&b, page, annotations)
	return b.String()
}

var chartDataRE = regexp.MustCompile(`(?s)<script type="application/json" id="chart-data">(.*?)</script>`)

// outlineChartData outlines the data of the interactive charts: per
// chart its axis (and with annotations the bands, lines and markers),
// and per series its points and how many carry a source.
func outlineChartData(b *strings.Builder, page string, annotations bool) {
	m := chartDataRE.FindStringSubmatch(page)
	if m == nil {
		return
	}
	var d pageChartData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		fmt.Fprintf(b, "data: not JSON: %v\n", err)
		return
	}
	fmt.Fprintf(b, "data src-patterns=%d\n", len(d.Src))
	for _, c := range d.Charts {
		fmt.Fprintf(b, "data %s log=%v", c.ID, c.Log)
		if annotations {
			fmt.Fprintf(b, " bands=%d ybands=%d lines=%d markers=%d legend=%d", len(c.Bands), len(c.YBands), len(c.Lines), len(c.Markers), len(c.Legend))
		}
		b.WriteString("\n")
		for _, s := range c.Series {
			sourced := 0
			for _, k := range s.SK {
				if k >= 0 {
					sourced++
				}
			}
			fmt.Fprintf(b, "  series %q points=%d of=%d sourced=%d\n", s.Name, len(s.X), s.Total, sourced)
		}
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "html", name+".outline")
	if htmlUpdating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update-html to create it)", err, t.Name())
	}
	if got != string(want) {
		_ = os.WriteFile(path+".got", []byte(got), 0o644)
		t.Errorf("%s: outline differs from the golden (got written to %s.got):\n%s", name, path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) or only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	inW, inG := map[string]int{}, map[string]int{}
	for _, l := range w {
		inW[l]++
	}
	for _, l := range g {
		inG[l]++
	}
	var b strings.Builder
	for _, l := range w {
		if inG[l] == 0 {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range g {
		if inW[l] == 0 {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

func TestHTMLGoldenSynthetic(t *testing.T) {
	tests := []struct {
		name string
		r    *analysis.Report
		opts HTMLOptions
	}{
		{"synthetic", fixtureReport(fixtureOptions{steps: 300}), HTMLOptions{}},
		{"synthetic_downsampled", fixtureReport(fixtureOptions{steps: 3000}), HTMLOptions{MaxPoints: 200}},
		{"synthetic_nosmoothing", fixtureReport(fixtureOptions{steps: 300}), HTMLOptions{Smoothing: NoSmoothing}},
		{"hostile", fixtureReport(fixtureOptions{steps: 300, hostile: true}), HTMLOptions{}},
		{"empty", &analysis.Report{Schema: analysis.SchemaVersion, Eval: analysis.Eval{BestStep: -1}, CheckpointsRecommended: analysis.Recommendation{Step: -1}}, HTMLOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name, htmlOutline(renderHTML(t, tt.r, tt.opts), true))
		})
	}
}

// loadExample reads a bundled example run and analyses it.
func loadExample(t testing.TB, name string) *analysis.Report {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "examples", name)
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return analysis.Analyze(run, analysis.DefaultOptions)
}

func TestHTMLGoldenExamples(t *testing.T) {
	for _, name := range []string{"hf_v5_overfit_eval", "hf_v5_sft_lora_3ep"} {
		t.Run(name, func(t *testing.T) {
			// Only what the data decides: the analysis's annotations
			// (phases, spikes, checkpoints) are tested on synthetic runs.
			page := renderHTML(t, loadExample(t, name), HTMLOptions{})
			checkGolden(t, name, htmlOutline(page, false))
		})
	}
}

// TestHTMLExamplePoints checks the point counts of the overfitting example
// against the log itself: 100 training logs and 25 evaluations in
// trainer_state.json's log_history, all drawn.
func TestHTMLExamplePoints(t *testing.T) {
	page := renderHTML(t, loadExample(t, "hf_v5_overfit_eval"), HTMLOptions{})
	out := htmlOutline(page, false)
	for _, want := range []string{
		`series "loss" class="c0 raw" dots=100 declared=100 of=100`,
		`series "eval_loss" class="c1 thin" dots=25 declared=25 of=25`,
		`series "learning_rate" class="c2 hover-only" dots=100 declared=100 of=100`,
		`series "grad_norm" class="c3 raw" dots=100 declared=100 of=100`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("outline lacks %q:\n%s", want, out)
		}
	}
}

func TestHTMLSections(t *testing.T) {
	tests := []struct {
		name   string
		r      *analysis.Report
		wantNA int // at least this many "not logged"/"not analysed" notes
	}{
		{"full", fixtureReport(fixtureOptions{steps: 300}), 0},
		{"empty", &analysis.Report{}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := renderHTML(t, tt.r, HTMLOptions{})
			var got []string
			for _, m := range sectionRE.FindAllStringSubmatch(page, -1) {
				got = append(got, m[1])
			}
			if strings.Join(got, " ") != strings.Join(wantSections, " ") {
				t.Errorf("sections:\n got %v\nwant %v", got, wantSections)
			}
			if n := strings.Count(page, `class="na"`); n < tt.wantNA {
				t.Errorf("%d empty-section notes, want at least %d", n, tt.wantNA)
			}
		})
	}
}

// TestHTMLCitesSources checks that the numbers of the report appear with
// their sources.
func TestHTMLCitesSources(t *testing.T) {
	r := fixtureReport(fixtureOptions{steps: 300})
	page := renderHTML(t, r, HTMLOptions{})
	for _, want := range []string{
		`<span class="v">` + htmlNum(r.TrainLoss.First.Value) + `</span> <code class="src">out/synthetic-sft/trainer_state.json#log_history[0]</code>`,
		`<code class="src">out/synthetic-sft/trainer_state.json#log_history[299]</code>`,
		`<code class="src">out/synthetic-sft/console.log:640</code>`, // the accuracy at step 300, on another line
		`<tr class="recommended"><td><code>out/synthetic-sft/checkpoint-100</code>`,
		`data-s="150" data-e="1.5" data-v="` + htmlNum(r.Spikes[0].Value) + `" data-loc="out/synthetic-sft/trainer_state.json#log_history[149]"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestHTMLHostile(t *testing.T) {
	page := renderHTML(t, fixtureReport(fixtureOptions{steps: 300, hostile: true}), HTMLOptions{})
	for _, bad := range []string{"<script>window", "<img", "<b onmouseover", `"onload="`, `onerror="`} {
		if strings.Contains(page, bad) {
			i := strings.Index(page, bad)
			t.Errorf("page holds unescaped %q: …%s…", bad, page[max(0, i-80):min(len(page), i+80)])
		}
	}
	for _, want := range []string{
		`<h1>&lt;script&gt;window.__pwned=1&lt;/script&gt;x&#34;onload=&#34;window.__pwned=2</h1>`,
		`data-name="reward&lt;script&gt;window.__pwned=4&lt;/script&gt;"`,
		`callback said &lt;b onmouseover=&#34;window.__pwned=7&#34;&gt;hi&lt;/b&gt; &amp; &#39;bye&#39;`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks the escaped text %s", want)
		}
	}
	if n, data := strings.Count(page, "<script"), strings.Count(page, `<script type="application/json" id="chart-data">`); n != 2 || data != 1 {
		t.Errorf("%d <script elements (%d chart data), want the page's own script and its chart data", n, data)
	}
	// The chart data holds the strings of the log, escaped for a script
	// element: they decode back to the same text.
	var data pageChartData
	m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil || strings.Contains(m[1], "<") {
		t.Fatalf("chart data missing or holding a raw '<'")
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("chart data is not JSON: %v", err)
	}
	var names []string
	for _, c := range data.Charts {
		for _, s := range c.Series {
			names = append(names, s.Name)
		}
	}
	if !slices.Contains(names, hostileMetric) {
		t.Errorf("chart data series %q lack %q", names, hostileMetric)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	page := renderHTML(t, fixtureReport(fixtureOptions{steps: 300}), HTMLOptions{})
	// uPlot names its home page in its banner comment; nothing else may
	// name an address.
	const banner = "/*! https://github.com/leeoniya/uPlot (v1.6.32) */"
	if !strings.HasPrefix(uplotJS, banner) || strings.Count(page, "https://") != 1 {
		t.Errorf("uPlot's banner is not %q, or the page names another address", banner)
	}
	rest := strings.Replace(page, banner, "", 1)
	for _, bad := range []string{"http://", "https://", "<link", "@import", "url(", " src=", "<iframe", "<object", "<img",
		"fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "import(", "eval(", "new Function"} {
		if strings.Contains(rest, bad) {
			t.Errorf("page refers to something outside itself, or runs code from a string: %q", bad)
		}
	}
	// The CSP allows the page's own style sheet and script by hash; check
	// that the hashes match what the page holds.
	csp := regexp.MustCompile(`http-equiv="Content-Security-Policy" content="([^"]+)"`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	policy := strings.ReplaceAll(csp[1], "&#39;", "'")
	policy = strings.ReplaceAll(policy, "&#43;", "+")
	for _, el := range []string{"style", "script"} {
		m := regexp.MustCompile(`(?s)<` + el + `>(.*?)</` + el + `>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no <%s>", el)
		}
		sum := sha256.Sum256([]byte(m[1]))
		h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(policy, el+"-src "+h) {
			t.Errorf("CSP %q does not allow the page's <%s> (%s)", policy, el, h)
		}
	}
}

func TestHTMLOptionsDefaults(t *testing.T) {
	tests := []struct {
		in   HTMLOptions
		want HTMLOptions
	}{
		{HTMLOptions{}, HTMLOptions{Smoothing: 0.6, MaxPoints: 2000}},
		{HTMLOptions{Smoothing: 0.9, MaxPoints: 10}, HTMLOptions{Smoothing: 0.9, MaxPoints: 10}},
		{HTMLOptions{Smoothing: NoSmoothing}, HTMLOptions{Smoothing: NoSmoothing, MaxPoints: 2000}},
		{HTMLOptions{Smoothing: 1}, HTMLOptions{Smoothing: 0.999, MaxPoints: 2000}},
		{HTMLOptions{Smoothing: math.NaN()}, HTMLOptions{Smoothing: 0.6, MaxPoints: 2000}},
	}
	for _, tt := range tests {
		if got := tt.in.withDefaults(); got != tt.want {
			t.Errorf("%+v.withDefaults() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestHTMLDownsampleKeepsFlagged draws a long run with few points and
// checks the spike, the checkpoints and the extremes are still drawn.
func TestHTMLDownsampleKeepsFlagged(t *testing.T) {
	r := fixtureReport(fixtureOptions{steps: 30000})
	specs := buildCharts(r, HTMLOptions{MaxPoints: 100})
	loss := specs[0].Chart.Series[0]
	if loss.Name != "loss" || loss.Total != 30000 {
		t.Fatalf("first series is %q of %d points", loss.Name, loss.Total)
	}
	steps := map[int64]bool{}
	for _, p := range loss.Points {
		steps[int64(p.X)] = true
	}
	want := []int64{1, 15000, 10000, 20000, 30000} // first, spike, checkpoints, last
	for _, s := range want {
		if !steps[s] {
			t.Errorf("step %d was dropped", s)
		}
	}
	if len(loss.Points) > 100+len(want)+len(r.Milestones) {
		t.Errorf("%d points drawn, want about 100", len(loss.Points))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range r.Data.Get("loss").Values() {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	dlo, dhi := math.Inf(1), math.Inf(-1)
	for _, p := range loss.Points {
		dlo, dhi = math.Min(dlo, p.Y), math.Max(dhi, p.Y)
	}
	if dlo != lo || dhi != hi {
		t.Errorf("drawn range [%v, %v], data range [%v, %v]", dlo, dhi, lo, hi)
	}
}

// TestHTMLFamilyCharts checks each trainer family gets the charts of its
// primary metrics.
func TestHTMLFamilyCharts(t *testing.T) {
	tests := []struct {
		family, primary string
		series          []string
		want            string
	}{
		{"sft", "loss", []string{"loss", "mean_token_accuracy", "learning_rate"}, "chart-loss chart-accuracy chart-lr"},
		{"dpo", "rewards/margins", []string{"loss", "rewards/margins", "rewards/accuracies", "grad_norm"}, "chart-loss chart-grad-norm chart-rewards-margins chart-rewards-accuracies"},
		{"grpo", "reward", []string{"loss", "reward", "learning_rate"}, "chart-loss chart-reward chart-lr"},
		{"ppo", "objective/rlhf_reward", []string{"objective/rlhf_reward"}, "chart-objective-rlhf-reward"},
		{"sft", "eval_loss", []string{"eval_loss"}, "chart-loss"}, // validation only
		{"sft", "loss", nil, ""},
	}
	for _, tt := range tests {
		run := trainlog.NewRun("r")
		for _, name := range tt.series {
			s := &trainlog.Series{Name: name}
			for i := 1; i <= 10; i++ {
				s.Append(trainlog.Point{Step: int64(i), Value: 1 / float64(i), Epoch: math.NaN()})
			}
			run.Series[name] = s
		}
		r := &analysis.Report{Data: run, Primary: tt.primary, Run: analysis.RunInfo{Family: analysis.Family(tt.family)},
			Eval: analysis.Eval{BestStep: -1}, CheckpointsRecommended: analysis.Recommendation{Step: -1}}
		var ids []string
		for _, c := range buildCharts(r, HTMLOptions{}) {
			ids = append(ids, c.Chart.ID)
			if c.Chart.ID == "chart-loss" && len(c.Chart.Series) != 2 {
				t.Errorf("%s/%s: the loss chart has %d series, want the points and the EMA", tt.family, tt.primary, len(c.Chart.Series))
			}
		}
		if got := strings.Join(ids, " "); got != tt.want {
			t.Errorf("%s with primary %s: charts %q, want %q", tt.family, tt.primary, got, tt.want)
		}
	}
}

func TestChartFiles(t *testing.T) {
	files, err := ChartFiles(fixtureReport(fixtureOptions{steps: 300, hostile: true}), HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if err := checkXML(f.Data); err != nil {
			t.Errorf("%s: not well-formed XML: %v", f.Name, err)
		}
		if !bytes.Contains(f.Data, []byte(`xmlns="http://www.w3.org/2000/svg"`)) || !bytes.Contains(f.Data, []byte("<style>")) {
			t.Errorf("%s: not a standalone SVG", f.Name)
		}
	}
	want := "chart-loss.svg chart-grad-norm.svg chart-reward-script-window-pwned-4-script.svg chart-accuracy.svg chart-lr.svg chart-eval.svg"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files %s, want %s", got, want)
	}
}

// checkXML reports the first XML syntax error of data.
func checkXML(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestWriteHTMLNil(t *testing.T) {
	if err := WriteHTML(io.Discard, nil, HTMLOptions{}); err == nil {
		t.Error("WriteHTML(nil) succeeded")
	}
	if _, err := ChartFiles(nil, HTMLOptions{}); err == nil {
		t.Error("ChartFiles(nil) succeeded")
	}
}

// millionReport is a generated run of n steps with loss, grad_norm and
// learning_rate logged at every step and an eval every 1,000 steps.
func millionReport(n int) *analysis.Report {
	run := trainlog.NewRun("million")
	run.Root = "runs/million"
	mk := func(name string) *trainlog.Series {
		s := &trainlog.Series{Name: name, Keys: []string{name}}
		run.Series[name] = s
		return s
	}
	loss, gn, lr, ev := mk("loss"), mk("grad_norm"), mk("learning_rate"), mk("eval_loss")
	file := "runs/million/console.log"
	for i := 1; i <= n; i++ {
		x := float64(i) / float64(n)
		e := 3 * x
		src := trainlog.Source{File: file, Line: 2*i + 10}
		wobble := math.Sin(float64(i) * 12.9898)
		loss.Append(trainlog.Point{Step: int64(i), Value: 0.3 + 2.5*math.Exp(-6*x) + 0.05*wobble, Epoch: e, Source: src})
		gn.Append(trainlog.Point{Step: int64(i), Value: 0.8 + 0.2*wobble, Epoch: e, Source: src})
		lr.Append(trainlog.Point{Step: int64(i), Value: 2e-4 * (1 - x), Epoch: e, Source: src})
		if i%1000 == 0 {
			ev.Append(trainlog.Point{Step: int64(i), Value: 0.5 + 2*math.Exp(-6*x), Epoch: e, Source: trainlog.Source{File: file, Line: 2*i + 11}})
		}
	}
	r := &analysis.Report{Schema: analysis.SchemaVersion, Data: run, Primary: "loss",
		Run:  analysis.RunInfo{Name: run.Name, Root: run.Root, FirstStep: 1, LastStep: int64(n), Family: "sft"},
		Eval: analysis.Eval{Present: true, Metric: "eval_loss", BestStep: -1}, CheckpointsRecommended: analysis.Recommendation{Step: -1}}
	for i := n / 10; i <= n; i += n / 10 {
		r.Checkpoints = append(r.Checkpoints, analysis.CheckpointRow{Step: int64(i), Path: "checkpoint-" + strconv.Itoa(i), Kind: "checkpoint"})
		p := loss.Point(i - 1)
		r.Spikes = append(r.Spikes, analysis.Spike{Metric: "loss", Step: p.Step, Value: p.Value, Z: 4, Source: p.Source.String()})
	}
	return r
}

func TestHTMLMillionStepSize(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a million-step run")
	}
	const limit = 2 << 20
	page := renderHTML(t, millionReport(1_000_000), HTMLOptions{})
	if len(page) >= limit {
		t.Errorf("a million-step report is %d bytes, want under %d", len(page), limit)
	}
	out := htmlOutline(page, false)
	for _, want := range []string{`series "loss" class="c0 raw"`, `of=1000000`, `series "eval_loss" class="c1 thin" dots=1000 declared=1000 of=1000`} {
		if !strings.Contains(out, want) {
			t.Errorf("outline lacks %q:\n%s", want, out)
		}
	}
	t.Logf("million-step page: %d bytes", len(page))
}

func BenchmarkWriteHTMLMillion(b *testing.B) {
	r := millionReport(1_000_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := WriteHTML(io.Discard, r, HTMLOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
