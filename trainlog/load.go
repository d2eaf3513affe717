package trainlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/plateau-dev/plateau/internal/fileio"
)

// Stdin is the path that names standard input.
const Stdin = "-"

// LoadOptions configure Load.
type LoadOptions struct {
	Options
	// Stdin is read when a path is "-". Nil means os.Stdin.
	Stdin io.Reader
	// MaxDepth limits how deep directories are searched (0 means 6).
	MaxDepth int
	// Progress, when not nil, counts the bytes read (for a progress bar).
	Progress *Progress
}

// Load reads one or more paths (run folders, log files, or "-" for
// standard input) into a single Run. Each path must hold one run (see
// Discover): a folder that holds several is refused with a
// *ManyRunsError. Several paths are merged only when they are views of
// one run, their steps and values agreeing (see CompareViews); otherwise
// Load returns a *DifferentRunsError with the evidence. Load returns an
// error only when nothing could be read or the paths are refused;
// problems met on the way are in Run.Warnings and Run.Files.
func Load(paths []string, opts LoadOptions) (*Run, error) {
	if len(paths) == 0 {
		return nil, errors.New("no input: give a run directory, a log file, or - for standard input")
	}
	var dirs []RunDir
	var ignored []File
	for _, p := range paths {
		d, err := discoverPath(p, opts.MaxDepth)
		if err != nil {
			return nil, err
		}
		switch len(d.Runs) {
		case 0:
			run := NewRun(runName(p))
			run.Root = p
			run.Files = d.Ignored
			return run, noData(p, d.Ignored, d.TooDeep)
		case 1:
		default:
			if len(paths) == 1 && LoggerViews(d.Runs) {
				// One session seen by several loggers (a Lightning CSV and
				// TensorBoard logger, an output folder and its W&B run)?
				run, err := loadDirs(p, d.Runs, d.Ignored, opts)
				if !errors.Is(err, ErrDifferentRuns) {
					return run, err
				}
			}
			// The sessions, as 'plateau scan' lists them: the folders of
			// one session's loggers are one.
			return nil, &ManyRunsError{Path: d.Root, Runs: d.Runs, Sessions: Sessions(d.Runs, opts)}
		}
		dirs = append(dirs, d.Runs[0])
		ignored = append(ignored, d.Ignored...)
	}
	if len(dirs) > 1 {
		dirs = qualify(dirs)
	}
	return loadDirs(paths[0], dirs, ignored, opts)
}

// LoadRun reads the files of one discovered run. Use rd.Alone() to read
// a run found in a tree of runs as if it had been named alone.
func LoadRun(rd RunDir, opts LoadOptions) (*Run, error) {
	return loadDirs(rd.Path(), []RunDir{rd}, nil, opts)
}

// LoadViews reads several runs of one discovery, rebased on their common
// folder by Together, as one run, when they are views of one training
// session; it returns a *DifferentRunsError otherwise.
func LoadViews(rds []RunDir, opts LoadOptions) (*Run, error) {
	if len(rds) == 1 {
		return LoadRun(rds[0], opts)
	}
	if len(rds) == 0 || !LoggerViews(rds) {
		return nil, errors.New("LoadViews: the runs are not folders of different loggers (see LoggerViews)")
	}
	return loadDirs(rds[0].Root, rds, nil, opts)
}

// maxLoggerViews bounds the runs of one folder that Load reads to see
// whether they are one session seen by several loggers.
const maxLoggerViews = 6

// LoggerViews reports whether runs may be one session seen by several
// loggers: a few of them, each written by a different logger (see
// RunDir.Logger). A session writes one folder per logger, so two folders
// of one logger (two output folders, two TensorBoard folders, two MLflow
// runs) are two sessions, whatever their values. Whether the runs are
// views of one session is then decided by their values (Relate).
func LoggerViews(runs []RunDir) bool {
	if len(runs) < 2 || len(runs) > maxLoggerViews {
		return false
	}
	seen := map[string]bool{}
	for _, r := range runs {
		l := r.Logger()
		if seen[l] {
			return false
		}
		seen[l] = true
	}
	return true
}

// discoverPath runs Discover on a path. A path that does not exist but
// is a shell pattern on folder names (the wandb/run-*-<id> that names
// the session folders of a resumed W&B run, given quoted) discovers the
// folder that holds the matches and keeps the runs of the folders it
// matches, named from that folder, as Discover names them there.
func discoverPath(p string, maxDepth int) (*Discovery, error) {
	dopts := DiscoverOptions{MaxDepth: maxDepth}
	dir, pattern := filepath.Split(p)
	if p == Stdin || !strings.ContainsAny(pattern, "*?[") || strings.ContainsAny(dir, "*?[") {
		return Discover(p, dopts)
	}
	if _, err := os.Stat(p); err == nil {
		return Discover(p, dopts)
	}
	if m, err := filepath.Glob(p); err != nil || len(m) == 0 {
		return Discover(p, dopts)
	}
	parent := filepath.Clean(dir)
	all, err := Discover(parent, dopts)
	if err != nil {
		return nil, err
	}
	d := &Discovery{Root: parent}
	for _, r := range all.Runs {
		for _, f := range append([]string{r.Rel}, r.Sessions...) {
			if ok, _ := path.Match(pattern, f); ok {
				d.Runs = append(d.Runs, r)
				break
			}
		}
	}
	return d, nil
}

