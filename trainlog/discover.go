package trainlog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/fileio"
)

// Run discovery: which runs lie under a path, and which files make each.
//
// A run is one training session and its resumes. Discover walks the
// folder once, sniffs each file's format, and gives every log file an
// owner folder, the run it belongs to:
//
//   - a file under a checkpoint-N folder belongs to the folder holding
//     the checkpoint (the Trainer's output_dir);
//   - a file under <run>/metrics/, <run>/params/ or <run>/tags/ of an
//     MLflow file store (<run>/meta.yaml exists) belongs to <run>;
//   - a file under wandb/run-*/ (offline-run-*, latest-run) belongs to
//     that W&B run folder;
//   - a TensorBoard event file under <dir>/runs/ belongs to <dir> when
//     <dir> holds other logs or checkpoints of a Trainer (the Trainer's
//     default logging_dir), and otherwise to its own folder (a
//     TensorBoard run is a folder of event files);
//   - any other log belongs to its own folder.
//
// The trainer_state.json files of one output folder (the root copy and
// one per checkpoint) are copies of one growing log_history when they
// share its first entry: the longest is read, the others are listed as
// skipped. A state whose log_history starts differently was written by
// another session that reused the folder: it makes a run of its own.
// A wandb/latest-run folder that copies a wandb/run-* folder byte for
// byte is skipped. Text files that only look like logs by name (a custom
// logger's output) make a run only where no other run is found above or
// below them.

// A Discovery is what Discover found under one path.
type Discovery struct {
	// Root is the path given to Discover.
	Root string
	// Runs are the runs found, sorted by Rel.
	Runs []RunDir
	// Ignored lists the files under Root that belong to no run and why
	// they were not read.
	Ignored []File
	// TooDeep lists the folders (relative to Root, in slash form) that
	// were not searched because they lie deeper than MaxDepth.
	TooDeep []string
}

// A RunDir is one run found by Discover: its folder and the files to
// read. File names are relative to Root, as Load cites them.
type RunDir struct {
	// Root is the path given to Discover.
	Root string
	// Rel is the run's folder relative to Root, in slash form: "." for
	// Root itself (or the file Root names).
	Rel string
	// Inputs are the log files to read, the most precise formats first.
	Inputs []Input
	// Settings are files that hold run settings and no records (a
	// Lightning hparams.yaml, an MLflow run's params folder).
	Settings []Input
	// Checkpoints are the checkpoint folders of the run.
	Checkpoints []Checkpoint
	// Skipped lists the run's files that are not read (earlier copies of
	// trainer_state.json, files no reader recognises), with the reason.
	Skipped []File
	// Part is set on the runs Load finds in one folder whose files hold
	// several runs (a *ManyRunsError), and on a run of one file whose
	// folder holds other runs below it: the name of the run's (first)
	// file, which names the run.
	Part string
	// Sessions lists, oldest first, the folders of a run that logged each
	// session into a folder of its own: a W&B run resumed with the same
	// run id (wandb/run-<time>-<id>, one folder per session). Rel is then
	// the latest; Sessions is nil for a run of one folder.
	Sessions []string
}

// An Input is one file of a run.
type Input struct {
	// Path is the file on disk, or Stdin.
	Path string
	// Name is the path relative to the run's Root, in slash form: the
	// name sources cite.
	Name string
	// Format is the detected format's name; "" for standard input (it is
	// sniffed when read) and for settings files, whose kind is in Kind.
	Format string
	// Kind is "hparams" or "mlflow-params" for a settings file.
	Kind string
	// Note says how the file is used when that needs saying.
	Note string
	// Split is "eval" or "test" for the event files of a TensorBoard
	// run's eval or test split folder (see splitOf): their values are
	// read as evaluations or predictions.
	Split string

	priority   int
	confidence int
}

// Path returns the run's folder (or file) on disk.
func (r RunDir) Path() string {
	if r.Rel == "." {
		return r.Root
	}
	return filepath.Join(r.Root, filepath.FromSlash(r.Rel))
}

// Name returns the run's name: its folder's base name, with the parent
// folder for a checkpoint-N folder.
func (r RunDir) Name() string { return runName(r.Path()) }

