package report

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// The interactive charts are driven as a reader would: real mouse
// events at the pixels of the data, read back from uPlot's scales and
// from the tooltip's text.

// plotBox is where a chart's plot area is in the viewport, in CSS pixels.
type plotBox struct{ Left, Top, Width, Height float64 }

// plotArea scrolls chart into view and returns its plot area.
func plotArea(t *testing.T, p *browserPage, chart string) plotBox {
	t.Helper()
	return browserEval[plotBox](t, p, fmt.Sprintf(`(() => {
		const u = plateauCharts[%q].u;
		document.getElementById("fig-" + %q).scrollIntoView({block: "center"});
		const r = u.over.getBoundingClientRect();
		return {left: r.left, top: r.top, width: r.width, height: r.height};
	})()`, chart, chart))
}

// pointAt scrolls chart into view and returns where the point of series
// at step is drawn, in the viewport.
func pointAt(t *testing.T, p *browserPage, chart, series string, step int64) (x, y float64) {
	t.Helper()
	type xy struct {
		X, Y  float64
		Found bool
	}
	v := browserEval[xy](t, p, fmt.Sprintf(`(() => {
		const st = plateauCharts[%q], u = st.u;
		document.getElementById("fig-" + %q).scrollIntoView({block: "center"});
		const s = st.spec.series.find(s => s.name === %q);
		const i = s ? s.x.indexOf(%d) : -1;
		if (i < 0) return {found: false};
		const r = u.over.getBoundingClientRect();
		// A point on the plot's edge is hovered from just inside it.
		const inside = (v, lo, hi) => Math.min(Math.max(v, lo + 1), hi - 1);
		return {x: inside(r.left + u.valToPos(s.x[i], "x"), r.left, r.right), y: inside(r.top + u.valToPos(s.y[i], "y"), r.top, r.bottom), found: true};
	})()`, chart, chart, series, step))
	if !v.Found {
		t.Fatalf("%s has no point of %s at step %d", chart, series, step)
	}
	return v.X, v.Y
}

// xRange returns the steps a chart shows.
func xRange(t *testing.T, p *browserPage, chart string) [2]float64 {
	t.Helper()
	return browserEval[[2]float64](t, p, fmt.Sprintf(`(() => { const x = plateauCharts[%q].u.scales.x; return [x.min, x.max]; })()`, chart))
}

// hoverAt moves the mouse to (x, y) and returns the tooltip's text.
func (p *browserPage) hoverAt(t *testing.T, x, y float64) string {
	t.Helper()
	if err := p.do(chromedp.MouseEvent(chromedp.MouseMoved, x-4, y-4), chromedp.MouseEvent(chromedp.MouseMoved, x, y)); err != nil {
		t.Fatal(err)
	}
	return browserEval[string](t, p, `(() => { const t = document.getElementById("tip"); return t.hidden ? "" : t.innerText; })()`)
}

// drag presses the left button at (x0, y), moves to x1 and releases,
// with the given modifier keys (8: Shift).
func (p *browserPage) drag(t *testing.T, x0, x1, y float64, modifiers int64) {
	t.Helper()
	mod := func(e *input.DispatchMouseEventParams) { e.Modifiers = modifiers }
	left := func(e *input.DispatchMouseEventParams) { e.Button, e.Buttons = input.MouseButtonLeft, 1 }
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, x0, y, mod),
		chromedp.MouseEvent(chromedp.MousePressed, x0, y, mod, left, chromedp.ClickCount(1)),
	}
	for i := 1; i <= 5; i++ {
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x0+(x1-x0)*float64(i)/5, y, mod, left))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x1, y, mod, left, chromedp.ClickCount(1)))
	if err := p.do(steps...); err != nil {
		t.Fatal(err)
	}
}

// wheel turns the mouse wheel at (x, y) with the given modifiers (2:
// Ctrl).
func (p *browserPage) wheel(t *testing.T, x, y, deltaY float64, modifiers int64) {
	t.Helper()
	if err := p.do(chromedp.MouseEvent(chromedp.MouseWheel, x, y, func(e *input.DispatchMouseEventParams) {
		// Chrome wants both deltas; a zero would be left out.
		e.DeltaX, e.DeltaY, e.Modifiers = 1e-3, deltaY, modifiers
	})); err != nil {
		t.Fatal(err)
	}
}

