package verify

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// checkLine checks a file:line citation.
func (v *verifier) checkLine(c analysis.Citation, f *file, n int) (string, string, bool) {
	text, ok := f.line(n)
	if !ok {
		f.line(1)
		return fmt.Sprintf("line %d is beyond the end of %s (%d lines)", n, f.name, len(f.lines)), "", false
	}
	var row map[string]any
	switch {
	case strings.Contains(f.format, "csv"):
		row = f.csvRow(n, c.Metric)
	case f.format != "hf-console" && strings.HasPrefix(strings.TrimSpace(text), "{"):
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(string(pyJSON([]byte(text)))))
		dec.UseNumber()
		if dec.Decode(&m) == nil {
			row = m
		}
	}
	if claims, desc := want(c); claims {
		var toks []token
		if row != nil {
			var keyed bool
			toks, keyed = entryTokens(row, c.Metric)
			if !keyed {
				toks = append(toks, lineTokens(text)...)
			}
		} else {
			for _, p := range keyValues(text) {
				if c.Metric != "" && sameName(p.key, c.Metric) {
					toks = append(toks, p.tok)
				}
			}
			if len(toks) == 0 {
				toks = lineTokens(text)
				if hasNonFinite(text) {
					toks = append(toks, token{v: nan(), text: "nan"})
				}
			}
		}
		if !anyMatch(c.Value, toks) {
			return fmt.Sprintf("%s is not on line %d%s", desc, n, tokensSaid(toks, c.Metric)), text, false
		}
	}
	if c.Step < 0 || c.Kind == analysis.CiteDerived {
		return "", text, true
	}
	switch {
	case row != nil:
		if st := stepOf(row); st >= 0 && st != c.Step {
			return fmt.Sprintf("cited for step %d, but line %d is step %d", c.Step, n, st), text, false
		}
	case f.format == "mlflow":
		if st := f.mlflowStep(n); st >= 0 && st != c.Step {
			return fmt.Sprintf("cited for step %d, but line %d is step %d", c.Step, n, st), text, false
		}
	case f.format == "hf-console":
		if why, ok := v.consoleStep(c, f, n); !ok {
			return why, text, false
		}
	default:
		if st := statedStep(text); st >= 0 && st != c.Step {
			return fmt.Sprintf("cited for step %d, but line %d says step %d", c.Step, n, st), text, false
		}
	}
	return "", text, true
}

// tokensSaid describes what a line holds instead.
func tokensSaid(toks []token, metric string) string {
	if len(toks) == 0 {
		return " (it holds no number)"
	}
	var ts []string
	for i, t := range toks {
		if i == 4 {
			ts = append(ts, "...")
			break
		}
		ts = append(ts, t.text)
	}
	what := "numbers"
	if metric != "" {
		what = "its " + metric
	}
	return " (" + what + ": " + strings.Join(ts, ", ") + ")"
}

// checkHistory checks a file#log_history[i] citation.
func (v *verifier) checkHistory(c analysis.Citation, f *file, frag string) (string, string, bool) {
	i, ok := index(frag, "log_history")
	if !ok {
		return "bad fragment " + frag, "", false
	}
	d, err := f.doc()
	if err != nil {
		return fmt.Sprintf("%s is not JSON: %v", f.name, err), "", false
	}
	obj, _ := d.(map[string]any)
	hist, _ := obj["log_history"].([]any)
	if i >= len(hist) {
		return fmt.Sprintf("log_history has %d entries, no [%d]", len(hist), i), "", false
	}
	e, _ := hist[i].(map[string]any)
	text := compact(e)
	return v.checkEntry(c, e, text, frag)
}

// checkEntry checks the value and the step of a JSON entry.
func (v *verifier) checkEntry(c analysis.Citation, e map[string]any, text, label string) (string, string, bool) {
	if claims, desc := want(c); claims {
		toks, keyed := entryTokens(e, c.Metric)
		if !anyMatch(c.Value, toks) {
			if keyed {
				return fmt.Sprintf("%s is not in %s%s", desc, label, tokensSaid(toks, c.Metric)), text, false
			}
			return fmt.Sprintf("%s is not in %s (no key for it, and no number matches)", desc, label), text, false
		}
	}
	if c.Step >= 0 {
		if st := stepOf(e); st >= 0 && st != c.Step {
			return fmt.Sprintf("cited for step %d, but %s is step %d", c.Step, label, st), text, false
		}
	}
	return "", text, true
}

// checkRecord checks a file#record[i] citation of a TensorBoard file.
func (v *verifier) checkRecord(c analysis.Citation, f *file, frag string) (string, string, bool) {
	i, ok := index(frag, "record")
	if !ok {
		return "bad fragment " + frag, "", false
	}
	recs, err := f.records()
	if err != nil && recs == nil {
		return fmt.Sprintf("%s cannot be read: %v", f.name, err), "", false
	}
	e := recs[int32(i)]
	if e == nil {
		return fmt.Sprintf("%s has no scalar record [%d]", f.name, i), "", false
	}
	m := map[string]any{}
	var parts []string
	for _, kv := range e.Values {
		m[kv.Key] = json.Number(strconv.FormatFloat(kv.Value, 'g', -1, 64))
		parts = append(parts, kv.Key+"="+strconv.FormatFloat(kv.Value, 'g', -1, 64))
	}
	text := fmt.Sprintf("step %d: %s", e.Step, strings.Join(parts, ", "))
	if claims, desc := want(c); claims {
		toks, keyed := entryTokens(m, c.Metric)
		if !anyMatch(c.Value, toks) || !keyed && c.Metric != "" {
			return fmt.Sprintf("%s is not in %s%s", desc, frag, tokensSaid(toks, c.Metric)), text, false
		}
	}
	if c.Step >= 0 && e.Step != c.Step {
		return fmt.Sprintf("cited for step %d, but %s is step %d", c.Step, frag, e.Step), text, false
	}
	return "", text, true
}

// checkKey checks a file#key citation of a JSON file: a top-level key,
// or a dotted path into it.
func (v *verifier) checkKey(c analysis.Citation, f *file, frag string) (string, string, bool) {
	d, err := f.doc()
	if err != nil {
		return fmt.Sprintf("%s is not JSON: %v", f.name, err), "", false
	}
	node, ok := lookup(d, frag)
	if !ok {
		return "no key " + frag + " in " + f.name, "", false
	}
	text := frag + ": " + compact(node)
	if claims, desc := want(c); claims {
		t, ok := jsonToken(node)
		if !ok || !matches(c.Value, t) {
			return fmt.Sprintf("%s is not at %s (it holds %s)", desc, frag, compact(node)), text, false
		}
	}
	return "", text, true
}

// lookup finds a key of a JSON document: the whole fragment as a
// top-level key, else a dotted path.
func lookup(d any, frag string) (any, bool) {
	if m, ok := d.(map[string]any); ok {
		if x, ok := m[frag]; ok {
			return x, true
		}
	}
	node := d
	for _, part := range strings.Split(frag, ".") {
		switch n := node.(type) {
		case map[string]any:
			x, ok := n[part]
			if !ok {
				return nil, false
			}
			node = x
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

// index parses "name[i]".
func index(frag, name string) (int, bool) {
	s, ok := strings.CutPrefix(frag, name+"[")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(s)
	return i, err == nil && i >= 0
}

func compact(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return excerpt(string(b), "")
}

func nan() float64 { return math.NaN() }
