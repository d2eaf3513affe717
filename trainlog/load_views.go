package trainlog

import (
	"path"
	"path/filepath"
)

// qualify makes the file names of several runs distinct when two of
// them share a name, by naming every file by its path as given.
func qualify(dirs []RunDir) []RunDir {
	seen := map[string]bool{}
	clash := false
	for _, rd := range dirs {
		for _, in := range rd.Inputs {
			if seen[in.Name] {
				clash = true
			}
			seen[in.Name] = true
		}
	}
	if !clash {
		return dirs
	}
	out := make([]RunDir, len(dirs))
	for i, rd := range dirs {
		prefix := filepath.ToSlash(filepath.Clean(rd.Root))
		if !isDir(rd.Root) {
			prefix = path.Dir(prefix)
		}
		name := func(n string) string {
			if prefix == "." {
				return n
			}
			return prefix + "/" + n
		}
		q := RunDir{Root: rd.Root, Rel: rd.Rel}
		for _, in := range rd.Inputs {
			if in.Path != Stdin {
				in.Name = name(in.Name)
			}
			q.Inputs = append(q.Inputs, in)
		}
		for _, in := range rd.Settings {
			in.Name = name(in.Name)
			q.Settings = append(q.Settings, in)
		}
		for _, ck := range rd.Checkpoints {
			ck.Path = name(ck.Path)
			q.Checkpoints = append(q.Checkpoints, ck)
		}
		for _, f := range rd.Skipped {
			f.Path = name(f.Path)
			q.Skipped = append(q.Skipped, f)
		}
		out[i] = q
	}
	return out
}

// sameRun checks that the runs of dirs, read into results (in the order
// given by order, an index into owner), are views of one run: the same
// values, or a resumed session. It returns the first logged step of each
// dir's main series.
func sameRun(dirs []RunDir, owner, order []int, results []readResult) ([]int64, error) {
	cs := make([]*Collector, len(dirs))
	for i := range cs {
		cs[i] = NewCollector(NewRun(""))
	}
	for i, res := range results {
		if res.sub != nil {
			cs[owner[order[i]]].absorb(res.sub)
		}
	}
	runs := make([]*Run, len(cs))
	firsts := make([]int64, len(cs))
	for i, c := range cs {
		runs[i] = c.Run()
		firsts[i] = spanOf(runs[i]).first
	}
	for i := 1; i < len(runs); i++ {
		rel, check := Relate(runs[0], runs[i])
		if rel == RelUnknown || rel == RelDifferent {
			return nil, &DifferentRunsError{Paths: [2]string{dirs[0].Root, dirs[i].Root}, Relation: rel, Check: check}
		}
	}
	return firsts, nil
}

// splitFiles checks that the files of one run folder are views of one
// run. Files that disagree from the same starting step are different
// runs written to one folder (several console logs side by side, the
// event files of several runs in a shared ./runs): each file joins the
// first group it does not contradict, in input order. It returns the
// groups as runs over the same folder when there is more than one, and
// nil otherwise.
func splitFiles(rd RunDir, plans []plan, results []readResult) []RunDir {
	withSeries := 0
	for _, res := range results {
		if res.sub != nil && res.entries > 0 {
			withSeries++
		}
	}
	if withSeries < 2 {
		return nil
	}
	type group struct {
		runs  []*Run
		plans []int
	}
	var groups []*group
	for i, res := range results {
		var r *Run
		if res.sub != nil {
			c := NewCollector(NewRun(""))
			c.absorb(res.sub)
			r = c.Run()
		}
		placed := false
		for _, g := range groups {
			ok := true
			for _, o := range g.runs {
				if rel, _ := Relate(o, r); r != nil && rel == RelDifferent {
					ok = false
					break
				}
			}
			if ok {
				g.plans = append(g.plans, i)
				if r != nil {
					g.runs = append(g.runs, r)
				}
				placed = true
				break
			}
		}
		if !placed {
			g := &group{plans: []int{i}}
			if r != nil {
				g.runs = []*Run{r}
			}
			groups = append(groups, g)
		}
	}
	if len(groups) < 2 {
		return nil
	}
	out := make([]RunDir, len(groups))
	for k, g := range groups {
		part := RunDir{Root: rd.Root, Rel: rd.Rel}
		for _, i := range g.plans {
			for _, in := range rd.Inputs {
				if in.Name == plans[i].display {
					part.Inputs = append(part.Inputs, in)
				}
			}
		}
		part.Part = part.Inputs[0].Name
		out[k] = part
	}
	// Checkpoints, settings and skipped files stay with the group that
	// reads the trainer_state.json (the output folder's own log), else
	// with the first.
	home := 0
	for k, p := range out {
		for _, in := range p.Inputs {
			if in.Format == "trainer-state" {
				home = k
			}
		}
	}
	out[home].Checkpoints, out[home].Settings, out[home].Skipped = rd.Checkpoints, rd.Settings, rd.Skipped
	return out
}
