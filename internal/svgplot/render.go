package svgplot

import (
	_ "embed"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plateau-dev/plateau/internal/numfmt"
)

//go:embed svg.tmpl
var svgTemplate string

//go:embed svg.css
var css string

// CSS is the style sheet of the charts: colours as CSS variables with a
// dark variant under prefers-color-scheme, and the classes used by
// Render. A page that inlines charts includes it once; a standalone chart
// carries it in its own <style>.
func CSS() string { return css }

var tmpl = template.Must(template.New("svg").Parse(svgTemplate))

// Layout in user units. The plot's top depends on the rows of the legend
// and the lanes of bands above it (see top); the plot's height is the
// chart's height less the base top and bottom margins, so a chart with
// lanes grows rather than squeezing its plot.
const (
	marginLeft   = 62
	marginRight  = 14
	marginTop    = 50 // with one legend row and no lanes
	marginBottom = 40
	legendY      = 30 // baseline of the first legend row
	legendRowH   = 16
	laneH        = 13
	laneGap      = 2
)

// Render writes c as an <svg> element. With standalone set it writes a
// complete SVG document (XML declaration, namespaces and the style sheet)
// fit to be saved as a .svg file; otherwise an element to inline in an
// HTML page that includes CSS.
func Render(w io.Writer, c *Chart, standalone bool) error {
	v := layout(c, standalone)
	v.Standalone = standalone
	if standalone {
		v.CSS = template.CSS(css)
		if _, err := io.WriteString(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"); err != nil {
			return err
		}
	}
	return tmpl.Execute(w, v)
}

// HTML renders c as an element to inline in a page.
func HTML(c *Chart) (template.HTML, error) {
	var b strings.Builder
	if err := Render(&b, c, false); err != nil {
		return "", err
	}
	// The markup was produced by html/template, which escaped every
	// string of c in its context.
	return template.HTML(b.String()), nil
}

// The view types hold the laid-out chart: positions as short decimal
// strings and text as given (the template escapes it).
type (
	chartView struct {
		ID, Title, XLabel, YLabel string
		TopLabel, TopX, TopY      string
		W, H                      string
		Standalone                bool
		CSS                       template.CSS
		Empty                     bool
		Plot                      rectView
		XTicks, YTicks            []tickView
		XBands, YBands            []bandView
		XLines                    []lineView
		Series                    []seriesView
		Markers                   []markerView
		Legend                    []legendView
		XLabelX, XLabelY          string
		YLabelX, YLabelY          string
		Log                       bool
	}
	rectView struct{ X, Y, W, H string }
	tickView struct {
		Label          string
		X1, Y1, X2, Y2 string
		TX, TY         string
		End            bool // anchored at its end, to stay inside the chart
	}
	bandView struct {
		Rect         rectView // the lane segment (XBand) or the band (YBand)
		Shade        *rectView
		Label, Class string
		TX, TY       string
		Title        string
	}
	lineView struct {
		X, Y1, Y2    string
		Label, Class string
		TX, TY       string
		Top, End     bool
	}
	seriesView struct {
		Name, Class string
		Path        string
		Dots        []dotView
		// DotsHTML is the markup of Dots, written here when no dot has a
		// title and every coordinate is made of digits, '.' and '-' (which
		// the template would write as they are); empty otherwise, and the
		// template writes Dots.
		DotsHTML template.HTML
		N, Total int
	}
	dotView struct {
		CX, CY string
		Title  string // standalone charts only
	}
	markerView struct {
		D, Class, Label string
		S, E, V, Loc    string
		Title           string
	}
	legendView struct {
		Label, Class, Shape string
		X, X2, Y, CX, BY    string
		TX, TY, D           string
	}
)

// num formats a coordinate with one decimal.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// A box is the plot area in user units.
type box struct{ x0, y0, x1, y1 float64 }

// lanes returns the number of band lanes c uses.
func (c *Chart) lanes() int {
	n := 0
	for _, b := range c.XBands {
		n = max(n, laneOf(b)+1)
	}
	return n
}

