package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/trainlog"
	xterm "golang.org/x/term"
)

// A scanJob is what scanRuns needs.
type scanJob struct {
	root     string
	maxDepth int
	jobs     int
	reader   trainlog.Options
	analysis analysis.Options
	// keepData keeps each run's data in its report (the HTML reports
	// draw it); otherwise it is dropped once the row is made, so that a
	// scan of many large runs holds only their rows.
	keepData bool
	// progress is called as runs are done (from several goroutines).
	progress func(done, total int)
}

// A scanItem is one run of a scan: the folder (or the part of a folder)
// it was read from, the start of its main series, and its row.
type scanItem struct {
	rds   []trainlog.RunDir // as discovered, relative to the scan root
	print trainlog.ViewPrint
	row   analysis.ScanRun
	// disk lists the files on disk that were recognised as logs.
	disk []string
}

// A scanResult is what scanRuns found.
type scanResult struct {
	scan *analysis.Scan
	// inputs are the input files on disk: no output may be written to one.
	inputs []string
	// warnings are the input problems met in the runs, each after the
	// path of its run, and the files and folders under the root that
	// could not be read.
	warnings []error
	// ignored lists the files under the root that belong to no run.
	ignored []trainlog.File
	// tooDeep lists the folders not searched, deeper than the maximum
	// depth (relative to the root).
	tooDeep []string
}

// scanRuns discovers the runs under the root, reads and analyses them on
// job.jobs goroutines, and reads the logger folders that are views of one
// session as one run.
func scanRuns(job scanJob) (scanResult, error) {
	d, err := trainlog.Discover(job.root, trainlog.DiscoverOptions{MaxDepth: job.maxDepth})
	if err != nil {
		return scanResult{}, err
	}
	results := make([][]scanItem, len(d.Runs))
	warns := make([][]error, len(d.Runs))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, max(job.jobs, 1))
	for i, rd := range d.Runs {
		wg.Add(1)
		go func(i int, rd trainlog.RunDir) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], warns[i] = job.read(rd)
			if job.progress != nil {
				mu.Lock()
				done++
				job.progress(done, len(d.Runs))
				mu.Unlock()
			}
		}(i, rd)
	}
	wg.Wait()
	var items []scanItem
	var warnings []error
	for i := range results {
		items = append(items, results[i]...)
		warnings = append(warnings, warns[i]...)
	}
	// A file or folder that belongs to no run because it cannot be read
	// is an input problem too (what it holds is unknown).
	for _, f := range d.Ignored {
		if f.Problem {
			warnings = append(warnings, fmt.Errorf("%s: %s", job.path(f.Path), strings.TrimPrefix(f.Reason, "ignored: ")))
		}
	}
	items = job.mergeViews(items)
	rows := make([]analysis.ScanRun, len(items))
	var disk []string
	for i, it := range items {
		rows[i] = it.row
		disk = append(disk, it.disk...)
	}
	return scanResult{scan: analysis.NewScan(job.root, rows), inputs: disk, warnings: warnings, ignored: d.Ignored, tooDeep: d.TooDeep}, nil
}

// path names a folder (or file) relative to the scan root as a user
// types it.
func (job scanJob) path(rel string) string {
	if rel == "." {
		return job.root
	}
	return filepath.Join(job.root, filepath.FromSlash(rel))
}

// read reads and analyses one discovered run, as 'plateau report' reads
// its folder. A folder whose files turn out to hold several runs gives
// one item per part.
func (job scanJob) read(rd trainlog.RunDir) ([]scanItem, []error) {
	alone := rd.Alone()
	run, err := trainlog.LoadRun(alone, trainlog.LoadOptions{Options: job.reader})
	var many *trainlog.ManyRunsError
	if errors.As(err, &many) {
		// The parts are named relative to the folder the run was read
		// from.
		base := "."
		if b, err := filepath.Rel(job.root, alone.Root); err == nil {
			base = filepath.ToSlash(b)
		}
		var out []scanItem
		var warns []error
		for _, part := range many.Runs {
			run, err := trainlog.LoadRun(part, trainlog.LoadOptions{Options: job.reader})
			it, w := job.item([]trainlog.RunDir{rd}, path.Join(base, part.Part), run, err)
			out = append(out, it)
			warns = append(warns, w...)
		}
		return out, warns
	}
	it, w := job.item([]trainlog.RunDir{rd}, rd.Label(), run, err)
	return []scanItem{it}, w
}

