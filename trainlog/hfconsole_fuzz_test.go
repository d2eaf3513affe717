package trainlog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConsoleReader feeds arbitrary bytes to the console reader, seeded
// with the snippets in testdata/console. Reading must not panic, must end,
// and every record must be well formed.
func FuzzConsoleReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/console/*.log")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"{'loss': '6.284', 'grad_norm': '4.349', 'learning_rate': '0.001', 'epoch': '0.004'}\n",
		"\r  0%|          | 1/750 [00:00<07:51,  1.59it/s][Step 1/750] epoch=0.00 loss=6.2837 lr=1.00e-03 grad_norm=4.349\n",
		"\r                                     \r\x1b[A{'eval_loss': '5.992', 'epoch': '1'}\n",
		"{'train_runtime': 1.0, 'train_loss': 2.0, 'epoch': 3.0}",
		"Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyboardInterrupt\n",
		"{'loss': np.float64(0.5), 'r': tensor(0.7500, device='cuda:0'), 'x': None, 'epoch': 1}",
		"{'loss': 0.9, 'ep",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, par := range []int{1, 2} {
			old, oldMin := hcParallel, hcParallelMin
			hcParallel, hcParallelMin = par, int64(len(data)/3)
			r := newConsoleReader("fuzz.log", bytes.NewReader(data))
			n := 0
			for r.Scan() {
				n++
				if n > 4*len(data)+100 {
					t.Fatal("too many records")
				}
				hcCheckRecord(t, r.Record(), lines)
			}
			hcParallel, hcParallelMin = old, oldMin
			if r.Err() != nil {
				t.Fatalf("Err() = %v on an in-memory input", r.Err())
			}
			if r.Scan() {
				t.Fatal("Scan returned true after the end")
			}
		}
	})
}

func hcCheckRecord(t *testing.T, rec Record, lines int) {
	checkSrc := func(s Source) {
		if s.File != "fuzz.log" || s.Line < 1 || s.Line > lines {
			t.Fatalf("bad source %+v (input has %d lines)", s, lines)
		}
	}
	switch r := rec.(type) {
	case *Entry:
		checkSrc(r.Source)
		if r.Step < -1 || (r.Step < 0 && r.Kind != KindSummary) {
			t.Fatalf("step %d in %+v", r.Step, *r)
		}
		if len(r.Values) == 0 {
			t.Fatalf("entry without values: %+v", *r)
		}
		for _, kv := range r.Values {
			if kv.Key == "" || kv.Digits <= 0 || kv.Key == "epoch" {
				t.Fatalf("bad value %+v", kv)
			}
		}
	case *Meta:
		switch {
		case r.Geometry != nil:
			checkSrc(r.Geometry.Source)
		case r.Summary != nil:
			checkSrc(r.Summary.Source)
		case r.Info != nil:
			checkSrc(r.Info.Source)
		case r.Event != nil:
			if r.Event.Message == "" {
				t.Fatal("event without message")
			}
			for _, s := range r.Event.Sources {
				checkSrc(s)
			}
		default:
			t.Fatal("empty meta")
		}
	case *SyntaxError:
		if r.Line < 1 || r.Line > lines || r.Msg == "" {
			t.Fatalf("bad syntax error %+v", *r)
		}
	default:
		t.Fatalf("record of type %T", rec)
	}
}

// FuzzPyDict checks that the dict parser never reads out of bounds and
// reports an end inside its input.
func FuzzPyDict(f *testing.F) {
	for _, s := range []string{
		"{'loss': '6.284', 'epoch': '0.004'}",
		"{'a': {'b': [1, (2, 3)]}, 'c': <obj at 0x1>, \"d\": 'e\\'f', 'g': -inf, 'h': 1e-05,}",
		"{'x': tensor(0.5, device='cuda:0'), 'y': np.float64(nan)}",
		"{'x' 1}", "{", "{'", "{'a': '", "{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '{' {
			data = append([]byte{'{'}, data...)
		}
		items, end, st, _ := pdDict(data, nil)
		if st == pdOK && (end <= 0 || end > len(data) || data[end-1] != '}') {
			t.Fatalf("end %d for %q", end, data)
		}
		for _, it := range items {
			if it.kind == pdQuoted || it.kind == pdNumber {
				var n pdNum
				if it.kind == pdQuoted && !pdParseNumberTo(it.text, &n) {
					t.Fatalf("quoted number %q does not parse again", it.text)
				}
			}
		}
		if e := pdSpanEnd(data); e > len(data) {
			t.Fatalf("span end %d beyond %d", e, len(data))
		}
	})
}
