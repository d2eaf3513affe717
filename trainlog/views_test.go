package trainlog_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// TestLoadRefusesManyRuns: a folder that holds several runs is not read
// as one.
func TestLoadRefusesManyRuns(t *testing.T) {
	root := t.TempDir()
	copyTree(t, sftDir, filepath.Join(root, "a"))
	copyTree(t, overfitDir, filepath.Join(root, "b"))
	_, err := trainlog.Load([]string{root}, trainlog.LoadOptions{})
	var me *trainlog.ManyRunsError
	if !errors.As(err, &me) || !errors.Is(err, trainlog.ErrManyRuns) {
		t.Fatalf("error %v, want a ManyRunsError", err)
	}
	if me.Path != root || len(me.Runs) != 2 || me.Runs[0].Label() != "a" || me.Runs[1].Label() != "b" {
		t.Errorf("refusal %+v, want runs a and b of %s", me, root)
	}
}

// TestLoadViews: paths given together are merged only when they are
// views of one run.
func TestLoadViews(t *testing.T) {
	dir := t.TempDir()
	copyA := filepath.Join(dir, "copy")
	copyTree(t, sftDir, copyA)

	data, err := os.ReadFile(filepath.Join(sftDir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	// Lines 1-19 are the banner and INFO block; from line 20 two lines
	// per step (the callback line, then the dict). The first session
	// logs steps 1 to 300; the resumed one starts again at step 251 (its
	// last checkpoint was 250) with other values for 251 to 300.
	first := filepath.Join(dir, "first.log")
	writeFile(t, first, []byte(strings.Join(lines[:19+2*300], "")))
	resumed := filepath.Join(dir, "resumed.log")
	var b strings.Builder
	for _, l := range lines[19+2*250 : 19+2*300] {
		b.WriteString(strings.Replace(l, "'loss': '", "'loss': '1", 1))
	}
	b.WriteString(strings.Join(lines[19+2*300:], ""))
	writeFile(t, resumed, []byte(b.String()))

	for _, tc := range []struct {
		name  string
		paths []string
		rel   trainlog.Relation // RelSame or RelResume: merged; else refused
		file  string            // a file the merged run cites
	}{
		{"two copies of one run", []string{sftDir, copyA}, trainlog.RelSame, "copy/trainer_state.json"},
		{"console and state of one run", []string{filepath.Join(sftDir, "console.log"), filepath.Join(sftDir, "trainer_state.json")}, trainlog.RelSame, "console.log"},
		{"a resumed session", []string{first, resumed}, trainlog.RelResume, "resumed.log"},
		{"two different runs", []string{sftDir, overfitDir}, trainlog.RelDifferent, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := trainlog.Load(tc.paths, trainlog.LoadOptions{})
			if tc.rel == trainlog.RelDifferent {
				var de *trainlog.DifferentRunsError
				if !errors.As(err, &de) || !errors.Is(err, trainlog.ErrDifferentRuns) {
					t.Fatalf("error %v, want a DifferentRunsError", err)
				}
				if de.Relation != tc.rel || de.Check.Common == 0 || len(de.Check.Mismatches) == 0 || len(de.Check.Settings) == 0 {
					t.Errorf("evidence %+v", de)
				}
				msg := err.Error()
				for _, want := range []string{"are different runs", "loss at step", "max_steps is 750"} {
					if !strings.Contains(msg, want) {
						t.Errorf("message %q lacks %q", msg, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cited := false
			for _, f := range run.Files {
				cited = cited || (f.Used && strings.HasSuffix(f.Path, tc.file))
			}
			if !cited {
				t.Errorf("files %+v: %s not used", run.Files, tc.file)
			}
			if tc.rel == trainlog.RelSame {
				for _, p := range run.Get("loss").Points() {
					if len(p.Also) == 0 {
						t.Fatalf("loss at step %d has one source; two views should both be cited", p.Step)
					}
				}
			} else if p, ok := run.Get("loss").At(260); !ok || p.Source.File != "resumed.log" {
				t.Errorf("loss at step 260 = %+v, want the resumed session's value", p)
			}
		})
	}
}

// TestRelateCorpus: the lf-law-llama3 LoRA and full fine-tunes (same
// data) are different runs; the two files of lf-nsllm-pair and of
// lf-tfm-lora are views of one run.
func TestRelateCorpus(t *testing.T) {
	load := func(p ...string) *trainlog.Run {
		var paths []string
		for _, x := range p {
			paths = append(paths, testcorpus.Path(t, x))
		}
		run, err := trainlog.Load(paths[:1], trainlog.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	for _, tc := range []struct {
		a, b string
		want trainlog.Relation
	}{
		{"lf-law-llama3-lora-sft", "lf-law-llama3-full-sft", trainlog.RelDifferent},
		{"lf-nsllm-pair/trainer_log.jsonl", "lf-nsllm-pair/trainer_state.json", trainlog.RelSame},
		{"lf-tfm-lora-20ep-tinydata-console-and-jsonl/training_v3.log", "lf-tfm-lora-20ep-tinydata-console-and-jsonl/trainer_log.jsonl", trainlog.RelSame},
		{"hf-gemma2b-68k-bestckpt/wandb-summary.json", "hf-gemma2b-68k-bestckpt/trainer_state.json", trainlog.RelSame},
	} {
		rel, check := trainlog.Relate(load(tc.a), load(tc.b))
		if rel != tc.want {
			t.Errorf("%s vs %s: relation %d, want %d (evidence %+v)", tc.a, tc.b, rel, tc.want, check)
		}
	}
}

// TestLoadSplitsFolder: two runs' console logs in one folder are two
// runs; the three views of one run in one folder are one.
func TestLoadSplitsFolder(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(sftDir, "console.log"), filepath.Join(dir, "logs", "lora.log"))
	copyFile(t, filepath.Join(overfitDir, "console.log"), filepath.Join(dir, "logs", "full.log"))
	_, err := trainlog.Load([]string{filepath.Join(dir, "logs")}, trainlog.LoadOptions{})
	var me *trainlog.ManyRunsError
	if !errors.As(err, &me) {
		t.Fatalf("error %v, want a ManyRunsError", err)
	}
	if len(me.Runs) != 2 || me.Runs[0].Label() != "full.log" || me.Runs[1].Label() != "lora.log" {
		t.Fatalf("parts %+v, want full.log and lora.log", me.Runs)
	}
	run, err := trainlog.LoadRun(me.Runs[1], trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Get("loss").Len() != 750 {
		t.Errorf("lora.log part: %d loss points, want 750", run.Get("loss").Len())
	}
	if _, err := trainlog.Load([]string{sftDir}, trainlog.LoadOptions{}); err != nil {
		t.Errorf("the example's console, state and events: %v", err)
	}
}

// TestLoadLoggerViews: one Lightning session written by two loggers
// (testdata/runs/lightning_csv: CSVLogger and TensorBoardLogger, the same
// steps and values) is one run; two output folders are two sessions even
// when their values agree (cut_pair: a run and its own first 55%, same
// seed).
func TestLoadLoggerViews(t *testing.T) {
	run, err := trainlog.Load([]string{"../testdata/runs/lightning_csv"}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, f := range run.Files {
		used[f.Path] = f.Used
	}
	if !used["lightning_logs/version_0/metrics.csv"] || !used["tb_logs/version_0/events.out.tfevents.1796408029.vm.435.0"] {
		t.Errorf("files %+v: want both loggers read", run.Files)
	}
	if p, ok := run.Get("eval_loss").At(151); !ok || p.Source.File != "lightning_logs/version_0/metrics.csv" || len(p.Also) != 1 {
		t.Errorf("eval_loss at 151 = %+v, want the CSV value with the TensorBoard one also cited", p)
	}
	d, err := trainlog.Discover("../testdata/runs/lightning_csv", trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	together := trainlog.Together(d.Runs)
	if together[0].Root != "../testdata/runs/lightning_csv" || together[0].Rel != "lightning_logs/version_0" {
		t.Errorf("Together: %+v", together[0])
	}
	if _, err := trainlog.LoadViews(together, trainlog.LoadOptions{}); err != nil {
		t.Errorf("LoadViews: %v", err)
	}

	_, err = trainlog.Load([]string{"../testdata/runs/cut_pair"}, trainlog.LoadOptions{})
	var me *trainlog.ManyRunsError
	if !errors.As(err, &me) || len(me.Runs) != 2 {
		t.Errorf("cut_pair: error %v, want two runs", err)
	}
}
