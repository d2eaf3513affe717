package trainlog

import (
	"bytes"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/internal/fileio"
)

// A stateHead is what the head of a trainer_state.json says about the
// history it holds.
type stateHead struct {
	globalStep int64  // -1 when not found
	first      string // the first log_history entry, spaces removed; "" when unknown or empty
}

var globalStepRE = regexp.MustCompile(`"global_step"\s*:\s*(\d+)`)

// readStateHead reads global_step and the first log_history entry from
// the first SniffSize bytes of a trainer_state.json. Transformers writes
// the file with sorted keys, so both come before the bulk of the history.
func readStateHead(p string) stateHead {
	h := stateHead{globalStep: -1}
	f, err := fileio.OpenRegular(p)
	if err != nil {
		return h
	}
	defer f.Close()
	buf := make([]byte, SniffSize)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	if m := globalStepRE.FindSubmatch(buf); m != nil {
		h.globalStep, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	i := bytes.Index(buf, []byte(`"log_history"`))
	if i < 0 {
		return h
	}
	rest := buf[i+len(`"log_history"`):]
	j := bytes.IndexByte(rest, '[')
	if j < 0 {
		return h
	}
	rest = bytes.TrimLeft(rest[j+1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '{' {
		return h
	}
	end := pdSpanEnd(rest)
	if end < 0 {
		return h
	}
	h.first = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, string(rest[:end]))
	return h
}

// A stateFile is one trainer_state.json of a run folder.
type stateFile struct {
	in     Input
	ckpt   string // the checkpoint folder holding it, "" for the root copy
	ckStep int64  // that folder's step, -1 for the root copy
	head   stateHead
}

// compatible reports whether two states can be copies of one history.
func (s stateFile) compatible(o stateFile) bool {
	return s.head.first == "" || o.head.first == "" || s.head.first == o.head.first
}

// longer reports whether s is a better pick than o: more steps done,
// then the root copy (it holds the end-of-training summary), then the
// later checkpoint.
func (s stateFile) longer(o stateFile) bool {
	if s.head.globalStep != o.head.globalStep {
		return s.head.globalStep > o.head.globalStep
	}
	if (s.ckpt == "") != (o.ckpt == "") {
		return s.ckpt == ""
	}
	return s.ckStep > o.ckStep
}

// splitSessions keeps one trainer_state.json per run: the longest copy
// of the history. States whose history starts differently were written
// by another session in the same folder and become runs of their own,
// named by their latest checkpoint folder.
func (w *walker) splitSessions(runs map[string]*RunDir) {
	for _, rel := range sortedKeys(runs) {
		r := runs[rel]
		var states []stateFile
		kept := r.Inputs[:0:0]
		for _, in := range r.Inputs {
			if in.Format != "trainer-state" {
				kept = append(kept, in)
				continue
			}
			sf := stateFile{in: in, ckStep: -1}
			if d := path.Dir(in.Name); d != rel {
				sf.ckpt = d
				if step, ok := checkpointStep(path.Base(d)); ok {
					sf.ckStep = step
				}
			}
			sf.head = readStateHead(in.Path)
			states = append(states, sf)
		}
		if len(states) == 0 {
			continue
		}
		// The session of the folder: that of the root copy, else that of
		// the latest checkpoint.
		anchor := 0
		for i, s := range states {
			a := states[anchor]
			if (s.ckpt == "") != (a.ckpt == "") {
				if s.ckpt == "" {
					anchor = i
				}
				continue
			}
			if s.ckStep > a.ckStep {
				anchor = i
			}
		}
		var mine, others []stateFile
		for _, s := range states {
			if s.compatible(states[anchor]) {
				mine = append(mine, s)
			} else {
				others = append(others, s)
			}
		}
		r.Inputs = append(kept, pickState(mine, &r.Skipped)...)
		for len(others) > 0 {
			var group, rest []stateFile
			for _, s := range others {
				if s.compatible(others[0]) {
					group = append(group, s)
				} else {
					rest = append(rest, s)
				}
			}
			others = rest
			w.sessionRun(runs, group)
		}
	}
}

// pickState returns the longest state of a group as the one input and
// lists the others in skipped.
func pickState(group []stateFile, skipped *[]File) []Input {
	best := 0
	for i, s := range group {
		if s.longer(group[best]) {
			best = i
		}
	}
	for i, s := range group {
		if i != best {
			*skipped = append(*skipped, File{Path: s.in.Name, Disk: s.in.Path, Format: "trainer-state",
				Reason: "ignored: an earlier copy of " + group[best].in.Name + " (checkpoint states are prefixes of the latest log_history)"})
		}
	}
	return []Input{group[best].in}
}

// sessionRun makes a run of the checkpoints of another session found in
// a run folder.
func (w *walker) sessionRun(runs map[string]*RunDir, group []stateFile) {
	latest := group[0]
	for _, s := range group {
		if s.ckStep > latest.ckStep {
			latest = s
		}
	}
	if latest.ckpt == "" {
		return // cannot happen: the root copy anchors its folder's session
	}
	r := &RunDir{Root: w.root, Rel: latest.ckpt}
	r.Inputs = pickState(group, &r.Skipped)
	for _, s := range group {
		for _, c := range w.ckpts {
			if c.dir == s.ckpt {
				r.Checkpoints = append(r.Checkpoints, c.ck)
			}
		}
	}
	runs[r.Rel] = r
}

// dropCopies removes a wandb/latest-run folder that holds the same files
// as a wandb/run-* folder beside it (a copied tree in which the
// latest-run link became a folder).
func (w *walker) dropCopies(runs map[string]*RunDir, d *Discovery) {
	for _, rel := range sortedKeys(runs) {
		r := runs[rel]
		if path.Base(rel) != "latest-run" {
			continue
		}
		parent := path.Dir(rel)
		for _, orel := range sortedKeys(runs) {
			o := runs[orel]
			if orel == rel || path.Dir(orel) != parent || !sameFiles(r, o) {
				continue
			}
			for _, in := range r.Inputs {
				d.Ignored = append(d.Ignored, File{Path: in.Name, Disk: in.Path, Format: in.Format,
					Reason: "ignored: a copy of " + orel + strings.TrimPrefix(in.Name, rel) + " (" + path.Base(rel) + " duplicates " + path.Base(orel) + ")"})
			}
			delete(runs, rel)
			break
		}
	}
}

// sameFiles reports whether two runs hold the same files (by name below
// their folders, size and content).
func sameFiles(a, b *RunDir) bool {
	if len(a.Inputs) != len(b.Inputs) {
		return false
	}
	for i, in := range a.Inputs {
		other := b.Inputs[i]
		if strings.TrimPrefix(in.Name, a.Rel) != strings.TrimPrefix(other.Name, b.Rel) || !sameContent(in.Path, other.Path) {
			return false
		}
	}
	return true
}

// sameContent compares two files, reading at most 64 MiB of each.
func sameContent(p, q string) bool {
	sp, err1 := os.Stat(p)
	sq, err2 := os.Stat(q)
	if err1 != nil || err2 != nil || sp.Size() != sq.Size() || sp.Size() > 64<<20 {
		return false
	}
	a, err1 := os.ReadFile(p)
	b, err2 := os.ReadFile(q)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// wandbRunIDRE matches the name of a W&B run folder:
// run-<date>_<time>-<run id>, offline-run-... when logged offline.
var wandbRunIDRE = regexp.MustCompile(`^(offline-)?run-(\d{8}_\d{6})-([0-9A-Za-z]+)$`)

// joinSessions makes one run of the W&B run folders of one run id that
// lie side by side: wandb.init(resume=..., id=...) logs each session of a
// resumed run into a new run-<time>-<id> folder. The run keeps the latest
// folder as its own and lists them all in Sessions; the later sessions'
// files come first, so that their values win the steps a resumed session
// repeats. Whether the sessions' values really continue one another is
// checked when they are read (Load).
func joinSessions(runs map[string]*RunDir) {
	type session struct{ rel, time string }
	groups := map[string][]session{}
	var keys []string
	for _, rel := range sortedKeys(runs) {
		r := runs[rel]
		if r.Rel != rel || len(r.Inputs) == 0 || !r.wandbRun() {
			continue
		}
		m := wandbRunIDRE.FindStringSubmatch(path.Base(rel))
		if m == nil {
			continue
		}
		k := path.Dir(rel) + "/" + m[3]
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], session{rel: rel, time: m[2]})
	}
	for _, k := range keys {
		ss := groups[k]
		if len(ss) < 2 {
			continue
		}
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].time < ss[j].time })
		latest := runs[ss[len(ss)-1].rel]
		joined := &RunDir{Root: latest.Root, Rel: latest.Rel}
		for i := len(ss) - 1; i >= 0; i-- {
			r := runs[ss[i].rel]
			joined.Inputs = append(joined.Inputs, r.Inputs...)
			joined.Settings = append(joined.Settings, r.Settings...)
			joined.Checkpoints = append(joined.Checkpoints, r.Checkpoints...)
			joined.Skipped = append(joined.Skipped, r.Skipped...)
		}
		for _, s := range ss {
			joined.Sessions = append(joined.Sessions, s.rel)
			runs[s.rel] = joined
		}
	}
}

// sessionsPattern returns a shell pattern that matches the names of the
// session folders of one W&B run (run-*-<id>).
func sessionsPattern(sessions []string) string {
	prefix := "run-*-"
	id := ""
	for _, s := range sessions {
		m := wandbRunIDRE.FindStringSubmatch(path.Base(s))
		if m == nil {
			return path.Base(s)
		}
		if m[1] != "" {
			prefix = "*run-*-"
		}
		id = m[3]
	}
	return prefix + id
}
