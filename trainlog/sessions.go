package trainlog

import (
	"errors"
	"path"
	"strings"
	"sync"
)

// The training sessions under a path. Discover finds run folders; one
// session can be seen by several loggers, each with a folder of its own
// (a Lightning CSVLogger and TensorBoardLogger, an output folder and its
// W&B run), and one folder's files can hold several runs. 'plateau scan'
// lists the sessions, and 'plateau report' refuses a folder of several
// with the same list: both group the discovered runs by ViewGroups and
// LoadViews.

// ViewGroups returns the sets of runs that are views of one session:
// runs of different loggers (LoggerViews) whose prints all match, two or
// more to a set, that confirm accepts (LoadViews reading them as one
// run); each run is in at most one set, the sets in the order of runs.
// prints[i] is the print of runs[i] read as a whole folder (PrintOf); an
// empty print (a run not read, or read in parts) joins no set.
func ViewGroups(runs []RunDir, prints []ViewPrint, confirm func(set []RunDir) bool) [][]int {
	used := make([]bool, len(runs))
	var out [][]int
	for i := range runs {
		if used[i] || prints[i].Empty() {
			continue
		}
		set := []int{i}
		loggers := map[string]bool{runs[i].Logger(): true}
		for j := i + 1; j < len(runs); j++ {
			if used[j] || prints[j].Empty() || loggers[runs[j].Logger()] {
				continue
			}
			ok := true
			for _, k := range set {
				ok = ok && prints[k].Matches(prints[j])
			}
			if ok {
				set = append(set, j)
				loggers[runs[j].Logger()] = true
			}
		}
		if len(set) < 2 {
			continue
		}
		sel := make([]RunDir, len(set))
		for n, k := range set {
			sel[n] = runs[k]
		}
		if !LoggerViews(sel) || !confirm(sel) {
			continue
		}
		for _, k := range set {
			used[k] = true
		}
		out = append(out, set)
	}
	return out
}

// A Session is one training session under a path: a run folder, a part
// of a folder whose files hold several runs, or the folders of several
// loggers that are views of one session.
type Session struct {
	// Label names the session relative to the path, as 'plateau scan'
	// lists it: the run's label, a part's folder and file, the folder
	// that holds a session's views when it holds no other session, else
	// the views' labels joined by " + ".
	Label string
	// Runs are the run folders (one, or the views), as discovered.
	Runs []RunDir
}

// Sessions reads the runs of one discovery, each as Load reads a run
// named alone (a folder whose files hold several runs gives its parts),
// and returns its training sessions: the runs and parts, with the views
// of one session (ViewGroups, confirmed by LoadViews) as one. A run that
// cannot be read is a session of its own.
func Sessions(runs []RunDir, opts LoadOptions) []Session {
	type read struct {
		parts []RunDir // a folder read in parts: its parts, named from its folder
		print ViewPrint
	}
	reads := make([]read, len(runs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, rd := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			run, err := LoadRun(rd.Alone(), opts)
			var many *ManyRunsError
			switch {
			case errors.As(err, &many):
				reads[i].parts = many.Runs
			case run != nil:
				reads[i].print = PrintOf(run)
			}
		}()
	}
	wg.Wait()
	prints := make([]ViewPrint, len(runs))
	for i, r := range reads {
		prints[i] = r.print
	}
	groups := ViewGroups(runs, prints, func(set []RunDir) bool {
		_, err := LoadViews(Together(set), opts)
		return err == nil
	})
	grouped := map[int]bool{}
	for _, set := range groups {
		for _, k := range set {
			grouped[k] = true
		}
	}
	var out []Session
	for i, rd := range runs {
		switch {
		case grouped[i]:
		case reads[i].parts != nil:
			base := rd.Label()
			for _, part := range reads[i].parts {
				out = append(out, Session{Label: path.Join(base, part.Label()), Runs: []RunDir{rd}})
			}
		default:
			out = append(out, Session{Label: rd.Label(), Runs: []RunDir{rd}})
		}
	}
	for _, set := range groups {
		sel := make([]RunDir, len(set))
		labels := make([]string, len(set))
		for n, k := range set {
			sel[n], labels[n] = runs[k], runs[k].Label()
		}
		label := commonDir(sel)
		if holdsOther(runs, set, label) {
			label = strings.Join(labels, " + ")
		}
		out = append(out, Session{Label: label, Runs: sel})
	}
	return out
}

// commonDir is the deepest folder (relative to the discovery's root)
// that holds every folder of runs.
func commonDir(runs []RunDir) string {
	common := runs[0].Rel
	for _, r := range runs {
		for _, dir := range append([]string{r.Rel}, r.Sessions...) {
			for !within(dir, common) {
				common = path.Dir(common)
			}
		}
	}
	return common
}

// holdsOther reports whether the folder dir holds a run of runs other
// than those of set.
func holdsOther(runs []RunDir, set []int, dir string) bool {
	in := map[int]bool{}
	for _, k := range set {
		in[k] = true
	}
	for i, r := range runs {
		if in[i] {
			continue
		}
		for _, d := range append([]string{r.Rel}, r.Sessions...) {
			if within(d, dir) {
				return true
			}
		}
	}
	return false
}
