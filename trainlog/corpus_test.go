package trainlog_test

// The corpus test loads every real log of ../shared/corpus: each file
// named in labels.tsv and every other file in the corpus folders must
// load without an error and without a panic.

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// corpusDir returns ../shared/corpus next to the repository root (the
// directory holding go.mod). It skips the test when the folder is absent
// and fails it when PLATEAU_CORPUS is set.
func corpusDir(t testing.TB) string {
	t.Helper()
	testcorpus.Path(t, "labels.tsv")
	return testcorpus.Dir(t)
}

// corpusLabelled returns the run/file paths named in labels.tsv.
func corpusLabelled(t testing.TB, corpus string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		cells := strings.Split(sc.Text(), "\t")
		if line == 0 || len(cells) < 2 {
			continue
		}
		out = append(out, cells[0]+"/"+cells[1])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusFiles returns every file of the corpus folders (relative to the
// corpus), labelled or not, sorted.
func corpusFiles(t testing.TB, corpus string) []string {
	t.Helper()
	var out []string
	runs, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if !r.IsDir() {
			continue
		}
		err := filepath.WalkDir(filepath.Join(corpus, r.Name()), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(corpus, p)
			out = append(out, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(out)
	return out
}

// corpusBig is the size above which -short skips a corpus file.
const corpusBig = 1 << 20

func TestCorpusLoads(t *testing.T) {
	corpus := corpusDir(t)
	files := corpusFiles(t, corpus)
	have := map[string]bool{}
	for _, f := range files {
		have[f] = true
	}
	for _, l := range corpusLabelled(t, corpus) {
		if !have[l] {
			t.Errorf("labels.tsv names %s, which is not in the corpus", l)
		}
	}
	if len(files) < 40 {
		t.Errorf("only %d corpus files found", len(files))
	}
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			p := filepath.Join(corpus, filepath.FromSlash(rel))
			if st, err := os.Stat(p); err == nil && st.Size() > corpusBig && testing.Short() {
				t.Skipf("%d bytes: skipped in -short mode", st.Size())
			}
			run := loadNoPanic(t, p)
			if len(run.Files) != 1 {
				t.Fatalf("files %+v, want one", run.Files)
			}
			f := run.Files[0]
			if !f.Used || f.Format == "" {
				t.Fatalf("not used: %+v", f)
			}
			entries := f.Records
			t.Logf("%-70s %-18s entries %6d  series %3d  summary %2d  warnings %d", rel, f.Format, entries, len(run.Series), len(run.Summary), len(run.Warnings))
			checkRunSources(t, run, filepath.Base(p))
		})
	}
}

// loadNoPanic loads one path and fails the test on an error or a panic.
func loadNoPanic(t *testing.T, path string) (run *trainlog.Run) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panic: %v", p)
		}
	}()
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return run
}

// checkRunSources checks that every point of a run cites the file it was
// read from and that series are sorted with one point per step.
func checkRunSources(t *testing.T, run *trainlog.Run, file string) {
	t.Helper()
	for _, name := range run.SeriesNames() {
		s := run.Series[name]
		for i, p := range s.Points() {
			if p.Source.IsZero() || filepath.Base(p.Source.File) != file {
				t.Errorf("%s[%d] at step %d: source %q, want %s", name, i, p.Step, p.Source, file)
				return
			}
			if i > 0 && p.Step <= s.Point(i-1).Step {
				t.Errorf("%s: steps not increasing at %d: %d after %d", name, i, p.Step, s.Point(i-1).Step)
				return
			}
		}
	}
}

// TestCorpusLlamaFactoryPair reads the LLaMA-Factory run that exists both
// as trainer_log.jsonl and trainer_state.json: alone, the two give the same
// loss steps and values within the jsonl's 4 decimals; loaded as one run,
// they show no disagreement.
func TestCorpusLlamaFactoryPair(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "lf-nsllm-pair")
	jsonl := loadNoPanic(t, filepath.Join(dir, "trainer_log.jsonl"))
	state := loadNoPanic(t, filepath.Join(dir, "trainer_state.json"))
	if got := jsonl.Files[0].Format; got != "llamafactory-jsonl" {
		t.Errorf("trainer_log.jsonl read as %q", got)
	}
	if got := state.Files[0].Format; got != "trainer-state" {
		t.Errorf("trainer_state.json read as %q", got)
	}
	a, b := jsonl.Get("loss"), state.Get("loss")
	// 436 log entries each: 435 with a loss and the final one without.
	if a.Len() != 435 || b.Len() != 435 {
		t.Fatalf("loss points: jsonl %d, state %d, want 435 each", a.Len(), b.Len())
	}
	bad := 0
	for i, p := range b.Points() {
		q := a.Point(i)
		if p.Step != q.Step || math.Abs(p.Value-q.Value) > 0.5e-4+1e-9 {
			if bad++; bad <= 5 {
				t.Errorf("point %d: state step %d loss %.6g (%s), jsonl step %d loss %.6g (%s)", i, p.Step, p.Value, p.Source, q.Step, q.Value, q.Source)
			}
		}
	}
	if last := b.Point(b.Len() - 1).Step; last != 2175 {
		t.Errorf("last loss step %d, want 2175", last)
	}
	if g, ok := jsonl.Geometry[trainlog.GeoGlobalStep]; !ok || g.Value != 2178 {
		t.Errorf("trainer_log.jsonl: global step %+v, want 2178 from its last line", g)
	}

	run := loadNoPanic(t, dir)
	used := map[string]string{}
	for _, f := range run.Files {
		if f.Used {
			used[f.Path] = f.Format
		}
	}
	want := map[string]string{"trainer_log.jsonl": "llamafactory-jsonl", "trainer_state.json": "trainer-state", "train_results.json": "hf-results"}
	for p, fm := range want {
		if used[p] != fm {
			t.Errorf("folder load: %s used as %q, want %q (files %+v)", p, used[p], fm, run.Files)
		}
	}
	for _, ev := range run.Events {
		if ev.Kind == trainlog.EventDisagreement {
			t.Errorf("folder load: %s", ev.Message)
		}
	}
	loss := run.Get("loss")
	if loss.Len() != 435 {
		t.Fatalf("folder load: %d loss points, want 435", loss.Len())
	}
	for _, p := range loss.Points() {
		if p.Source.File != "trainer_state.json" || len(p.Also) != 1 || p.Also[0].File != "trainer_log.jsonl" {
			t.Errorf("folder load: loss at step %d from %s also %v; want trainer_state.json, also trainer_log.jsonl", p.Step, p.Source, p.Also)
			break
		}
	}
}