// item analyses a run read for a scan. It returns the run's input
// problems, each after the run's path.
func (job scanJob) item(rds []trainlog.RunDir, rel string, run *trainlog.Run, err error) (scanItem, []error) {
	path := job.path(rel)
	if err != nil && (run == nil || (len(run.Series) == 0 && len(run.Summary) == 0)) {
		name := filepath.Base(path)
		if run != nil {
			name = run.Name
		}
		return scanItem{rds: rds, row: analysis.ErrorScanRun(path, rel, name, err)}, nil
	}
	rep := analysis.Analyze(run, job.analysis)
	it := scanItem{rds: rds, print: trainlog.PrintOf(run), row: analysis.NewScanRun(path, rel, rep)}
	for _, f := range run.Files {
		if f.Disk != "" && (f.Used || f.Format != "") {
			it.disk = append(it.disk, f.Disk)
		}
	}
	if !job.keepData {
		rep.Data = nil
	}
	warns := make([]error, len(run.Warnings))
	for i, w := range run.Warnings {
		warns[i] = fmt.Errorf("%s: %w", path, w)
	}
	return it, warns
}

// mergeViews reads as one run the folders that are views of one session
// seen by several loggers (a Lightning CSV and TensorBoard logger, an
// output folder and its W&B run): folders of different loggers
// (trainlog.LoggerViews) whose main series start alike
// (trainlog.ViewPrint), when trainlog.LoadViews finds their values those
// of one run: trainlog.ViewGroups, the grouping by which 'plateau report'
// lists a folder's runs (trainlog.Sessions). The merged run is named by the folder that holds its views
// when that folder holds no other run (so that 'plateau report FOLDER'
// reads it), and by its views otherwise.
func (job scanJob) mergeViews(items []scanItem) []scanItem {
	var cand []int
	for i, it := range items {
		if !it.print.Empty() && len(it.rds) == 1 && it.row.Rel == it.rds[0].Label() {
			cand = append(cand, i) // a whole discovered folder with a series
		}
	}
	rds := make([]trainlog.RunDir, len(cand))
	prints := make([]trainlog.ViewPrint, len(cand))
	for n, i := range cand {
		rds[n], prints[n] = items[i].rds[0], items[i].print
	}
	// The sets of views, grouped as trainlog.Sessions groups them for
	// 'plateau report', each with the run LoadViews read.
	var runs []*trainlog.Run
	groups := trainlog.ViewGroups(rds, prints, func(set []trainlog.RunDir) bool {
		run, err := trainlog.LoadViews(trainlog.Together(set), trainlog.LoadOptions{Options: job.reader})
		if err != nil {
			return false
		}
		runs = append(runs, run)
		return true
	})
	used := map[int]bool{}
	var merged []scanItem
	for g, group := range groups {
		set := make([]int, len(group))
		for n, k := range group {
			set[n] = cand[k]
		}
		rds := make([]trainlog.RunDir, len(set))
		for n, k := range set {
			rds[n] = items[k].rds[0]
		}
		together := trainlog.Together(rds)
		run := runs[g]
		common, err := filepath.Rel(job.root, together[0].Root)
		if err != nil {
			continue
		}
		common = filepath.ToSlash(common)
		rel, views := common, []string(nil)
		if holdsOthers(items, set, common) {
			var rels []string
			for _, rd := range rds {
				rels = append(rels, rd.Label())
				views = append(views, job.path(rd.Label()))
			}
			rel = strings.Join(rels, " + ")
		}
		it, _ := job.item(rds, rel, run, nil)
		if views != nil {
			it.row.Path, it.row.Views = views[0], views
		}
		merged = append(merged, it)
		for _, k := range set {
			used[k] = true
		}
	}
	if len(merged) == 0 {
		return items
	}
	var out []scanItem
	for i, it := range items {
		if !used[i] {
			out = append(out, it)
		}
	}
	return append(out, merged...)
}

// holdsOthers reports whether the folder common (relative to the scan
// root) holds a run other than the items of set.
func holdsOthers(items []scanItem, set []int, common string) bool {
	in := map[int]bool{}
	for _, k := range set {
		in[k] = true
	}
	for i, it := range items {
		for _, rd := range it.rds {
			for _, dir := range append([]string{rd.Rel}, rd.Sessions...) {
				if !in[i] && (common == "." || dir == common || strings.HasPrefix(dir, common+"/")) {
					return true
				}
			}
		}
	}
	return false
}

// scanProgress draws "scanning N of M runs" on standard error when it is
// a terminal.
type scanProgress struct{ line *term.Progress }

func (s *streams) startScanProgress() scanProgress {
	if !s.errIsTTY {
		return scanProgress{}
	}
	width := term.DefaultWidth
	if f, ok := s.err.(*os.File); ok {
		if w, _, err := xterm.GetSize(int(f.Fd())); err == nil && w > 20 {
			width = w
		}
	}
	p := term.StartProgress(s.err, width, 0, func() (int64, int64) { return 1, 1 })
	p.Phase("discovering runs...")
	return scanProgress{line: p}
}

func (p scanProgress) update(done, total int) {
	if p.line != nil {
		p.line.Phase(fmt.Sprintf("scanning: %d of %d runs analysed", done, total))
	}
}

func (p scanProgress) stop() {
	if p.line != nil {
		p.line.Stop()
	}
}
