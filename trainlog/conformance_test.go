package trainlog_test

// The conformance test holds every registered format to the contract of
// trainlog.Reader, in the manner of prometheus' textparse interface test:
// one helper drains any reader into a slice of records, and one table
// names a real sample per format.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/plateau-dev/plateau/trainlog"
)

// drain reads r to its end and returns its records. It fails the test when
// Scan turns true again after it returned false or when a record pointer
// is returned twice; it does not check Err.
func drain(t testing.TB, r trainlog.Reader) []trainlog.Record {
	t.Helper()
	var recs []trainlog.Record
	seen := map[trainlog.Record]bool{}
	for r.Scan() {
		rec := r.Record()
		if rec == nil {
			t.Fatalf("record %d: Scan returned true but Record is nil", len(recs))
		}
		if seen[rec] {
			t.Errorf("record %d (%s) was already returned", len(recs), describe(rec))
		}
		seen[rec] = true
		recs = append(recs, rec)
		if len(recs) > 10_000_000 {
			t.Fatal("more than 10M records: the reader does not end")
		}
	}
	for i := 0; i < 3; i++ {
		if r.Scan() {
			t.Fatalf("Scan returned true again after the end (call %d after false): %s", i+1, describe(r.Record()))
		}
	}
	return recs
}

// describe formats a record for failure messages.
func describe(rec trainlog.Record) string {
	switch rec := rec.(type) {
	case *trainlog.Entry:
		return fmt.Sprintf("%s entry step %d epoch %g at %s: %v", rec.Kind, rec.Step, rec.Epoch, rec.Source, rec.Values)
	case *trainlog.Meta:
		switch {
		case rec.Geometry != nil:
			return fmt.Sprintf("geometry %s=%g at %s", rec.Geometry.Key, rec.Geometry.Value, rec.Geometry.Source)
		case rec.Summary != nil:
			return fmt.Sprintf("summary %s=%g at %s", rec.Summary.Key, rec.Summary.Value, rec.Summary.Source)
		case rec.Info != nil:
			return fmt.Sprintf("info %s=%q at %s", rec.Info.Key, rec.Info.Value, rec.Info.Source)
		case rec.Event != nil:
			return fmt.Sprintf("event %s at step %d: %s", rec.Event.Kind, rec.Event.Step, rec.Event.Message)
		}
		return "empty meta"
	case *trainlog.SyntaxError:
		return "syntax error " + rec.Error()
	}
	return fmt.Sprintf("%T", rec)
}

// A confCase is one sample of one format.
type confCase struct {
	format string
	// name is the display name given to Open; sources must carry it.
	name string
	// file is the sample's path relative to the package directory; data
	// is used when file is empty.
	file string
	data []byte
	// lines is set for line formats (Source.Line > 0), clear for
	// structured ones (Source.Fragment() set).
	lines bool
	// minEntries is the least number of entries the sample must yield.
	minEntries int
	// wantSyntax is set for samples with damaged lines or cells: they
	// must yield at least one *SyntaxError, and the others none.
	wantSyntax bool
}

const (
	overfitDir = "../examples/hf_v5_overfit_eval"
	sftDir     = "../examples/hf_v5_sft_lora_3ep"
	mlflowRun  = "testdata/mlflow/mlruns/0/8c1b2a7e4f3d4e5b9a6c0d1e2f3a4b5c"
)

// trainResults is a train_results.json as Trainer.save_metrics writes it
// (json.dump(indent=4, sort_keys=True)), with the end-of-training values
// of the hf_v5_sft_lora_3ep example.
const trainResults = `{
    "epoch": 3.0,
    "total_flos": 2495176704000.0,
    "train_loss": 4.2917072273890176,
    "train_runtime": 65.0238,
    "train_samples_per_second": 46.137,
    "train_steps_per_second": 11.534
}
`