// diskPath is the path a plan reads on disk, "" for standard input.
func diskPath(p string) string {
	if p == Stdin {
		return ""
	}
	return p
}

// loadDirs reads the runs of dirs, checks that they are views of one run
// and merges them.
func loadDirs(root string, dirs []RunDir, ignored []File, opts LoadOptions) (*Run, error) {
	run := NewRun(runName(root))
	run.Root = root
	var plans []plan
	var owner []int // the index in dirs of each plan
	var extras []extra
	for i, rd := range dirs {
		run.Files = append(run.Files, rd.Skipped...)
		for _, in := range rd.Inputs {
			fm, _ := LookupFormat(in.Format)
			plans = append(plans, plan{path: in.Path, display: in.Name, format: fm, priority: in.priority, note: in.Note, confidence: in.confidence, split: in.Split})
			owner = append(owner, i)
		}
		for _, in := range rd.Settings {
			extras = append(extras, extra{kind: in.Kind, path: in.Path, display: in.Name})
		}
		run.Checkpoints = append(run.Checkpoints, rd.Checkpoints...)
	}
	run.Files = append(run.Files, ignored...)
	run.Warnings = append(run.Warnings, problems(run.Files)...)
	order := make([]int, len(plans))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return plans[order[a]].priority < plans[order[b]].priority })
	sorted := make([]plan, len(plans))
	for i, k := range order {
		sorted[i] = plans[k]
	}
	results := readAll(sorted, opts)
	if len(dirs) > 1 {
		firsts, err := sameRun(dirs, owner, order, results)
		if err != nil {
			return nil, err
		}
		// A resumed session's values win the steps it repeats: among
		// files of equal precision, the one added first wins a step, so
		// the path that starts later comes first.
		perm := make([]int, len(sorted))
		for i := range perm {
			perm[i] = i
		}
		sort.SliceStable(perm, func(a, b int) bool {
			pa, pb := sorted[perm[a]], sorted[perm[b]]
			if pa.priority != pb.priority {
				return pa.priority < pb.priority
			}
			return firsts[owner[order[perm[a]]]] > firsts[owner[order[perm[b]]]]
		})
		sorted2, results2 := make([]plan, len(sorted)), make([]readResult, len(results))
		for i, k := range perm {
			sorted2[i], results2[i] = sorted[k], results[k]
		}
		sorted, results = sorted2, results2
	} else if groups := splitFiles(dirs[0], sorted, results); len(groups) > 1 {
		return nil, &ManyRunsError{Path: root, Runs: groups}
	}
	c := NewCollector(run)
	var firstErr error
	for i, res := range results {
		pl := sorted[i]
		if pl.format.Name == "" {
			pl.format = res.format
		}
		f := File{Path: pl.display, Disk: diskPath(pl.path), Format: pl.format.Name, Used: true, Reason: pl.note, Records: res.entries, Errors: res.errors}
		if res.openErr != nil {
			f.Used, f.Format, f.Reason = false, "", res.openErr.Error()
			run.Warnings = append(run.Warnings, res.openErr)
			if firstErr == nil {
				firstErr = res.openErr
			}
		}
		if res.sub != nil {
			c.absorb(res.sub)
		}
		if res.ioErr != nil {
			f.Errors++
			run.Warnings = append(run.Warnings, res.ioErr)
		}
		if f.Used && res.records == 0 {
			f.Reason = "recognised as " + pl.format.Name + " but holds no training records"
		}
		c.AddFile(f)
	}
	for _, ex := range extras {
		metas, err := readExtra(ex)
		f := File{Path: ex.display, Disk: ex.path, Format: ex.kind, Used: err == nil, Records: len(metas), Reason: settingsReason(ex.kind)}
		if err != nil {
			f.Reason = err.Error()
			run.Warnings = append(run.Warnings, err)
		}
		for _, m := range metas {
			c.Add(m)
		}
		c.AddFile(f)
	}
	run = c.Run()
	c.releaseRaw(run)
	sortCheckpoints(run.Checkpoints)
	if len(run.Series) > 0 || len(run.Summary) > 0 {
		noteUnreadLayouts(run)
	}
	if len(run.Series) == 0 && len(run.Summary) == 0 {
		used := 0
		for _, f := range run.Files {
			if f.Used {
				used++
			}
		}
		if used == 0 {
			if firstErr != nil && len(dirs) == 1 && !isDir(root) {
				return run, firstErr
			}
			return run, noData(root, run.Files, nil)
		}
	}
	return run, nil
}