func laneOf(b XBand) int { return min(max(b.Row, 0), MaxLanes-1) }

// layout computes the positions of everything drawn.
func layout(c *Chart, standalone bool) *chartView {
	w, h := c.size()
	items := legendItems(c)
	rows := legendRows(items, w)
	lanes := c.lanes()
	top := marginTop + legendRowH*float64(max(len(rows)-1, 0)) + float64(lanes)*(laneH+laneGap)
	plot := box{marginLeft, top, w - marginRight, top + h - marginTop - marginBottom}
	h = plot.y1 + marginBottom
	v := &chartView{ID: c.ID, W: num(w), H: num(h), Log: c.YLog}
	v.Title, v.XLabel, v.YLabel = cleanText(c.Title), cleanText(c.XLabel), cleanText(c.YLabel)
	v.TopLabel = cleanText(c.TopLabel)
	v.Plot = rectView{num(plot.x0), num(plot.y0), num(plot.x1 - plot.x0), num(plot.y1 - plot.y0)}
	v.XLabelX, v.XLabelY = num((plot.x0+plot.x1)/2), num(h-6)
	v.YLabelX, v.YLabelY = num(14), num((plot.y0+plot.y1)/2)
	laneTop := plot.y0 - float64(lanes)*(laneH+laneGap)
	v.TopX, v.TopY = num(plot.x0-4), num(laneTop-8)
	v.Legend = legendLayout(rows)
	xlo, xhi, okx := c.xDomain()
	ylo, yhi, oky := c.yDomain()
	if !okx || !oky {
		v.Empty = true
		return v
	}
	xs, xt := xScale(xlo, xhi, plot.x0, plot.x1)
	var yt []float64
	ys := scale{log: c.YLog, p0: plot.y1, p1: plot.y0}
	if c.YLog {
		ys.d0, ys.d1, yt = logTicks(ylo, yhi)
	} else {
		ys.d0, ys.d1, yt = linearTicks(ylo, yhi, 5)
	}
	for _, t := range xt {
		x := xs.pos(t)
		tv := tickView{Label: FormatTick(t), X1: num(x), X2: num(x), Y1: num(plot.y0), Y2: num(plot.y1),
			TX: num(x), TY: num(plot.y1 + 15)}
		if x+textWidth(tv.Label)/2 > w-1 {
			tv.TX, tv.End = num(w-2), true
		}
		v.XTicks = append(v.XTicks, tv)
	}
	for _, t := range yt {
		y := num(ys.pos(t))
		v.YTicks = append(v.YTicks, tickView{Label: FormatTick(t), X1: num(plot.x0), X2: num(plot.x1), Y1: y, Y2: y,
			TX: num(plot.x0 - 5), TY: num(ys.pos(t) + 3.5)})
	}
	v.XBands = xBands(c, xs, plot)
	v.YBands = yBands(c, ys, plot)
	v.XLines = xLines(c, xs, plot, laneTop, w)
	for _, s := range c.Series {
		v.Series = append(v.Series, seriesLayout(s, xs, ys, standalone))
	}
	for _, m := range c.Markers {
		v.Markers = append(v.Markers, markerLayout(m, xs, ys, plot))
	}
	return v
}

// xScale fits the x axis to the data (steps): it starts at 0 when the
// data starts near it and ends at the last step, with nice ticks inside.
func xScale(lo, hi, p0, p1 float64) (scale, []float64) {
	if lo > 0 && lo <= 0.05*(hi-lo) {
		lo = 0
	}
	if hi == lo {
		return scale{d0: lo - 1, d1: hi + 1, p0: p0, p1: p1}, []float64{lo}
	}
	_, _, all := linearTicks(lo, hi, 7)
	var ticks []float64
	for _, t := range all {
		if t >= lo-1e-9*(hi-lo) && t <= hi+1e-9*(hi-lo) {
			ticks = append(ticks, t)
		}
	}
	return scale{d0: lo, d1: hi, p0: p0, p1: p1}, ticks
}

