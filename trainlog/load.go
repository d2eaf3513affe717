package trainlog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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
}

// Load reads one or more paths (files, run directories, or "-" for
// standard input) into a single Run: several paths are taken as several
// views of the same run and merged. It returns an error only when nothing
// could be read; problems met on the way are in Run.Warnings and
// Run.Files.
func Load(paths []string, opts LoadOptions) (*Run, error) {
	if len(paths) == 0 {
		return nil, errors.New("no input: give a run directory, a log file, or - for standard input")
	}
	name := runName(paths[0])
	run := NewRun(name)
	run.Root = paths[0]
	var plans []plan
	var extras []extra
	for _, p := range paths {
		ps, exs, err := discover(p, run, opts)
		if err != nil {
			return nil, err
		}
		plans = append(plans, ps...)
		extras = append(extras, exs...)
	}
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].priority < plans[j].priority })
	results := readAll(plans, opts)
	c := NewCollector(run)
	var firstErr error
	for i, res := range results {
		pl := plans[i]
		if pl.format.Name == "" {
			pl.format = res.format
		}
		f := File{Path: pl.display, Format: pl.format.Name, Used: true, Reason: pl.note, Records: res.entries, Errors: res.errors}
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
		f := File{Path: ex.display, Format: ex.kind, Used: err == nil, Records: len(metas), Reason: "settings (run geometry), no metrics"}
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
	sort.Slice(run.Checkpoints, func(i, j int) bool {
		a, b := run.Checkpoints[i], run.Checkpoints[j]
		if (a.Step < 0) != (b.Step < 0) {
			return b.Step < 0
		}
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		return a.Path < b.Path
	})
	if len(run.Series) == 0 && len(run.Summary) == 0 {
		used := 0
		for _, f := range run.Files {
			if f.Used {
				used++
			}
		}
		if used == 0 {
			if firstErr != nil && len(paths) == 1 && !isDir(paths[0]) {
				return run, firstErr
			}
			return run, fmt.Errorf("%s: %w: found no training log (looked for Trainer console output, trainer_state.json, trainer_log.jsonl, *_results.json, metrics.csv, TensorBoard events, W&B and MLflow files; %s ignored)", paths[0], ErrNoData, plural(len(run.Files), "file"))
		}
	}
	return run, nil
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
		f, err := os.Open(pl.path)
		if err != nil {
			res.openErr = err
			return res
		}
		defer f.Close()
		r = f
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
	for rd.Scan() {
		rec := rd.Record()
		res.records++
		switch rec.(type) {
		case *Entry:
			res.entries++
		case *SyntaxError:
			res.errors++
		}
		res.sub.Add(rec)
	}
	res.ioErr = rd.Err()
	return res
}

var checkpointRE = regexp.MustCompile(`^checkpoint-(\d+)$`)

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

