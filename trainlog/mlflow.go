package trainlog

// MLflow file-store metric files (format "mlflow").
//
// MLflow's file store (./mlruns, the default tracking URI before MLflow
// 3.x) keeps one text file per metric key:
//
//	mlruns/<experiment_id>/<run_id>/metrics/<key>   this format
//	mlruns/<experiment_id>/<run_id>/params/<key>    one value, no newline (ReadMLflowParams)
//	mlruns/<experiment_id>/<run_id>/meta.yaml, tags/<key>, artifacts/
//
// A metric file is appended to in logging order:
//
//	file  = line* ;
//	line  = timestamp " " value [ " " step ] NL ;
//	timestamp = int ;    Unix milliseconds, e.g. 1727000073969
//	value = Python str(float): 2.0225, 1e-05, nan, inf, -inf ;
//	step  = int ;        absent in old files: step 0 (StepInferred)
//
// The key is the file's path after "/metrics/": keys with "/" are
// sub-folders, so mlruns/0/abc/metrics/rewards/chosen holds
// "rewards/chosen". Hugging Face's MLflowCallback logs the raw Trainer
// keys (loss, grad_norm, learning_rate, epoch, eval_loss, train_runtime,
// ...) with step = global_step. Each line is an Entry with one value,
// cited as file:line, with Time = timestamp/1000 (a key named epoch also
// sets Entry.Epoch). eval_ keys make KindEval entries, test_ and
// predict_ keys KindPredict entries, others KindTrain.
//
// The end-of-training keys (train_runtime, train_samples_per_second,
// train_steps_per_second, total_flos, train_loss, ...) are not series:
// their last value is emitted at the end of the file as a Meta Summary.
// train_loss is also a per-step key of other loggers (Lightning's
// MLFlowLogger), so a train_loss file of three or more lines is read as a
// series instead. Several lines may share a step (a resumed run or a
// re-evaluation); Collect keeps the last one.

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func init() {
	Register(Format{
		Name:        "mlflow",
		Description: "MLflow file-store metric file (mlruns/<exp>/<run>/metrics/<key>)",
		Detect:      detectMLflow,
		NewReader: func(name string, r io.Reader, opts Options) Reader {
			return newMLflowReader(name, r)
		},
	})
}

// mlflowMaxErrors is how many syntax errors an MLflow reader lists.
const mlflowMaxErrors = 100

// mlflowReader reads one metric file.
type mlflowReader struct {
	name string
	key  string
	kind Kind
	// held are the first lines of a train_loss file, kept until it is
	// clear whether the file is a summary (one or two lines) or a series.
	undecided bool
	held      []*Entry

	br      *bufio.Reader
	buf     []byte
	line    int
	started bool
	stopped bool

	queue []Record
	qi    int
	rec   Record
	err   error

	noData  bool   // the empty-file error was sent
	last    *Value // the latest summary value
	sent    *Value // the summary value last emitted
	nerr    int
	nsupp   int
	nsupSnt int
}

var _ Reader = (*mlflowReader)(nil)

func newMLflowReader(name string, r io.Reader) *mlflowReader {
	key := mlflowKey(name)
	m := &mlflowReader{name: name, key: key, kind: mlflowKind(key), br: bufio.NewReaderSize(r, 64<<10)}
	m.undecided = key == "train_loss"
	return m
}

// mlflowKey returns the metric key of a metric file's path.
func mlflowKey(name string) string {
	n := strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndex(n, "/metrics/"); i >= 0 && i+len("/metrics/") < len(n) {
		return n[i+len("/metrics/"):]
	}
	if k, ok := strings.CutPrefix(n, "metrics/"); ok && k != "" {
		return k
	}
	return path.Base(n)
}

// mlflowKind classifies a key as HF's MLflowCallback logs it.
func mlflowKind(key string) Kind {
	switch {
	case isSummaryKey(key) || key == "train_tokens_per_second":
		return KindSummary
	case strings.HasPrefix(key, "eval_"), strings.HasPrefix(key, "eval/"):
		return KindEval
	case strings.HasPrefix(key, "test_"), strings.HasPrefix(key, "predict_"), strings.HasPrefix(key, "test/"):
		return KindPredict
	}
	return KindTrain
}

// Scan advances to the next record.
func (r *mlflowReader) Scan() bool {
	for r.qi >= len(r.queue) {
		r.queue, r.qi = r.queue[:0], 0
		if r.err != nil || r.stopped {
			return false
		}
		line, ok := r.nextLine()
		if !ok {
			r.atEOF()
			if len(r.queue) == 0 {
				return false
			}
			break
		}
		r.line++
		r.parse(line)
	}
	r.rec = r.queue[r.qi]
	r.queue[r.qi] = nil
	r.qi++
	return true
}

