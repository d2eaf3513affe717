package report

import (
	"math"
	"strconv"

	"github.com/plateau-dev/plateau/internal/svgplot"
)

// The interactive charts of the HTML page are drawn by the page's script
// from the same svgplot.Chart values as the static SVG (which stays in
// the page for readers without script and for printing). chartData
// turns them into one JSON document, embedded in the page as
// <script type="application/json" id="chart-data">.
//
// Sources are stored compactly: a source such as
// "trainer_state.json#log_history[61]" splits around its last number
// into a pattern ("trainer_state.json#log_history[", "]"), kept once
// in the page's table, and the number 61. A point's source is then
// two numbers: the pattern's index and the number (-1 when the source
// holds none; -1 as index when the point has no source).

// pageChartData is the JSON document of a page's charts.
type pageChartData struct {
	// Src is the table of source patterns: [head, tail] pairs.
	Src    [][2]string `json:"src"`
	Charts []chartJSON `json:"charts"`
}

type chartJSON struct {
	ID       string       `json:"id"`
	Title    string       `json:"title"`
	XLabel   string       `json:"xLabel"`
	YLabel   string       `json:"yLabel"`
	TopLabel string       `json:"topLabel,omitempty"`
	Log      bool         `json:"log"`
	Series   []seriesJSON `json:"series"`
	Bands    []bandJSON   `json:"bands,omitempty"`
	YBands   []bandJSON   `json:"ybands,omitempty"`
	Lines    []lineJSON   `json:"lines,omitempty"`
	Markers  []markerJSON `json:"markers,omitempty"`
	Legend   []legendJSON `json:"legend,omitempty"`
}

// A legendJSON names a kind of annotation drawn (the series are named by
// the chart's own legend).
type legendJSON struct {
	Label string `json:"label"`
	Class string `json:"cls"`
	Shape string `json:"shape"`
}

// A seriesJSON holds a series as parallel arrays: steps, values,
// epochs (null when unknown), and the two numbers of each source; ES,
// only when some step is estimated, holds 1 for each point whose step
// is (shown "~N", as the text shows it), else 0.
type seriesJSON struct {
	Name  string   `json:"name"`
	Class string   `json:"cls"`
	Line  bool     `json:"line"`
	Dots  bool     `json:"dots"`
	Total int      `json:"total"`
	X     jsonNums `json:"x"`
	Y     jsonNums `json:"y"`
	E     jsonNums `json:"e,omitempty"`
	SK    []int    `json:"sk,omitempty"`
	SN    []int64  `json:"sn,omitempty"`
	ES    []int    `json:"es,omitempty"`
}

type bandJSON struct {
	From  jsonNum `json:"from"`
	To    jsonNum `json:"to"`
	Label string  `json:"label"`
	Class string  `json:"cls"`
	Row   int     `json:"row,omitempty"`
	Shade bool    `json:"shade,omitempty"`
}

type lineJSON struct {
	X     jsonNum `json:"x"`
	Label string  `json:"label,omitempty"`
	Class string  `json:"cls"`
	Top   bool    `json:"top,omitempty"`
}

type markerJSON struct {
	X     jsonNum `json:"x"`
	Y     jsonNum `json:"y"` // null when not finite: drawn at the top
	V     string  `json:"v"` // the value as the page prints it (NaN, +Inf too)
	E     jsonNum `json:"e"`
	Shape string  `json:"shape"`
	Class string  `json:"cls"`
	Label string  `json:"label"`
	Src   string  `json:"src,omitempty"`
	// Est marks an estimated step, shown "~N".
	Est bool `json:"est,omitempty"`
}

// A jsonNum is a number of the page's charts: written with seven
// significant digits (beyond what a chart or a hover shows), or null
// when not finite.
type jsonNum float64

func (v jsonNum) MarshalJSON() ([]byte, error) { return appendJSONNum(nil, float64(v)), nil }

// jsonNums is a list of jsonNum, written without a call per element.
type jsonNums []float64

func (vs jsonNums) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+8*len(vs))
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONNum(b, v)
	}
	return append(b, ']'), nil
}

