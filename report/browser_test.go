package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/plateau-dev/plateau/analysis"
)

// The browser tests open a report from file:// in headless Chromium. They
// skip when no browser is installed, unless PLATEAU_BROWSER_TEST=1 (as in
// CI), which makes a missing browser a failure. PLATEAU_CHROMIUM names
// the binary; otherwise chromium, chromium-browser, google-chrome and
// headless-shell are looked up in PATH. Screenshots go to
// PLATEAU_SCREENSHOT_DIR, or to a plateau-browser-test folder in the
// temporary directory.

// browserBinary returns the Chromium to use, or skips the test.
func browserBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PLATEAU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("PLATEAU_BROWSER_TEST") == "1" {
		t.Fatal("PLATEAU_BROWSER_TEST=1 but no Chromium was found in PATH (install Debian's chromium package, or set PLATEAU_CHROMIUM)")
	}
	t.Skip("browser test skipped: no Chromium found in PATH (apt-get install chromium, or set PLATEAU_CHROMIUM); set PLATEAU_BROWSER_TEST=1 to make this a failure")
	return ""
}

// A browserPage is one report open in a headless browser, with what the
// page did on the side: console errors and network requests.
type browserPage struct {
	ctx context.Context
	url string

	mu       sync.Mutex
	errors   []string
	requests []string
}

// openReport writes r as HTML into a temporary file and opens it, after
// running the setup actions (such as turning script off).
func openReport(t *testing.T, r *analysis.Report, setup ...chromedp.Action[chromedp.Void]) *browserPage {
	t.Helper()
	bin := browserBinary(t)
	file := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, r, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	p := &browserPage{url: "file://" + filepath.ToSlash(file)}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithListener(p.listen))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser with no deadline (a deadline on the first Run
	// would stop the browser), then bound each step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p.ctx = ctx
	if err := p.do(append(setup, chromedp.Navigate(p.url))...); err != nil {
		t.Fatalf("open %s: %v", p.url, err)
	}
	return p
}

// listen records console errors, uncaught exceptions and requests.
func (p *browserPage) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			p.errors = append(p.errors, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		p.errors = append(p.errors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, msg))
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			p.errors = append(p.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	case *page.EventJavascriptDialogOpening:
		p.errors = append(p.errors, "dialog: "+ev.Message)
	}
}

// browserGuard bounds each browser action. It tells a hung browser from
// a slow one (CI runs the browser tests on loaded runners) and asserts no
// speed.
const browserGuard = 3 * time.Minute

// do runs actions with a deadline.
func (p *browserPage) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, browserGuard)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// eval evaluates a JavaScript expression into a T.
func browserEval[T any](t *testing.T, p *browserPage, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserGuard)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// checkQuiet fails the test on console errors and on any request other
// than the page itself.
func (p *browserPage) checkQuiet(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errors {
		t.Errorf("browser reported: %s", e)
	}
	for _, u := range p.requests {
		if u != p.url {
			t.Errorf("page made a request: %s", u)
		}
	}
}

// screenshot saves the viewport as a PNG and returns its path.
func (p *browserPage) screenshot(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("PLATEAU_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "plateau-browser-test")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, browserGuard)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// chartPoints counts, per chart and series, the points drawn in the DOM.
const chartPointsJS = `(() => {
	const out = {};
	for (const svg of document.querySelectorAll("svg.plot")) {
		const s = {};
		for (const g of svg.querySelectorAll("g.series")) s[g.dataset.name] = g.querySelectorAll("circle").length;
		out[svg.id] = s;
	}
	return out;
})()`

func TestBrowserReport(t *testing.T) {
	r := loadExample(t, "hf_v5_overfit_eval")
	p := openReport(t, r)

	got := browserEval[map[string]map[string]int](t, p, chartPointsJS)
	want := map[string]map[string]int{
		"chart-loss":      {"loss": 100, "eval_loss": 25},
		"chart-grad-norm": {"grad_norm": 100},
		"chart-lr":        {"learning_rate": 100},
	}
	for chart, series := range want {
		for name, n := range series {
			if got[chart][name] != n {
				t.Errorf("%s: %d points of %s drawn, want %d (all %d logged)", chart, got[chart][name], name, n, r.Data.Get(name).Len())
			}
		}
	}

	p.screenshot(t, "report.png")

	// The page follows the reader's colour scheme, and prints in black
	// on white without its navigation.
	tests := []struct {
		media emulation.SetEmulatedMediaParams
		expr  string
		want  string
	}{
		{emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}},
			`getComputedStyle(document.body).backgroundColor`, "rgb(13, 17, 23)"},
		{emulation.SetEmulatedMediaParams{Media: "print", Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}},
			`getComputedStyle(document.body).backgroundColor + " " + getComputedStyle(document.querySelector("nav.toc")).display`, "rgb(255, 255, 255) none"},
		// On screen the interactive charts stand over the static ones;
		// printed, the static SVG charts (vector, all annotations) are.
		{emulation.SetEmulatedMediaParams{Media: "screen"}, chartDisplay, "none block"},
		{emulation.SetEmulatedMediaParams{Media: "print"}, chartDisplay, "block none"},
	}
	for _, tt := range tests {
		if err := p.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, tt.media)
			return err
		})); err != nil {
			t.Fatal(err)
		}
		if got := browserEval[string](t, p, tt.expr); got != tt.want {
			t.Errorf("with media %+v: %s = %q, want %q", tt.media, tt.expr, got, tt.want)
		}
	}
	p.checkQuiet(t)
}

