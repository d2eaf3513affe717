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

// Plot margins in user units.
const (
	marginLeft   = 62
	marginRight  = 14
	marginTop    = 50
	marginBottom = 40
	dotRadius    = "2.2"
)

// Render writes c as an <svg> element. With standalone set it writes a
// complete SVG document (XML declaration, namespaces and the style sheet)
// fit to be saved as a .svg file; otherwise an element to inline in an
// HTML page that includes CSS.
func Render(w io.Writer, c *Chart, standalone bool) error {
	v := layout(c)
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
		Pos, Label     string
		X1, Y1, X2, Y2 string
		TX, TY         string
	}
	bandView struct {
		Rect         rectView
		Label, Class string
		TX, TY       string
		Title        string
	}
	lineView struct {
		X, Y1, Y2    string
		Label, Class string
		TX, TY       string
		Top          bool
	}
	seriesView struct {
		Name, Class string
		Path        string
		Dots        []dotView
		N, Total    int
	}
	dotView struct {
		CX, CY string
		S, E   string
		V, Loc string
	}
	markerView struct {
		D, Class, Label string
		S, E, V, Loc    string
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

// layout computes the positions of everything drawn.
func layout(c *Chart) *chartView {
	w, h := c.size()
	v := &chartView{ID: c.ID, W: num(w), H: num(h), Log: c.YLog}
	v.Title, v.XLabel, v.YLabel = cleanText(c.Title), cleanText(c.XLabel), cleanText(c.YLabel)
	v.TopLabel = cleanText(c.TopLabel)
	plot := struct{ x0, y0, x1, y1 float64 }{marginLeft, marginTop, w - marginRight, h - marginBottom}
	v.Plot = rectView{num(plot.x0), num(plot.y0), num(plot.x1 - plot.x0), num(plot.y1 - plot.y0)}
	v.XLabelX, v.XLabelY = num((plot.x0+plot.x1)/2), num(h-6)
	v.YLabelX, v.YLabelY = num(14), num((plot.y0+plot.y1)/2)
	v.TopX, v.TopY = num(plot.x0-4), num(plot.y0-8)
	xlo, xhi, okx := c.xDomain()
	ylo, yhi, oky := c.yDomain()
	if !okx || !oky {
		v.Empty = true
		v.Legend = legend(c, w)
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
		x := num(xs.pos(t))
		v.XTicks = append(v.XTicks, tickView{Label: FormatTick(t), X1: x, X2: x, Y1: num(plot.y0), Y2: num(plot.y1),
			TX: x, TY: num(plot.y1 + 15)})
	}
	for _, t := range yt {
		y := num(ys.pos(t))
		v.YTicks = append(v.YTicks, tickView{Label: FormatTick(t), X1: num(plot.x0), X2: num(plot.x1), Y1: y, Y2: y,
			TX: num(plot.x0 - 5), TY: num(ys.pos(t) + 3.5)})
	}
	v.XBands = xBands(c, xs, plot.y0, plot.y1)
	v.YBands = yBands(c, ys, plot.x0, plot.x1)
	v.XLines = xLines(c, xs, plot.y0, plot.y1)
	for _, s := range c.Series {
		v.Series = append(v.Series, seriesLayout(s, xs, ys))
	}
	for _, m := range c.Markers {
		v.Markers = append(v.Markers, markerLayout(m, xs, ys, plot.y0))
	}
	v.Legend = legend(c, w)
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

func xBands(c *Chart, xs scale, y0, y1 float64) []bandView {
	var out []bandView
	for _, b := range c.XBands {
		if !finite(b.From) || !finite(b.To) {
			continue
		}
		a, z := xs.pos(b.From), xs.pos(b.To)
		if z < a {
			a, z = z, a
		}
		bv := bandView{Rect: rectView{num(a), num(y0), num(math.Max(z-a, 0.5)), num(y1 - y0)},
			Class: b.Class, Title: cleanText(b.Label), TX: num(a + 3), TY: num(y0 + 11 + 12*float64(min(max(b.Row, 0), 1)))}
		bv.Label = fitLabel(cleanText(b.Label), z-a-6)
		out = append(out, bv)
	}
	return out
}

func yBands(c *Chart, ys scale, x0, x1 float64) []bandView {
	var out []bandView
	for _, b := range c.YBands {
		if !ys.valid(b.From) || !ys.valid(b.To) {
			continue
		}
		a, z := ys.pos(b.To), ys.pos(b.From)
		if z < a {
			a, z = z, a
		}
		out = append(out, bandView{Rect: rectView{num(x0), num(a), num(x1 - x0), num(math.Max(z-a, 0.5))},
			Class: b.Class, Title: cleanText(b.Label)})
	}
	return out
}

func xLines(c *Chart, xs scale, y0, y1 float64) []lineView {
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
		lv := lineView{X: num(x), Y1: num(y0), Y2: num(y1), Class: l.Class, TX: num(x + 2), TY: num(y1 - 4)}
		label := cleanText(l.Label)
		w := textWidth(label)
		switch {
		case label == "":
		case l.Top && x-w/2 >= lastTop+6:
			lv.Label, lv.Top, lv.TX, lv.TY = label, true, num(x), num(y0-8)
			lastTop = x + w/2
		case !l.Top && x-lastBottom >= 40:
			lv.Label = label
			lastBottom = x
		}
		out = append(out, lv)
	}
	return out
}

func seriesLayout(s Series, xs, ys scale) seriesView {
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
			sv.Dots = append(sv.Dots, dotView{CX: num(x), CY: num(y), S: stepText(p.X), E: epochText(p.Epoch),
				V: FormatValue(p.Y), Loc: cleanText(p.Loc)})
		}
	}
	sv.Path = string(d)
	sv.N = len(sv.Dots)
	if sv.Total == 0 {
		sv.Total = len(s.Points)
	}
	return sv
}