// confCases lists the samples. Every registered format needs one.
func confCases(t testing.TB) []confCase {
	events := func(dir string) string {
		m, err := filepath.Glob(filepath.Join(dir, "runs", "events.out.tfevents.*"))
		if err != nil || len(m) != 1 {
			t.Fatalf("want one event file under %s/runs, got %v (%v)", dir, m, err)
		}
		return m[0]
	}
	return []confCase{
		{format: "hf-console", name: "console.log", file: overfitDir + "/console.log", lines: true, minEntries: 125},
		{format: "hf-console", name: "sft/console.log", file: sftDir + "/console.log", lines: true, minEntries: 751},
		{format: "hf-console", name: "train.log", lines: true, minEntries: 2, wantSyntax: true, data: []byte(
			"{'loss': 2.5, 'grad_norm': 1.5, 'learning_rate': 1e-05, 'epoch': 0.1}\n" +
				"{'loss': 2.25, 'grad_norm': 1.\n" +
				"{'loss': 2.0, 'grad_norm': 1.25, 'learning_rate': 1e-05, 'epoch': 0.3}\n")},
		{format: "trainer-state", name: "trainer_state.json", file: overfitDir + "/trainer_state.json", minEntries: 126},
		{format: "trainer-state", name: "checkpoint-250/trainer_state.json", file: sftDir + "/checkpoint-250/trainer_state.json", minEntries: 250},
		{format: "tensorboard", name: "runs/events.out.tfevents", file: events(overfitDir), minEntries: 100},
		{format: "tensorboard", name: "sft/runs/events.out.tfevents", file: events(sftDir), minEntries: 750},
		{format: "tensorboard", name: "events.out.tfevents.1700000000.host.4244.0", file: "testdata/tfevents/resumed/events.out.tfevents.1700000000.host.4244.0", minEntries: 1},
		{format: "llamafactory-jsonl", name: "trainer_log.jsonl", file: "testdata/json/lf-resumed.jsonl", lines: true, minEntries: 5},
		{format: "llamafactory-jsonl", name: "bad/trainer_log.jsonl", lines: true, minEntries: 2, wantSyntax: true, data: []byte(
			`{"current_steps": 10, "total_steps": 30, "loss": 2.203, "lr": 2.6e-05, "epoch": 0.33, "percentage": 33.33, "elapsed_time": "0:01:01", "remaining_time": "0:02:02"}` + "\n" +
				`{"current_steps": 20, "total_steps": 30, "loss": ` + "\n" +
				`{"current_steps": 30, "total_steps": 30, "loss": 1.904, "lr": 1.6e-05, "epoch": 1.0, "percentage": 100.0, "elapsed_time": "0:02:02", "remaining_time": "0:00:00"}` + "\n")},
		{format: "jsonl", name: "wandb-history.jsonl", file: "testdata/json/wandb-history.jsonl", lines: true, minEntries: 4},
		{format: "hf-results", name: "train_results.json", data: []byte(trainResults)},
		{format: "wandb-summary", name: "files/wandb-summary.json", file: "testdata/json/wandb-summary-crashed.json"},
		{format: "lightning-csv", name: "metrics.csv", file: "testdata/csv/lightning_header_rewrite.csv", lines: true, minEntries: 2},
		{format: "lightning-csv", name: "ragged/metrics.csv", file: "testdata/csv/lightning_ragged.csv", lines: true, minEntries: 1, wantSyntax: true},
		{format: "wandb-csv", name: "wandb_export.csv", file: "testdata/csv/wandb_export_chart.csv", lines: true, minEntries: 3},
		{format: "wandb-csv", name: "run_history.csv", file: "testdata/csv/run_history.csv", lines: true, minEntries: 3},
		// The text column "model" (gpt2) is reported once.
		{format: "csv", name: "generic_steps.csv", file: "testdata/csv/generic_steps.csv", lines: true, minEntries: 3, wantSyntax: true},
		{format: "mlflow", name: "mlruns/0/8c1b/metrics/loss", file: mlflowRun + "/metrics/loss", lines: true, minEntries: 3},
		{format: "mlflow", name: "mlruns/0/8c1b/metrics/rewards/chosen", file: mlflowRun + "/metrics/rewards/chosen", lines: true, minEntries: 1},
	}
}