// Label names the run for a list of runs: its folder relative to Root,
// the first file of a part of a folder, or for a run of several session
// folders the pattern that matches them all (wandb/run-*-<id>), which
// Load accepts as a path.
func (r RunDir) Label() string {
	if r.Part != "" {
		return r.Part
	}
	if len(r.Sessions) > 1 {
		return path.Join(path.Dir(r.Rel), sessionsPattern(r.Sessions))
	}
	return r.Rel
}

// OutputDir reports whether the run's folder is a training session's own
// output folder: it holds a trainer_state.json, a LLaMA-Factory
// trainer_log.jsonl, *_results.json files or checkpoint-N folders. Two
// output folders are two sessions; other run folders (a TensorBoard or
// Lightning logger's folder, a W&B or MLflow run, loose logs) may be
// views of one session.
func (r RunDir) OutputDir() bool {
	for _, in := range r.Inputs {
		switch in.Format {
		case "trainer-state", "llamafactory-jsonl", "hf-results":
			return true
		}
	}
	for _, ck := range r.Checkpoints {
		if ck.Kind == "checkpoint" {
			return true
		}
	}
	return false
}

// Logger names the kind of logger that wrote the run's folder: "output"
// for a training session's own output folder (OutputDir), "mlflow" for
// an MLflow run, "wandb" for a W&B run folder, else the formats of its
// files joined by "+" ("tensorboard", "lightning-csv", "hf-console").
// One session writes one folder per logger (a W&B run resumed into a new
// folder aside, which Discover gathers into one run): two folders of one
// logger are two runs.
func (r RunDir) Logger() string {
	if r.OutputDir() {
		return "output"
	}
	if r.wandbRun() {
		return "wandb"
	}
	formats := r.Formats()
	if contains(formats, "mlflow") {
		return "mlflow"
	}
	sort.Strings(formats)
	return strings.Join(formats, "+")
}

// wandbRun reports whether the run's folder is a W&B run folder:
// wandb/run-*, wandb/offline-run-* or wandb/latest-run, or such a folder
// whose files are under files/.
func (r RunDir) wandbRun() bool {
	if !wandbRunRE.MatchString(path.Base(r.Rel)) {
		return false
	}
	if path.Base(path.Dir(r.Rel)) == "wandb" {
		return true
	}
	for _, in := range r.Inputs {
		if strings.HasPrefix(in.Name, r.Rel+"/files/") {
			return true
		}
	}
	return false
}

// Together returns runs of one discovery rebased on the deepest folder
// that holds them all, as Discover would find them given that folder:
// several logger folders of one session (LoadViews) are then read and
// cited from their common folder.
func Together(runs []RunDir) []RunDir {
	if len(runs) == 1 {
		return []RunDir{runs[0].Alone()}
	}
	common := runs[0].Rel
	for _, r := range runs {
		for _, dir := range append([]string{r.Rel}, r.Sessions...) {
			for !within(dir, common) {
				common = path.Dir(common)
			}
		}
	}
	base := RunDir{Root: runs[0].Root, Rel: common}
	out := make([]RunDir, len(runs))
	for i, r := range runs {
		out[i] = r.rebase(base.Path(), common)
	}
	return out
}

// Formats returns the formats of the run's inputs, in input order, each
// once.
func (r RunDir) Formats() []string {
	var out []string
	for _, in := range r.Inputs {
		if in.Format != "" && !contains(out, in.Format) {
			out = append(out, in.Format)
		}
	}
	return out
}

// Alone returns the run as Discover would find it given the run's own
// folder: Root becomes the run's path and every name becomes relative to
// it, so that a run found in a tree of runs reads and cites as if it had
// been named alone.
func (r RunDir) Alone() RunDir {
	if r.Rel == "." {
		return r
	}
	if len(r.Sessions) > 1 {
		// The session folders are siblings: names relative to their
		// parent (run-<time>-<id>/files/output.log).
		parent := path.Dir(r.Rel)
		return r.rebase(RunDir{Root: r.Root, Rel: parent}.Path(), parent)
	}
	return r.rebase(r.Path(), r.Rel)
}

