package verify

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// A file is a cited file, read once.
type file struct {
	name   string // as cited
	format string // as the report names it
	data   []byte
	lines  []string
	json   any // the parsed JSON document, for #fragments
	jerr   error
	parsed bool
	recs   map[int32]*trainlog.Entry // TensorBoard records by index
	con    *console
	csv    *csvFile // a CSV file's header and rows, parsed once
}

// csvFile is a CSV file parsed once for all its citations: a wide file
// (thousands of columns) cited thousands of times is split once, and each
// citation looks up only its metric's and the step's columns.
type csvFile struct {
	head  []string         // trimmed column names; nil when the header is unreadable
	rows  map[int][]string // line number -> fields, parsed on first use
	names map[string][]int // a name sameName matches -> the columns it names
	steps []int            // the columns stepOf reads
}

func (v *verifier) open(name string) (*file, error) {
	if f, ok := v.files[name]; ok {
		return f, nil
	}
	path := filepath.Join(v.base, filepath.FromSlash(name))
	if p, ok := v.disk[name]; ok {
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the cited file: %v", err)
	}
	f := &file{name: name, format: v.formats[name], data: data}
	v.files[name] = f
	return f, nil
}

// line returns line n (1-based, counting '\n' as grep -n does).
func (f *file) line(n int) (string, bool) {
	if f.lines == nil {
		s := string(f.data)
		s = strings.TrimSuffix(s, "\n")
		f.lines = strings.Split(s, "\n")
	}
	if n < 1 || n > len(f.lines) {
		return "", false
	}
	return f.lines[n-1], true
}

// doc parses the file as a JSON document; Python's bare NaN and
// Infinity are read as strings "NaN", "Infinity", "-Infinity".
func (f *file) doc() (any, error) {
	if !f.parsed {
		f.parsed = true
		dec := json.NewDecoder(bytes.NewReader(pyJSON(f.data)))
		dec.UseNumber()
		f.jerr = dec.Decode(&f.json)
	}
	return f.json, f.jerr
}

