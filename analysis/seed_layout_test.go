package analysis

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/seedrun"
	"github.com/plateau-dev/plateau/trainlog"
)

// TestSeedLayouts is issue 10's acceptance test: on the seed
// reconstruction in both console layouts, alone and with the
// trainer_state.json files beside it, the milestones of steps 1, 250,
// 500 and 750 cite the lines grep -n finds for those steps' dicts, the
// first step is 1, no step is estimated, and no source disagrees.
func TestSeedLayouts(t *testing.T) {
	curve := seedrun.NewCurve()
	for _, layout := range []seedrun.Layout{seedrun.LayoutCallbackFirst, seedrun.LayoutDictFirst} {
		for _, state := range []bool{false, true} {
			t.Run(fmt.Sprintf("layout %d, trainer_state %v", layout, state), func(t *testing.T) {
				dir := t.TempDir()
				if err := seedrun.WriteWith(dir, seedrun.Options{Layout: layout, TrainerState: state}); err != nil {
					t.Fatal(err)
				}
				log := filepath.Join(dir, seedrun.LogName)
				run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				r := Analyze(run, DefaultOptions)
				if r.Run.FirstStep != 1 || r.Run.LastStep != seedrun.Steps || len(r.Run.EstimatedSteps) > 0 {
					t.Errorf("steps %d-%d, estimated %+v; want 1-750, none estimated", r.Run.FirstStep, r.Run.LastStep, r.Run.EstimatedSteps)
				}
				for _, ev := range r.Run.Events {
					if ev.Kind == string(trainlog.EventDisagreement) || ev.Kind == string(trainlog.EventNote) {
						t.Errorf("event %s: %s", ev.Kind, ev.Message)
					}
				}
				for _, m := range seedrun.Milestones {
					line := grepLine(t, log, fmt.Sprintf("{'loss': %s,", pyFloat(curve.Logged(m.Step))),
						fmt.Sprintf("'learning_rate': %s,", strconv.FormatFloat(curve.LR[m.Step-1], 'g', -1, 64)))
					want := fmt.Sprintf("%s:%d", seedrun.LogName, line)
					var got *Milestone
					for i := range r.Milestones {
						if r.Milestones[i].Step == m.Step {
							got = &r.Milestones[i]
						}
					}
					switch {
					case got == nil:
						t.Errorf("no milestone at step %d", m.Step)
					case got.StepEstimated != "":
						t.Errorf("step %d estimated from %s", m.Step, got.StepEstimated)
					case !state && got.MetricSources["loss"] != want:
						t.Errorf("step %d: loss cited at %s, grep -n finds its dict at %s", m.Step, got.MetricSources["loss"], want)
					case state && !slices.Contains(got.Sources, want):
						t.Errorf("step %d: sources %v lack the dict's line %s", m.Step, got.Sources, want)
					case got.Metrics["loss"] != m.Loss:
						t.Errorf("step %d: loss %v, want %v", m.Step, got.Metrics["loss"], m.Loss)
					}
				}
			})
		}
	}
}

// grepLine returns the line number of the only line holding every one
// of subs, as grep -n prints it.
func grepLine(t *testing.T, path string, subs ...string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	found := 0
	for n := 1; sc.Scan(); n++ {
		all := true
		for _, sub := range subs {
			all = all && strings.Contains(sc.Text(), sub)
		}
		if all {
			if found > 0 {
				t.Fatalf("%q are on lines %d and %d", subs, found, n)
			}
			found = n
		}
	}
	if found == 0 {
		t.Fatalf("%q are on no line", subs)
	}
	return found
}

// pyFloat formats v as Python's repr of a float with 4 decimals or
// fewer, as the seed log prints its losses.
func pyFloat(v float64) string {
	s := fmt.Sprintf("%.4f", v)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return s
}
