package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
)

// A scanRow is the part of a scan's JSON row the tests check.
type scanRow struct {
	Path    string   `json:"path"`
	Rel     string   `json:"rel"`
	Views   []string `json:"views"`
	Verdict struct {
		Status string `json:"status"`
	} `json:"verdict"`
}

// scanJSON runs 'plateau scan DIR --format json' and returns its rows.
func scanJSON(t *testing.T, dir string) []scanRow {
	t.Helper()
	var out, errb bytes.Buffer
	if code := runWith([]string{"scan", dir, "--format", "json"}, testStreams(nil, &out, &errb)); code != 0 {
		t.Fatalf("scan %s: exit %d: %s", dir, code, errb.String())
	}
	var got struct {
		Runs []scanRow `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	return got.Runs
}

// checkScanMatchesReport scans dir and reports each run alone: every run
// is listed once, with the status report gives it (given its views, for
// the views of one session that share a folder with other runs).
func checkScanMatchesReport(t *testing.T, dir string, want []string) {
	t.Helper()
	rows := scanJSON(t, dir)
	var rels []string
	for _, r := range rows {
		rels = append(rels, r.Rel)
		args := []string{"report", r.Path, "--format", "json"}
		if len(r.Views) > 0 {
			args = append([]string{"report", "--format", "json"}, r.Views...)
		}
		var out, errb bytes.Buffer
		code := runWith(args, testStreams(nil, &out, &errb))
		if code != 0 && code != 1 {
			t.Errorf("report %s: exit %d: %s", r.Path, code, errb.String())
			continue
		}
		var rep struct {
			Verdict struct {
				Status string `json:"status"`
			} `json:"verdict"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Errorf("report %s: %v", r.Path, err)
			continue
		}
		if rep.Verdict.Status != r.Verdict.Status {
			t.Errorf("%s: scan says %s, report says %s", r.Rel, r.Verdict.Status, rep.Verdict.Status)
		}
	}
	// 'plateau report DIR' refuses the folder with the same runs.
	var out, errb bytes.Buffer
	if code := runWith([]string{"report", dir}, testStreams(nil, &out, &errb)); code != exitUsage {
		t.Errorf("report %s: exit %d, want %d", dir, code, exitUsage)
	}
	if head := fmt.Sprintf("%s holds %d runs, and report takes one run per path:", dir, len(rows)); !strings.Contains(errb.String(), head) {
		t.Errorf("report %s does not count the runs scan lists: %q lacks %q", dir, errb.String(), head)
	}
	paths := map[string]bool{}
	for _, r := range rows {
		paths[r.Path] = true
		if len(r.Views) > 0 {
			paths[strings.Join(r.Views, " + ")] = true
		}
	}
	for _, line := range strings.Split(errb.String(), "\n")[1:] {
		if !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "  ... and ") {
			continue
		}
		// A pattern is quoted for the shell (wandb/run-*-<id>).
		if p, _, _ := strings.Cut(strings.TrimSpace(line), "  "); !paths[strings.ReplaceAll(p, "'", "")] {
			t.Errorf("report %s lists %q, which scan does not", dir, p)
		}
	}
	sort.Strings(rels)
	sort.Strings(want)
	if len(rels) != len(want) {
		t.Fatalf("scan lists %d runs %v, want %d %v", len(rels), rels, len(want), want)
	}
	for i := range want {
		if rels[i] != want[i] {
			t.Errorf("run %d: %s, want %s", i, rels[i], want[i])
		}
	}
}

// TestScanMatchesReportRuns: the real runs of testdata/runs, each listed
// once (lightning_csv's two logger folders as one run) with report's
// status.
func TestScanMatchesReportRuns(t *testing.T) {
	root := repoRoot(t)
	pkgDir, _ := os.Getwd()
	chdir(t, root)
	defer chdir(t, pkgDir)
	var want []string
	for rel, code := range realRuns {
		if code == 0 && filepath.Dir(rel) != "lightning_csv/lightning_logs" && filepath.Dir(rel) != "lightning_csv/tb_logs" {
			want = append(want, rel)
		}
	}
	checkScanMatchesReport(t, "testdata/runs", want)
}

// TestScanMatchesReportCorpus: every folder of the shared corpus is one
// run, listed once with report's status.
func TestScanMatchesReportCorpus(t *testing.T) {
	dir := testcorpus.Dir(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range ents {
		if e.IsDir() {
			want = append(want, e.Name())
		}
	}
	checkScanMatchesReport(t, dir, want)
}

// TestScanHTMLFolder writes the offline folder with -o DIR.
func TestScanHTMLFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "scan")
	var stdout, errb bytes.Buffer
	if code := runWith([]string{"scan", filepath.Join(repoRoot(t), "examples"), "--format", "html", "-o", out}, testStreams(nil, &stdout, &errb)); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"index.html", "runs/hf_v5_overfit_eval.html", "runs/hf_v5_sft_lora_3ep.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("wrote %d bytes to standard output", stdout.Len())
	}
	// A folder inside the scanned one is refused.
	errb.Reset()
	if code := runWith([]string{"scan", filepath.Join(repoRoot(t), "examples"), "--format", "html", "-o", filepath.Join(repoRoot(t), "examples", "scan")}, testStreams(nil, &stdout, &errb)); code != exitUsage {
		t.Errorf("output inside the scanned folder: exit %d (%s), want 2", code, errb.String())
	}
}
