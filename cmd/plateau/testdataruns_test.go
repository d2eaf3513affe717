package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// realRuns lists the folders of testdata/runs (real runs made by
// Transformers 5.17 and Lightning 2.6, see testdata/runs/README.md) with
// the exit status `plateau report DIR` must give: 0 for a folder holding
// one run, 2 (the documented usage error) for a folder holding several.
var realRuns = map[string]int{
	"sweep/output/run-a":       0,
	"sweep/output/run-b":       0,
	"sweep/output/run-c":       0,
	"sweep/output/run-d":       0,
	"sweep/output/run-e":       0,
	"overfit_eval":             0,
	"cut_pair/full":            0,
	"cut_pair/cut55":           0,
	"cut_pair_improving/full":  0,
	"cut_pair_improving/cut55": 0,
	"resumed":                  0,
	"stalled":                  0,
	"stalled_frozen":           0,
	"multi_epoch_perstep":      0,
	"multi_epoch_memorise":     0,
	// One Lightning session with two loggers: CSVLogger in
	// lightning_logs/version_0, TensorBoardLogger in tb_logs/version_0,
	// the same steps and values: one run seen by two loggers.
	"lightning_csv":                          0,
	"lightning_csv/lightning_logs/version_0": 0,
	"lightning_csv/tb_logs/version_0":        0,
	"sweep":                                  2,
	"cut_pair":                               2,
	"cut_pair_improving":                     2,
}

// TestRealRunsLoad reports on every folder of the table and checks the
// exit status and, where a report is written, that its JSON parses. It
// also checks that the table names every run folder of testdata/runs (a
// folder holding a console.log), so that a run added later is not left
// out.
func TestRealRunsLoad(t *testing.T) {
	base := filepath.Join(repoRoot(t), "testdata", "runs")
	var found []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "console.log" {
			rel, _ := filepath.Rel(base, filepath.Dir(p))
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(found)
	if len(found) < 16 {
		t.Errorf("testdata/runs holds %d run folders %v, want the 16 of its README", len(found), found)
	}
	for _, rel := range found {
		if _, ok := realRuns[rel]; !ok {
			t.Errorf("run folder testdata/runs/%s is not in realRuns", rel)
		}
	}
	names := make([]string, 0, len(realRuns))
	for rel := range realRuns {
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		want := realRuns[rel]
		t.Run(rel, func(t *testing.T) {
			dir := filepath.Join(base, filepath.FromSlash(rel))
			if _, err := os.Stat(dir); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := runWith([]string{"report", dir, "--format", "json"}, testStreams(nil, &out, &errb))
			if code != want {
				t.Fatalf("exit %d, want %d; stderr: %s", code, want, errb.String())
			}
			if code != 0 {
				return
			}
			var rep map[string]any
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("the JSON report does not parse: %v", err)
			}
			if len(rep) == 0 {
				t.Fatal("empty JSON report")
			}
		})
	}
}
