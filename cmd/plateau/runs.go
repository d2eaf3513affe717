package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// refusal turns Load's refusal to read paths as one run into a usage
// error (exit 2) that lists the runs found and says what to do instead;
// it returns nil for any other error.
func refusal(verb string, err error) error {
	var many *trainlog.ManyRunsError
	if errors.As(err, &many) {
		// The sessions, as 'plateau scan' lists them (the folders of one
		// session's loggers are one).
		list := many.List()
		var b strings.Builder
		fmt.Fprintf(&b, "%s holds %d runs, and %s takes one run per path:\n", many.Path, len(list), verb)
		// The first runs only: a folder of thousands would bury the
		// message (scan lists them all).
		shown := list[:min(len(list), maxListed)]
		w := 0
		for _, s := range shown {
			w = max(w, len(sessionPath(many.Path, s)))
		}
		for _, s := range shown {
			fmt.Fprintf(&b, "  %-*s  %s\n", w, sessionPath(many.Path, s), strings.Join(sessionFormats(s), ", "))
		}
		if n := len(list) - len(shown); n > 0 {
			fmt.Fprintf(&b, "  ... and %d more\n", n)
		}
		first := namedPath(many.Path, list[0])
		if verb == "compare" && len(list) > 1 {
			fmt.Fprintf(&b, "Name the runs to compare one by one (plateau compare %s %s), or see them all with 'plateau scan %s'.", first, namedPath(many.Path, list[1]), many.Path)
		} else {
			fmt.Fprintf(&b, "Name one of them (plateau %s %s), see them all with 'plateau scan %s', or set runs side by side with 'plateau compare PATH PATH...'.", verb, first, many.Path)
		}
		return &exitError{code: exitUsage, err: errors.New(b.String())}
	}
	var diff *trainlog.DifferentRunsError
	if errors.As(err, &diff) {
		return usageError("%v.\nplateau %s merges only views of one run (the same steps and values, or a resumed session); give one of them, or compare them with 'plateau compare %s %s'.", err, verb, diff.Paths[0], diff.Paths[1])
	}
	return nil
}

// maxListed is the most runs a refusal lists.
const maxListed = 20

// runPath is the path a user types to name a discovered run: quoted when
// it is a pattern (wandb/run-*-<id>, the session folders of one W&B
// run), so that plateau, not the shell, expands it.
func runPath(root string, r trainlog.RunDir) string {
	p := r.Label()
	if p == "." {
		return root
	}
	p = filepath.Join(root, filepath.FromSlash(p))
	if strings.ContainsAny(r.Label(), "*?[") {
		return "'" + p + "'"
	}
	return p
}

// sessionPath names a session of a folder of runs as a user types it: a
// run's path (see runPath), a part's, the folder of a session's views, or
// the views' paths joined by " + ".
func sessionPath(root string, s trainlog.Session) string {
	if len(s.Runs) == 1 && s.Label == s.Runs[0].Label() {
		return runPath(root, s.Runs[0])
	}
	if parts := strings.Split(s.Label, " + "); len(parts) == len(s.Runs) && len(parts) > 1 {
		out := make([]string, len(parts))
		for i, r := range s.Runs {
			out[i] = runPath(root, r) // the views' labels, in order
		}
		return strings.Join(out, " + ")
	}
	if s.Label == "." {
		return root
	}
	return filepath.Join(root, filepath.FromSlash(s.Label))
}

// namedPath is a path that names the session for a command: the
// session's, or its first run's when it has none of its own.
func namedPath(root string, s trainlog.Session) string {
	if p := sessionPath(root, s); !strings.Contains(p, " + ") {
		return p
	}
	return runPath(root, s.Runs[0])
}

// sessionFormats lists the formats of a session's files.
func sessionFormats(s trainlog.Session) []string {
	var out []string
	for _, r := range s.Runs {
		for _, f := range r.Formats() {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// workers returns the number of runs read at once: n when positive, else
// the number of CPUs, at most 8.
func workers(n int) int {
	if n > 0 {
		return n
	}
	return min(max(runtime.GOMAXPROCS(0), 1), 8)
}
