package trainlog

// The reader shared by the CSV family of formats: a generic CSV of
// metrics ("csv", csv_generic.go), Lightning's CSVLogger metrics.csv
// ("lightning-csv", csv_lightning.go) and Weights & Biases exports
// ("wandb-csv", csv_wandb.go). Each format only decides what the columns
// of a header mean (a csvPlan). Rules shared by all of them:
//
//   - A row with fewer or more cells than the header becomes a
//     *SyntaxError at its line and is skipped.
//   - A later row whose cells are all non-empty and none a number, and
//     which shares a name with the current header, is a new header (a
//     logger that rewrote or appended its header); the columns are
//     mapped again from it.
//   - A row's values are grouped by kind: eval keys (val_, valid_,
//     validation_, eval, val/ prefixes) make a KindEval entry, test_ and
//     predict_ keys a KindPredict entry, the rest a KindTrain entry; all
//     share the row's step, epoch, time and source. A homogeneous row is
//     thus one entry.
//   - Digits are the significant digits as written, at most
//     DigitsFloat64; nan and inf count as DigitsFloat64.
//   - At most csvMaxErrors syntax errors are listed per file; a final
//     one counts the rest. A file with a header and no rows yields an
//     ErrNoData error at the header's line.
//   - When Options.StepColumn or Options.Metrics is set, every CSV
//     format maps the columns as the generic format does: the user's
//     mapping wins.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// csvMaxErrors is how many syntax errors a CSV reader lists per file.
const csvMaxErrors = 100

// A csvRole says what a column holds.
type csvRole uint8

const (
	csvSkip csvRole = iota
	csvStep
	csvEpoch
	csvTime
	csvMetric
)

// A csvColumn says how to read one column.
type csvColumn struct {
	role csvRole
	key  string // metric key as emitted
	kind Kind
	// endsEpoch marks a metric logged only when an epoch ends (Lightning's
	// <name>_epoch aggregates): a row holding one has completed its epoch.
	endsEpoch bool
}

// A csvPlan maps the columns of one header.
type csvPlan struct {
	cols  []csvColumn
	step  int // column index or -1
	epoch int
	time  int
	// strict reports every non-numeric metric cell; otherwise only the
	// first one per column is reported.
	strict bool
	// notes are records emitted right after the header (errors in a
	// mapping, ignored runs).
	notes []Record
}

// A csvPlanner builds the plan for a header read at src.
type csvPlanner func(header []string, src Source, opts Options) *csvPlan

func newCSVPlan(n int) *csvPlan {
	return &csvPlan{cols: make([]csvColumn, n), step: -1, epoch: -1, time: -1}
}

// setRole gives column i a role other than csvMetric.
func (p *csvPlan) setRole(i int, role csvRole) {
	p.cols[i].role = role
	switch role {
	case csvStep:
		p.step = i
	case csvEpoch:
		p.epoch = i
	case csvTime:
		p.time = i
	}
}

// csvReader reads any CSV format; its planner interprets the header.
type csvReader struct {
	name    string
	opts    Options
	planner csvPlanner
	br      *bufio.Reader
	cr      *csv.Reader

	started bool
	stopped bool // binary input: nothing more to read
	header  []string
	hdrLine int
	plan    *csvPlan
	rows    int // data rows read
	eofs    int // io.EOFs met, each counted as a line by csv.Reader
	warned  map[int]bool

	lastStep int64
	haveStep bool

	queue []Record
	qi    int
	rec   Record
	err   error

	nerr      int // syntax errors listed
	nsupp     int // syntax errors not listed
	nsuppSent int
	noData    bool // the header-only or empty error was sent

	scratch []csvVal
}

type csvVal struct {
	kind Kind
	kv   KV
}

var _ Reader = (*csvReader)(nil)

func newCSVReader(name string, r io.Reader, opts Options, planner csvPlanner) *csvReader {
	if len(opts.Metrics) > 0 || opts.StepColumn != "" {
		planner = genericCSVPlan
	}
	br := bufio.NewReaderSize(r, 64<<10)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvReader{name: name, opts: opts, planner: planner, br: br, cr: cr, lastStep: -1}
}

// Scan advances to the next record.
func (r *csvReader) Scan() bool {
	for r.qi >= len(r.queue) {
		r.queue, r.qi = r.queue[:0], 0
		if r.err != nil || r.stopped {
			return false
		}
		if !r.readRow() {
			r.atEOF()
			if len(r.queue) == 0 {
				return false
			}
		}
	}
	r.rec = r.queue[r.qi]
	r.queue[r.qi] = nil
	r.qi++
	return true
}

// Record returns the current record.
func (r *csvReader) Record() Record { return r.rec }

// Err returns the I/O error that stopped reading, if any.
func (r *csvReader) Err() error { return r.err }

func (r *csvReader) src(line int) Source { return Source{File: r.name, Line: line} }

// syntax queues a syntax error, listing at most csvMaxErrors.
func (r *csvReader) syntax(line int, cause error, format string, args ...any) {
	if r.nerr >= csvMaxErrors {
		r.nsupp++
		return
	}
	r.nerr++
	r.queue = append(r.queue, Errorf(r.src(line), cause, format, args...))
}