// rebase returns r with root as its Root and every name made relative to
// dir (a folder relative to r.Root that holds r).
func (r RunDir) rebase(root, dir string) RunDir {
	rel := func(name string) string {
		if dir == "." {
			return name
		}
		if name == dir {
			return "."
		}
		if strings.HasPrefix(name, dir+"/") {
			return strings.TrimPrefix(name, dir+"/")
		}
		up, err := filepath.Rel(filepath.FromSlash(dir), filepath.FromSlash(name))
		if err != nil {
			return name
		}
		return filepath.ToSlash(up) // a checkpoint of the folder above a session's run
	}
	out := RunDir{Root: root, Rel: rel(r.Rel)}
	if r.Part != "" {
		out.Part = rel(r.Part)
	}
	for _, s := range r.Sessions {
		out.Sessions = append(out.Sessions, rel(s))
	}
	for _, in := range r.Inputs {
		in.Name = rel(in.Name)
		out.Inputs = append(out.Inputs, in)
	}
	for _, in := range r.Settings {
		in.Name = rel(in.Name)
		out.Settings = append(out.Settings, in)
	}
	for _, ck := range r.Checkpoints {
		ck.Path = rel(ck.Path)
		out.Checkpoints = append(out.Checkpoints, ck)
	}
	for _, f := range r.Skipped {
		f.Path = rel(f.Path)
		if dir != "." {
			f.Reason = strings.ReplaceAll(f.Reason, dir+"/", "")
		}
		out.Skipped = append(out.Skipped, f)
	}
	return out
}

// DiscoverOptions configure Discover.
type DiscoverOptions struct {
	// MaxDepth limits how deep folders are searched (0 means 6).
	MaxDepth int
}

// Discover finds the runs under path: a run folder, a folder of runs, a
// single log file, or Stdin. A path that does not exist, or a file that
// no format recognises, is an error; a folder in which no run is found
// is not (Runs is empty and Ignored says what was there).
func Discover(root string, opts DiscoverOptions) (*Discovery, error) {
	d := &Discovery{Root: root}
	if root == Stdin {
		d.Runs = []RunDir{{Root: root, Rel: ".", Inputs: []Input{{Path: Stdin, Name: "stdin", priority: 5}}}}
		return d, nil
	}
	st, err := os.Stat(root)
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file or directory", root)
		case unreadable(err):
			// A folder on the way that cannot be searched: said as a
			// folder that cannot be listed is, not as Go's "stat PATH".
			return nil, unreadableErr(root, err)
		case errors.As(err, &pe):
			return nil, fmt.Errorf("%s: %w", root, pe.Err) // "file name too long"
		}
		return nil, err
	}
	if !st.IsDir() {
		rd := RunDir{Root: root, Rel: "."}
		if filepath.Base(root) == "hparams.yaml" {
			rd.Settings = []Input{{Path: root, Name: filepath.Base(root), Kind: "hparams"}}
		} else {
			pl, ok, reason := sniff(root, filepath.Base(root))
			if !ok {
				return nil, reason
			}
			if err := explicitFile(pl); err != nil {
				return nil, err
			}
			rd.Inputs = []Input{inputOf(pl)}
		}
		d.Runs = []RunDir{rd}
		return d, nil
	}
	// A folder that cannot be listed at all is the input's problem, said
	// as such, not a folder without logs.
	if dir, err := os.Open(root); err != nil {
		if unreadable(err) {
			return nil, unreadableErr(root, err)
		}
		return nil, err
	} else if _, err := dir.ReadDir(1); err != nil && err != io.EOF && unreadable(err) {
		dir.Close()
		return nil, unreadableErr(root, err)
	} else {
		dir.Close()
	}
	w := &walker{root: root, maxDepth: opts.MaxDepth}
	if w.maxDepth <= 0 {
		w.maxDepth = 6
	}
	if err := w.walk(); err != nil {
		return nil, err
	}
	w.group(d)
	d.TooDeep = w.tooDeep
	return d, nil
}

// NotALog reports whether a file's name marks it as no log at all
// (weights, tokenizers, model and tool configuration, images, archives,
// scripts): Discover skips such files without listing them.
func NotALog(name string) bool {
	skip, _ := skipFile(path.Base(filepath.ToSlash(name)))
	return skip
}

