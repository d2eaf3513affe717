package trainlog

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/plateau-dev/plateau/internal/fileio"
)

// This file holds the decisions about one input file that do not depend
// on its format: whether it can be read, whether it is one of plateau's
// own outputs, whether a file named on the command line holds a
// training record, and how the files of a folder without a log are
// listed.

// ErrOwnOutput means a file is one of plateau's own outputs (a report, a
// comparison, a scan, watch's lines), not a training log.
var ErrOwnOutput = errors.New("plateau's own output")

// An UnreadableError is a file that exists but cannot be read: no
// permission, an I/O error. Unlike a file in an unknown format, it is an
// input problem: it is reported as a warning, and plateau exits 1.
type UnreadableError struct {
	File string
	Err  error
}

func (e *UnreadableError) Error() string { return e.File + ": cannot be read: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *UnreadableError) Unwrap() error { return e.Err }

// unreadableErr wraps the error of opening or reading a file.
func unreadableErr(display string, err error) error {
	if errors.Is(err, fileio.ErrNotRegular) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &UnreadableError{File: display, Err: err}
}

// unreadable reports whether err, met while walking a folder or opening
// one of its files, is an input problem (a file or folder that exists
// and cannot be read) rather than a note on the folder's content (a file
// in no known format, a link not followed, a file gone meanwhile).
func unreadable(err error) bool {
	var ue *UnreadableError
	var note *fileio.LinkNote
	var pe *fs.PathError
	switch {
	case errors.As(err, &note):
		return false
	case errors.As(err, &ue):
		return true
	case errors.As(err, &pe):
		return !errors.Is(err, fs.ErrNotExist)
	}
	return false
}

// problems returns the warnings of the files that could not be read.
func problems(files []File) []error {
	var out []error
	for _, f := range files {
		if f.Problem {
			out = append(out, fmt.Errorf("%s: %s", f.Path, strings.TrimPrefix(f.Reason, "ignored: ")))
		}
	}
	return out
}

var (
	// ownTextRE matches the first line of plateau's text and Markdown
	// outputs: "plateau: run: ...", "# plateau compare: ...",
	// "plateau scan: ...", and watch's "plateau: watching PATH".
	ownTextRE = regexp.MustCompile(`^(?:# )?plateau(?: [a-z]+)?: \S`)
	// ownJSONRE matches the start of plateau's JSON outputs, whose first
	// member is their schema ("plateau.report/v2").
	ownJSONRE = regexp.MustCompile(`^\{\s*"schema"\s*:\s*"(plateau\.[a-z]+/v\d+)"`)
)

// ownOutput recognises plateau's own outputs from their first bytes, so
// that a report written into a run folder (-o run/REPORT.md) is not read
// as a log the next time: it returns what the file is.
func ownOutput(head []byte) (string, bool) {
	head = jsonHead(head)
	if m := ownJSONRE.FindSubmatch(head); m != nil {
		return "JSON output (" + string(m[1]) + ")", true
	}
	if bytes.Contains(head[:min(len(head), 4096)], []byte(`<meta name="generator" content="plateau">`)) {
		return "HTML page", true
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if ownTextRE.Match(line) {
		return "text output", true
	}
	return "", false
}

// explicitFile applies to a file named on the command line the rule the
// files of a folder follow: text that no format recognises as training
// output is read only when its name says it is a log (a custom logger's
// train.log, so that the report can say what it lacks); any other such
// file (README.md, go.mod, notes) holds no training record, an input
// error.
func explicitFile(pl plan) error {
	if pl.confidence >= minWalkConfidence || logName(filepath.Base(pl.path)) {
		return nil
	}
	return &SyntaxError{File: pl.display, Err: ErrNoData,
		Msg: "no training record: the file holds text, but no line of Trainer console output, no trainer_state.json, JSONL, CSV or TensorBoard record (see 'plateau formats')"}
}

// maxListed is the number of ignored files a "no training log" error
// lists.
const maxListed = 10

// noData is the error of a path where no training log was found. It
// lists the files met and why each was left, so that the reason (an
// empty log, a permission, a format plateau does not read) is in front
// of the reader.
func noData(p string, files []File, tooDeep []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "found no training log (looked for Trainer console output, trainer_state.json, trainer_log.jsonl, *_results.json, metrics.csv, TensorBoard events, W&B and MLflow files; %s ignored)", plural(len(files), "file"))
	if len(tooDeep) > 0 {
		// A run below the search depth is not found: say where the walk
		// stopped, so that the path can be given closer to the logs.
		shown := make([]string, 0, 3)
		for _, d := range tooDeep[:min(len(tooDeep), 3)] {
			shown = append(shown, filepath.Join(p, filepath.FromSlash(d)))
		}
		more := ""
		if len(tooDeep) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(tooDeep)-len(shown))
		}
		were := "were"
		if len(tooDeep) == 1 {
			were = "was"
		}
		fmt.Fprintf(&b, "; %s more than %d levels down %s not searched (%s%s): give a path closer to the logs",
			plural(len(tooDeep), "folder"), strings.Count(tooDeep[0], "/"), were, strings.Join(shown, ", "), more)
	}
	for i, f := range files {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... and %d more", len(files)-maxListed)
			break
		}
		why := strings.TrimPrefix(f.Reason, "ignored: ")
		if why == "" {
			why = "not read"
		}
		fmt.Fprintf(&b, "\n  %s: %s", f.Path, why)
	}
	return fmt.Errorf("%s: %w: %s", p, ErrNoData, b.String())
}