// atEOF queues the end-of-input errors not yet sent.
func (r *csvReader) atEOF() {
	if r.err != nil || r.stopped {
		return
	}
	if n := r.nsupp - r.nsuppSent; n > 0 {
		r.nsuppSent = r.nsupp
		r.queue = append(r.queue, &SyntaxError{File: r.name, Msg: fmt.Sprintf("%d more problems were not listed", n)})
	}
	if r.noData || r.rows > 0 {
		return
	}
	r.noData = true
	if r.header == nil {
		if r.nerr == 0 {
			r.queue = append(r.queue, &SyntaxError{File: r.name, Msg: "empty file: expected a CSV header line", Err: ErrNoData})
		}
		return
	}
	r.queue = append(r.queue, Errorf(r.src(r.hdrLine), ErrNoData, "a header and no data rows (a logger that buffers rows, like Lightning's CSVLogger, loses them when the run is killed)"))
}

// readRow reads one CSV row and queues its records. It reports false at
// the end of input or on an I/O error.
func (r *csvReader) readRow() bool {
	if !r.started {
		r.started = true
		if head, _ := r.br.Peek(4096); len(head) > 0 && looksBinary(head) {
			r.stopped = true
			r.queue = append(r.queue, Errorf(r.src(1), ErrBinary, "binary data: expected CSV text"))
			return true
		}
	}
	rec, err := r.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			// csv.Reader counts a line at each io.EOF; a watcher may
			// read on after more rows are appended.
			r.eofs++
			return false
		case errors.As(err, &pe):
			r.syntax(pe.StartLine-r.eofs, nil, "malformed CSV row: %v (expected comma-separated cells, quotes doubled inside quoted cells)", pe.Err)
			return true
		}
		r.err = fmt.Errorf("%s: %w", r.name, err)
		return false
	}
	line, _ := r.cr.FieldPos(0)
	line -= r.eofs
	switch {
	case r.header == nil:
		r.setHeader(rec, line)
	case isCSVHeaderRow(rec, r.header):
		if !csvSameHeader(rec, r.header) {
			r.setHeader(rec, line)
		}
	case len(rec) != len(r.header):
		r.syntax(line, nil, "row has %d cells, expected %d as in the header at line %d", len(rec), len(r.header), r.hdrLine)
	default:
		r.rows++
		r.readValues(rec, line)
	}
	return true
}

func (r *csvReader) setHeader(rec []string, line int) {
	h := make([]string, len(rec))
	for i, s := range rec {
		h[i] = strings.TrimSpace(s)
	}
	h[0] = strings.TrimPrefix(h[0], "\ufeff")
	r.header, r.hdrLine = h, line
	r.plan = r.planner(h, r.src(line), r.opts)
	r.plan.capMetrics(r.src(line))
	r.warned = nil
	r.queue = append(r.queue, r.plan.notes...)
}

// isCSVHeaderRow reports whether a row looks like a new header: at least
// two cells, every one non-empty and none a number, and at least one
// name shared with the current header.
func isCSVHeaderRow(rec, header []string) bool {
	if len(rec) < 2 {
		return false
	}
	shared := false
	for _, s := range rec {
		s = strings.TrimSpace(s)
		if s == "" {
			return false
		}
		if _, _, ok := csvNumber(s); ok {
			return false
		}
		if !shared {
			for _, h := range header {
				if h == s {
					shared = true
					break
				}
			}
		}
	}
	return shared
}

// csvSameHeader reports whether a row repeats the header.
func csvSameHeader(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.TrimSpace(a[i]) != b[i] {
			return false
		}
	}
	return true
}

// csvNumber parses a cell: strconv.ParseFloat syntax first (fast), then
// ParseNumber's Python spellings. Digits are capped at DigitsFloat64.
func csvNumber(s string) (float64, int, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var d int
		var ok bool
		v, d, ok = ParseNumber(s)
		if !ok || strings.ContainsAny(s, "\n\r") {
			return 0, 0, false
		}
		return v, min(d, DigitsFloat64), true
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v, DigitsFloat64, true
	}
	return v, min(SignificantDigits(s), DigitsFloat64), true
}

// csvMissing reports cells that mean "not logged".
func csvMissing(s string) bool {
	switch s {
	case "", "None", "null", "NULL":
		return true
	}
	return false
}