func inputOf(pl plan) Input {
	return Input{Path: pl.path, Name: pl.display, Format: pl.format.Name, Note: pl.note, priority: pl.priority, confidence: pl.confidence}
}

// A found is one file met by the walk.
type found struct {
	in     Input
	dir    string // slash folder relative to the root, "." for the root
	weak   bool   // text without recognised records, named like a log
	ignore string // why the file is not read ("" for a log or settings)
	// problem is set when the file or folder could not be read: an input
	// problem, not a file plateau chose to leave.
	problem bool
}

// A walker holds what one walk found.
type walker struct {
	root     string
	maxDepth int
	files    []found
	ckpts    []ckptDir
	splits   map[string]bool // split folders of TensorBoard runs (findSplits)
	tooDeep  []string        // folders not searched, deeper than maxDepth
}

// A ckptDir is a checkpoint-N, final or adapter folder.
type ckptDir struct {
	ck  Checkpoint
	dir string // the folder itself, relative to the root
}

func (w *walker) walk() error {
	// Files are sniffed on their own goroutines, at most GOMAXPROCS at
	// once, while the walk goes on (a folder of checkpoints holds several
	// trainer_state.json files to sniff); each fills its entry of w.files,
	// kept in walk order, when the walk ends.
	var pending []*pendingSniff
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	err := w.walkFiles(func(k int, p, rel, dir, name string) {
		ps := &pendingSniff{k: k, done: make(chan struct{})}
		pending = append(pending, ps)
		sem <- struct{}{}
		go func() {
			defer close(ps.done)
			defer func() { <-sem }()
			ps.f = sniffFound(p, rel, dir, name)
		}()
	})
	for _, ps := range pending {
		<-ps.done
		w.files[ps.k] = ps.f
	}
	return err
}

// A pendingSniff is a file being sniffed beside the walk: done is closed
// when f, its entry, is set; k is the entry's index in the walk's files.
type pendingSniff struct {
	k    int
	f    found
	done chan struct{}
}

// sniffFound sniffs the file p (rel, in the folder dir, named name) and
// returns its entry.
func sniffFound(p, rel, dir, name string) found {
	pl, ok, reason := sniff(p, rel)
	if ok && pl.confidence < minWalkConfidence {
		return found{in: inputOf(pl), dir: dir, weak: logName(name), ignore: "text without training records"}
	}
	if !ok {
		return found{in: Input{Path: p, Name: rel}, dir: dir, ignore: shortReason(reason), problem: unreadable(reason)}
	}
	return found{in: inputOf(pl), dir: dir}
}