func (c confCase) load(t testing.TB) []byte {
	t.Helper()
	if c.file == "" {
		return c.data
	}
	data, err := os.ReadFile(c.file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestConformanceCoversFormats fails when a registered format has no
// sample in the conformance table.
func TestConformanceCoversFormats(t *testing.T) {
	have := map[string]bool{}
	for _, c := range confCases(t) {
		if _, ok := trainlog.LookupFormat(c.format); !ok {
			t.Errorf("conformance case %s names format %q, which is not registered", c.name, c.format)
		}
		have[c.format] = true
	}
	fs := trainlog.Formats()
	if len(fs) == 0 {
		t.Fatal("no format is registered")
	}
	for _, f := range fs {
		if !have[f.Name] {
			t.Errorf("format %q has no conformance case: add a sample to confCases", f.Name)
		}
		if f.Description == "" || f.Detect == nil || f.NewReader == nil {
			t.Errorf("format %q lacks a Description, Detect or NewReader", f.Name)
		}
	}
}

// TestConformance checks the reader contract on each sample, read whole,
// read one byte at a time, and cut at half.
func TestConformance(t *testing.T) {
	for _, c := range confCases(t) {
		t.Run(c.format+"/"+c.name, func(t *testing.T) {
			data := c.load(t)
			head := data[:min(len(data), trainlog.SniffSize)]
			if f, ok := trainlog.Detect(c.name, head); !ok || f.Name != c.format {
				t.Fatalf("Detect(%q) = %q, %v; want %q", c.name, f.Name, ok, c.format)
			}
			rd, f, err := trainlog.Open(c.name, bytes.NewReader(data), trainlog.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if f.Name != c.format {
				t.Fatalf("Open picked %q, want %q", f.Name, c.format)
			}
			full := drain(t, rd)
			if err := rd.Err(); err != nil {
				t.Errorf("Err() = %v on good input", err)
			}
			st := checkRecords(t, c, full)
			if st.entries < c.minEntries {
				t.Errorf("%d entries, want at least %d", st.entries, c.minEntries)
			}
			if st.entries == 0 && st.metas == 0 {
				t.Errorf("no entry and no meta record from a good sample")
			}
			if c.wantSyntax && st.syntax == 0 {
				t.Errorf("a damaged sample yielded no *SyntaxError")
			}
			if !c.wantSyntax && st.syntax > 0 {
				t.Errorf("%d syntax errors in a clean sample", st.syntax)
			}

			// The same bytes in one-byte reads must give the same records.
			slow := drain(t, f.NewReader(c.name, iotest.OneByteReader(bytes.NewReader(data)), trainlog.Options{}))
			if i, diff := firstDiff(full, slow); diff != "" {
				t.Errorf("one-byte reads differ from one read at record %d: %s", i, diff)
			}

			checkTruncated(t, c, f, data, full)
		})
	}
}

// A recStats counts the records of a sample by type.
type recStats struct{ entries, metas, syntax int }

// checkRecords asserts the per-record contract and counts the records.
func checkRecords(t *testing.T, c confCase, recs []trainlog.Record) recStats {
	t.Helper()
	var st recStats
	var prev []*trainlog.Entry
	for i, rec := range recs {
		switch rec := rec.(type) {
		case *trainlog.Entry:
			st.entries++
			checkEntry(t, c, i, rec)
			for _, p := range prev {
				if sameEntry(p, rec) {
					t.Errorf("record %d: the same entry was returned twice: %s", i, describe(rec))
					break
				}
			}
			if len(prev) > 8 {
				prev = prev[1:]
			}
			prev = append(prev, rec)
		case *trainlog.Meta:
			st.metas++
			checkMeta(t, c, i, rec)
		case *trainlog.SyntaxError:
			st.syntax++
			checkSyntax(t, c.name, i, rec)
		default:
			t.Errorf("record %d: unexpected type %T", i, rec)
		}
	}
	return st
}

func checkEntry(t *testing.T, c confCase, i int, e *trainlog.Entry) {
	t.Helper()
	bad := func(format string, args ...any) {
		t.Errorf("record %d (%s): %s", i, describe(e), fmt.Sprintf(format, args...))
	}
	switch e.Kind {
	case trainlog.KindTrain, trainlog.KindEval, trainlog.KindSummary, trainlog.KindPredict:
	default:
		bad("Kind is %v, want train, eval, summary or predict", e.Kind)
	}
	// Only an end-of-training summary may lack a step: some formats do
	// not write one next to it and it is not a series point.
	if e.Step < -1 || (e.Step == -1 && e.Kind != trainlog.KindSummary) {
		bad("Step is %d, want >= 0", e.Step)
	}
	checkSource(t, c, fmt.Sprintf("record %d", i), e.Source)
	if len(e.Values) == 0 && e.Kind != trainlog.KindSummary {
		bad("no values")
	}
	for _, kv := range e.Values {
		if kv.Key == "" {
			bad("a value has an empty key")
		}
		switch trainlog.Canonical(e.Kind, kv.Key) {
		case "epoch", "step", "global_step":
			bad("key %q is a step or epoch, which belongs in Entry.Step or Entry.Epoch", kv.Key)
		}
		if kv.Digits <= 0 {
			bad("key %q has Digits %d, want > 0", kv.Key, kv.Digits)
		}
	}
	if !math.IsNaN(e.Epoch) && (e.Epoch < 0 || math.IsInf(e.Epoch, 0)) {
		bad("Epoch is %g", e.Epoch)
	}
}

func checkMeta(t *testing.T, c confCase, i int, m *trainlog.Meta) {
	t.Helper()
	set := 0
	var srcs []trainlog.Source
	if m.Geometry != nil {
		set++
		srcs = append(srcs, m.Geometry.Source)
		if m.Geometry.Key == "" {
			t.Errorf("record %d: geometry without a key", i)
		}
	}
	if m.Summary != nil {
		set++
		srcs = append(srcs, m.Summary.Source)
		if m.Summary.Key == "" {
			t.Errorf("record %d: summary without a key", i)
		}
	}
	if m.Info != nil {
		set++
		srcs = append(srcs, m.Info.Source)
		if m.Info.Key == "" {
			t.Errorf("record %d: info without a key", i)
		}
	}
	if m.Event != nil {
		set++
		if m.Event.Kind == "" || m.Event.Message == "" {
			t.Errorf("record %d: event without a kind or message: %+v", i, *m.Event)
		}
		srcs = append(srcs, m.Event.Sources...)
	}
	if set != 1 {
		t.Errorf("record %d: a Meta must have exactly one field set, has %d", i, set)
	}
	for _, s := range srcs {
		checkSource(t, c, fmt.Sprintf("record %d (%s)", i, describe(m)), s)
	}
}

// checkSource asserts that s names the sample and a position in it.
func checkSource(t *testing.T, c confCase, what string, s trainlog.Source) {
	t.Helper()
	switch {
	case s.IsZero():
		t.Errorf("%s: zero Source", what)
	case s.File != c.name:
		t.Errorf("%s: Source.File is %q, want the display name %q", what, s.File, c.name)
	case c.lines && s.Line <= 0:
		t.Errorf("%s: Source %q has no line in a line format", what, s)
	case !c.lines && s.Fragment() == "":
		t.Errorf("%s: Source %q has no fragment in a structured format", what, s)
	}
}

func checkSyntax(t *testing.T, name string, i int, e *trainlog.SyntaxError) {
	t.Helper()
	msg := e.Error()
	if e.File != name {
		t.Errorf("record %d: SyntaxError.File is %q, want %q (%s)", i, e.File, name, msg)
	}
	if !strings.HasPrefix(msg, name+":") && !strings.HasPrefix(msg, name+"#") {
		t.Errorf("record %d: syntax error %q does not start with %q", i, msg, name+":")
	}
	if e.Msg == "" {
		t.Errorf("record %d: syntax error without a message", i)
	}
}

// checkTruncated reads the first half of the sample: reading must not
// panic, and the entries wholly before the cut must be those of the full
// read.
func checkTruncated(t *testing.T, c confCase, f trainlog.Format, data []byte, full []trainlog.Record) {
	t.Helper()
	cut := data[:len(data)/2]
	var recs []trainlog.Record
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("panic on the input cut at byte %d: %v", len(cut), p)
			}
		}()
		rd := f.NewReader(c.name, bytes.NewReader(cut), trainlog.Options{})
		recs = drain(t, rd)
		err = rd.Err()
	}()
	if err != nil {
		t.Logf("cut at byte %d: Err() = %v", len(cut), err)
	}
	checkRecords(t, c, recs)

	// Entries that lie wholly before the cut: for a line format, those
	// before the line the cut falls in; for a structured one, all but
	// those of the last step read (a TensorBoard step group or an entry
	// whose context was cut).
	cutLine := bytes.Count(cut, []byte("\n")) + 1
	got := entries(recs)
	if !c.lines && len(got) > 0 {
		last := got[len(got)-1].Step
		for len(got) > 0 && got[len(got)-1].Step == last {
			got = got[:len(got)-1]
		}
	}
	if c.lines {
		kept := got[:0:0]
		for _, e := range got {
			if e.Source.Line < cutLine {
				kept = append(kept, e)
			}
		}
		got = kept
	}
	want := entries(full)
	if len(want) >= 8 && len(got) == 0 {
		t.Errorf("cut at byte %d: no entry before the cut out of %d", len(cut), len(want))
	}
	if len(got) > len(want) {
		t.Fatalf("cut at byte %d: %d entries before the cut, more than the %d of the full read", len(cut), len(got), len(want))
	}
	for i, e := range got {
		if !sameEntry(e, want[i]) {
			t.Errorf("cut at byte %d: entry %d differs from the full read:\n cut:  %s\n full: %s", len(cut), i, describe(e), describe(want[i]))
			return
		}
	}
}