// settle waits for two animation frames, so that a scroll or a redraw
// the last event started is done.
func (p *browserPage) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserGuard)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`,
		chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
}

// legendEntry is the legend entry of a chart's series, for click.
func legendEntry(chart, series string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#fig-%s .u-legend .u-series")].find(r => r.querySelector(".u-label").textContent === %q)`, chart, series)
}

// click clicks the element matching sel (a CSS selector, or a script
// expression when it starts with "["), after scrolling it into view.
func (p *browserPage) click(t *testing.T, sel string) {
	t.Helper()
	find := fmt.Sprintf("document.querySelector(%q)", sel)
	if strings.HasPrefix(sel, "[") {
		find = sel
	}
	b := browserEval[plotBox](t, p, fmt.Sprintf(`(() => {
		const el = %s;
		if (!el) return {left: -1};
		el.scrollIntoView({block: "center"});
		const r = el.getBoundingClientRect();
		return {left: r.left, top: r.top, width: r.width, height: r.height};
	})()`, find))
	if b.Left < 0 {
		t.Fatalf("no element %s", sel)
	}
	if err := p.do(chromedp.MouseClickXY(b.Left+b.Width/2, b.Top+b.Height/2)); err != nil {
		t.Fatal(err)
	}
}

func near1(a, b float64) bool { return math.Abs(a-b) <= 1 }

