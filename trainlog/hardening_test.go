package trainlog

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// readAllRecords reads every record of r.
func readAllRecords(t *testing.T, rd Reader) (entries []*Entry, errs []*SyntaxError) {
	t.Helper()
	for rd.Scan() {
		switch rec := rd.Record().(type) {
		case *Entry:
			entries = append(entries, rec)
		case *SyntaxError:
			errs = append(errs, rec)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	return entries, errs
}

// TestCSVWideKeepsCoreColumns: past csvMaxMetrics metric columns, the
// loss and eval-loss columns are read wherever they are, the first other
// columns fill the rest, and the header's line says how many were left.
func TestCSVWideKeepsCoreColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("step")
	for i := range 1500 {
		fmt.Fprintf(&b, ",m%d", i)
	}
	b.WriteString(",loss,eval_loss\n")
	for step := 1; step <= 3; step++ {
		fmt.Fprintf(&b, "%d%s,%g,%g\n", step, strings.Repeat(",0.5", 1500), 2.0/float64(step), 3.0/float64(step))
	}
	f, ok := LookupFormat("csv")
	if !ok {
		t.Fatal("no csv format")
	}
	entries, errs := readAllRecords(t, f.NewReader("wide.csv", strings.NewReader(b.String()), Options{}))
	if len(errs) != 1 || errs[0].Line != 1 || !strings.Contains(errs[0].Msg, "1502 metric columns: 1000 are read") || !strings.Contains(errs[0].Msg, "502 left out") {
		t.Fatalf("errors %v, want one at line 1 saying 1000 of 1502 columns are read", errs)
	}
	keys := map[string]int{}
	for _, e := range entries {
		for _, kv := range e.Values {
			keys[kv.Key]++
		}
	}
	if keys["loss"] != 3 || keys["eval_loss"] != 3 {
		t.Errorf("loss read %d times, eval_loss %d, want 3 each", keys["loss"], keys["eval_loss"])
	}
	if keys["m0"] != 3 || keys["m997"] != 3 || keys["m998"] != 0 || len(keys) != 1000 {
		t.Errorf("%d columns read (m0 %d, m997 %d, m998 %d), want 1000: loss, eval_loss and m0..m997", len(keys), keys["m0"], keys["m997"], keys["m998"])
	}
}

// TestBadSteps: a step that is not a whole number from 0 to 2^53 is
// reported at its source; the entry is kept without it.
func TestBadSteps(t *testing.T) {
	for _, step := range []string{"-1", "1e17", "2.5", "1e16"} {
		state := `{"log_history": [{"loss": 2.0, "step": ` + step + `}, {"loss": 1.5, "step": 2}], "max_steps": 2}`
		f, _ := LookupFormat("trainer-state")
		entries, errs := readAllRecords(t, f.NewReader("trainer_state.json", strings.NewReader(state), Options{}))
		if len(errs) != 1 || errs[0].Frag != "log_history[0]" || !strings.Contains(errs[0].Error(), "expected a whole step from 0 to 2^53") {
			t.Errorf("step %s: errors %v, want one at log_history[0]", step, errs)
		}
		if len(entries) != 2 || entries[0].Step != -1 {
			t.Errorf("step %s: entries %v, want 2, the first without a step", step, entries)
		}
		jl := `{"current_steps": ` + step + `, "total_steps": 2, "loss": 2.0}` + "\n" + `{"current_steps": 2, "total_steps": 2, "loss": 1.5}` + "\n"
		f, _ = LookupFormat("llamafactory-jsonl")
		_, errs = readAllRecords(t, f.NewReader("trainer_log.jsonl", strings.NewReader(jl), Options{}))
		if len(errs) != 1 || errs[0].Line != 1 {
			t.Errorf("trainer_log.jsonl step %s: errors %v, want one at line 1", step, errs)
		}
	}
}

// TestConsoleCutDictLive: a dict cut off at the end of a live input is
// not an error (the run is still writing it); at the end of a file it
// is, at its line, with ErrTruncated.
func TestConsoleCutDictLive(t *testing.T) {
	in := "{'loss': 1.0, 'grad_norm': 0.5, 'learning_rate': 0.001, 'epoch': 0.1}\n{'loss': 0.9, 'grad_n"
	f, _ := LookupFormat("hf-console")
	_, errs := readAllRecords(t, f.NewReader("train.log", strings.NewReader(in), Options{Live: true}))
	if len(errs) != 0 {
		t.Errorf("live: errors %v, want none", errs)
	}
	_, errs = readAllRecords(t, f.NewReader("train.log", strings.NewReader(in), Options{}))
	if len(errs) != 1 || errs[0].Line != 2 || !errors.Is(errs[0], ErrTruncated) {
		t.Errorf("file: errors %v, want one ErrTruncated at line 2", errs)
	}
}

// TestOwnOutput recognises plateau's outputs by their first bytes, and
// nothing else.
func TestOwnOutput(t *testing.T) {
	for _, c := range []struct {
		head string
		want string
	}{
		{"plateau: run: sft, 750 steps\n═══\n", "text output"},
		{"# plateau: run: sft, 750 steps\n\n- **Status**", "text output"},
		{"plateau compare: 2 runs aligned on samples seen\n", "text output"},
		{"plateau: watching output/\nALERT non-finite", "text output"},
		{"\ufeff{\n  \"schema\": \"plateau.report/v2\",\n  \"run\": {", "JSON output (plateau.report/v2)"},
		{"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"generator\" content=\"plateau\">", "HTML page"},
		{"{'loss': 1.0, 'epoch': 0.1}\n", ""},
		{"plateau reached at step 300, loss 0.5\n", ""},
		{"{\"schema\": \"wandb\", \"loss\": 1}\n", ""},
	} {
		got, ok := ownOutput([]byte(c.head))
		if got != c.want || ok != (c.want != "") {
			t.Errorf("ownOutput(%.40q) = %q, %v, want %q", c.head, got, ok, c.want)
		}
	}
}