// readValues queues the entries of one data row.
func (r *csvReader) readValues(rec []string, line int) {
	p := r.plan
	step, inferred := r.rowStep(rec, line)
	epoch, tm := math.NaN(), math.NaN()
	if p.epoch >= 0 {
		epoch = r.cellFloat(rec, p.epoch, line)
	}
	if p.time >= 0 {
		tm = r.cellFloat(rec, p.time, line)
	}
	vals := r.scratch[:0]
	var counts [KindPredict + 1]int
	endsEpoch := false
	for i, c := range p.cols {
		if c.role != csvMetric {
			continue
		}
		s := strings.TrimSpace(rec[i])
		if csvMissing(s) {
			continue
		}
		v, d, ok := csvNumber(s)
		if !ok {
			r.badCell(i, line, s)
			continue
		}
		vals = append(vals, csvVal{kind: c.kind, kv: KV{Key: c.key, Value: v, Digits: d}})
		counts[c.kind]++
		endsEpoch = endsEpoch || c.endsEpoch
	}
	r.scratch = vals
	if endsEpoch {
		epoch++ // the row was logged after the epoch ended: epochs completed
	}
	for _, k := range [...]Kind{KindTrain, KindEval, KindPredict, KindSummary} {
		if counts[k] == 0 {
			continue
		}
		e := &Entry{Kind: k, Step: step, StepInferred: inferred, Epoch: epoch, Time: tm, Source: r.src(line)}
		e.Values = make([]KV, 0, counts[k])
		for _, v := range vals {
			if v.kind == k {
				e.Values = append(e.Values, v.kv)
			}
		}
		r.queue = append(r.queue, e)
	}
}

// rowStep returns a row's step: the step cell, else the last step seen
// (inferred), else the row ordinal when the file has no step column.
func (r *csvReader) rowStep(rec []string, line int) (int64, bool) {
	p := r.plan
	if p.step < 0 {
		return int64(r.rows), true
	}
	s := strings.TrimSpace(rec[p.step])
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		r.lastStep, r.haveStep = n, true
		return n, false
	}
	if !csvMissing(s) {
		v, _, ok := csvNumber(s)
		if ok && v >= 0 && v == math.Trunc(v) && v < 1<<53 {
			r.lastStep, r.haveStep = int64(v), true
			return int64(v), false
		}
		r.syntax(line, nil, "column %q: expected a step (an integer >= 0), got %q", r.header[p.step], csvShort(s))
	}
	if r.haveStep {
		return r.lastStep, true
	}
	return -1, true
}

// cellFloat reads an epoch or time cell; NaN when missing or bad.
func (r *csvReader) cellFloat(rec []string, i, line int) float64 {
	s := strings.TrimSpace(rec[i])
	if csvMissing(s) {
		return math.NaN()
	}
	v, _, ok := csvNumber(s)
	if !ok {
		r.badCell(i, line, s)
		return math.NaN()
	}
	return v
}

// badCell reports a cell that is not a number.
func (r *csvReader) badCell(col, line int, s string) {
	if !r.plan.strict {
		if r.warned[col] {
			return
		}
		if r.warned == nil {
			r.warned = map[int]bool{}
		}
		r.warned[col] = true
		r.syntax(line, nil, "column %q: expected a number, got %q (further text cells of this column are skipped silently)", r.header[col], csvShort(s))
		return
	}
	r.syntax(line, nil, "column %q: expected a number, got %q", r.header[col], csvShort(s))
}

// csvShort quotes at most 40 bytes of s.
func csvShort(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// csvKind classifies a metric key by its prefix.
func csvKind(key string) Kind {
	k := strings.ToLower(key)
	switch {
	case strings.HasPrefix(k, "val_"), strings.HasPrefix(k, "valid_"), strings.HasPrefix(k, "validation_"),
		strings.HasPrefix(k, "val/"), strings.HasPrefix(k, "valid/"), strings.HasPrefix(k, "validation/"),
		strings.HasPrefix(k, "eval"):
		return KindEval
	case strings.HasPrefix(k, "test_"), strings.HasPrefix(k, "test/"), strings.HasPrefix(k, "predict_"):
		return KindPredict
	}
	return KindTrain
}

// csvSniff parses up to n leading rows of head. It returns nil for
// binary data or when the first row is not a CSV row. When head was cut
// at SniffSize, a last row that may be partial is dropped.
func csvSniff(head []byte, n int) [][]string {
	if len(head) == 0 || looksBinary(head) {
		return nil
	}
	cr := csv.NewReader(bytes.NewReader(head))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for len(rows) < n {
		rec, err := cr.Read()
		if err != nil {
			if err == io.EOF && len(head) >= SniffSize && len(rows) > 1 {
				rows = rows[:len(rows)-1]
			}
			break
		}
		rows = append(rows, rec)
	}
	if len(rows) > 0 {
		rows[0][0] = strings.TrimPrefix(rows[0][0], "\ufeff")
		for i, s := range rows[0] {
			rows[0][i] = strings.TrimSpace(s)
		}
	}
	return rows
}

// csvHeaderOK reports whether row looks like a header of metric names.
func csvHeaderOK(row []string) bool {
	named := 0
	for _, h := range row {
		if h == "" {
			continue
		}
		if _, _, ok := csvNumber(h); ok || len(h) > 300 || strings.ContainsAny(h, "{}[]'\n") {
			return false
		}
		named++
	}
	return named >= 2
}

// csvDataOK reports whether the data rows have the header's width and
// mostly numeric cells.
func csvDataOK(rows [][]string) bool {
	if len(rows) < 2 {
		return false
	}
	num, text := 0, 0
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			return false
		}
		for _, s := range row {
			s = strings.TrimSpace(s)
			if csvMissing(s) {
				continue
			}
			if _, _, ok := csvNumber(s); ok {
				num++
			} else {
				text++
			}
		}
	}
	return num > 0 && num >= text
}