// Record returns the current record.
func (r *mlflowReader) Record() Record { return r.rec }

// Err returns the I/O error that stopped reading, if any.
func (r *mlflowReader) Err() error { return r.err }

// nextLine returns the next line without its newline; the last line of
// the input may lack one.
func (r *mlflowReader) nextLine() ([]byte, bool) {
	if !r.started {
		r.started = true
		if head, _ := r.br.Peek(4096); len(head) > 0 && looksBinary(head) {
			r.stopped = true
			r.queue = append(r.queue, Errorf(Source{File: r.name, Line: 1}, ErrBinary, "binary data: expected MLflow metric lines \"<timestamp_ms> <value> <step>\""))
			return nil, false
		}
	}
	for {
		chunk, err := r.br.ReadSlice('\n')
		switch {
		case err == nil && len(r.buf) == 0:
			return chunk, true
		case err == nil:
			r.buf = append(r.buf, chunk...)
			l := r.buf
			r.buf = r.buf[:0]
			return l, true
		case err == bufio.ErrBufferFull:
			if len(r.buf) < 1<<20 { // keep the start of an overlong line
				r.buf = append(r.buf, chunk...)
			}
			continue
		}
		r.buf = append(r.buf, chunk...)
		if err != io.EOF {
			r.err = err
			return nil, false
		}
		if len(r.buf) > 0 {
			l := r.buf
			r.buf = nil
			return l, true
		}
		return nil, false
	}
}

func (r *mlflowReader) syntax(format string, args ...any) {
	if r.nerr >= mlflowMaxErrors {
		r.nsupp++
		return
	}
	r.nerr++
	r.queue = append(r.queue, Errorf(Source{File: r.name, Line: r.line}, nil, format, args...))
}

// atEOF queues what is due at the end of the input: the summary value,
// a held train_loss, the count of unlisted errors.
func (r *mlflowReader) atEOF() {
	if r.err != nil || r.stopped {
		return
	}
	if r.undecided && len(r.held) > 0 {
		e := r.held[len(r.held)-1]
		r.last = &Value{Key: r.key, Value: e.Values[0].Value, Digits: e.Values[0].Digits, Source: e.Source}
		r.held = r.held[:0]
	}
	if r.last != nil && r.last != r.sent {
		r.sent = r.last
		r.queue = append(r.queue, &Meta{Summary: r.last})
	}
	if n := r.nsupp - r.nsupSnt; n > 0 {
		r.nsupSnt = r.nsupp
		r.queue = append(r.queue, Errorf(Source{File: r.name}, nil, "%d more problems were not listed", n))
	}
	if r.line == 0 && !r.noData {
		r.noData = true
		r.queue = append(r.queue, &SyntaxError{File: r.name, Msg: "empty file: expected MLflow metric lines \"<timestamp_ms> <value> <step>\"", Err: ErrNoData})
	}
}

// mlflowFields splits a line into at most 4 space-separated fields.
func mlflowFields(line []byte, f *[4][]byte) int {
	n := 0
	for len(line) > 0 {
		line = bytes.TrimLeft(line, " \t")
		if len(line) == 0 {
			break
		}
		i := bytes.IndexAny(line, " \t")
		if i < 0 {
			i = len(line)
		}
		if n == len(f) {
			return n + 1
		}
		f[n] = line[:i]
		n++
		line = line[i:]
	}
	return n
}

// parse queues the records of one line.
func (r *mlflowReader) parse(line []byte) {
	line = bytes.TrimRight(line, "\r\n \t")
	if len(line) == 0 {
		return
	}
	var f [4][]byte
	n := mlflowFields(line, &f)
	if n != 2 && n != 3 {
		r.syntax("expected \"<timestamp_ms> <value> <step>\", got %q", csvShort(string(line)))
		return
	}
	ts, ok := mlflowInt(f[0])
	if !ok {
		r.syntax("timestamp: expected integer milliseconds, got %q", csvShort(string(f[0])))
		return
	}
	v, d, ok := csvNumber(string(f[1]))
	if !ok {
		r.syntax("value: expected a number, got %q", csvShort(string(f[1])))
		return
	}
	step, inferred := int64(0), true
	if n == 3 {
		step, ok = mlflowInt(f[2])
		if !ok {
			r.syntax("step: expected an integer >= 0, got %q", csvShort(string(f[2])))
			return
		}
		inferred = false
	}
	src := Source{File: r.name, Line: r.line}
	if r.kind == KindSummary && !r.undecided {
		r.last = &Value{Key: r.key, Value: v, Digits: d, Source: src}
		return
	}
	e := &Entry{Kind: r.kind, Step: step, StepInferred: inferred, Epoch: math.NaN(), Time: float64(ts) / 1000, Source: src,
		Values: []KV{{Key: r.key, Value: v, Digits: d}}}
	if r.key == "epoch" {
		e.Epoch = v
	}
	if r.undecided {
		r.held = append(r.held, e)
		if len(r.held) < 3 {
			return
		}
		r.undecided, r.kind = false, KindTrain
		for _, h := range r.held {
			h.Kind = KindTrain
			r.queue = append(r.queue, h)
		}
		r.held = nil
		return
	}
	r.queue = append(r.queue, e)
}

