package analysis

import (
	"slices"
	"sync"

	"github.com/plateau-dev/plateau/trainlog"
)

// An analyzer is one run being analysed: the run itself (embedded, so
// that run.Get and run.Summary read as before) and what one Analyze call
// memoises about it. One analysis asks for the same curve, geometry and
// projection many times, and on a million-point log each build costs
// tens of milliseconds; the memo lives exactly as long as the call, so
// no package-level state ties analyses of different runs together.
// Sections run concurrently (see Analyze), so the memo is locked.
type analyzer struct {
	*trainlog.Run

	mu     sync.Mutex
	curves map[string]*curve
	geo    *geometry
	ends   map[*trainlog.Series][]epochEnd
	projs  map[projKey]*projFit
	fam    *familyResult
}

// newAnalyzer returns an analyzer of run with an empty memo.
func newAnalyzer(run *trainlog.Run) *analyzer {
	return &analyzer{Run: run, curves: map[string]*curve{}, ends: map[*trainlog.Series][]epochEnd{}, projs: map[projKey]*projFit{}}
}

// curve returns the memoised finite curve of the named series (nil when
// the run has no such series). Callers must not modify it.
func (a *analyzer) curve(name string) *curve {
	a.mu.Lock()
	c, ok := a.curves[name]
	a.mu.Unlock()
	if ok {
		return c
	}
	s := a.Get(name)
	if s != nil {
		c = buildCurve(s, name)
	}
	a.mu.Lock()
	a.curves[name] = c
	a.mu.Unlock()
	return c
}

// geometry returns the memoised shape of the run (see runGeometry).
func (a *analyzer) geometry() geometry {
	a.mu.Lock()
	g := a.geo
	a.mu.Unlock()
	if g != nil {
		return *g
	}
	v := computeGeometry(a)
	a.mu.Lock()
	a.geo = &v
	a.mu.Unlock()
	return v
}

// epochEnds returns the memoised epoch ends of ref (see findEpochEnds).
func (a *analyzer) epochEnds(ref *trainlog.Series) []epochEnd {
	a.mu.Lock()
	ends, ok := a.ends[ref]
	a.mu.Unlock()
	if ok {
		return slices.Clone(ends)
	}
	ends = findEpochEnds(a, ref)
	a.mu.Lock()
	a.ends[ref] = ends
	a.mu.Unlock()
	return slices.Clone(ends)
}