// discover lists the files to read under path and records checkpoints.
func discover(path string, run *Run, opts LoadOptions) ([]plan, []extra, error) {
	if path == Stdin {
		return []plan{{path: Stdin, display: "stdin", priority: 5}}, nil, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%s: no such file or directory", path)
		}
		return nil, nil, err
	}
	if !st.IsDir() {
		if filepath.Base(path) == "hparams.yaml" {
			return nil, []extra{{kind: "hparams", path: path, display: filepath.Base(path)}}, nil
		}
		pl, ok, reason := sniff(path, filepath.Base(path))
		if !ok {
			return nil, nil, reason
		}
		return []plan{pl}, nil, nil
	}
	maxDepth := opts.MaxDepth
	if maxDepth <= 0 {
		maxDepth = 6
	}
	var plans []plan
	states := map[string][]plan{} // run dir -> trainer_state plans
	var extras []extra
	var weak []plan // text logs no format recognised well
	mlflowSeen := map[string]bool{}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(path, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			run.Files = append(run.Files, File{Path: rel, Reason: err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p == path {
				return nil
			}
			base := d.Name()
			if strings.HasPrefix(base, ".") || base == "node_modules" || base == "__pycache__" {
				return fs.SkipDir
			}
			if strings.Count(rel, "/") >= maxDepth {
				return fs.SkipDir
			}
			addCheckpoint(run, p, rel, base)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if d.Name() == "hparams.yaml" {
			extras = append(extras, extra{kind: "hparams", path: p, display: rel})
			return nil
		}
		if dir := filepath.Base(filepath.Dir(p)); dir == "params" || dir == "tags" {
			if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(p)), "meta.yaml")); err == nil {
				if dir == "params" {
					runDir := filepath.Dir(filepath.Dir(p))
					if !mlflowSeen[runDir] {
						mlflowSeen[runDir] = true
						extras = append(extras, extra{kind: "mlflow-params", path: runDir, display: filepath.ToSlash(filepath.Dir(filepath.Dir(rel)))})
					}
				}
				return nil
			}
		}
		if skip, why := skipFile(d.Name()); skip {
			_ = why // not listed: weights and configs are expected in run dirs
			return nil
		}
		pl, ok, reason := sniff(p, rel)
		if ok && pl.confidence < minWalkConfidence {
			if logName(d.Name()) {
				weak = append(weak, pl)
			}
			ok, reason = false, errors.New("text without training records")
		}
		if !ok {
			run.Files = append(run.Files, File{Path: rel, Reason: "ignored: " + shortReason(reason)})
			return nil
		}
		if pl.format.Name == "trainer-state" {
			dir := filepath.Dir(p)
			if checkpointRE.MatchString(filepath.Base(dir)) {
				dir = filepath.Dir(dir)
			}
			states[dir] = append(states[dir], pl)
			return nil
		}
		plans = append(plans, pl)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, group := range states {
		best := pickState(group)
		for i, pl := range group {
			if i == best {
				continue
			}
			run.Files = append(run.Files, File{Path: pl.display, Format: "trainer-state",
				Reason: "ignored: an earlier copy of " + group[best].display + " (checkpoint states are prefixes of the latest log_history)"})
		}
		plans = append(plans, group[best])
	}
	if len(plans) == 0 && len(weak) > 0 {
		// Nothing but text logs in an unknown shape (a custom logger):
		// read them anyway, so that the report can say what they hold
		// and that no per-step data was found.
		for _, pl := range weak {
			pl.note = "read as a console log although no Trainer output was recognised in its first 64 KiB"
			plans = append(plans, pl)
			for i := range run.Files {
				if run.Files[i].Path == pl.display {
					run.Files = append(run.Files[:i], run.Files[i+1:]...)
					break
				}
			}
		}
	}
	return plans, extras, nil
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
		f, err := os.Open(ex.path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return HParamsMeta(ex.display, f)
	case "mlflow-params":
		return MLflowParamsMeta(ex.display, ReadMLflowParams(ex.path)), nil
	}
	return nil, nil
}

// pickState picks the root trainer_state.json of a run directory when it
// exists, else the one of the highest checkpoint.
func pickState(group []plan) int {
	best, bestStep := 0, int64(-2)
	for i, pl := range group {
		step := int64(1 << 62) // the root copy holds the summary: prefer it
		if m := checkpointRE.FindStringSubmatch(filepath.Base(filepath.Dir(pl.path))); m != nil {
			step, _ = strconv.ParseInt(m[1], 10, 64)
		}
		if step > bestStep {
			best, bestStep = i, step
		}
	}
	return best
}

func shortReason(err error) string {
	var se *SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// sniff opens a file and detects its format.
func sniff(path, display string) (plan, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return plan{}, false, err
	}
	defer f.Close()
	head := make([]byte, SniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return plan{}, false, fmt.Errorf("%s: %w", display, err)
	}
	head = head[:n]
	if n == 0 {
		return plan{}, false, &SyntaxError{File: display, Msg: "empty file: expected a training log", Err: ErrNoData}
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

// addCheckpoint records checkpoint-N, final and adapter directories.
func addCheckpoint(run *Run, p, rel, base string) {
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(p, name))
		return err == nil
	}
	ck := Checkpoint{Step: -1, Path: rel, HasState: has("trainer_state.json"),
		Adapter: has("adapter_config.json") || has("adapter_model.safetensors") || has("adapter_model.bin")}
	if m := checkpointRE.FindStringSubmatch(base); m != nil {
		ck.Step, _ = strconv.ParseInt(m[1], 10, 64)
		ck.Kind = "checkpoint"
		run.Checkpoints = append(run.Checkpoints, ck)
		return
	}
	weights := ck.Adapter || has("model.safetensors") || has("pytorch_model.bin") || has("model.safetensors.index.json")
	if !weights {
		return
	}
	ck.Kind = "final"
	if ck.Adapter {
		ck.Kind = "adapter"
	}
	run.Checkpoints = append(run.Checkpoints, ck)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