func markerLayout(m Marker, xs, ys scale, top float64) markerView {
	x := xs.pos(m.X)
	y := top + 6
	if ys.valid(m.Y) {
		y = ys.pos(m.Y)
	}
	return markerView{D: shapePath(m.Shape, x, y), Class: m.Class, Label: cleanText(m.Label),
		S: stepText(m.X), E: epochText(m.Epoch), V: FormatValue(m.Y), Loc: cleanText(m.Loc)}
}

// shapePath returns the path of a marker centred on (x, y).
func shapePath(shape string, x, y float64) string {
	p := func(pts ...float64) string {
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
		return string(append(b, 'Z'))
	}
	switch shape {
	case ShapeTriangle:
		return p(0, -12, 5, -4, -5, -4)
	case ShapeDiamond:
		return p(0, -6, 5, 0, 0, 6, -5, 0)
	case ShapeCross:
		return p(-4, -4, 0, -1, 4, -4, 1, 0, 4, 4, 0, 1, -4, 4, -1, 0)
	}
	// A ring: two arcs.
	r := "6"
	return "M" + num(x-6) + " " + num(y) + "a" + r + " " + r + " 0 1 0 12 0a" + r + " " + r + " 0 1 0 -12 0Z"
}

// legend lays out the legend on one row under the title. Entries that
// do not fit are left out of the drawing (a page lists them in text).
func legend(c *Chart, w float64) []legendView {
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
	items = append(items, c.Legend...)
	var out []legendView
	x := float64(marginLeft)
	const y = 30.0
	for _, it := range items {
		label := fitLabel(cleanText(it.Label), 240)
		width := 22 + textWidth(label) + 14
		if x+width > w-marginRight {
			break
		}
		lv := legendView{Label: label, Class: it.Class, Shape: it.Shape, X: num(x), X2: num(x + 16),
			Y: num(y - 4), CX: num(x + 8), BY: num(y - 8), TX: num(x + 20), TY: num(y)}
		switch it.Shape {
		case "line", "band", "dot":
		default:
			lv.D = shapePath(it.Shape, x+8, y-3+shapeOffset(it.Shape))
			lv.Shape = "marker"
		}
		out = append(out, lv)
		x += width
	}
	return out
}

// shapeOffset centres a triangle, which is drawn above its point.
func shapeOffset(shape string) float64 {
	if shape == ShapeTriangle {
		return 8
	}
	return 0
}

// textWidth estimates the width of s at the chart's 11px font.
func textWidth(s string) float64 { return 6.2 * float64(utf8.RuneCountInString(s)) }

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
