// Package watch follows a training run while it trains: it tails the
// files the run writes (internal/follow), feeds the new bytes to readers
// that keep their state, merges the records into a run (trainlog), checks
// streaming alert rules on every new step, re-runs the analysis now and
// then for the alerts that need it (overfitting, converged), and reports a
// coalesced status to a renderer at most a few times a second.
package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/follow"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// Options configure Watch.
type Options struct {
	// Root is the run directory or log file to follow; it may not exist yet.
	Root       string
	Reader     trainlog.Options
	Analysis   analysis.Options
	Thresholds Thresholds
	// MinPoll and MaxPoll bound the poll interval (defaults in
	// internal/follow).
	MinPoll, MaxPoll time.Duration
	// RenderEvery is the least time between two OnUpdate calls.
	RenderEvery time.Duration
	// AnalyzeEvery is the least time between two full analyses (they also
	// run after each new evaluation and at the end).
	AnalyzeEvery time.Duration
	// MaxPoints bounds the points kept per series (older ones are thinned
	// keeping extremes), so memory stays flat over week-long runs.
	MaxPoints int
	// OnAlert is called once per alert.
	OnAlert func(Alert)
	// OnUpdate is called with the latest status, coalesced.
	OnUpdate func(Status)
	// StopAtEnd makes Watch return when the run writes its end-of-training
	// summary, or is idle (see IdleEnd).
	StopAtEnd bool
	// IdleEnd: a run none of whose files changed for IdleEnd when the
	// watch has read what they hold is taken as ended (finished, or
	// stopped): Lightning's metrics.csv, TensorBoard events and the like
	// write no end-of-training marker, so that a finished run would be
	// followed forever. It is judged once, from the files' modification
	// times; a run that goes quiet later raises the stall alert instead.
	// 0 means DefaultIdleEnd; a negative value never takes a run as idle.
	IdleEnd time.Duration
}

// DefaultIdleEnd is the default Options.IdleEnd.
const DefaultIdleEnd = time.Hour

// Status is a snapshot for the live view.
type Status struct {
	Run    *trainlog.Run
	Report *analysis.Report // the latest analysis, possibly older than Run
	Step   int64
	Total  int64
	// StepsPerSecond is measured from the logged times or the arrival of
	// new steps; 0 when unknown.
	StepsPerSecond float64
	ETA            time.Duration
	Alerts         []Alert
	Done           bool
	// Idle is set when Done came from IdleEnd, not from an end marker:
	// how long no file of the run had changed.
	Idle  time.Duration
	Files int
}

type tracked struct {
	feed   *follow.Feed
	format trainlog.Format
	gen    int    // bumped on reset so records of an old reader are dropped
	split  string // the file's trainlog.Input.Split
}

type fileRec struct {
	rel string
	gen int
	rec trainlog.Record
}

// Watch follows opts.Root until ctx is done or, with StopAtEnd, the run
// ends. It returns the final analysis.
func Watch(ctx context.Context, opts Options) (*analysis.Report, error) {
	if opts.RenderEvery <= 0 {
		opts.RenderEvery = 250 * time.Millisecond
	}
	if opts.AnalyzeEvery <= 0 {
		opts.AnalyzeEvery = 5 * time.Second
	}
	if opts.MaxPoints <= 0 {
		opts.MaxPoints = 50000
	}
	if opts.IdleEnd == 0 {
		opts.IdleEnd = DefaultIdleEnd
	}
	if opts.Thresholds.Window == 0 {
		opts.Thresholds = DefaultThresholds
	}
	m := &monitor{
		opts:    opts,
		run:     trainlog.NewRun(runName(opts.Root)),
		files:   map[string]*tracked{},
		records: map[string]int{},
		recs:    make(chan fileRec, 4096),
		rules:   newRules(opts.Thresholds),
		sel:     newSelection(opts.Root),
	}
	if err := m.sel.refusal(); err != nil {
		return nil, err
	}
	m.run.Root = opts.Root
	m.coll = trainlog.NewCollector(m.run)
	return m.loop(ctx)
}