func appendJSONNum(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return append(b, "null"...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', 7, 64)
}

// srcTable interns source patterns.
type srcTable struct {
	rows  [][2]string
	index map[[2]string]int
}

// split returns the pattern index and number of a source.
func (t *srcTable) split(src string) (int, int64) {
	if src == "" {
		return -1, -1
	}
	end := len(src)
	for end > 0 && !isDigit(src[end-1]) {
		end--
	}
	start := end
	for start > 0 && isDigit(src[start-1]) && end-start < 15 {
		start--
	}
	key, n := [2]string{src, ""}, int64(-1)
	if start < end && (start == 0 || !isDigit(src[start-1])) {
		v, err := strconv.ParseInt(src[start:end], 10, 64)
		// A number with a leading zero would not round-trip.
		if err == nil && (src[start] != '0' || end-start == 1) {
			key, n = [2]string{src[:start], src[end:]}, v
		}
	}
	i, ok := t.index[key]
	if !ok {
		i = len(t.rows)
		t.rows = append(t.rows, key)
		t.index[key] = i
	}
	return i, n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// chartData returns the JSON document of the charts.
func chartData(charts []chartSpec) pageChartData {
	t := &srcTable{index: map[[2]string]int{}}
	out := pageChartData{Charts: make([]chartJSON, 0, len(charts))}
	for _, spec := range charts {
		out.Charts = append(out.Charts, chartToJSON(spec.Chart, t))
	}
	out.Src = t.rows
	if out.Src == nil {
		out.Src = [][2]string{}
	}
	return out
}

func chartToJSON(c *svgplot.Chart, t *srcTable) chartJSON {
	cj := chartJSON{ID: c.ID, Title: c.Title, XLabel: c.XLabel, YLabel: c.YLabel, TopLabel: c.TopLabel, Log: c.YLog}
	for _, s := range c.Series {
		sj := seriesJSON{Name: s.Name, Class: s.Class, Line: s.Line, Dots: s.Dots, Total: s.Total,
			X: make(jsonNums, 0, len(s.Points)), Y: make(jsonNums, 0, len(s.Points))}
		if sj.Total == 0 {
			sj.Total = len(s.Points)
		}
		for i, p := range s.Points {
			if p.Estimated && sj.ES == nil {
				sj.ES = make([]int, len(s.Points))
			}
			if p.Estimated {
				sj.ES[i] = 1
			}
			sj.X = append(sj.X, p.X)
			sj.Y = append(sj.Y, p.Y)
			if s.Dots {
				sj.E = append(sj.E, p.Epoch)
				k, n := t.split(p.Loc)
				sj.SK = append(sj.SK, k)
				sj.SN = append(sj.SN, n)
			}
		}
		cj.Series = append(cj.Series, sj)
	}
	for _, b := range c.XBands {
		cj.Bands = append(cj.Bands, bandJSON{From: jsonNum(b.From), To: jsonNum(b.To), Label: b.Label, Class: b.Class, Row: b.Row, Shade: b.Shade})
	}
	for _, b := range c.YBands {
		cj.YBands = append(cj.YBands, bandJSON{From: jsonNum(b.From), To: jsonNum(b.To), Label: b.Label, Class: b.Class})
	}
	for _, l := range c.XLines {
		cj.Lines = append(cj.Lines, lineJSON{X: jsonNum(l.X), Label: l.Label, Class: l.Class, Top: l.Top})
	}
	for _, m := range c.Markers {
		cj.Markers = append(cj.Markers, markerJSON{X: jsonNum(m.X), Y: jsonNum(m.Y), V: svgplot.FormatValue(m.Y), E: jsonNum(m.Epoch),
			Shape: m.Shape, Class: m.Class, Label: m.Label, Src: m.Loc, Est: m.Estimated})
	}
	for _, it := range c.Legend {
		cj.Legend = append(cj.Legend, legendJSON{Label: it.Label, Class: it.Class, Shape: it.Shape})
	}
	return cj
}