// walkFiles walks the root, appending an entry to w.files for each file
// met; for a file to sniff, it appends an empty entry and calls sniffAt
// with the entry's index.
func (w *walker) walkFiles(sniffAt func(k int, p, rel, dir, name string)) error {
	mlflowSeen := map[string]bool{}
	// Symbolic links are followed, without loops (fileio.WalkDir).
	return fileio.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(w.root, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			why := err.Error()
			if unreadable(err) {
				why = shortReason(unreadableErr(rel, err)) // "cannot be read: permission denied"
			}
			w.files = append(w.files, found{in: Input{Path: p, Name: rel}, dir: path.Dir(rel), ignore: why, problem: unreadable(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p == w.root {
				return nil
			}
			base := d.Name()
			if strings.HasPrefix(base, ".") || base == "node_modules" || base == "__pycache__" {
				return fs.SkipDir
			}
			if strings.Count(rel, "/") >= w.maxDepth {
				w.tooDeep = append(w.tooDeep, rel)
				return fs.SkipDir
			}
			if ck, ok := checkpointAt(p, rel, base); ok {
				w.ckpts = append(w.ckpts, ckptDir{ck: ck, dir: rel})
			}
			return nil
		}
		if !d.Type().IsRegular() {
			w.files = append(w.files, found{in: Input{Path: p, Name: rel}, dir: path.Dir(rel), ignore: fileio.Kind(d.Type()) + ", not a regular file"})
			return nil
		}
		dir := path.Dir(rel)
		if d.Name() == "hparams.yaml" {
			w.files = append(w.files, found{in: Input{Path: p, Name: rel, Kind: "hparams"}, dir: dir})
			return nil
		}
		if parent := path.Base(dir); parent == "params" || parent == "tags" {
			runDir := filepath.Dir(filepath.Dir(p))
			if _, err := os.Stat(filepath.Join(runDir, "meta.yaml")); err == nil {
				if parent == "params" && !mlflowSeen[runDir] {
					mlflowSeen[runDir] = true
					w.files = append(w.files, found{in: Input{Path: runDir, Name: path.Dir(dir), Kind: "mlflow-params"}, dir: path.Dir(dir)})
				}
				return nil
			}
		}
		if kind := settingsKind(d.Name(), dir); kind != "" {
			w.files = append(w.files, found{in: Input{Path: p, Name: rel, Kind: kind}, dir: dir})
			return nil
		}
		if skip, _ := skipFile(d.Name()); skip {
			return nil // weights and configs are expected in run folders
		}
		// The file is sniffed beside the walk; its entry keeps its place.
		sniffAt(len(w.files), p, rel, dir, d.Name())
		w.files = append(w.files, found{})
		return nil
	})
}

// checkpointAt returns the checkpoint a folder is: checkpoint-N, or a
// folder of final weights or of an adapter.
func checkpointAt(p, rel, base string) (Checkpoint, bool) {
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(p, name))
		return err == nil
	}
	ck := Checkpoint{Step: -1, Path: rel, HasState: has("trainer_state.json"),
		Adapter: has("adapter_config.json") || has("adapter_model.safetensors") || has("adapter_model.bin")}
	if checkpointRE.MatchString(base) {
		step, ok := checkpointStep(base)
		if !ok {
			return ck, false // its name gives no step the run could have
		}
		ck.Step, ck.Kind = step, "checkpoint"
		return ck, true
	}
	if !ck.Adapter && !has("model.safetensors") && !has("pytorch_model.bin") && !has("model.safetensors.index.json") {
		return ck, false
	}
	ck.Kind = "final"
	if ck.Adapter {
		ck.Kind = "adapter"
	}
	return ck, true
}

var wandbRunRE = regexp.MustCompile(`^(offline-)?run-|^latest-run$`)

// owner returns the run folder a file found in dir belongs to.
func (w *walker) owner(dir string, tensorboard bool, holds map[string]bool) string {
	if dir == "." {
		return dir
	}
	comps := strings.Split(dir, "/")
	join := func(n int) string {
		if n == 0 {
			return "."
		}
		return strings.Join(comps[:n], "/")
	}
	for i, c := range comps {
		if checkpointRE.MatchString(c) {
			return join(i)
		}
	}
	for i, c := range comps {
		if (c == "metrics" || c == "params" || c == "tags") && i > 0 {
			if _, err := os.Stat(filepath.Join(w.root, filepath.FromSlash(join(i)), "meta.yaml")); err == nil {
				return join(i)
			}
		}
	}
	for i, c := range comps {
		if wandbRunRE.MatchString(c) && ((i > 0 && comps[i-1] == "wandb") || (i+1 < len(comps) && comps[i+1] == "files")) {
			return join(i + 1)
		}
	}
	if tensorboard && w.splits[dir] {
		comps = comps[:len(comps)-1] // a split folder of a TensorBoard run
		if len(comps) == 0 {
			return "."
		}
	}
	if tensorboard {
		for i := len(comps) - 1; i >= 0; i-- {
			if comps[i] == "runs" && holds[join(i)] {
				return join(i)
			}
		}
	}
	return join(len(comps))
}

// splitNames maps the names of the folders that one writer per split
// writes under a TensorBoard run (TF/Keras: train/ and validation/; JAX
// trainers: train/ and eval/) to the split whose values they hold: ""
// for training.
var splitNames = map[string]string{
	"train": "", "training": "",
	"eval": "eval", "evaluation": "eval", "val": "eval", "valid": "eval", "validation": "eval", "dev": "eval",
	"test": "test",
}

// splitOf returns the split of a folder of TensorBoard event files that
// is a split folder of a run (see findSplits), and whether it is one.
func (w *walker) splitOf(dir string) (string, bool) {
	if !w.splits[dir] {
		return "", false
	}
	return splitNames[path.Base(dir)], true
}

