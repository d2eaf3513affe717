package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenOptions are the text options of the golden files: the default
// width, the chart, no colour.
var goldenOptions = Options{Width: DefaultWidth, Chart: true}

// A goldenCase is one report rendered into testdata/<name>.{txt,md,json}.
type goldenCase struct {
	name   string
	report func(t *testing.T) *analysis.Report
}

var goldenCases = []goldenCase{
	{"seed", func(t *testing.T) *analysis.Report { return seedReport(t) }},
	{"empty", func(*testing.T) *analysis.Report { return emptyReport() }},
	{"hf_v5_sft_lora_3ep", loadRun("../examples/hf_v5_sft_lora_3ep")},
	{"hf_v5_overfit_eval", loadRun("../examples/hf_v5_overfit_eval")},
	{"corpus_hf_sft_tinyllama_mta_eval", loadCorpusRun("hf-sft-tinyllama-mta-eval")},
}

// loadRun reads and analyses a run directory as the CLI does.
func loadRun(dir string) func(t *testing.T) *analysis.Report {
	return func(t *testing.T) *analysis.Report {
		t.Helper()
		run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
		if err != nil {
			t.Fatalf("load %s: %v", dir, err)
		}
		return analysis.Analyze(run, analysis.DefaultOptions)
	}
}

// loadCorpusRun reads a run of the shared corpus (../shared from the repo
// root, or PLATEAU_CORPUS). It skips when the corpus is absent and fails
// when PLATEAU_CORPUS is set, which says the corpus must be there. The run
// is read from inside the corpus folder, by its name, so that the goldens
// (the run's root, its sources) do not depend on where the corpus lives.
func loadCorpusRun(name string) func(t *testing.T) *analysis.Report {
	return func(t *testing.T) *analysis.Report {
		t.Helper()
		corpus := testcorpus.Dir(t)
		if _, err := os.Stat(filepath.Join(corpus, name)); err != nil {
			if os.Getenv("PLATEAU_CORPUS") != "" {
				t.Fatalf("PLATEAU_CORPUS is set but %s is missing: %v", filepath.Join(corpus, name), err)
			}
			t.Skipf("corpus run %s absent (set PLATEAU_CORPUS to require it)", filepath.Join(corpus, name))
		}
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chdir(corpus); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(wd)
		return loadRun(name)(t)
	}
}

// TestGoldenIndependentOfCorpusPath reads the corpus run through another
// path (a link elsewhere, given as an absolute PLATEAU_CORPUS): the
// report must name the run as the golden does, whatever path leads to
// the corpus.
func TestGoldenIndependentOfCorpusPath(t *testing.T) {
	abs, err := filepath.Abs(testcorpus.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "corpus")
	if err := os.Symlink(abs, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	t.Setenv("PLATEAU_CORPUS", link)
	r := loadCorpusRun("hf-sft-tinyllama-mta-eval")(t)
	if r.Run.Root != "hf-sft-tinyllama-mta-eval" {
		t.Errorf("root %q, want the run's name alone", r.Run.Root)
	}
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			r := c.report(t)
			var txt, md, js bytes.Buffer
			if err := WriteText(&txt, r, goldenOptions); err != nil {
				t.Fatalf("WriteText: %v", err)
			}
			if err := WriteMarkdown(&md, r, Options{}); err != nil {
				t.Fatalf("WriteMarkdown: %v", err)
			}
			if err := WriteJSON(&js, r); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			if c.name == "seed" || c.name == "hf_v5_overfit_eval" {
				// The full report and the summary, on a run without eval
				// and on one with.
				var full, sum bytes.Buffer
				opts := goldenOptions
				opts.Full = true
				if err := WriteText(&full, r, opts); err != nil {
					t.Fatalf("WriteText full: %v", err)
				}
				if err := WriteMarkdown(&sum, r, Options{Summary: true}); err != nil {
					t.Fatalf("WriteMarkdown summary: %v", err)
				}
				checkReportGolden(t, c.name+".full.txt", full.Bytes())
				checkReportGolden(t, c.name+".summary.md", sum.Bytes())
				checkMarkdownTables(t, sum.String())
			}
			checkReportGolden(t, c.name+".txt", txt.Bytes())
			checkReportGolden(t, c.name+".md", md.Bytes())
			checkReportGolden(t, c.name+".json", js.Bytes())
			checkMarkdownTables(t, md.String())
			checkSectionsNotEmpty(t, txt.String())
		})
	}
}

// checkReportGolden compares got with testdata/name. With -update it rewrites
// the file; on a mismatch it writes testdata/name.got and reports a diff
// summary.
func checkReportGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(path + ".got")
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./report -update' to create it)", err)
	}
	if bytes.Equal(want, got) {
		os.Remove(path + ".got")
		return
	}
	if err := os.WriteFile(path+".got", got, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("%s differs from the golden file; wrote %s.got (diff %s %s.got; accept with -update):\n%s",
		path, path, path, path, diffSummary(string(want), string(got), 12))
}

// diffSummary describes how got differs from want, line by line, showing
// at most max changed lines.
func diffSummary(want, got string, max int) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	ops := goldenLineDiff(a, b)
	var out []string
	removed, added := 0, 0
	for _, op := range ops {
		switch op.kind {
		case '-':
			removed++
		case '+':
			added++
		default:
			continue
		}
		if len(out) < max {
			out = append(out, fmt.Sprintf("%c %4d | %s", op.kind, op.line, op.text))
		}
	}
	head := fmt.Sprintf("%d line(s) removed, %d added (want %d lines, got %d)", removed, added, len(a), len(b))
	return head + "\n" + strings.Join(out, "\n")
}

type diffOp struct {
	kind byte // '-', '+' or ' '
	line int  // 1-based line in want ('-', ' ') or got ('+')
	text string
}

// goldenLineDiff is a longest-common-subsequence diff, fine for golden files of
// a few thousand lines.
func goldenLineDiff(a, b []string) []diffOp {
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			ops = append(ops, diffOp{' ', i + 1, a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, diffOp{'-', i + 1, a[i]})
			i++
		default:
			ops = append(ops, diffOp{'+', j + 1, b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, diffOp{'-', i + 1, a[i]})
	}
	for ; j < m; j++ {
		ops = append(ops, diffOp{'+', j + 1, b[j]})
	}
	return ops
}

// checkMarkdownTables checks that every row of every pipe table has as
// many cells as its header.
func checkMarkdownTables(t *testing.T, md string) {
	t.Helper()
	cols := -1
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		n := countCells(line)
		if cols < 0 {
			cols = n
			continue
		}
		if n != cols {
			t.Errorf("markdown line %d has %d cells, its table has %d: %s", i+1, n, cols, line)
		}
	}
}

// countCells counts the cells of a pipe-table row, honouring \| escapes.
func countCells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

// checkSectionsNotEmpty checks that no section of the text output is
// silently empty: every section rule is followed by some text.
func checkSectionsNotEmpty(t *testing.T, txt string) {
	t.Helper()
	lines := strings.Split(txt, "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, "── ") {
			continue
		}
		if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) == "" || strings.HasPrefix(lines[i+1], "── ") {
			t.Errorf("section %q is empty", line)
		}
	}
}

func TestDiffSummary(t *testing.T) {
	got := diffSummary("a\nb\nc\n", "a\nB\nc\nd\n", 10)
	for _, want := range []string{"1 line(s) removed, 2 added", "-    2 | b", "+    2 | B", "+    4 | d"} {
		if !strings.Contains(got, want) {
			t.Errorf("diffSummary = %q, want it to contain %q", got, want)
		}
	}
}
