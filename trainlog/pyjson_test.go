package trainlog

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/plateau-dev/plateau/internal/testcorpus"
)

// jsonCorpusDir returns ../shared/corpus next to the repository root. It
// skips the test when the folder is absent, and fails when PLATEAU_CORPUS
// is set, which says the corpus must be there.
func jsonCorpusDir(t testing.TB) string {
	t.Helper()
	return testcorpus.Dir(t)
}

// jsonRecords is a drained reader, split by record type.
type jsonRecords struct {
	Entries []*Entry
	Metas   []*Meta
	Errors  []*SyntaxError
	Err     error
}

// geometry returns the last geometry value with key.
func (rs *jsonRecords) geometry(key string) (Value, bool) {
	var v Value
	ok := false
	for _, m := range rs.Metas {
		if m.Geometry != nil && m.Geometry.Key == key {
			v, ok = *m.Geometry, true
		}
	}
	return v, ok
}

// info returns the last info text with key.
func (rs *jsonRecords) info(key string) (Text, bool) {
	var v Text
	ok := false
	for _, m := range rs.Metas {
		if m.Info != nil && m.Info.Key == key {
			v, ok = *m.Info, true
		}
	}
	return v, ok
}

// summary returns the last summary meta value whose key as written is
// key.
func (rs *jsonRecords) summary(key string) (Value, bool) {
	var v Value
	ok := false
	for _, m := range rs.Metas {
		if m.Summary != nil && m.Summary.Key == key {
			v, ok = *m.Summary, true
		}
	}
	return v, ok
}

// kinds counts the entries per kind.
func (rs *jsonRecords) kinds() map[Kind]int {
	n := map[Kind]int{}
	for _, e := range rs.Entries {
		n[e.Kind]++
	}
	return n
}

// jsonDrain reads data with the named format and returns what came out.
func jsonDrain(t testing.TB, format, name string, data []byte, opts Options) *jsonRecords {
	t.Helper()
	f, ok := LookupFormat(format)
	if !ok {
		t.Fatalf("format %q is not registered", format)
	}
	return jsonDrainReader(f.NewReader(name, bytes.NewReader(data), opts))
}

func jsonDrainReader(r Reader) *jsonRecords {
	rs := &jsonRecords{}
	for r.Scan() {
		switch rec := r.Record().(type) {
		case *Entry:
			rs.Entries = append(rs.Entries, rec)
		case *Meta:
			rs.Metas = append(rs.Metas, rec)
		case *SyntaxError:
			rs.Errors = append(rs.Errors, rec)
		}
	}
	rs.Err = r.Err()
	return rs
}

// jsonFormats are the formats of this package's JSON readers.
var jsonFormats = []string{"trainer-state", "llamafactory-jsonl", "jsonl", "hf-results", "wandb-summary"}

func TestJSONLexerTokens(t *testing.T) {
	in := "{\"a\": [1, -2.5e-3, NaN, Infinity, -Infinity, true, false, null],\n \"b\\n\\u00e9\\ud83d\\ude00\": \"x\\\"y\"}"
	lx := newJSONLexer(iotest.OneByteReader(strings.NewReader(in)))
	want := []jsonTok{jtObjectStart, jtString, jtColon, jtArrayStart, jtNumber, jtComma, jtNumber, jtComma,
		jtNumber, jtComma, jtNumber, jtComma, jtNumber, jtComma, jtTrue, jtComma, jtFalse, jtComma, jtNull,
		jtArrayEnd, jtComma, jtString, jtColon, jtString, jtObjectEnd, jtEOF}
	var nums []float64
	var strs []string
	for i, w := range want {
		got := lx.next()
		if got != w {
			t.Fatalf("token %d: got %v, want %v (err %+v)", i, got, w, lx.err)
		}
		switch got {
		case jtNumber:
			nums = append(nums, lx.num)
		case jtString:
			strs = append(strs, string(lx.str))
		}
	}
	if nums[0] != 1 || nums[1] != -2.5e-3 || !math.IsNaN(nums[2]) || !math.IsInf(nums[3], 1) || !math.IsInf(nums[4], -1) {
		t.Errorf("numbers = %v", nums)
	}
	if want := []string{"a", "b\né😀", "x\"y"}; strings.Join(strs, "|") != strings.Join(want, "|") {
		t.Errorf("strings = %q, want %q", strs, want)
	}
	if lx.line != 2 {
		t.Errorf("line = %d, want 2", lx.line)
	}
}

func TestJSONLexerErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		line, col int
		msg       string
		truncated bool
	}{
		{"bad word", "{\n  \"a\": 1,\n  \"b\": tru\n}", 3, 8, `unexpected word "tru"`, false},
		{"missing colon", "{\"a\" 1}", 1, 6, "expected ':' after key \"a\", found a number", false},
		{"missing comma", "{\"a\": 1\n \"b\": 2}", 2, 2, "expected ',' or '}' after the value of \"a\"", false},
		{"leading zero", "{\"a\": 01}", 1, 7, `invalid number "01"`, false},
		{"invalid utf8", "{\"a\": \"\xff\xfe\"}", 1, 7, "invalid UTF-8 inside a string", false},
		{"utf8 outside string", "{\xc3\xa9}", 1, 2, "unexpected character 'é'", false},
		{"newline in string", "{\"a\": \"x\ny\"}", 1, 7, "newline inside a string", false},
		{"bad escape", `{"a": "\q"}`, 1, 7, `invalid escape \q`, false},
		{"truncated object", "{\n\"a\": 1,\n", 3, 1, "unexpected end of input: expected a string key (the file is truncated)", true},
		{"truncated string", "{\"a\": \"abc", 1, 7, "unexpected end of input inside a string", true},
		{"truncated word", "{\"a\": Na", 1, 7, `unexpected end of input in "Na"`, true},
		{"truncated number", "{\"a\": 1.", 1, 7, `unexpected end of input in number "1."`, true},
		{"deep", strings.Repeat("[", 2000), 1, jsonMaxDepth + 1, "nested more than", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lx := newJSONBytesLexer([]byte(tt.in), 1)
			lx.next()
			if lx.tok == jtObjectStart {
				lx.readObject(2)
			} else {
				lx.skipValue()
			}
			if lx.err == nil {
				t.Fatalf("no error for %q", tt.in)
			}
			e := lx.err
			if e.Line != tt.line || e.Col != tt.col || !strings.Contains(e.Msg, tt.msg) || e.Truncated != tt.truncated {
				t.Errorf("error = %+v, want line %d col %d containing %q truncated %v", *e, tt.line, tt.col, tt.msg, tt.truncated)
			}
			se := lx.syntaxError("f.json", "")
			if se.Line != tt.line || errors.Is(se, ErrTruncated) != tt.truncated {
				t.Errorf("SyntaxError = %v (cause %v)", se, se.Err)
			}
		})
	}
}

func TestJSONNumberGrammar(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "12.5", "2e-05", "9.774074342405685e-06", "2.0772363998572052e+18", "526222110720000.0", "1E3"} {
		if !validJSONNumber([]byte(s)) {
			t.Errorf("validJSONNumber(%q) = false", s)
		}
	}
	for _, s := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1-2", "--1", "1.2.3"} {
		if validJSONNumber([]byte(s)) {
			t.Errorf("validJSONNumber(%q) = true", s)
		}
	}
}

// TestJSONDetectOthers checks that valid JSON files of other kinds, and
// empty or blank input, are claimed by none of the JSON formats.
func TestJSONDetectOthers(t *testing.T) {
	files, err := filepath.Glob("../examples/*/checkpoint-*/*config.json")
	if err != nil || len(files) < 6 {
		t.Fatalf("found %d config files in ../examples (%v)", len(files), err)
	}
	inputs := map[string][]byte{
		"empty.json":          {},
		"blank.jsonl":         []byte("\n\n  \n"),
		"array.json":          []byte("[1, 2, 3]\n"),
		"string.json":         []byte(`"log_history"`),
		"config-compact.json": []byte(`{"hidden_size": 64, "model_type": "qwen2", "num_hidden_layers": 2}` + "\n"),
		"strings.jsonl":       []byte("{\"a\": \"x\"}\n{\"a\": \"y\"}\n"),
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = data
	}
	for name, data := range inputs {
		for _, format := range jsonFormats {
			f, _ := LookupFormat(format)
			if got := f.Detect(name, data); got != 0 {
				t.Errorf("%s.Detect(%s) = %d, want 0", format, name, got)
			}
		}
	}
}

