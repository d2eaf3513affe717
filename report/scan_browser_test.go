package report

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// openFile opens a page written to disk in headless Chromium, as
// openReport does.
func openFile(t *testing.T, file string) *browserPage {
	t.Helper()
	bin := browserBinary(t)
	p := &browserPage{url: "file://" + filepath.ToSlash(file)}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithListener(p.listen))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p.ctx = ctx
	if err := p.do(chromedp.Navigate(p.url)); err != nil {
		t.Fatalf("open %s: %v", p.url, err)
	}
	return p
}

// TestBrowserScanIndex opens the offline folder of a scan: the index
// shows one row per run in the scan's order, each run links to its
// report in the folder, and following the link opens that report; the
// pages load nothing from elsewhere and report no error.
func TestBrowserScanIndex(t *testing.T) {
	s := scanExamples(t)
	dir := filepath.Join(t.TempDir(), "scan")
	writeScanFolder(t, dir, s)
	p := openFile(t, filepath.Join(dir, "index.html"))
	rows := browserEval[[]string](t, p, `[...document.querySelectorAll("tbody tr")].map(tr => tr.cells[0].textContent + "|" + tr.cells[1].textContent)`)
	want := []string{"overfitting|hf_v5_overfit_eval", "improving|hf_v5_sft_lora_3ep"}
	if strings.Join(rows, ",") != strings.Join(want, ",") {
		t.Errorf("index rows %q, want %q", rows, want)
	}
	if c := browserEval[string](t, p, `getComputedStyle(document.querySelector("tbody tr td span")).color`); c == "" {
		t.Error("status cell has no colour")
	}
	p.screenshot(t, "scan-index.png")
	for _, u := range p.requests {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("index made a request: %s", u)
		}
	}
	// Follow the first run's link.
	browserEval[bool](t, p, `(() => { document.querySelector("tbody tr:first-child td:nth-child(2) a").click(); return true })()`)
	if !waitFor(t, p, `location.href.endsWith("/runs/hf_v5_overfit_eval.html") && document.readyState === "complete" && document.querySelector("h1") !== null`) {
		t.Fatalf("the link did not open the run's report: at %s", browserEval[string](t, p, `location.href`))
	}
	if h1 := browserEval[string](t, p, `document.querySelector("h1").textContent`); h1 != "hf_v5_overfit_eval" {
		t.Errorf("the link opened %q, want the report of hf_v5_overfit_eval", h1)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errors {
		t.Errorf("browser reported: %s", e)
	}
	for _, u := range p.requests {
		if !strings.HasPrefix(u, "file://"+filepath.ToSlash(dir)) {
			t.Errorf("a page made a request outside the folder: %s", u)
		}
	}
}

// TestBrowserScanInline opens the one-page scan: each row links to the
// run's section, which opens.
func TestBrowserScanInline(t *testing.T) {
	s := scanExamples(t)
	file := filepath.Join(t.TempDir(), "scan.html")
	var b strings.Builder
	if err := WriteScanHTML(&b, s); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, file, b.String())
	p := openFile(t, file)
	if n := browserEval[int](t, p, `document.querySelectorAll("details").length`); n != 2 {
		t.Fatalf("%d run sections, want 2", n)
	}
	browserEval[bool](t, p, `(() => { document.querySelector("tbody tr:first-child td:nth-child(2) a").click(); return true })()`)
	if !waitFor(t, p, `location.hash === "#run-1"`) {
		t.Errorf("link went to %q", browserEval[string](t, p, `location.hash`))
	}
	if v := browserEval[string](t, p, `document.querySelector("#run-1 p").textContent`); !strings.HasPrefix(v, "Verdict: overfitting") {
		t.Errorf("first section starts %q", v)
	}
	p.checkQuiet(t)
}

func writeTestFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFor evaluates cond until it is true, for at most browserGuard (a
// navigation may be under way: errors while the page changes are
// retried).
func waitFor(t *testing.T, p *browserPage, cond string) bool {
	t.Helper()
	deadline := time.Now().Add(browserGuard)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