type monitor struct {
	opts    Options
	run     *trainlog.Run
	coll    *trainlog.Collector
	sel     *selection
	files   map[string]*tracked
	records map[string]int // entries read per file
	recs    chan fileRec
	rules   *rules
	alerts  []Alert
	report  *analysis.Report
	// dirty is set by what the live view has not shown yet (a record, a
	// new analysis); stale by records the last analysis did not see.
	// Both are cleared only by what consumes them, so that the last
	// records of a quiet run are analysed and shown however late the
	// ticks come.
	dirty      bool
	stale      bool
	addedSeen  int // added at the previous tick: no new record since means caught up
	newEval    bool
	lastRender time.Time
	lastAnal   time.Time
	analCost   time.Duration
	added      int
	done       bool
	// idleJudged is set once IdleEnd was judged; idle is how long the run's
	// files had not changed when it took the run as ended.
	idleJudged bool
	idle       time.Duration
	firstSeen  time.Time
	firstStep  int64
}

func (m *monitor) loop(ctx context.Context) (*analysis.Report, error) {
	fol := follow.New(m.opts.Root, follow.Options{Accept: m.sel.accept, MinPoll: m.opts.MinPoll, MaxPoll: m.opts.MaxPoll, FromStart: true})
	events := make(chan follow.Event, 64)
	folCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	folErr := make(chan error, 1)
	go func() { folErr <- fol.Run(folCtx, events) }()
	tick := time.NewTicker(m.opts.RenderEvery)
	defer tick.Stop()
	defer m.closeFeeds()
	for {
		select {
		case <-ctx.Done():
			return m.finish()
		case err := <-folErr:
			if err != nil && !errors.Is(err, context.Canceled) {
				rep, ferr := m.finish()
				if ferr != nil {
					return nil, ferr
				}
				return rep, err
			}
		case ev := <-events:
			// A discovery made for this file may have changed what the
			// run reads: apply it first.
			select {
			case <-m.sel.changed:
				if err := m.reselect(); err != nil {
					return nil, err
				}
			default:
			}
			m.handle(ev)
		case <-m.sel.changed:
			if err := m.reselect(); err != nil {
				return nil, err
			}
		case fr := <-m.recs:
			m.add(fr)
		case now := <-tick.C:
			m.step(now)
			if m.done && m.opts.StopAtEnd {
				m.drain()
				return m.finish()
			}
		}
	}
}

// drain adds the records already queued.
func (m *monitor) drain() {
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		select {
		case fr := <-m.recs:
			m.add(fr)
		default:
			return
		}
	}
}

func (m *monitor) closeFeeds() {
	for _, t := range m.files {
		if t.feed != nil {
			t.feed.Close()
		}
	}
}

// reselect applies a new discovery: it fails when the root turned out to
// hold several runs, and otherwise forgets the files the run no longer
// reads (an earlier trainer_state.json once a newer checkpoint holds a
// longer history).
func (m *monitor) reselect() error {
	if err := m.sel.refusal(); err != nil {
		return err
	}
	read := map[string]bool{} // followed (append-only) or re-read whole
	for rel := range m.files {
		read[rel] = true
	}
	for rel := range m.records {
		read[rel] = true
	}
	for rel := range read {
		if m.sel.reads(rel) {
			continue
		}
		if t := m.files[rel]; t != nil && t.feed != nil {
			t.feed.Close()
		}
		delete(m.files, rel)
		delete(m.records, rel)
		m.coll.RemoveFile(rel)
		m.dirty, m.stale = true, true
	}
	return nil
}

// handle applies one file event.
func (m *monitor) handle(ev follow.Event) {
	if !m.sel.reads(ev.Rel) {
		return
	}
	t := m.files[ev.Rel]
	switch ev.Kind {
	case follow.Rewritten:
		m.reread(ev)
		return
	case follow.Reset:
		if t != nil {
			t.feed.Close()
			t.gen++
			m.coll.RemoveFile(ev.Rel)
			m.dirty, m.stale = true, true
		}
		m.rules.restart() // the file starts over: its steps are new
	}
	if t == nil || ev.Kind == follow.Reset {
		f, ok := trainlog.Detect(ev.Rel, ev.Data)
		if !ok {
			return
		}
		gen := 0
		if t != nil {
			gen = t.gen
		}
		t = &tracked{feed: follow.NewFeed(), format: f, gen: gen, split: m.sel.split(ev.Rel)}
		m.files[ev.Rel] = t
		go m.readFeed(ev.Rel, t.gen, f, t.feed)
	}
	if len(ev.Data) > 0 {
		_, _ = t.feed.Write(ev.Data)
	}
}

