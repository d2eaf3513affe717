package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// scanExamples scans the bundled examples as 'plateau scan examples'
// does: each run read alone, analysed, one row each.
func scanExamples(t *testing.T) *analysis.Scan {
	t.Helper()
	root := "../examples"
	d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []analysis.ScanRun
	for _, rd := range d.Runs {
		run, err := trainlog.LoadRun(rd.Alone(), trainlog.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, analysis.NewScanRun(filepath.Join(root, rd.Rel), rd.Rel, analysis.Analyze(run, analysis.DefaultOptions)))
	}
	return analysis.NewScan(root, rows)
}

// TestScanGolden renders the scan of the two examples in every format.
// The overfitting run comes first (status severity), and its row holds
// the numbers of its report.
func TestScanGolden(t *testing.T) {
	s := scanExamples(t)
	var txt, md, js, html bytes.Buffer
	if err := WriteScanText(&txt, s, Options{Width: DefaultWidth}); err != nil {
		t.Fatal(err)
	}
	if err := WriteScanMarkdown(&md, s, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteScanJSON(&js, s); err != nil {
		t.Fatal(err)
	}
	if err := WriteScanHTML(&html, s); err != nil {
		t.Fatal(err)
	}
	checkReportGolden(t, "scan/examples.txt", txt.Bytes())
	checkReportGolden(t, "scan/examples.md", md.Bytes())
	checkReportGolden(t, "scan/examples.json", js.Bytes())
	checkReportGolden(t, "scan/examples.html", html.Bytes())
	checkMarkdownTables(t, md.String())

	var got struct {
		Runs []struct {
			Path    string `json:"path"`
			Verdict struct {
				Status string `json:"status"`
			} `json:"verdict"`
			Eval struct {
				BestStep int64 `json:"best_step"`
			} `json:"eval"`
			CheckpointsRecommended struct {
				Path string `json:"path"`
			} `json:"checkpoints_recommended"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != 2 {
		t.Fatalf("%d runs", len(got.Runs))
	}
	// examples/README.md: overfit_eval's eval bottoms at step 80 and
	// checkpoint-80 is best; the LoRA run is still improving.
	a, b := got.Runs[0], got.Runs[1]
	if a.Path != "../examples/hf_v5_overfit_eval" || a.Verdict.Status != "overfitting" || a.Eval.BestStep != 80 || a.CheckpointsRecommended.Path != "checkpoint-80" {
		t.Errorf("first row %+v", a)
	}
	if b.Path != "../examples/hf_v5_sft_lora_3ep" || b.Verdict.Status != "improving" || b.Eval.BestStep != -1 {
		t.Errorf("second row %+v", b)
	}
}

// TestScanHTMLDir writes the offline folder: an index whose every run
// links to its report, written beside it.
func TestScanHTMLDir(t *testing.T) {
	s := scanExamples(t)
	dir := filepath.Join(t.TempDir(), "scan")
	files := writeScanFolder(t, dir, s)
	if len(files) != 3 || files[0] != "index.html" {
		t.Fatalf("files %v, want the index and two reports", files)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`href="(runs/[^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(links) != 2 {
		t.Fatalf("index links %v, want two", links)
	}
	for i, l := range links {
		page, err := os.ReadFile(filepath.Join(dir, l[1]))
		if err != nil {
			t.Fatal(err)
		}
		if want := "<title>" + s.Runs[i].Name + " · plateau report</title>"; !strings.Contains(string(page), want) {
			t.Errorf("%s is not the report of %s", l[1], s.Runs[i].Name)
		}
	}
}

// writeScanFolder writes a scan's offline folder into dir and returns
// the names written.
func writeScanFolder(t *testing.T, dir string, s *analysis.Scan) []string {
	t.Helper()
	files, err := ScanHTMLFiles(s, HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
	}
	return names
}
