package watch

import (
	"errors"
	"os"
	"sync"
	"time"

	"github.com/plateau-dev/plateau/trainlog"
)

// A selection is the run being followed as trainlog.Discover finds it:
// which files to read (one trainer_state.json of a run folder, the
// newest; none of another run), its checkpoints, and the files it
// ignores. The follower asks it about every file it meets, from its own
// goroutine; the monitor asks it which files are still read.
type selection struct {
	root string

	mu      sync.Mutex
	run     *trainlog.RunDir // nil before a run is found
	ignored []trainlog.File
	known   map[string]bool   // every file the last discovery saw
	formats map[string]string // the run's inputs: name -> format
	splits  map[string]string // the run's inputs of a split folder: name -> split
	err     error             // the root holds several runs
	changed chan struct{}     // signalled when the inputs change
}

func newSelection(root string) *selection {
	s := &selection{root: root, changed: make(chan struct{}, 1)}
	s.mu.Lock()
	s.discover()
	s.mu.Unlock()
	return s
}

// discover runs trainlog.Discover again. The caller holds s.mu.
func (s *selection) discover() {
	d, err := trainlog.Discover(s.root, trainlog.DiscoverOptions{})
	var unreadable *trainlog.UnreadableError
	if errors.As(err, &unreadable) {
		s.err = err // the root exists and cannot be read: waiting will not help
		s.signal()
		return
	}
	if err != nil {
		return // the root does not exist yet, or holds no readable log yet
	}
	if len(d.Runs) > 1 && !trainlog.LoggerViews(d.Runs) {
		// The sessions, as report and scan list them.
		s.err = &trainlog.ManyRunsError{Path: s.root, Runs: d.Runs, Sessions: trainlog.Sessions(d.Runs, trainlog.LoadOptions{})}
		s.signal()
		return
	}
	known := map[string]bool{}
	formats := map[string]string{}
	splits := map[string]string{}
	for _, f := range d.Ignored {
		known[f.Path] = true
	}
	var run *trainlog.RunDir
	if len(d.Runs) > 0 {
		// One run, or the folders of one session's loggers, which Load
		// reads as one run when their values agree (the final report
		// says when they do not).
		run = &trainlog.RunDir{Root: s.root, Rel: "."}
		for _, r := range d.Runs {
			run.Inputs = append(run.Inputs, r.Inputs...)
			run.Checkpoints = append(run.Checkpoints, r.Checkpoints...)
			run.Skipped = append(run.Skipped, r.Skipped...)
		}
		for _, in := range run.Inputs {
			known[in.Name] = true
			formats[in.Name] = in.Format
			if in.Split != "" {
				splits[in.Name] = in.Split
			}
		}
		for _, f := range run.Skipped {
			known[f.Path] = true
		}
	}
	same := len(formats) == len(s.formats)
	for name := range formats {
		same = same && s.formats[name] != ""
	}
	s.run, s.ignored, s.known, s.formats, s.splits = run, d.Ignored, known, formats, splits
	if !same {
		s.signal()
	}
}

func (s *selection) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// accept decides whether the follower reads a file (see
// follow.Options.Accept).
func (s *selection) accept(rel string, head []byte) (follow, appendOnly bool) {
	if len(head) == 0 {
		return false, true // not yet known: reconsidered when it grows
	}
	if trainlog.NotALog(rel) {
		return false, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.formats[rel]; !ok {
		// A new file, or one the last discovery ignored that now looks
		// like a log (an empty file that got its first lines).
		if _, score := trainlog.DetectConfidence(rel, head); !s.known[rel] || score > 0 {
			s.discover()
		}
	}
	format, ok := s.formats[rel]
	if !ok {
		return false, true
	}
	switch format {
	case "hf-console", "llamafactory-jsonl", "jsonl", "tensorboard", "mlflow":
		return true, true
	}
	return true, false
}

// split returns the split of a file of a TensorBoard run's split folder
// (trainlog.Input.Split), "" for any other file.
func (s *selection) split(rel string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.splits[rel]
}

// reads reports whether a file is one of the run's inputs.
func (s *selection) reads(rel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.formats[rel]
	return ok
}

// refusal returns the error of a root that holds several runs.
func (s *selection) refusal() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// checkpoints returns the run's checkpoints.
func (s *selection) checkpoints() []trainlog.Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return nil
	}
	return append([]trainlog.Checkpoint(nil), s.run.Checkpoints...)
}

// files describes the run's files as trainlog.Load does: those skipped
// and ignored with the reason, then those read, with the entries read
// so far (records).
func (s *selection) files(records map[string]int) []trainlog.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []trainlog.File
	if s.run != nil {
		out = append(out, s.run.Skipped...)
	}
	out = append(out, s.ignored...)
	if s.run != nil {
		for _, in := range s.run.Inputs {
			out = append(out, trainlog.File{Path: in.Name, Format: in.Format, Used: true, Reason: in.Note, Records: records[in.Name]})
		}
	}
	return out
}

// newest returns the latest modification time of the run's input files,
// zero before a run is found or when none can be stat'ed.
func (s *selection) newest() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t time.Time
	if s.run == nil {
		return t
	}
	for _, in := range s.run.Inputs {
		if st, err := os.Stat(in.Path); err == nil && st.ModTime().After(t) {
			t = st.ModTime()
		}
	}
	return t
}

// runName is the name of the run at root.
func runName(root string) string { return trainlog.RunDir{Root: root, Rel: "."}.Name() }