// findSplits marks the folders of TensorBoard event files named by a
// split (train/, eval/, validation/, test/) that have a sibling split
// folder of event files: the split folders of one run.
func (w *walker) findSplits() {
	children := map[string]map[string]bool{}
	for _, f := range w.files {
		if f.ignore != "" || f.in.Format != "tensorboard" || f.dir == "." {
			continue
		}
		if _, ok := splitNames[path.Base(f.dir)]; !ok {
			continue
		}
		parent := path.Dir(f.dir)
		if children[parent] == nil {
			children[parent] = map[string]bool{}
		}
		children[parent][f.dir] = true
	}
	w.splits = map[string]bool{}
	for _, dirs := range children {
		if len(dirs) < 2 {
			continue
		}
		for dir := range dirs {
			w.splits[dir] = true
		}
	}
}

// group assigns the files to runs.
func (w *walker) group(d *Discovery) {
	w.findSplits()
	// holds: folders that hold a log other than TensorBoard events, or a
	// checkpoint folder: a Trainer output folder whose runs/ subfolder is
	// its TensorBoard logging_dir.
	holds := map[string]bool{}
	for _, f := range w.files {
		if f.ignore == "" && f.in.Kind == "" && f.in.Format != "tensorboard" {
			holds[w.owner(f.dir, false, nil)] = true
		}
	}
	for _, c := range w.ckpts {
		if c.ck.Kind == "checkpoint" {
			holds[path.Dir(c.dir)] = true
		}
	}
	runs := map[string]*RunDir{}
	get := func(rel string) *RunDir {
		r := runs[rel]
		if r == nil {
			r = &RunDir{Root: w.root, Rel: rel}
			runs[rel] = r
		}
		return r
	}
	owners := make([]string, len(w.files))
	for i, f := range w.files {
		owners[i] = w.owner(f.dir, f.in.Format == "tensorboard", holds)
		if f.ignore == "" && f.in.Kind == "" {
			in := f.in
			if split, ok := w.splitOf(f.dir); ok && f.in.Format == "tensorboard" && split != "" {
				in.Split = split
				in.Note = "the " + path.Base(f.dir) + "/ folder's values, read as " + map[string]string{"eval": "evaluations", "test": "test predictions"}[split]
			}
			r := get(owners[i])
			r.Inputs = append(r.Inputs, in)
		}
	}
	// Text that only looks like a log by its name makes a run where no
	// other run lies above or below it (a custom logger's output).
	weakRuns := map[string]bool{}
	for i, f := range w.files {
		if !f.weak || runs[owners[i]] != nil || nested(owners[i], runs) {
			continue
		}
		weakRuns[owners[i]] = true
	}
	for i, f := range w.files {
		if f.weak && weakRuns[owners[i]] {
			in := f.in
			in.Note = "read as a console log although no Trainer output was recognised in its first 64 KiB"
			r := get(owners[i])
			r.Inputs = append(r.Inputs, in)
			w.files[i].ignore = ""
		}
	}
	w.splitSessions(runs)
	w.dropCopies(runs, d)
	joinSessions(runs)
	adoptBelow(runs)
	// Settings, checkpoints and ignored files go to their owner run, or
	// the nearest run above them.
	for i, f := range w.files {
		switch {
		case f.in.Kind != "":
			if r := nearest(owners[i], runs); r != nil {
				r.Settings = append(r.Settings, f.in)
			} else {
				d.Ignored = append(d.Ignored, File{Path: f.in.Name, Format: f.in.Kind, Reason: "ignored: settings without a training log beside them"})
			}
		case f.ignore != "":
			file := File{Path: f.in.Name, Reason: "ignored: " + f.ignore, Problem: f.problem}
			if r := nearest(owners[i], runs); r != nil {
				r.Skipped = append(r.Skipped, file)
			} else {
				d.Ignored = append(d.Ignored, file)
			}
		}
	}
	for _, r := range runs {
		r.Settings = oneSettingsPerName(r.Settings)
	}
	for _, c := range w.ckpts {
		if c.ck.Kind == "checkpoint" && claimed(c.dir, runs) {
			continue // splitSessions gave it to another session's run
		}
		parent := path.Dir(c.dir)
		r := runs[parent]
		if r == nil && c.ck.Kind != "checkpoint" {
			r = nearest(parent, runs)
		}
		if r == nil && len(runs) == 1 {
			for _, only := range runs {
				r = only
			}
		}
		if r != nil {
			r.Checkpoints = append(r.Checkpoints, c.ck)
		}
	}
	seen := map[*RunDir]bool{}
	for _, r := range runs {
		if len(r.Inputs) == 0 || seen[r] {
			continue
		}
		seen[r] = true
		sort.SliceStable(r.Inputs, func(i, j int) bool { return r.Inputs[i].priority < r.Inputs[j].priority })
		sortCheckpoints(r.Checkpoints)
		d.Runs = append(d.Runs, *r)
	}
	sort.Slice(d.Runs, func(i, j int) bool { return d.Runs[i].Rel < d.Runs[j].Rel })
	nameByFile(d.Runs)
}