// readFeed runs a reader over a feed until the feed is closed.
func (m *monitor) readFeed(rel string, gen int, f trainlog.Format, feed *follow.Feed) {
	defer func() { _ = recover() }() // a reader bug must not kill the watch
	ropts := m.opts.Reader
	ropts.Live = true
	rd := f.NewReader(rel, feed, ropts)
	for rd.Scan() {
		m.recs <- fileRec{rel: rel, gen: gen, rec: rd.Record()}
	}
}

// reread reads a whole-file format again after it changed.
func (m *monitor) reread(ev follow.Event) {
	data, err := os.ReadFile(ev.Path)
	if err != nil || len(data) == 0 {
		return
	}
	rd, _, err := trainlog.Open(ev.Rel, bytes.NewReader(data), m.opts.Reader)
	if err != nil {
		return
	}
	var recs []trainlog.Record
	bad := false
	for rd.Scan() {
		rec := rd.Record()
		if _, ok := rec.(*trainlog.SyntaxError); ok {
			bad = true // probably caught mid-write: wait for the next version
			continue
		}
		recs = append(recs, rec)
	}
	if bad && len(recs) == 0 {
		return
	}
	m.coll.RemoveFile(ev.Rel)
	m.records[ev.Rel] = 0
	split := m.sel.split(ev.Rel)
	for _, rec := range recs {
		if e, ok := rec.(*trainlog.Entry); ok && split != "" {
			trainlog.ApplySplit(e, split)
		}
		m.addRecord(ev.Rel, rec)
	}
	m.dirty, m.stale = true, true
}

func (m *monitor) add(fr fileRec) {
	t := m.files[fr.rel]
	if t == nil || t.gen != fr.gen {
		return
	}
	if e, ok := fr.rec.(*trainlog.Entry); ok && t.split != "" {
		trainlog.ApplySplit(e, t.split)
	}
	m.addRecord(fr.rel, fr.rec)
}

func (m *monitor) addRecord(rel string, rec trainlog.Record) {
	now := time.Now()
	m.coll.Add(rec)
	if _, ok := rec.(*trainlog.Entry); ok {
		m.records[rel]++
	}
	m.dirty, m.stale = true, true
	m.added++
	if m.added%(m.opts.MaxPoints/4+1) == 0 {
		m.coll.Compact(m.opts.MaxPoints)
	}
	switch r := rec.(type) {
	case *trainlog.Entry:
		switch r.Kind {
		case trainlog.KindTrain:
			if m.firstSeen.IsZero() {
				m.firstSeen, m.firstStep = now, r.Step
			}
			m.emit(m.rules.entry(r, now))
		case trainlog.KindEval:
			m.newEval = true
		case trainlog.KindSummary:
			if _, ok := r.Get("train_runtime"); ok {
				m.done = true
			}
		}
	case *trainlog.Meta:
		if r.Info != nil && r.Info.Key == trainlog.InfoTrainingStopped && r.Info.Value == "true" {
			m.done = true
		}
	}
}

func (m *monitor) emit(alerts []Alert) {
	for _, a := range alerts {
		m.alerts = append(m.alerts, a)
		if m.opts.OnAlert != nil {
			m.opts.OnAlert(a)
		}
	}
}

// idleEnded reports whether a run whose files last changed at newest is
// taken as ended at now: idle > 0 and no change for idle.
func idleEnded(now, newest time.Time, idle time.Duration) bool {
	return idle > 0 && !newest.IsZero() && now.Sub(newest) >= idle
}