func TestBrowserCharts(t *testing.T) {
	r := loadExample(t, "hf_v5_overfit_eval")
	p := openReport(t, r)

	// Every chart is interactive, over its static SVG, which is hidden.
	type state struct {
		IDs     []string
		Hidden  int
		Canvas  int
		Figures int
	}
	st := browserEval[state](t, p, `({
		ids: Object.keys(plateauCharts),
		hidden: [...document.querySelectorAll("figure.chart svg.plot")].filter(s => getComputedStyle(s).display === "none").length,
		canvas: document.querySelectorAll("figure.chart.js .ichart canvas").length,
		figures: document.querySelectorAll("figure.chart").length,
	})`)
	if got := strings.Join(st.IDs, " "); got != "chart-loss chart-grad-norm chart-lr chart-eval" {
		t.Errorf("interactive charts %q", got)
	}
	if st.Hidden != st.Figures || st.Canvas != st.Figures {
		t.Errorf("%d figures, %d static charts hidden, %d canvases", st.Figures, st.Hidden, st.Canvas)
	}

	// Hover a training-loss point: the tooltip shows its value, step,
	// epoch and source, as the run recorded them. The expected text is
	// written out from the example's trainer_state.json (log_history[61]:
	// step 250, epoch 12.5, loss 0.765838...), not computed by the code
	// under test.
	x, y := pointAt(t, p, "chart-loss", "loss", 250)
	tip := p.hoverAt(t, x, y)
	for _, want := range []string{"loss = 0.7658", "step 250", "epoch 12.5", "trainer_state.json#log_history[61]"} {
		if !strings.Contains(tip, want) {
			t.Errorf("tooltip %q lacks %q", tip, want)
		}
	}
	// The eval loss at step 80 (log_history[19]: eval_loss 5.99..., its
	// best) on its own chart, with the best-eval ring's label and the
	// overfitting lane's steps.
	x, y = pointAt(t, p, "chart-eval", "eval_loss", 80)
	tip = p.hoverAt(t, x, y)
	for _, want := range []string{"eval_loss = 5.99", "step 80", "trainer_state.json#log_history[19]", "best eval_loss 5.99 at step 80", "overfitting from step 80 (steps 80–500)"} {
		if !strings.Contains(tip, want) {
			t.Errorf("eval tooltip %q lacks %q", tip, want)
		}
	}

	// Drag to zoom: the steps under the drag become the chart's range,
	// and every chart follows.
	box := plotArea(t, p, "chart-loss")
	full := xRange(t, p, "chart-loss")
	if !near1(full[0], 5) || !near1(full[1], 500) {
		t.Fatalf("chart-loss shows steps %v, want 5 to 500", full)
	}
	p.drag(t, box.Left+0.25*box.Width, box.Left+0.5*box.Width, box.Top+box.Height/2, 0)
	zoomed := xRange(t, p, "chart-loss")
	want := [2]float64{full[0] + 0.25*(full[1]-full[0]), full[0] + 0.5*(full[1]-full[0])}
	if math.Abs(zoomed[0]-want[0]) > 3 || math.Abs(zoomed[1]-want[1]) > 3 {
		t.Errorf("after dragging over a quarter of the plot: steps %v, want about %v", zoomed, want)
	}
	if g := xRange(t, p, "chart-grad-norm"); !near1(g[0], zoomed[0]) || !near1(g[1], zoomed[1]) {
		t.Errorf("chart-grad-norm shows %v, want the zoomed %v", g, zoomed)
	}
	// Shift+drag pans: dragging right by a tenth of the plot moves the
	// range left by a tenth of its width.
	box = plotArea(t, p, "chart-loss")
	p.drag(t, box.Left+0.5*box.Width, box.Left+0.6*box.Width, box.Top+box.Height/2, 8)
	panned := xRange(t, p, "chart-loss")
	shift := 0.1 * (zoomed[1] - zoomed[0])
	if math.Abs(panned[0]-(zoomed[0]-shift)) > 2 || math.Abs(panned[1]-(zoomed[1]-shift)) > 2 {
		t.Errorf("after a Shift+drag: steps %v, want %v shifted by -%.1f", panned, zoomed, shift)
	}
	// Reset shows every step again.
	p.click(t, "#fig-chart-loss .chart-tools button")
	if g := xRange(t, p, "chart-loss"); g != full {
		t.Errorf("after reset: steps %v, want %v", g, full)
	}
	// Ctrl+wheel zooms around the cursor; a plain wheel scrolls the page.
	box = plotArea(t, p, "chart-loss")
	p.wheel(t, box.Left+box.Width/2, box.Top+box.Height/2, -100, 0)
	p.settle(t)
	if g := xRange(t, p, "chart-loss"); g != full {
		t.Errorf("a plain wheel zoomed: steps %v", g)
	}
	box = plotArea(t, p, "chart-loss")
	p.settle(t)
	p.wheel(t, box.Left+box.Width/2, box.Top+box.Height/2, -100, 2)
	if g := xRange(t, p, "chart-loss"); !(g[0] > full[0]+10 && g[1] < full[1]-10) {
		t.Errorf("Ctrl+wheel: steps %v, want inside %v", g, full)
	}
	p.click(t, "#fig-chart-loss .chart-tools button")

	// The legend toggles a series off and on.
	shown := func() bool {
		return browserEval[bool](t, p, `plateauCharts["chart-loss"].u.series[3].show`)
	}
	if label := browserEval[string](t, p, `plateauCharts["chart-loss"].u.series[3].label`); label != "eval_loss" {
		t.Fatalf("series 3 of chart-loss is %q", label)
	}
	sel := legendEntry("chart-loss", "eval_loss")
	p.click(t, sel)
	if shown() {
		t.Error("clicking eval_loss in the legend did not hide it")
	}
	p.click(t, sel)
	if !shown() {
		t.Error("clicking eval_loss again did not show it")
	}
	// With the training loss hidden, the axis fits the eval loss (5.99 to
	// 6.44 in the log; a log axis rounds out to [5, 10]), so that its
	// rise shows.
	p.click(t, legendEntry("chart-loss", "loss"))
	p.click(t, legendEntry("chart-loss", "loss EMA 0.6"))
	if y := browserEval[[2]float64](t, p, `(() => { const y = plateauCharts["chart-loss"].u.scales.y; return [y.min, y.max]; })()`); y[0] < 5 || y[1] > 10 {
		t.Errorf("with only eval_loss shown, the y axis spans %v, want about [5.99, 6.44]", y)
	}
	p.click(t, legendEntry("chart-loss", "loss"))
	p.click(t, legendEntry("chart-loss", "loss EMA 0.6"))

	// The log switch: the loss chart starts on a log axis (its values
	// span 80x); unticking it draws a linear one, and back.
	distr := func() int { return browserEval[int](t, p, `plateauCharts["chart-loss"].u.scales.y.distr`) }
	if d := distr(); d != 3 {
		t.Errorf("chart-loss y distribution %d, want 3 (log)", d)
	}
	p.click(t, "#fig-chart-loss .log-switch input")
	if d := distr(); d != 1 {
		t.Errorf("after unticking log scale: distribution %d, want 1 (linear)", d)
	}
	// The hover still reads the same point on the linear axis.
	x, y = pointAt(t, p, "chart-loss", "loss", 250)
	if tip := p.hoverAt(t, x, y); !strings.Contains(tip, "trainer_state.json#log_history[61]") {
		t.Errorf("linear axis: tooltip %q", tip)
	}
	p.click(t, "#fig-chart-loss .log-switch input")
	if d := distr(); d != 3 {
		t.Errorf("after ticking log scale again: distribution %d, want 3", d)
	}
	p.checkQuiet(t)
}