// nameByFile names by its file a run of one file whose folder holds
// other runs below it (python train.py > output/train.log, beside
// output/run-a/ and output/run-b/): the folder names them all, the file
// names the run.
func nameByFile(runs []RunDir) {
	for i, r := range runs {
		if len(r.Inputs) != 1 || r.Part != "" || len(r.Sessions) > 0 || r.Inputs[0].Path == Stdin {
			continue
		}
		for j, o := range runs {
			if j != i && o.Rel != r.Rel && within(o.Rel, r.Rel) {
				runs[i].Part = r.Inputs[0].Name
				break
			}
		}
	}
}

// adoptBelow merges a folder's console logs with the one run below it:
// a training script's captured output (python train.py > train.log) sits
// above the output folder the Trainer writes. The run keeps the upper
// folder, so that both are cited from it. Whether they really are views
// of one run is checked when the files are read (Load).
func adoptBelow(runs map[string]*RunDir) {
	for _, a := range sortedKeys(runs) {
		ra := runs[a]
		if runs[a].Rel != a || len(ra.Inputs) == 0 {
			continue
		}
		console := true
		for _, in := range ra.Inputs {
			console = console && in.Format == "hf-console"
		}
		if !console {
			continue
		}
		var below *RunDir
		var belowRels []string
		n := 0
		for _, b := range sortedKeys(runs) {
			rb := runs[b]
			if b == a || rb == ra || !within(b, a) || len(rb.Inputs) == 0 {
				continue
			}
			belowRels = append(belowRels, b)
			if rb != below {
				below = rb
				n++
			}
		}
		if n != 1 {
			continue
		}
		ra.Inputs = append(ra.Inputs, below.Inputs...)
		ra.Settings = append(ra.Settings, below.Settings...)
		ra.Checkpoints = append(ra.Checkpoints, below.Checkpoints...)
		ra.Skipped = append(ra.Skipped, below.Skipped...)
		for _, b := range belowRels {
			runs[b] = ra
		}
	}
}

// claimed reports whether a checkpoint folder already belongs to a run
// (one made of another session's checkpoints).
func claimed(dir string, runs map[string]*RunDir) bool {
	for _, r := range runs {
		for _, ck := range r.Checkpoints {
			if ck.Path == dir {
				return true
			}
		}
	}
	return false
}

// nested reports whether a run lies strictly above or below rel.
func nested(rel string, runs map[string]*RunDir) bool {
	for other := range runs {
		if other != rel && (within(rel, other) || within(other, rel)) {
			return true
		}
	}
	return false
}

// within reports whether rel is inside dir (or is dir).
func within(rel, dir string) bool {
	return dir == "." || rel == dir || strings.HasPrefix(rel, dir+"/")
}

// nearest returns the run at rel or the nearest above it.
func nearest(rel string, runs map[string]*RunDir) *RunDir {
	for {
		if r := runs[rel]; r != nil && len(r.Inputs) > 0 {
			return r
		}
		if rel == "." || rel == "" {
			return nil
		}
		rel = path.Dir(rel)
	}
}

func sortCheckpoints(cks []Checkpoint) {
	sort.Slice(cks, func(i, j int) bool {
		a, b := cks[i], cks[j]
		if (a.Step < 0) != (b.Step < 0) {
			return b.Step < 0
		}
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		return a.Path < b.Path
	})
}