// step runs on every tick: time-based rules, analysis when due, render.
// A tick may come late or early (a loaded machine, a ticker catching up):
// what is due and not done now stays due for the next tick.
func (m *monitor) step(now time.Time) {
	if m.added == m.addedSeen && len(m.recs) == 0 {
		m.rules.live = true // caught up with the backlog
	}
	m.addedSeen = m.added
	if !m.done && !m.idleJudged && m.rules.live && m.added > 0 {
		if newest := m.sel.newest(); !newest.IsZero() {
			m.idleJudged = true
			if idleEnded(now, newest, m.opts.IdleEnd) {
				m.done, m.idle, m.dirty = true, now.Sub(newest), true
			}
		}
	}
	m.emit(m.rules.tick(now, m.done))
	if m.stale || m.newEval {
		due := now.Sub(m.lastAnal) >= max(m.opts.AnalyzeEvery, 20*m.analCost)
		if m.newEval || due || m.done {
			m.analyze(now)
		}
	}
	if !m.dirty {
		return
	}
	if m.opts.OnUpdate == nil {
		m.dirty = false
		return
	}
	if now.Sub(m.lastRender) >= m.opts.RenderEvery {
		m.lastRender = now
		m.dirty = false
		m.opts.OnUpdate(m.status(now))
	}
}

func (m *monitor) analyze(now time.Time) {
	start := time.Now()
	run := m.liveRun()
	m.stale = false
	rep, err := safeAnalyze(run, m.opts.Analysis)
	if err != nil {
		m.lastAnal = now
		return // keep the previous report; the streaming rules go on
	}
	m.report = rep
	m.dirty = true // the live view shows the new analysis
	m.analCost = time.Since(start)
	m.lastAnal = now
	m.newEval = false
	m.emit(m.reportAlerts(m.report))
}

// reportAlerts turns analysis results into the alerts that need them.
func (m *monitor) reportAlerts(r *analysis.Report) []Alert {
	var out []Alert
	if r.Eval.Present && r.Eval.Overfitting && !m.rules.raised[KindOverfitting] {
		ck := "no checkpoint of that step exists on disk"
		for _, c := range r.Checkpoints {
			if c.Step == r.Eval.BestStep {
				ck = "roll back to " + c.Path
			}
		}
		var src []string
		if r.Eval.Best != nil {
			src = []string{r.Eval.Best.Source}
		}
		last := ""
		if r.Eval.Last != nil {
			last = fmt.Sprintf(" and is now %.4g", r.Eval.Last.Value)
		}
		best := math.NaN()
		if r.Eval.Best != nil {
			best = r.Eval.Best.Value
		}
		out = m.rules.raise(out, Alert{Kind: KindOverfitting, Severity: "warning", Step: r.Eval.BestStep, Sources: src,
			Message: fmt.Sprintf("overfitting: %s was lowest, %.4g, at step %d%s (%.1f sigma above): %s", r.Eval.Metric, best, r.Eval.BestStep, last, r.Eval.RiseSigma, ck)})
	}
	if v := r.Verdict; v.Status == analysis.StatusConverged && v.Confidence != analysis.ConfidenceLow && !m.done && !m.rules.raised[KindConverged] {
		out = m.rules.raise(out, m.convergedAlert(r))
	}
	return out
}

// convergedAlert is the "converged: you can stop" alert. It fires on
// the verdict itself (analysis' one decision procedure, the call the
// backtest in docs/methods.md measures) when it is converged with at
// least medium confidence (a low-confidence call leans on point estimates
// only), quotes the verdict's reason, and
// adds what the rest of the run is forecast to buy, with its 80% range,
// and the time stopping now saves.
func (m *monitor) convergedAlert(r *analysis.Report) Alert {
	st := m.status(time.Now())
	msg := "converged: you can stop. " + report.VerdictSentence(r)
	if a := r.AnotherEpoch; a != nil && a.Available && a.Kind == analysis.ForecastRestOfRun {
		msg += fmt.Sprintf(" The next %d steps under the logged schedule are forecast to gain %.3g (80%% range %.3g to %.3g) from the level %.4g.",
			a.HorizonSteps, a.ExpectedGain, a.GainLow, a.GainHigh, a.LastValue)
	}
	if st.Total > st.Step && st.StepsPerSecond > 0 {
		remaining := st.Total - st.Step
		save := time.Duration(float64(remaining) / st.StepsPerSecond * float64(time.Second))
		msg += fmt.Sprintf(" Stopping now saves %s (%d steps)", save.Round(time.Second), remaining)
		if p := m.opts.Analysis.GPUHourPrice; p > 0 {
			gpus := max(m.opts.Analysis.GPUs, 1)
			msg += fmt.Sprintf(", %.2f at %.2f per GPU hour × %d GPU", save.Hours()*p*float64(gpus), p, gpus)
		}
		msg += "."
	}
	return Alert{Kind: KindConverged, Severity: "info", Step: st.Step, Sources: r.Verdict.Reason.Sources, Message: msg}
}