// chartDisplay is how the first chart's static SVG and interactive chart
// are displayed.
const chartDisplay = `getComputedStyle(document.querySelector("figure.chart svg.plot")).display + " " + getComputedStyle(document.querySelector("figure.chart .ichart")).display`

func TestBrowserHostile(t *testing.T) {
	r := fixtureReport(fixtureOptions{steps: 300, hostile: true})
	p := openReport(t, r)
	if pwned := browserEval[bool](t, p, `window.__pwned !== undefined`); pwned {
		t.Errorf("a string from the log ran as script: window.__pwned = %v", browserEval[int](t, p, `window.__pwned`))
	}
	if h1 := browserEval[string](t, p, `document.querySelector("h1").textContent`); h1 != r.Run.Name {
		t.Errorf("title shows %q, want the run name %q literally", h1, r.Run.Name)
	}
	if lib := browserEval[string](t, p, `document.querySelector("#header dl.facts dd:nth-of-type(2)").textContent`); lib != hostileImg {
		t.Errorf("library shows %q, want %q literally", lib, hostileImg)
	}
	if n := browserEval[int](t, p, `document.querySelectorAll("img, script:not([type='application/json'])").length`); n != 1 {
		t.Errorf("%d img/script elements, want only the page's script", n)
	}
	if n := browserEval[int](t, p, `document.querySelectorAll("b:not(.chart-key b)").length`); n != 0 {
		t.Errorf("%d b elements outside the charts' keys: markup from the log", n)
	}
	x, y := pointAt(t, p, "chart-reward-script-window-pwned-4-script", hostileMetric, 3)
	tip := p.hoverAt(t, x, y)
	for _, want := range []string{hostileMetric + " = 1.5", hostileFolder + "/x.log:3"} {
		if !strings.Contains(tip, want) {
			t.Errorf("tooltip %q lacks %q", tip, want)
		}
	}
	p.checkQuiet(t)
}

// TestBrowserCardAboveFold checks that the answer card, with the status
// and the checkpoint to use, is on the first screen of a 1280x800 window
// for both examples, with checkpoint folders on disk.
func TestBrowserCardAboveFold(t *testing.T) {
	for _, name := range []string{"hf_v5_sft_lora_3ep", "hf_v5_overfit_eval"} {
		t.Run(name, func(t *testing.T) {
			r := loadExample(t, name)
			p := openReport(t, r)
			if err := p.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride,
					emulation.SetDeviceMetricsOverrideParams{Width: 1280, Height: 800, DeviceScaleFactor: 1})
				return err
			})); err != nil {
				t.Fatal(err)
			}
			box := browserEval[map[string]float64](t, p, `(() => {
				const b = document.getElementById("card").getBoundingClientRect();
				return {top: b.top, bottom: b.bottom, height: window.innerHeight, scroll: window.scrollY};
			})()`)
			if box["height"] != 800 || box["scroll"] != 0 || box["top"] < 0 || box["bottom"] > 800 {
				t.Errorf("card at %v-%v px of a %v px window (scrolled %v): want it whole on the first screen", box["top"], box["bottom"], box["height"], box["scroll"])
			}
			text := browserEval[string](t, p, `document.getElementById("card").innerText`)
			for _, want := range []string{"Status", string(r.Verdict.Status), "Use", r.CheckpointsRecommended.Path, "Train more?", "Problems"} {
				if !strings.Contains(text, want) {
					t.Errorf("card %q lacks %q", text, want)
				}
			}
			p.screenshot(t, "card-"+name+".png")
			p.checkQuiet(t)
		})
	}
}
