package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
// it was read from, the key its views share, and its row.
type scanItem struct {
	rds []trainlog.RunDir // as discovered, relative to the scan root
	key string
	row analysis.ScanRun
	// disk lists the files on disk that were recognised as logs.
	disk []string
}

// scanRuns discovers the runs under the root, reads and analyses them on
// job.jobs goroutines, reads the logger folders that are views of one
// session as one run, and returns the scan, the input files on disk (no
// output may be written to one) and the number of input problems met in
// the runs.
func scanRuns(job scanJob) (*analysis.Scan, []string, int, error) {
	d, err := trainlog.Discover(job.root, trainlog.DiscoverOptions{MaxDepth: job.maxDepth})
	if err != nil {
		return nil, nil, 0, err
	}
	results := make([][]scanItem, len(d.Runs))
	warns := make([]int, len(d.Runs))
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
	nwarn := 0
	for i := range results {
		items = append(items, results[i]...)
		nwarn += warns[i]
	}
	items = job.mergeViews(items)
	rows := make([]analysis.ScanRun, len(items))
	var disk []string
	for i, it := range items {
		rows[i] = it.row
		disk = append(disk, it.disk...)
	}
	return analysis.NewScan(job.root, rows), disk, nwarn, nil
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
func (job scanJob) read(rd trainlog.RunDir) ([]scanItem, int) {
	alone := rd.Alone()
	run, err := trainlog.LoadRun(alone, trainlog.LoadOptions{Options: job.reader})
	var many *trainlog.ManyRunsError
	if errors.As(err, &many) {
		var out []scanItem
		n := 0
		for _, part := range many.Runs {
			rel := rd.Rel
			if rel == "." {
				rel = part.Part
			} else {
				rel += "/" + part.Part
			}
			run, err := trainlog.LoadRun(part, trainlog.LoadOptions{Options: job.reader})
			it, w := job.item([]trainlog.RunDir{rd}, rel, run, err)
			out = append(out, it)
			n += w
		}
		return out, n
	}
	it, w := job.item([]trainlog.RunDir{rd}, rd.Rel, run, err)
	return []scanItem{it}, w
}

// item analyses a run read for a scan.
func (job scanJob) item(rds []trainlog.RunDir, rel string, run *trainlog.Run, err error) (scanItem, int) {
	path := job.path(rel)
	if err != nil && (run == nil || (len(run.Series) == 0 && len(run.Summary) == 0)) {
		name := filepath.Base(path)
		if run != nil {
			name = run.Name
		}
		return scanItem{rds: rds, row: analysis.ErrorScanRun(path, rel, name, err)}, 0
	}
	rep := analysis.Analyze(run, job.analysis)
	it := scanItem{rds: rds, key: trainlog.ViewKey(run), row: analysis.NewScanRun(path, rel, rep)}
	for _, f := range run.Files {
		if f.Disk != "" && (f.Used || f.Format != "") {
			it.disk = append(it.disk, f.Disk)
		}
	}
	if !job.keepData {
		rep.Data = nil
	}
	return it, len(run.Warnings)
}

// mergeViews reads as one run the items that are views of one session
// seen by several loggers (a Lightning CSV and TensorBoard logger): the
// items whose main series start with the same value, of which at most
// one is an output folder, when trainlog.LoadViews finds them views of
// one run.
func (job scanJob) mergeViews(items []scanItem) []scanItem {
	byKey := map[string][]int{}
	var keys []string
	for i, it := range items {
		if it.key == "" || len(it.rds) != 1 || it.row.Rel != it.rds[0].Rel {
			continue // no series, or a part of a folder
		}
		if _, ok := byKey[it.key]; !ok {
			keys = append(keys, it.key)
		}
		byKey[it.key] = append(byKey[it.key], i)
	}
	drop := map[int]bool{}
	var merged []scanItem
	for _, k := range keys {
		idx := byKey[k]
		if len(idx) < 2 {
			continue
		}
		var rds []trainlog.RunDir
		outputs := 0
		for _, i := range idx {
			rds = append(rds, items[i].rds[0])
			if items[i].rds[0].OutputDir() {
				outputs++
			}
		}
		if outputs > 1 || len(rds) > 6 {
			continue // two output folders are two sessions
		}
		together := trainlog.Together(rds)
		run, err := trainlog.LoadViews(together, trainlog.LoadOptions{Options: job.reader})
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(job.root, together[0].Root)
		if err != nil {
			continue
		}
		it, _ := job.item(rds, filepath.ToSlash(rel), run, nil)
		merged = append(merged, it)
		for _, i := range idx {
			drop[i] = true
		}
	}
	if len(merged) == 0 {
		return items
	}
	var out []scanItem
	for i, it := range items {
		if !drop[i] {
			out = append(out, it)
		}
	}
	return append(out, merged...)
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
