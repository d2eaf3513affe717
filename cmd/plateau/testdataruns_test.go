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

// realRuns lists the single-run folders of testdata/runs (real runs made
// by Transformers 5.17 and Lightning 2.6, see testdata/runs/README.md) with
// the exit status `plateau report DIR` must give: every one is readable
// as a whole, so 0. The folders that hold several runs (sweep/, cut_pair/,
// cut_pair_improving/) are not listed: what report does with them is the
// business of run discovery.
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
	"lightning_csv":            0,
}

// TestRealRunsLoad reports on every real run folder of testdata/runs and
// checks the exit status and that the JSON report parses. It also checks
// that the table above names every run folder there (a folder holding a
// console.log), so that a run added later is not silently left out.
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
	if len(found) != len(realRuns) {
		t.Errorf("testdata/runs holds %d run folders %v; the table names %d", len(found), found, len(realRuns))
	}
	for _, rel := range found {
		if _, ok := realRuns[rel]; !ok {
			t.Errorf("run folder testdata/runs/%s is not in realRuns", rel)
		}
	}
	for rel, want := range realRuns {
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