// TestJSONBadInput feeds each reader inputs that are not what it expects
// and checks for clear errors and no panic.
func TestJSONBadInput(t *testing.T) {
	inputs := []struct {
		name string
		data string
		want string // a substring of the first error
	}{
		{"empty", "", "empty file"},
		{"garbage", "not json at all\n", "unexpected word \"not\""},
		{"binary", "\x00\x01\x02\xff\xfe", "unexpected character"},
		{"invalid utf8", "{\"loss\": \"\xff\"}\n", "invalid UTF-8"},
		{"array", "[1, 2]\n", "expected '{'"},
	}
	for _, format := range jsonFormats {
		for _, in := range inputs {
			t.Run(format+"/"+in.name, func(t *testing.T) {
				rs := jsonDrain(t, format, "bad.json", []byte(in.data), Options{})
				if len(rs.Entries) != 0 {
					t.Errorf("got %d entries from bad input", len(rs.Entries))
				}
				if format == "jsonl" || format == "llamafactory-jsonl" {
					if in.name == "empty" {
						// An empty JSONL file is an empty log, not an error.
						if len(rs.Errors) != 0 {
							t.Errorf("errors = %v", rs.Errors)
						}
						return
					}
				}
				if len(rs.Errors) == 0 {
					t.Fatal("no syntax error")
				}
				if e := rs.Errors[0]; !strings.Contains(e.Msg, in.want) || e.File != "bad.json" {
					t.Errorf("error = %v, want it to contain %q", e, in.want)
				}
			})
		}
	}
}

// TestJSONOpen reads one file of each format through Open, which sniffs
// the content.
func TestJSONOpen(t *testing.T) {
	corpus := jsonCorpusDir(t)
	tests := []struct {
		path, format string
		entries      int
	}{
		{"../examples/hf_v5_sft_lora_3ep/trainer_state.json", "trainer-state", 751},
		{"../examples/hf_v5_sft_lora_3ep/checkpoint-250/trainer_state.json", "trainer-state", 250},
		{filepath.Join(corpus, "hf-adu3110-24000entries/trainer_state.json"), "trainer-state", 24000},
		{filepath.Join(corpus, "lf-nsllm-pair/trainer_log.jsonl"), "llamafactory-jsonl", 435},
		{filepath.Join(corpus, "lf-nsllm-pair/train_results.json"), "hf-results", 0},
		{filepath.Join(corpus, "wandb-summary-military-sllm/wandb-summary.json"), "wandb-summary", 0},
		{"testdata/json/wandb-history.jsonl", "jsonl", 4},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(filepath.Dir(tt.path)), func(t *testing.T) {
			f, err := os.Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, format, err := Open(tt.path, f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if format.Name != tt.format {
				t.Errorf("format = %s, want %s", format.Name, tt.format)
			}
			rs := jsonDrainReader(r)
			if len(rs.Entries) != tt.entries || len(rs.Errors) != 0 || rs.Err != nil || (len(rs.Metas) == 0) != (tt.format == "jsonl") {
				t.Errorf("%d entries (want %d), %d metas, errors %v %v", len(rs.Entries), tt.entries, len(rs.Metas), rs.Errors, rs.Err)
			}
		})
	}
}

// TestJSONReadError checks that an I/O error stops reading, is returned
// by Err, and is not reported as a truncated file.
func TestJSONReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	state, err := os.ReadFile("../examples/hf_v5_overfit_eval/trainer_state.json")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := os.ReadFile("testdata/json/lf-resumed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		format  string
		data    []byte
		entries int
	}{
		{"trainer-state", state[:3000], 15},
		{"llamafactory-jsonl", lines[:400], 2},
		{"hf-results", []byte("{\n    \"epoch\": 1.0,\n    \"eval_loss\": 1."), 0},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			f, _ := LookupFormat(tt.format)
			r := f.NewReader("x", io.MultiReader(bytes.NewReader(tt.data), iotest.ErrReader(boom)), Options{})
			rs := jsonDrainReader(r)
			if !errors.Is(rs.Err, boom) || len(rs.Errors) != 0 || len(rs.Entries) != tt.entries {
				t.Errorf("Err = %v, %d entries (want %d), errors %v", rs.Err, len(rs.Entries), tt.entries, rs.Errors)
			}
		})
	}
}
