package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCitationsResolve checks provenance end to end: every source that
// the JSON report of a bundled example cites for a milestone, an
// evaluation or the reported train_loss must exist in the cited file and
// hold what the report says (the step of the entry, the value of the
// metric), as a reader checking with grep would find it.
func TestCitationsResolve(t *testing.T) {
	for _, name := range []string{"hf_v5_sft_lora_3ep", "hf_v5_overfit_eval"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(repoRoot(t), "examples", name)
			var out, errb bytes.Buffer
			if code := runWith([]string{"report", dir, "--format", "json"}, testStreams(nil, &out, &errb)); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var rep struct {
				Milestones []struct {
					Step          int64              `json:"step"`
					Metrics       map[string]float64 `json:"metrics"`
					MetricSources map[string]string  `json:"metric_sources"`
					Sources       []string           `json:"sources"`
				} `json:"milestones"`
				TrainLoss struct {
					Reported *float64 `json:"reported"`
					Source   string   `json:"source"`
				} `json:"train_loss"`
				Eval struct {
					Metric string `json:"metric"`
					Rows   []struct {
						Step   int64   `json:"step"`
						Value  float64 `json:"value"`
						Source string  `json:"source"`
					} `json:"rows"`
				} `json:"eval"`
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			r := newResolver(t, dir)
			checked := 0
			for _, m := range rep.Milestones {
				for _, src := range m.Sources {
					r.entryAtStep(src, m.Step)
					checked++
				}
				for key, src := range m.MetricSources {
					r.value(src, key, m.Metrics[key])
					checked++
				}
			}
			if rep.TrainLoss.Reported != nil {
				r.value(rep.TrainLoss.Source, "train_loss", *rep.TrainLoss.Reported)
				checked++
			}
			for _, row := range rep.Eval.Rows {
				r.entryAtStep(row.Source, row.Step)
				r.value(row.Source, rep.Eval.Metric, row.Value)
				checked += 2
			}
			if checked < 10 {
				t.Fatalf("only %d citations checked", checked)
			}
			t.Logf("%d citations resolved", checked)
		})
	}
}

// resolver reads the cited files of one run.
type resolver struct {
	t       *testing.T
	dir     string
	lines   map[string][]string
	history map[string][]map[string]any
}

func newResolver(t *testing.T, dir string) *resolver {
	return &resolver{t: t, dir: dir, lines: map[string][]string{}, history: map[string][]map[string]any{}}
}

var (
	lineRE = regexp.MustCompile(`^(.+):(\d+)$`)
	histRE = regexp.MustCompile(`^(.+)#log_history\[(\d+)\]$`)
	recRE  = regexp.MustCompile(`^(.+)#record\[(\d+)\]$`)
)

// line returns line n of a cited text file.
func (r *resolver) line(file string, n int) string {
	r.t.Helper()
	ls, ok := r.lines[file]
	if !ok {
		b, err := os.ReadFile(filepath.Join(r.dir, file))
		if err != nil {
			r.t.Fatalf("cited file: %v", err)
		}
		ls = strings.Split(string(b), "\n")
		r.lines[file] = ls
	}
	if n < 1 || n > len(ls) {
		r.t.Fatalf("%s:%d: the file has %d lines", file, n, len(ls))
	}
	return ls[n-1]
}

// entry returns log_history[i] of a cited trainer_state.json.
func (r *resolver) entry(file string, i int) map[string]any {
	r.t.Helper()
	h, ok := r.history[file]
	if !ok {
		b, err := os.ReadFile(filepath.Join(r.dir, file))
		if err != nil {
			r.t.Fatalf("cited file: %v", err)
		}
		var st struct {
			LogHistory []map[string]any `json:"log_history"`
		}
		if err := json.Unmarshal(b, &st); err != nil {
			r.t.Fatalf("%s: %v", file, err)
		}
		h = st.LogHistory
		r.history[file] = h
	}
	if i < 0 || i >= len(h) {
		r.t.Fatalf("%s#log_history[%d]: only %d entries", file, i, len(h))
	}
	return h[i]
}

// entryAtStep checks that the cited place logs the given step.
func (r *resolver) entryAtStep(src string, step int64) {
	r.t.Helper()
	switch {
	case histRE.MatchString(src):
		m := histRE.FindStringSubmatch(src)
		i, _ := strconv.Atoi(m[2])
		if got, _ := r.entry(m[1], i)["step"].(float64); int64(got) != step {
			r.t.Errorf("%s is step %v, the report says %d", src, got, step)
		}
	case recRE.MatchString(src):
		m := recRE.FindStringSubmatch(src)
		if _, err := os.Stat(filepath.Join(r.dir, m[1])); err != nil {
			r.t.Errorf("%s: %v", src, err)
		}
	case lineRE.MatchString(src):
		m := lineRE.FindStringSubmatch(src)
		n, _ := strconv.Atoi(m[2])
		l := r.line(m[1], n)
		// A console line holds a printed dict or a callback line.
		if !strings.Contains(l, "{'") && !strings.Contains(l, "[Step "+strconv.FormatInt(step, 10)+"/") {
			r.t.Errorf("%s: %.120q holds no log record", src, l)
		}
	default:
		r.t.Errorf("source %q has no known form", src)
	}
}

// value checks that the cited place holds key with the given value, at
// the precision the place wrote it.
func (r *resolver) value(src, key string, want float64) {
	r.t.Helper()
	switch {
	case histRE.MatchString(src):
		m := histRE.FindStringSubmatch(src)
		i, _ := strconv.Atoi(m[2])
		if got, ok := r.entry(m[1], i)[key].(float64); !ok || got != want {
			r.t.Errorf("%s: %s is %v, the report says %v", src, key, r.entry(m[1], i)[key], want)
		}
	case lineRE.MatchString(src):
		m := lineRE.FindStringSubmatch(src)
		n, _ := strconv.Atoi(m[2])
		l := r.line(m[1], n)
		if !strings.Contains(l, key) {
			r.t.Errorf("%s: %.120q does not hold %s", src, l, key)
		}
	}
}