// noteUnreadLayouts turns each warning that a file shows its metrics
// only in a layout plateau does not read (ErrUnreadLayout) into a note
// on that file, for a run that other files gave its metrics: the file was
// read whole, and nothing the report needs is missing, so it is no
// input problem. A run without any metrics keeps the warning.
func noteUnreadLayouts(run *Run) {
	kept := run.Warnings[:0]
	for _, w := range run.Warnings {
		var se *SyntaxError
		if errors.As(w, &se) && errors.Is(se, ErrUnreadLayout) {
			if i := slices.IndexFunc(run.Files, func(f File) bool { return f.Path == se.File }); i >= 0 {
				f := &run.Files[i]
				f.Errors--
				f.Reason = fmt.Sprintf("line %d: %v; the run's metrics are read from its other files", se.Line, se.Err)
				continue
			}
		}
		kept = append(kept, w)
	}
	clear(run.Warnings[len(kept):])
	run.Warnings = kept
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func runName(p string) string {
	if p == Stdin {
		return "stdin"
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	st, err := os.Stat(abs)
	if err == nil && !st.IsDir() {
		abs = filepath.Dir(abs)
	}
	base := filepath.Base(abs)
	if m := checkpointRE.FindStringSubmatch(base); m != nil {
		base = filepath.Base(filepath.Dir(abs)) + "/" + base
	}
	return base
}

// A plan is one file to read.
type plan struct {
	path       string // on disk, or "-"
	display    string // relative to the argument
	format     Format
	priority   int
	note       string
	confidence int
	split      string // Input.Split
}

// minWalkConfidence is the detection confidence a file found by walking a
// directory needs to be read; a file named explicitly is read whenever
// some format accepts it.
const minWalkConfidence = 10

// A readResult is one file read into its own Collector, so that files
// are read in parallel and merged in plan order.
type readResult struct {
	sub     *Collector
	records int // records of any kind
	entries int
	errors  int
	format  Format // the format Open detected, for standard input
	openErr error
	ioErr   error
}

// readAll reads the planned files concurrently, keeping their order.
func readAll(plans []plan, opts LoadOptions) []readResult {
	out := make([]readResult, len(plans))
	opts.Progress.addFiles(plans)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range plans {
		if plans[i].path == Stdin {
			out[i] = readOne(plans[i], opts)
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = readOne(plans[i], opts)
		}(i)
	}
	wg.Wait()
	return out
}

func readOne(pl plan, opts LoadOptions) (res readResult) {
	defer func() {
		if p := recover(); p != nil {
			res.ioErr = fmt.Errorf("%s: internal error while reading (please report it): %v", pl.display, p)
		}
	}()
	var r io.Reader
	if pl.path == Stdin {
		r = opts.Stdin
		if r == nil {
			r = os.Stdin
		}
	} else {
		f, err := fileio.OpenRegular(pl.path)
		if err != nil {
			res.openErr = err
			return res
		}
		defer f.Close()
		r = opts.Progress.reader(f)
	}
	var rd Reader
	if pl.format.NewReader != nil {
		rd = pl.format.NewReader(pl.display, r, opts.Options)
	} else {
		var err error
		rd, res.format, err = Open(pl.display, r, opts.Options)
		if err != nil {
			res.openErr = err
			return res
		}
	}
	res.sub = NewCollector(NewRun(""))
	add := func(rec Record) {
		if e, ok := rec.(*Entry); ok && pl.split != "" {
			ApplySplit(e, pl.split)
		}
		res.records++
		switch rec.(type) {
		case *Entry:
			res.entries++
		case *SyntaxError:
			res.errors++
		}
		res.sub.Add(rec)
	}
	if dr, ok := rd.(directReader); ok {
		dr.readAll(add)
	} else {
		for rd.Scan() {
			add(rd.Record())
		}
	}
	res.ioErr = rd.Err()
	return res
}

// A directReader can read its whole input into a function that takes
// each record in order, as a loop over Scan would pass them, reusing
// the memory of its entries once the function returns: Load's readers
// then allocate nothing per entry. The function must copy what it keeps
// of an entry (a Collector does).
type directReader interface {
	readAll(add func(Record))
}

var checkpointRE = regexp.MustCompile(`^checkpoint-(\d+)$`)

// checkpointStep returns the step a checkpoint-N folder name gives, when
// it is a step the readers take (0 to 2^53, as the Trainer's global_step
// is): a name beyond that (checkpoint-99999999999999999999) names no step.
func checkpointStep(base string) (int64, bool) {
	m := checkpointRE.FindStringSubmatch(base)
	if m == nil {
		return -1, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > 1<<53 {
		return -1, false
	}
	return n, true
}

// skipFile reports files that are never logs: weights, tokenizers,
// caches and images.
func skipFile(name string) (bool, string) {
	lower := strings.ToLower(name)
	for _, ext := range []string{".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".onnx", ".h5", ".msgpack", ".model", ".npy", ".npz", ".pkl", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".html", ".pdf", ".zip", ".gz", ".tar", ".py", ".pyc", ".md", ".sh", ".ipynb", ".wandb", ".parquet", ".arrow", ".lock"} {
		if strings.HasSuffix(lower, ext) {
			return true, "not a log (" + ext + " file)"
		}
	}
	switch lower {
	case "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
		"config.json", "generation_config.json", "adapter_config.json", "training_args.json",
		"added_tokens.json", "chat_template.jinja", "requirements.txt", "wandb-metadata.json", "meta.yaml", "conda-environment.yaml", "config.yaml", "hparams.yaml":
		return true, "not a log (model or tool configuration)"
	}
	return false, ""
}

// priorityOf orders formats so that the most precise sources come first.
func priorityOf(format string) int {
	switch format {
	case "trainer-state":
		return 0
	case "llamafactory-jsonl", "jsonl":
		return 1
	case "tensorboard":
		return 2
	case "hf-results", "wandb-summary":
		return 3
	case "hf-console":
		return 5
	}
	return 4
}

// logName reports file names that usually hold console output: *.log,
// *.out, *.err, or a name that says "log" or "train".
func logName(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range []string{".log", ".out", ".err"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return strings.Contains(lower, "log") || strings.Contains(lower, "train")
}

// An extra is a file that holds settings rather than records: a
// Lightning hparams.yaml or an MLflow run's params folder.
type extra struct {
	kind, path, display string
}

// readExtra returns the Meta records of an extra.
func readExtra(ex extra) ([]*Meta, error) {
	switch ex.kind {
	case "hparams":
		f, err := fileio.OpenRegular(ex.path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return HParamsMeta(ex.display, f)
	case "mlflow-params":
		return MLflowParamsMeta(ex.display, ReadMLflowParams(ex.path)), nil
	case settingsModelConfig, settingsRunArgs:
		return readSettings(ex.kind, ex.path, ex.display)
	}
	return nil, nil
}

func shortReason(err error) string {
	var se *SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	var ue *UnreadableError
	if errors.As(err, &ue) {
		return "cannot be read: " + ue.Err.Error()
	}
	return err.Error()
}

// sniff opens a file and detects its format. A named pipe, a device or
// a socket is refused without blocking (fileio.OpenRegular).
func sniff(path, display string) (plan, bool, error) {
	f, err := fileio.OpenRegular(path)
	if err != nil {
		return plan{}, false, unreadableErr(display, err)
	}
	defer f.Close()
	head := make([]byte, SniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return plan{}, false, unreadableErr(display, err)
	}
	head = head[:n]
	if n == 0 {
		return plan{}, false, &SyntaxError{File: display, Msg: "empty file: expected a training log", Err: ErrNoData}
	}
	if what, ok := ownOutput(head); ok {
		return plan{}, false, &SyntaxError{File: display, Msg: "plateau's own " + what + ", not a training log", Err: ErrOwnOutput}
	}
	fm, score := DetectConfidence(display, head)
	if ok := score > 0; !ok {
		if looksBinary(head) {
			return plan{}, false, &SyntaxError{File: display, Line: 1, Msg: "binary data: expected a training log (Trainer console output, trainer_state.json, JSONL, CSV or TensorBoard events)", Err: ErrBinary}
		}
		return plan{}, false, &SyntaxError{File: display, Line: 1, Msg: "not a recognised training log: expected Trainer console output, trainer_state.json, JSONL, CSV or TensorBoard events (see 'plateau formats')", Err: ErrUnknownFormat}
	}
	return plan{path: path, display: display, format: fm, priority: priorityOf(fm.Name), confidence: score}, true, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// ApplySplit makes an entry read from a file of a TensorBoard run's eval
// or test split folder (Input.Split) an evaluation or a prediction: its
// keys are prefixed as the Trainer's own (eval/loss, test/loss) unless
// they already name the split.
func ApplySplit(e *Entry, split string) {
	kind, prefix := KindEval, "eval/"
	if split == "test" {
		kind, prefix = KindPredict, "test/"
	}
	if e.Kind == KindTrain {
		e.Kind = kind
	}
	for i, kv := range e.Values {
		name := Canonical(KindTrain, kv.Key)
		if IsEval(name) || strings.HasPrefix(name, "test_") || name == "epoch" {
			continue
		}
		e.Values[i].Key = prefix + kv.Key
	}
}