// xBands lays out the bands as lane segments above the plot, each label
// inside its segment when it fits whole (it is left out otherwise, and
// stays the segment's tooltip), and the shading of those that have it.
func xBands(c *Chart, xs scale, plot box) []bandView {
	var out []bandView
	for _, b := range c.XBands {
		if !finite(b.From) || !finite(b.To) {
			continue
		}
		a, z := xs.pos(b.From), xs.pos(b.To)
		if z < a {
			a, z = z, a
		}
		a, z = math.Max(a, plot.x0), math.Min(z, plot.x1)
		if z < a {
			continue // outside the plot
		}
		y := plot.y0 - float64(laneOf(b)+1)*(laneH+laneGap)
		title := cleanText(b.Label)
		bv := bandView{Rect: rectView{num(a), num(y), num(math.Max(z-a, 1)), num(laneH)},
			Class: b.Class, Title: title, TX: num(a + 3), TY: num(y + laneH - 3)}
		if laneTextWidth(title) <= z-a-6 {
			bv.Label = title
		}
		if b.Shade {
			bv.Shade = &rectView{num(a), num(plot.y0), num(math.Max(z-a, 0.5)), num(plot.y1 - plot.y0)}
		}
		out = append(out, bv)
	}
	return out
}

func yBands(c *Chart, ys scale, plot box) []bandView {
	var out []bandView
	for _, b := range c.YBands {
		if !ys.valid(b.From) || !ys.valid(b.To) {
			continue
		}
		a, z := ys.pos(b.To), ys.pos(b.From)
		if z < a {
			a, z = z, a
		}
		a, z = math.Max(a, plot.y0), math.Min(z, plot.y1)
		if z < a {
			continue
		}
		out = append(out, bandView{Rect: rectView{num(plot.x0), num(a), num(plot.x1 - plot.x0), num(math.Max(z-a, 0.5))},
			Class: b.Class, Title: cleanText(b.Label)})
	}
	return out
}

// xLines lays out the vertical lines. Top labels sit above the lanes,
// centred on their line; bottom labels inside the plot, right of their
// line or, near the right edge, left of it. A label that would overlap
// the previous one on its row is left out.
func xLines(c *Chart, xs scale, plot box, laneTop, w float64) []lineView {
	var out []lineView
	lastBottom, lastTop := math.Inf(-1), float64(marginLeft)
	if c.TopLabel != "" {
		lastTop += 4 // the axis name ends at the plot's left edge
	}
	for _, l := range c.XLines {
		if !finite(l.X) {
			continue
		}
		x := xs.pos(l.X)
		lv := lineView{X: num(x), Y1: num(plot.y0), Y2: num(plot.y1), Class: l.Class}
		label := cleanText(l.Label)
		lw := laneTextWidth(label)
		switch {
		case label == "":
		case l.Top:
			if x-lw/2 >= lastTop+6 && x+lw/2 <= w-2 {
				lv.Label, lv.Top, lv.TX, lv.TY = label, true, num(x), num(laneTop-8)
				lastTop = x + lw/2
			}
		default:
			start, end := x+3, x+3+lw
			if end > plot.x1-2 {
				start, end = x-3-lw, x-3
				lv.End = true
			}
			if start >= plot.x0+2 && start >= lastBottom+8 {
				lv.Label, lv.TY = label, num(plot.y1-4)
				lv.TX = num(start)
				if lv.End {
					lv.TX = num(end)
				}
				lastBottom = end
			} else {
				lv.End = false
			}
		}
		out = append(out, lv)
	}
	return out
}

