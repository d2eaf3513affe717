package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// refusal turns Load's refusal to read paths as one run into a usage
// error (exit 2) that lists the runs found and says what to do instead;
// it returns nil for any other error.
func refusal(verb string, err error) error {
	var many *trainlog.ManyRunsError
	if errors.As(err, &many) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s holds %d runs, and %s takes one run per path:\n", many.Path, len(many.Runs), verb)
		// The first runs only: a folder of thousands would bury the
		// message (scan lists them all).
		shown := many.Runs[:min(len(many.Runs), maxListed)]
		w := 0
		for _, r := range shown {
			w = max(w, len(runPath(many.Path, r)))
		}
		for _, r := range shown {
			fmt.Fprintf(&b, "  %-*s  %s\n", w, runPath(many.Path, r), strings.Join(r.Formats(), ", "))
		}
		if n := len(many.Runs) - len(shown); n > 0 {
			fmt.Fprintf(&b, "  ... and %d more\n", n)
		}
		first := runPath(many.Path, many.Runs[0])
		if verb == "compare" && len(many.Runs) > 1 {
			fmt.Fprintf(&b, "Name the runs to compare one by one (plateau compare %s %s), or see them all with 'plateau scan %s'.", first, runPath(many.Path, many.Runs[1]), many.Path)
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

// workers returns the number of runs read at once: n when positive, else
// the number of CPUs, at most 8.
func workers(n int) int {
	if n > 0 {
		return n
	}
	return min(max(runtime.GOMAXPROCS(0), 1), 8)
}
