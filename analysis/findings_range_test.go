package analysis

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// TestFindingSourcesInRange checks, on the examples, the test runs and
// the corpus, that every source a finding cites for a logged point lies
// inside the finding's step range (FromStep-ToStep, and Step): a finding
// says which steps it is about, and its evidence must be among them
// (provenance.py notes the sources that are not).
func TestFindingSourcesInRange(t *testing.T) {
	root := testcorpus.Root(t)
	var dirs []string
	for _, pattern := range []string{"examples/*", "testdata/runs/*", "testdata/runs/sweep/output/*", "testdata/runs/cut_pair*/*"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		dirs = append(dirs, m...)
	}
	corpus, _ := filepath.Glob(filepath.Join(testcorpus.Dir(t), "*"))
	dirs = append(dirs, corpus...)
	checked := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
		if err != nil {
			continue // a folder of several runs, or none
		}
		stepOf := map[string]int64{}
		for _, s := range run.Series {
			for i := range s.Len() {
				stepOf[s.Source(i).String()] = s.Step(i)
			}
		}
		r := Analyze(run, DefaultOptions)
		for _, f := range r.Findings {
			lo, hi := min(f.FromStep, f.Step), max(f.ToStep, f.Step)
			if lo <= 0 {
				continue // a finding about no steps
			}
			for _, src := range f.Sources {
				st, ok := stepOf[src]
				if !ok {
					continue // not a logged point (an event's line)
				}
				checked++
				if st < lo || st > hi {
					t.Errorf("%s: %s finding cites %s (step %d), outside its steps %d-%d", filepath.Base(dir), f.Kind, src, st, lo, hi)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d finding sources checked", checked)
	}
}