// seriesLayout lays out a series: its line as one path, its dots as
// circles, which in a standalone chart carry a tooltip with the point's
// value, step, epoch and source (a page draws its own hover).
func seriesLayout(s Series, xs, ys scale, titles bool) seriesView {
	sv := seriesView{Name: cleanText(s.Name), Class: s.Class, Total: s.Total}
	var d []byte
	pen := false
	for _, p := range s.Points {
		if !xs.valid(p.X) || !ys.valid(p.Y) {
			pen = false
			continue
		}
		x, y := xs.pos(p.X), ys.pos(p.Y)
		if s.Line {
			if pen {
				d = append(d, 'L')
			} else {
				d = append(d, 'M')
			}
			d = strconv.AppendFloat(d, math.Round(x*10)/10, 'f', -1, 64)
			d = append(d, ' ')
			d = strconv.AppendFloat(d, math.Round(y*10)/10, 'f', -1, 64)
			pen = true
		}
		if s.Dots {
			dv := dotView{CX: num(x), CY: num(y)}
			if titles {
				dv.Title = pointTitle(sv.Name+" = "+FormatValue(p.Y), p)
			}
			sv.Dots = append(sv.Dots, dv)
		}
	}
	sv.Path = string(d)
	sv.N = len(sv.Dots)
	if !titles {
		sv.DotsHTML = dotsHTML(sv.Dots)
	}
	if sv.Total == 0 {
		sv.Total = len(s.Points)
	}
	return sv
}

// dotsHTML writes untitled dots as the template does, or returns ""
// when a coordinate holds a byte the template could escape. A page's
// charts hold thousands of dots, each two template actions otherwise.
func dotsHTML(dots []dotView) template.HTML {
	plain := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < '0' || c > '9') && c != '.' && c != '-' {
				return false
			}
		}
		return true
	}
	var b strings.Builder
	b.Grow(len(dots) * 40)
	for _, dv := range dots {
		if dv.Title != "" || !plain(dv.CX) || !plain(dv.CY) {
			return ""
		}
		b.WriteString(`<circle cx="`)
		b.WriteString(dv.CX)
		b.WriteString(`" cy="`)
		b.WriteString(dv.CY)
		b.WriteString(`" r="2.2"/>`)
	}
	return template.HTML(b.String())
}

// markerLayout places a marker on its point, or along the top edge of
// the plot when its value cannot be drawn (NaN, or <= 0 on a log axis).
func markerLayout(m Marker, xs, ys scale, plot box) markerView {
	x := xs.pos(m.X)
	y := plot.y0 + 6
	if ys.valid(m.Y) {
		y = ys.pos(m.Y)
	}
	return markerView{D: shapePath(m.Shape, x, y), Class: m.Class, Label: cleanText(m.Label),
		S: pointStep(m.Point), E: epochText(m.Epoch), V: FormatValue(m.Y), Loc: cleanText(m.Loc),
		Title: pointTitle(cleanText(m.Label)+": "+FormatValue(m.Y), m.Point)}
}

// pointTitle is the tooltip of a point: what it is, then its step, epoch
// and source.
func pointTitle(what string, p Point) string {
	t := what + " · step " + pointStep(p)
	if e := epochText(p.Epoch); e != "" {
		t += " · epoch " + e
	}
	if p.Loc != "" {
		t += " · " + cleanText(p.Loc)
	}
	return t
}

// shapePath returns the path of a marker for the point (x, y).
func shapePath(shape string, x, y float64) string {
	p := func(closed bool, pts ...float64) string {
		var b []byte
		for i := 0; i+1 < len(pts); i += 2 {
			if i == 0 {
				b = append(b, 'M')
			} else {
				b = append(b, 'L')
			}
			b = append(b, num(x+pts[i])...)
			b = append(b, ' ')
			b = append(b, num(y+pts[i+1])...)
		}
		if closed {
			b = append(b, 'Z')
		}
		return string(b)
	}
	switch shape {
	case ShapeTriangle:
		return p(true, 0, -12, 5, -4, -5, -4)
	case ShapeTriangleDown:
		return p(true, 0, 4, 5, 12, -5, 12)
	case ShapeChevron:
		return p(false, -5, 6, 0, 11, 5, 6)
	case ShapeDiamond:
		return p(true, 0, -6, 5, 0, 0, 6, -5, 0)
	case ShapeCross:
		return p(true, -4, -4, 0, -1, 4, -4, 1, 0, 4, 4, 0, 1, -4, 4, -1, 0)
	}
	// A ring: two arcs.
	r := "6"
	return "M" + num(x-6) + " " + num(y) + "a" + r + " " + r + " 0 1 0 12 0a" + r + " " + r + " 0 1 0 -12 0Z"
}

