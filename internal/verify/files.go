package verify

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
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

// stepOf returns the step an entry states, or -1.
func stepOf(m map[string]any) int64 {
	for _, k := range []string{"step", "global_step", "current_steps", "train/global_step", "iteration", "Step"} {
		if t, ok := jsonToken(m[k]); ok && t.v == math.Trunc(t.v) {
			return int64(t.v)
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

// csvRow returns line n of a CSV file as a map from its header, or nil.
func (f *file) csvRow(n int) map[string]any {
	head, ok := f.line(1)
	if !ok || n < 2 {
		return nil
	}
	row, ok := f.line(n)
	if !ok {
		return nil
	}
	hs, err := csv.NewReader(strings.NewReader(head)).Read()
	if err != nil {
		return nil
	}
	cs, err := csv.NewReader(strings.NewReader(row)).Read()
	if err != nil {
		return nil
	}
	m := map[string]any{}
	for i, h := range hs {
		if i < len(cs) && strings.TrimSpace(cs[i]) != "" {
			m[strings.TrimSpace(h)] = json.Number(strings.TrimSpace(cs[i]))
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
