package trainlog

// Generic CSV of metrics (format "csv").
//
// Grammar, as for any RFC 4180 file:
//
//	file    = header row* ;
//	header  = name ("," name)* NL ;       names are not numbers
//	row     = cell ("," cell)* NL ;       as many cells as the header
//	cell    = "" | number | text ;        "" and None/null mean "not logged"
//	number  = strconv.ParseFloat syntax | nan | inf | -inf ;
//
// Fields may be quoted ("a,b" or "two\nlines"), so one row may span
// several lines; a row's line is the line where it starts. The step is
// the column named by Options.StepColumn (plateau's --step), or else the
// first column named step, global_step, Step, _step, iteration, iter or
// steps; without one, the step is the row's ordinal (StepInferred). A
// column named epoch gives Entry.Epoch, and one named time, timestamp,
// wall_time, "Wall time", _timestamp or _runtime gives Entry.Time. A
// TensorBoard "Download CSV" file (Wall time,Step,Value) names its value
// after the file, run-<run>-tag-<tag>.csv giving <tag>. Options.Metrics
// (--metric NAME=COLUMN) picks the metric columns and names them;
// without it, every other column is a metric under its header name and
// cells that are text are skipped (the first one of each column is
// reported). A mapping that names a missing column is reported at the
// header's line with the list of columns. The shared rules of the CSV
// family are in csv.go.

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

func init() {
	Register(Format{
		Name:        "csv",
		Description: "generic CSV of metrics (use --step and --metric to map columns)",
		Detect:      detectGenericCSV,
		NewReader: func(name string, r io.Reader, opts Options) Reader {
			return newCSVReader(name, r, opts, genericCSVPlan)
		},
	})
}

// csvStepNames are the default step columns of a generic CSV, in order of
// preference.
var csvStepNames = []string{"step", "global_step", "Step", "_step", "iteration", "iter", "steps"}

// csvTimeName reports columns that hold a time in seconds.
func csvTimeName(h string) bool {
	switch strings.ToLower(h) {
	case "time", "timestamp", "wall_time", "wall time", "walltime", "_timestamp", "_runtime":
		return true
	}
	return false
}

// genericCSVPlan maps a header for the generic format, honouring
// Options.StepColumn and Options.Metrics.
func genericCSVPlan(header []string, src Source, opts Options) *csvPlan {
	p := newCSVPlan(len(header))
	index := map[string]int{}
	for i, h := range header {
		if _, dup := index[h]; !dup && h != "" {
			index[h] = i
		}
	}
	missing := func(flag, col string) {
		p.notes = append(p.notes, Errorf(src, nil, "%s: no column %q in the header; the columns are: %s", flag, col, csvList(header)))
	}
	if opts.StepColumn != "" {
		if i, ok := index[opts.StepColumn]; ok {
			p.setRole(i, csvStep)
		} else {
			missing("--step "+opts.StepColumn, opts.StepColumn)
		}
	} else {
		for _, n := range csvStepNames {
			if i, ok := index[n]; ok {
				p.setRole(i, csvStep)
				break
			}
		}
	}
	for i, h := range header {
		switch {
		case p.cols[i].role != csvSkip || h == "":
		case strings.EqualFold(h, "epoch") && p.epoch < 0:
			p.setRole(i, csvEpoch)
		case csvTimeName(h) && p.time < 0:
			p.setRole(i, csvTime)
		}
	}
	if len(opts.Metrics) > 0 {
		for _, name := range csvSortedKeys(opts.Metrics) {
			col := opts.Metrics[name]
			i, ok := index[col]
			if !ok {
				missing("--metric "+name+"="+col, col)
				continue
			}
			p.cols[i] = csvColumn{role: csvMetric, key: name, kind: csvKind(name)}
		}
		p.strict = true
		return p
	}
	for i, h := range header {
		if p.cols[i].role == csvSkip && h != "" {
			key := h
			if h == "Value" && len(header) == 3 {
				key = tensorboardCSVTag(src.File)
			}
			p.cols[i] = csvColumn{role: csvMetric, key: key, kind: csvKind(key)}
		}
	}
	return p
}

// tensorboardCSVTag names the value column of a TensorBoard "Download
// CSV" file (columns Wall time, Step, Value) after its file name,
// run-<run>-tag-<tag>.csv, where the tag's "/" became "_".
func tensorboardCSVTag(name string) string {
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(name, "\\", "/")), ".csv")
	if i := strings.LastIndex(base, "-tag-"); i >= 0 && i+5 < len(base) {
		return base[i+5:]
	}
	if base == "" || base == "." || base == "/" || base == "-" {
		return "Value"
	}
	return base
}

// csvList joins column names for a message.
func csvList(header []string) string {
	var b strings.Builder
	for i, h := range header {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 20 {
			fmt.Fprintf(&b, "... (%d in all)", len(header))
			break
		}
		b.WriteString(strconv.Quote(h))
	}
	return b.String()
}

func csvSortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func detectGenericCSV(name string, head []byte) int {
	rows := csvSniff(head, 10)
	if len(rows) == 0 || !csvHeaderOK(rows[0]) {
		return 0
	}
	isCSV := strings.HasSuffix(strings.ToLower(name), ".csv")
	score := 0
	switch {
	case csvDataOK(rows):
		score = 20
	case len(rows) == 1 && isCSV:
		score = 10
	default:
		return 0
	}
	if isCSV {
		score += 10
	}
	return score
}