func entries(recs []trainlog.Record) []*trainlog.Entry {
	var out []*trainlog.Entry
	for _, r := range recs {
		if e, ok := r.(*trainlog.Entry); ok {
			out = append(out, e)
		}
	}
	return out
}

// firstDiff returns the index and a description of the first record in
// which a and b differ, or "" when they are equal. NaN values compare
// equal to NaN.
func firstDiff(a, b []trainlog.Record) (int, string) {
	for i := 0; i < len(a) && i < len(b); i++ {
		if !sameRecord(a[i], b[i]) {
			return i, describe(a[i]) + " vs " + describe(b[i])
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b)), fmt.Sprintf("%d records vs %d", len(a), len(b))
	}
	return 0, ""
}

func sameRecord(a, b trainlog.Record) bool {
	if ea, ok := a.(*trainlog.Entry); ok {
		eb, ok := b.(*trainlog.Entry)
		return ok && sameEntry(ea, eb)
	}
	if sa, ok := a.(*trainlog.SyntaxError); ok {
		sb, ok := b.(*trainlog.SyntaxError)
		return ok && sa.Error() == sb.Error() && errors.Is(sa, sb.Err) == errors.Is(sb, sa.Err)
	}
	return reflect.DeepEqual(a, b)
}

// sameEntry reports whether two entries are equal, NaN equal to NaN.
func sameEntry(a, b *trainlog.Entry) bool {
	if a.Kind != b.Kind || a.Step != b.Step || a.StepInferred != b.StepInferred ||
		!sameFloat(a.Epoch, b.Epoch) || !sameFloat(a.Time, b.Time) ||
		a.Source != b.Source || a.Origin != b.Origin || len(a.Values) != len(b.Values) {
		return false
	}
	for i, kv := range a.Values {
		o := b.Values[i]
		if kv.Key != o.Key || kv.Digits != o.Digits || !sameFloat(kv.Value, o.Value) {
			return false
		}
	}
	return true
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// TestFormatsDocumented fails when a registered format has no section in
// docs/formats.md, so that the user's page cannot fall behind the code.
func TestFormatsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/formats.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range trainlog.Formats() {
		if !bytes.Contains(doc, []byte("\n## "+f.Name+"\n")) {
			t.Errorf("docs/formats.md has no section \"## %s\"", f.Name)
		}
		if !bytes.Contains(doc, []byte("[`"+f.Name+"`](#"+f.Name+")")) {
			t.Errorf("docs/formats.md: the table does not list %s", f.Name)
		}
	}
}