// mlflowInt parses a non-negative integer (digits only, or a float
// spelling of one).
func mlflowInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := int64(0)
	for _, c := range b {
		if c < '0' || c > '9' || n > (math.MaxInt64-9)/10 {
			v, err := strconv.ParseFloat(string(b), 64)
			if err != nil || v < 0 || v != math.Trunc(v) || v >= 1<<62 {
				return 0, false
			}
			return int64(v), true
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// mlflowLineOK reports whether a line is a metric line.
func mlflowLineOK(line []byte) (tsDigits int, ok bool) {
	var f [4][]byte
	n := mlflowFields(line, &f)
	if n != 2 && n != 3 {
		return 0, false
	}
	if _, ok := mlflowInt(f[0]); !ok {
		return 0, false
	}
	if _, _, ok := csvNumber(string(f[1])); !ok {
		return 0, false
	}
	if n == 3 {
		if _, ok := mlflowInt(f[2]); !ok {
			return 0, false
		}
	}
	return len(f[0]), true
}

// detectMLflow wants lines of "<timestamp_ms> <value> [<step>]": 95 under
// a metrics folder, 60 elsewhere when the timestamps look like Unix
// milliseconds.
func detectMLflow(name string, head []byte) int {
	if len(head) == 0 || looksBinary(head) {
		return 0
	}
	if len(head) >= SniffSize {
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i]
		}
	}
	n, msTimes := 0, true
	for i := 0; i < 50 && len(head) > 0; i++ {
		line := head
		if j := bytes.IndexByte(head, '\n'); j >= 0 {
			line, head = head[:j], head[j+1:]
		} else {
			head = nil
		}
		line = bytes.TrimRight(line, "\r \t")
		if len(line) == 0 {
			continue
		}
		digits, ok := mlflowLineOK(line)
		if !ok {
			return 0
		}
		n++
		if digits < 12 || digits > 14 {
			msTimes = false
		}
	}
	n2 := strings.ReplaceAll(name, "\\", "/")
	switch {
	case n == 0:
		return 0
	case strings.Contains(n2, "/metrics/") || strings.HasPrefix(n2, "metrics/"):
		return 95
	case msTimes:
		return 60
	}
	return 0
}

// ReadMLflowParams reads the params folder of an MLflow file-store run
// directory (mlruns/<exp>/<run>): one file per parameter, its content
// the value. Keys containing "/" are sub-folders and come back with "/".
// It returns nil when dir has no params folder; unreadable files are
// skipped.
func ReadMLflowParams(dir string) map[string]string {
	root := filepath.Join(dir, "params")
	var m map[string]string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		b, err := mlflowReadFile(p, 64<<10)
		if err != nil {
			return nil
		}
		if m == nil {
			m = map[string]string{}
		}
		m[filepath.ToSlash(rel)] = strings.TrimRight(string(b), "\r\n")
		return nil
	})
	return m
}

// MLflowParamsMeta returns the Meta records of the well-known settings
// among an MLflow run's params (see ReadMLflowParams), each cited as
// <runDir>/params/<key>:1, where runDir is the run directory as
// displayed.
func MLflowParamsMeta(runDir string, params map[string]string) []*Meta {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ps := make([]hparam, len(keys))
	for i, k := range keys {
		ps[i] = hparam{key: k, value: strings.TrimSpace(params[k]), line: 1}
	}
	dir := strings.TrimSuffix(filepath.ToSlash(runDir), "/")
	return hparamMeta(ps, func(p hparam) Source { return Source{File: dir + "/params/" + p.key, Line: 1} })
}

// mlflowReadFile reads at most limit bytes of a file.
func mlflowReadFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