// liveRun returns the run as read so far, with its files and checkpoints.
func (m *monitor) liveRun() *trainlog.Run {
	run := m.coll.Run()
	run.Files = m.sel.files(m.records)
	run.Checkpoints = m.sel.checkpoints()
	return run
}

// status builds a snapshot.
func (m *monitor) status(now time.Time) Status {
	run := m.liveRun()
	st := Status{Run: run, Report: m.report, Alerts: m.alerts, Done: m.done, Idle: m.idle, Files: len(m.files)}
	if loss := run.Get("loss"); loss.Len() > 0 {
		st.Step = loss.Step(loss.Len() - 1)
	}
	for _, name := range run.SeriesNames() {
		if s := run.Series[name]; s.Len() > 0 && s.Step(s.Len()-1) > st.Step && !trainlog.IsEval(name) {
			st.Step = s.Step(s.Len() - 1)
		}
	}
	if v, ok := run.Geometry[trainlog.GeoMaxSteps]; ok {
		st.Total = int64(v.Value)
	} else if v, ok := run.Summary["tqdm_total"]; ok {
		st.Total = int64(v.Value)
	}
	if v, ok := run.Summary["tqdm_it_per_second"]; ok && v.Value > 0 {
		st.StepsPerSecond = v.Value
	} else if !m.firstSeen.IsZero() && st.Step > m.firstStep {
		if dt := now.Sub(m.firstSeen).Seconds(); dt > 0 {
			st.StepsPerSecond = float64(st.Step-m.firstStep) / dt
		}
	}
	if st.StepsPerSecond > 0 && st.Total > st.Step {
		st.ETA = time.Duration(float64(st.Total-st.Step) / st.StepsPerSecond * float64(time.Second))
	}
	return st
}

// finish runs the last analysis. The files are read again whole, as
// 'plateau report' reads them, so that the final report of a finished
// run is the report's, whatever the live reading thinned or inferred;
// the live state is the fallback when that fails. When report would
// refuse the root (its files turn out to hold several runs, or its
// loggers' folders disagree), so does the watch: the refusal is returned.
func (m *monitor) finish() (*analysis.Report, error) {
	rep, err := m.finalReport()
	if err != nil {
		return nil, err
	}
	if rep != nil {
		m.report = rep
	} else {
		m.analyze(time.Now())
	}
	if m.opts.OnUpdate != nil {
		m.opts.OnUpdate(m.status(time.Now()))
	}
	return m.report, nil
}

// finalReport loads and analyses the run as 'plateau report' does. It
// returns Load's refusal of the root (ErrManyRuns, ErrDifferentRuns), its
// ErrNoData (which says, file by file, why nothing is a training log) when
// the live reading found nothing either, and no report when the run
// cannot be read or analysed whole.
func (m *monitor) finalReport() (*analysis.Report, error) {
	run, err := trainlog.Load([]string{m.opts.Root}, trainlog.LoadOptions{Options: m.opts.Reader})
	if errors.Is(err, trainlog.ErrManyRuns) || errors.Is(err, trainlog.ErrDifferentRuns) {
		return nil, err
	}
	if live := m.coll.Run(); errors.Is(err, trainlog.ErrNoData) && len(live.Series) == 0 && len(live.Summary) == 0 {
		return nil, err
	}
	if err != nil || run == nil || (len(run.Series) == 0 && len(run.Summary) == 0) {
		return nil, nil
	}
	rep, err := safeAnalyze(run, m.opts.Analysis)
	if err != nil {
		return nil, nil
	}
	return rep, nil
}

// safeAnalyze runs the analysis, turning a panic (a bug) into an error so
// that a long watch is not lost to it.
func safeAnalyze(run *trainlog.Run, opts analysis.Options) (rep *analysis.Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("analysis failed: %v", p)
		}
	}()
	return analysis.Analyze(run, opts), nil
}