// TestBrowserEstimatedStep hovers a point of a console log whose every
// step is estimated: the tooltip shows its step as "~N", as the text
// does, and never as read.
func TestBrowserEstimatedStep(t *testing.T) {
	path := filepath.Join("..", "trainlog", "testdata", "console", "layouts", "crlf_pasted.log")
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := analysis.Analyze(run, analysis.DefaultOptions)
	if r.StepEstimated(40) == "" {
		t.Fatal("the fixture's step 40 is not estimated")
	}
	p := openReport(t, r)
	x, y := pointAt(t, p, "chart-loss", "loss", 40)
	tip := p.hoverAt(t, x, y)
	if !strings.Contains(tip, "step ~40") || strings.Contains(tip, "step 40") {
		t.Errorf("tooltip %q: want the step shown as ~40", tip)
	}
	p.checkQuiet(t)
}

// TestBrowserNoScript checks the page without script: the static charts
// are shown, and nothing else of the charts is.
func TestBrowserNoScript(t *testing.T) {
	p := openReport(t, loadExample(t, "hf_v5_overfit_eval"), chromedp.EmulateViewport(1280, 800), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	type state struct{ Shown, Figures, Interactive int }
	got := browserEval[state](t, p, `({
		shown: [...document.querySelectorAll("figure.chart svg.plot")].filter(s => getComputedStyle(s).display !== "none" && s.getBoundingClientRect().width > 300).length,
		figures: document.querySelectorAll("figure.chart").length,
		interactive: document.querySelectorAll(".ichart").length,
	})`)
	if got.Figures != 4 || got.Shown != got.Figures || got.Interactive != 0 {
		t.Errorf("without script: %+v, want 4 static charts shown and no interactive one", got)
	}
	browserEval[bool](t, p, `(() => { document.getElementById("fig-chart-loss").scrollIntoView({block: "center"}); return true; })()`)
	p.screenshot(t, "hf_v5_overfit_eval-noscript.png")
	p.checkQuiet(t)
}

// TestBrowserScreenshots saves the examples' pages at 1280x800: the
// first screen, and the first chart.
func TestBrowserScreenshots(t *testing.T) {
	for _, name := range []string{"hf_v5_sft_lora_3ep", "hf_v5_overfit_eval"} {
		t.Run(name, func(t *testing.T) {
			p := openReport(t, loadExample(t, name), chromedp.EmulateViewport(1280, 800))
			p.screenshot(t, name+"-top.png")
			x, y := pointAt(t, p, "chart-loss", "loss", browserEval[int64](t, p, `plateauCharts["chart-loss"].spec.series[0].x[40]`))
			if tip := p.hoverAt(t, x, y); !strings.Contains(tip, "loss = ") {
				t.Errorf("tooltip %q", tip)
			}
			browserEval[bool](t, p, `(() => { document.getElementById("fig-chart-loss").scrollIntoView({block: "start"}); window.scrollBy(0, -10); return true; })()`)
			x, y = pointAt(t, p, "chart-loss", "loss", browserEval[int64](t, p, `plateauCharts["chart-loss"].spec.series[0].x[40]`))
			p.hoverAt(t, x, y)
			p.screenshot(t, name+"-chart.png")
			p.checkQuiet(t)
		})
	}
}

// TestBrowserMillion opens the page of a million-step run: its charts
// are drawn from the downsampled series, and a point still shows its
// source.
func TestBrowserMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a million-step run")
	}
	p := openReport(t, millionReport(1_000_000))
	ids := browserEval[[]string](t, p, `Object.keys(plateauCharts)`)
	if got := strings.Join(ids, " "); got != "chart-loss chart-grad-norm chart-lr chart-eval" {
		t.Errorf("interactive charts %q", got)
	}
	// Step 500,000 is a checkpoint (and a spike) of the generated run, so
	// the downsampling keeps it; its line in the generated log is
	// 2*500000+10.
	x, y := pointAt(t, p, "chart-loss", "loss", 500_000)
	tip := p.hoverAt(t, x, y)
	for _, want := range []string{"step 500000 ", "runs/million/console.log:1000010"} {
		if !strings.Contains(tip, want) {
			t.Errorf("tooltip %q lacks %q", tip, want)
		}
	}
	p.checkQuiet(t)
}
