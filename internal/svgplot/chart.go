// Package svgplot draws minimal line, point and band charts as SVG.
//
// A Chart is plain data: series of points over a shared x axis, plus
// annotations (bands along x or y, vertical lines, markers). Render lays
// it out (linear or log y axis with nice ticks, bands in lanes above the
// plot, a legend that wraps) and writes it through html/template, so
// every string that came from a log is escaped in its context. The chart
// needs no script: markers carry a tooltip (<title>) with their value,
// step, epoch and source, and data attributes (data-s step, data-e epoch,
// data-v value, data-loc source); in a standalone chart every dot carries
// such a tooltip too. A page that inlines charts draws its own hover from
// the same Chart values (see report's interactive charts). Smoothing and
// downsampling are the caller's (see internal/stats).
package svgplot

import "math"

// Default chart size in SVG user units.
const (
	DefaultWidth  = 760
	DefaultHeight = 300
)

// A Chart is one plot over a shared x axis (usually the training step).
type Chart struct {
	// ID names the chart: the id attribute of the <svg> element and the
	// base name of a standalone file. It should be a simple token.
	ID     string
	Title  string
	XLabel string
	YLabel string
	// TopLabel names the secondary axis above the plot that the labels
	// of XLines with Top set form (such as "epoch").
	TopLabel string
	// YLog draws the y axis on a log scale; values <= 0 are not drawn.
	YLog          bool
	Width, Height float64 // 0 means DefaultWidth, DefaultHeight
	Series        []Series
	XBands        []XBand
	YBands        []YBand
	XLines        []XLine
	Markers       []Marker
	// Legend lists extra legend entries (for annotations); series with a
	// Name are listed automatically.
	Legend []LegendItem
}

// A Series is one sequence of points, drawn as a line, as dots or both.
type Series struct {
	// Name is the legend text and the name shown on hover.
	Name string
	// Class is the CSS class of the series (see CSS): "c0" to "c5" pick a
	// colour; "raw" makes dots faint, "thin" a line thinner.
	Class string
	Line  bool // join the points with a line, broken at missing values
	Dots  bool // draw each point as a hoverable dot
	// Total is the number of points before display downsampling (0:
	// len(Points)).
	Total  int
	Points []Point
}

// A Point is one value. X is the step; Y the value drawn. Epoch (NaN when
// unknown) and Loc ("file:line") are shown on hover. Estimated marks a
// step the log does not print: it is shown "~X", as the report's text
// shows it.
type Point struct {
	X, Y      float64
	Epoch     float64
	Loc       string
	Estimated bool
}

// An XBand marks a range of x, such as a phase of training or the steps
// where a run overfits. It is drawn as a segment of a lane above the
// plot, lane Row (0 is the lowest, nearest the plot; at most MaxLanes), so
// that bands of different kinds never overlap: each kind takes its own
// lane. Its label is written inside the segment when it fits whole, and
// is always the segment's tooltip. With Shade set, the range is also
// shaded faintly across the plot.
type XBand struct {
	From, To float64
	Label    string
	Class    string
	Row      int
	Shade    bool
}

// MaxLanes is the number of band lanes a chart can have.
const MaxLanes = 3

// A YBand shades a range of y, such as the usual range of a metric. Its
// label is shown on hover and, if given a legend entry, in the legend.
type YBand struct {
	From, To float64
	Label    string
	Class    string
}

// An XLine is a vertical line, such as an epoch boundary. Its label is
// written inside the plot at the bottom, or above the plot when Top is
// set; labels too close to the previous one are left out.
type XLine struct {
	X     float64
	Label string
	Class string
	Top   bool
}

// Marker shapes.
const (
	ShapeTriangle     = "triangle"      // a spike upwards, drawn above its point
	ShapeTriangleDown = "triangle-down" // a spike downwards, drawn below its point
	ShapeChevron      = "chevron"       // an expected drop (such as at an epoch boundary), drawn below its point
	ShapeDiamond      = "diamond"       // a checkpoint
	ShapeRing         = "ring"          // a best or recommended point
	ShapeCross        = "cross"         // a non-finite value
)

// A Marker flags one point. A marker whose Y is not finite (or not
// positive on a log axis) is drawn along the top edge of the plot.
type Marker struct {
	Point
	Shape string
	Class string
	// Label is the marker's name, shown on hover and as an SVG <title>.
	Label string
}

// A LegendItem is an extra legend entry.
type LegendItem struct {
	Label string
	Class string
	Shape string // a marker shape, "band" or "line"
}

// size returns the chart's width and height.
func (c *Chart) size() (w, h float64) {
	w, h = c.Width, c.Height
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	return w, h
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// xDomain returns the range of x over everything drawn.
func (c *Chart) xDomain() (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	see := func(x float64) {
		if finite(x) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	for _, s := range c.Series {
		for _, p := range s.Points {
			see(p.X)
		}
	}
	for _, m := range c.Markers {
		see(m.X)
	}
	for _, l := range c.XLines {
		see(l.X)
	}
	return lo, hi, lo <= hi
}

// yDomain returns the range of the drawable y values.
func (c *Chart) yDomain() (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	see := func(y float64) {
		if finite(y) && (!c.YLog || y > 0) {
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	for _, s := range c.Series {
		for _, p := range s.Points {
			see(p.Y)
		}
	}
	for _, b := range c.YBands {
		see(b.From)
		see(b.To)
	}
	for _, m := range c.Markers {
		see(m.Y)
	}
	return lo, hi, lo <= hi
}

// Count returns the number of points of the chart's series that carry
// hover data (dots), plus its markers.
func (c *Chart) Count() (dots, markers int) {
	for _, s := range c.Series {
		if s.Dots {
			dots += len(s.Points)
		}
	}
	return dots, len(c.Markers)
}