// pyJSON quotes the bare NaN, Infinity and -Infinity tokens Python's
// json.dump writes, outside strings.
func pyJSON(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	var out bytes.Buffer
	in := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case in && c == '\\' && i+1 < len(b):
			out.WriteByte(c)
			i++
			out.WriteByte(b[i])
			continue
		case c == '"':
			in = !in
		case !in:
			for _, w := range []string{"-Infinity", "Infinity", "NaN"} {
				if bytes.HasPrefix(b[i:], []byte(w)) {
					out.WriteString(`"` + w + `"`)
					i += len(w) - 1
					c = 0
					break
				}
			}
			if c == 0 {
				continue
			}
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// jsonToken turns a JSON scalar into a printed number.
func jsonToken(x any) (token, bool) {
	switch x := x.(type) {
	case json.Number:
		return parseToken(string(x))
	case string:
		return parseToken(x) // v5 consoles' quoted numbers, NaN
	case bool:
		if x {
			return token{v: 1, text: "true"}, true
		}
		return token{v: 0, text: "false"}, true
	}
	return token{}, false
}

// entryTokens returns the numbers of a JSON object under keys naming
// metric, or (keyed false) all of its numbers when none does.
func entryTokens(m map[string]any, metric string) (toks []token, keyed bool) {
	if metric != "" {
		for k, x := range m {
			if sameName(k, metric) {
				if t, ok := jsonToken(x); ok {
					toks = append(toks, t)
				}
				keyed = true
			}
		}
		if keyed {
			return toks, true
		}
	}
	for _, x := range m {
		if t, ok := jsonToken(x); ok {
			toks = append(toks, t)
		}
	}
	return toks, false
}

// stepKeys are the keys an entry states its step under, by preference.
var stepKeys = []string{"step", "global_step", "current_steps", "train/global_step", "iteration", "Step"}

// stepOf returns the step an entry states, or -1. A stated step the
// readers refuse (negative, fractional, beyond 2^53) states none: the
// report estimates that entry's step from its place in the log.
func stepOf(m map[string]any) int64 {
	for _, k := range stepKeys {
		if t, ok := jsonToken(m[k]); ok && t.v == math.Trunc(t.v) && t.v >= 0 && t.v <= 1<<53 {
			return int64(t.v)
		}
	}
	// ms-swift's logging.jsonl: "global_step/max_steps": "12/300".
	if s, ok := m["global_step/max_steps"].(string); ok {
		if a, _, found := strings.Cut(s, "/"); found {
			if n, err := strconv.ParseInt(a, 10, 64); err == nil && n >= 0 && n <= 1<<53 {
				return n
			}
		}
	}
	return -1
}

// records returns the TensorBoard records of f by index, read with the
// tfevents reader.
func (f *file) records() (map[int32]*trainlog.Entry, error) {
	if f.recs != nil {
		return f.recs, nil
	}
	r, _, err := trainlog.Open(f.name, bytes.NewReader(f.data), trainlog.Options{})
	if err != nil {
		return nil, err
	}
	f.recs = map[int32]*trainlog.Entry{}
	for r.Scan() {
		if e, ok := r.Record().(*trainlog.Entry); ok && e.Source.Array == trainlog.TFRecord {
			if old := f.recs[e.Source.Index]; old != nil {
				old.Values = append(old.Values, e.Values...) // several entries of one record
				continue
			}
			c := *e
			c.Values = append([]trainlog.KV(nil), e.Values...)
			f.recs[e.Source.Index] = &c
		}
	}
	return f.recs, r.Err()
}

// csvRow returns line n of a CSV file as a map from its header, or nil:
// the columns naming metric and the step's columns when some column names
// metric, else every column.
func (f *file) csvRow(n int, metric string) map[string]any {
	if f.csv == nil {
		f.csv = &csvFile{rows: map[int][]string{}}
		if head, ok := f.line(1); ok {
			if hs, err := csv.NewReader(strings.NewReader(head)).Read(); err == nil {
				for i := range hs {
					hs[i] = strings.TrimSpace(hs[i])
				}
				f.csv.head = hs
			}
		}
	}
	c := f.csv
	if c.head == nil || n < 2 {
		return nil
	}
	cs, ok := c.rows[n]
	if !ok {
		row, ok := f.line(n)
		if !ok {
			return nil
		}
		cs, _ = csv.NewReader(strings.NewReader(row)).Read()
		c.rows[n] = cs // nil when the row is unreadable
	}
	if cs == nil {
		return nil
	}
	if c.names == nil {
		// Each column under every name sameName gives it, once.
		c.names = map[string][]int{}
		for i, h := range c.head {
			if slices.Contains(stepKeys, h) {
				c.steps = append(c.steps, i)
			}
			for _, name := range []string{h, trainlog.Canonical(trainlog.KindTrain, h), trainlog.Canonical(trainlog.KindEval, h), trainlog.Canonical(trainlog.KindSummary, h)} {
				if cols := c.names[name]; len(cols) == 0 || cols[len(cols)-1] != i {
					c.names[name] = append(cols, i)
				}
			}
		}
	}
	var cols []int
	if metric != "" {
		cols = append(slices.Clip(c.names[metric]), c.steps...) // the step's columns come along for stepOf
	}
	m := map[string]any{}
	add := func(i int) bool {
		if i < len(cs) && strings.TrimSpace(cs[i]) != "" {
			m[c.head[i]] = json.Number(strings.TrimSpace(cs[i]))
			return true
		}
		return false
	}
	keyed := false // some column naming the metric holds a value
	for _, i := range cols {
		if add(i) && sameName(c.head[i], metric) {
			keyed = true
		}
	}
	if !keyed {
		for i := range c.head {
			add(i)
		}
	}
	return m
}

// mlflowStep returns the step of line n of an MLflow metric file
// ("timestamp value step"), or -1.
func (f *file) mlflowStep(n int) int64 {
	s, ok := f.line(n)
	if !ok {
		return -1
	}
	fs := strings.Fields(s)
	if len(fs) < 3 {
		return -1
	}
	st, err := strconv.ParseInt(fs[2], 10, 64)
	if err != nil {
		return -1
	}
	return st
}