// legendItems lists the legend entries: the named series, then c.Legend.
func legendItems(c *Chart) []LegendItem {
	var items []LegendItem
	for _, s := range c.Series {
		if s.Name == "" {
			continue
		}
		shape := "line"
		if !s.Line {
			shape = "dot"
		}
		items = append(items, LegendItem{Label: s.Name, Class: s.Class, Shape: shape})
	}
	return append(items, c.Legend...)
}

// A legendEntry is a legend item placed at x on a row.
type legendEntry struct {
	LegendItem
	label string
	x     float64
}

// legendRows flows the legend entries into rows under the title. A
// label longer than half the chart is shortened.
func legendRows(items []LegendItem, w float64) [][]legendEntry {
	var rows [][]legendEntry
	var row []legendEntry
	x := float64(marginLeft)
	for _, it := range items {
		label := fitLabel(cleanText(it.Label), w/2)
		width := 22 + textWidth(label) + 14
		if len(row) > 0 && x+width-14 > w-marginRight {
			rows, row, x = append(rows, row), nil, marginLeft
		}
		row = append(row, legendEntry{LegendItem: it, label: label, x: x})
		x += width
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// legendLayout positions the legend rows.
func legendLayout(rows [][]legendEntry) []legendView {
	var out []legendView
	for i, row := range rows {
		y := legendY + legendRowH*float64(i)
		for _, e := range row {
			x := e.x
			lv := legendView{Label: e.label, Class: e.Class, Shape: e.Shape, X: num(x), X2: num(x + 16),
				Y: num(y - 4), CX: num(x + 8), BY: num(y - 8), TX: num(x + 20), TY: num(y)}
			switch e.Shape {
			case "line", "band", "dot":
			default:
				lv.D = shapePath(e.Shape, x+8, y-3+shapeOffset(e.Shape))
				lv.Shape = "marker"
			}
			out = append(out, lv)
		}
	}
	return out
}

// shapeOffset centres in a legend row a shape drawn beside its point.
func shapeOffset(shape string) float64 {
	switch shape {
	case ShapeTriangle:
		return 8
	case ShapeTriangleDown:
		return -8
	case ShapeChevron:
		return -8.5
	}
	return 0
}

// textWidth estimates the width of s at the chart's 11px font.
func textWidth(s string) float64 { return 6.2 * float64(utf8.RuneCountInString(s)) }

// laneTextWidth estimates the width of s at the 10px font of lane and
// line labels.
func laneTextWidth(s string) float64 { return 5.7 * float64(utf8.RuneCountInString(s)) }

// fitLabel shortens s to fit in width, or returns "" when not even a
// few characters fit.
func fitLabel(s string, width float64) string {
	n := int(width / 6.2)
	if n < 4 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// pointStep is the step of a point as shown: "~N" when estimated.
func pointStep(p Point) string {
	s := stepText(p.X)
	if p.Estimated && s != "" {
		s = "~" + s
	}
	return s
}

func stepText(x float64) string {
	if !finite(x) {
		return ""
	}
	return strconv.FormatInt(int64(math.Round(x)), 10)
}

func epochText(e float64) string {
	if !finite(e) {
		return ""
	}
	return numfmt.TrimZeros(strconv.FormatFloat(e, 'f', 3, 64))
}

// cleanText makes s valid in an XML document: invalid UTF-8 and the
// control characters XML 1.0 forbids become U+FFFD. Escaping of markup
// characters is left to html/template.
func cleanText(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false // invalid UTF-8 decodes to RuneError; replacing it is harmless
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return true
}
