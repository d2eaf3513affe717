package report

import (
	"bytes"
	"html/template"
	"io"
	"math"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/internal/svgplot"
)

// maxComparePoints bounds the points drawn per run in a compare chart.
const maxComparePoints = 1200

// WriteCompareHTML writes a comparison as one offline HTML page: the
// sections of the text output, with the runs' curves overlaid as SVG
// charts on the common axis.
func WriteCompareHTML(w io.Writer, c *analysis.Comparison) error {
	if c == nil {
		return errNilComparison
	}
	labels := runLabels(c)
	var charts []template.HTML
	for _, eval := range []bool{false, true} {
		if ch := compareSVG(c, labels, eval); ch != nil {
			h, err := svgplot.HTML(ch)
			if err != nil {
				return err
			}
			charts = append(charts, h)
		}
	}
	var buf bytes.Buffer
	title := "plateau compare: " + joinLabels(labels)
	if err := writeDocPage(&buf, title, docHTML(buildCompare(c), charts, nil)); err != nil {
		return err
	}
	_, err := w.Write(safeHTML(buf.Bytes()))
	return err
}

func joinLabels(labels []string) string {
	s := ""
	for i, l := range labels {
		if i > 0 {
			s += " vs "
		}
		s += l
	}
	return s
}

// compareSVG overlays the runs' train curves (or eval curves) on the
// common axis; nil when no run has one.
func compareSVG(c *analysis.Comparison, labels []string, eval bool) *svgplot.Chart {
	ch := &svgplot.Chart{ID: "compare-train", XLabel: axisNoun(c.AlignedBy), YLabel: c.Runs[0].Metric,
		Title: c.Runs[0].Metric + " against " + axisNoun(c.AlignedBy)}
	if eval {
		ch.ID, ch.Title = "compare-eval", "evaluations against "+axisNoun(c.AlignedBy)
		for _, r := range c.Runs {
			if r.EvalMetric != "" {
				ch.YLabel = r.EvalMetric
				break
			}
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, r := range c.Runs {
		pts := r.Curve
		if eval {
			pts = r.EvalCurve
		}
		if len(pts) == 0 {
			continue
		}
		xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
		for k, p := range pts {
			xs[k], ys[k] = p.X, p.Y
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
		}
		s := svgplot.Series{Name: runMark(i) + " " + labels[i], Class: "c" + string(rune('0'+i%6)), Line: true, Dots: eval, Total: len(pts)}
		for _, k := range stats.Downsample(xs, ys, maxComparePoints, nil) {
			s.Points = append(s.Points, svgplot.Point{X: pts[k].X, Y: pts[k].Y, Epoch: math.NaN()})
		}
		ch.Series = append(ch.Series, s)
	}
	if len(ch.Series) == 0 {
		return nil
	}
	ch.YLog = lo > 0 && hi > 10*lo
	return ch
}
