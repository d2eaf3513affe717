package svgplot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// testChart is a small chart with every kind of element, its strings
// taken from the arguments.
func testChart(title, name, loc string) *Chart {
	var pts []Point
	for i := 1; i <= 50; i++ {
		pts = append(pts, Point{X: float64(i), Y: 3 * math.Exp(-float64(i)/20), Epoch: float64(i) / 25, Loc: loc})
	}
	return &Chart{
		ID: "chart-test", Title: title, XLabel: "step", YLabel: name,
		Series:  []Series{{Name: name, Class: "c0 raw", Dots: true, Points: pts}, {Name: name + " EMA", Class: "c0", Line: true, Points: pts}},
		XBands:  []XBand{{From: 1, To: 25, Label: name, Class: "a", Shade: true}},
		YBands:  []YBand{{From: 1, To: 2, Label: name, Class: "range"}},
		XLines:  []XLine{{X: 25, Label: name, Class: "epoch"}},
		Markers: []Marker{{Point: Point{X: 10, Y: 2, Epoch: 0.4, Loc: loc}, Shape: ShapeTriangle, Class: "spike", Label: name}},
		Legend:  []LegendItem{{Label: name, Class: "spike", Shape: ShapeTriangle}},
	}
}

func render(t testing.TB, c *Chart, standalone bool) string {
	t.Helper()
	var b strings.Builder
	if err := Render(&b, c, standalone); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.String()
}

func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	const (
		title = `<script>alert(1)</script>`
		name  = `loss"onload="alert(2)`
		loc   = `runs/<img src=x onerror=alert(3)>/log.txt:7`
	)
	out := render(t, testChart(title, name, loc), true)
	for _, bad := range []string{"<script", "<img", `"onload="`} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds %q unescaped", bad)
		}
	}
	for _, want := range []string{
		`<text class="title" x="62" y="16">&lt;script&gt;alert(1)&lt;/script&gt;</text>`,
		`data-name="loss&#34;onload=&#34;alert(2)"`,
		`data-loc="runs/&lt;img src=x onerror=alert(3)&gt;/log.txt:7"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	if err := wellFormed(out); err != nil {
		t.Errorf("standalone SVG is not well-formed XML: %v", err)
	}
}

func TestRenderControlCharacters(t *testing.T) {
	out := render(t, testChart("a\x00b\x1bc", "bad\xffutf8", "f\x01:1"), true)
	if err := wellFormed(out); err != nil {
		t.Errorf("not well-formed XML: %v", err)
	}
	if !strings.Contains(out, "a\uFFFDb\uFFFDc") {
		t.Error("control characters not replaced by U+FFFD")
	}
}

func TestRenderStructure(t *testing.T) {
	c := testChart("Training loss", "loss", "trainer_state.json#log_history[3]")
	c.Series[0].Total = 500
	tests := []struct {
		what          string
		inline, alone int
	}{
		{`<svg class="plot" id="chart-test"`, 1, 0},
		{`<circle cx=`, 50, 50},
		// The marker carries its source; standalone, every dot too.
		{`data-loc="trainer_state.json#log_history[3]"`, 1, 1},
		{`trainer_state.json#log_history[3]</title>`, 1, 51},
		{`<g class="series c0 raw" data-name="loss" data-n="50" data-total="500">`, 1, 1},
		{`<path class="line"`, 1, 1},
		{`<rect class="xband a"`, 1, 1},
		{`<rect class="lane a"`, 1, 1},
		{`<text class="lane-label"`, 1, 1},
		{`<rect class="yband range"`, 1, 1},
		{`<line class="xline epoch"`, 1, 1},
		{`<path class="marker spike"`, 2, 2}, // on the plot and in the legend
		{`xmlns="http://www.w3.org/2000/svg"`, 0, 1},
		{`<style>`, 0, 1},
	}
	inline, alone := render(t, c, false), render(t, c, true)
	for _, tt := range tests {
		if got := strings.Count(inline, tt.what); got != tt.inline {
			t.Errorf("inline: %d × %s, want %d", got, tt.what, tt.inline)
		}
		if got := strings.Count(alone, tt.what); got != tt.alone {
			t.Errorf("standalone: %d × %s, want %d", got, tt.what, tt.alone)
		}
	}
	// The first point (step 1, epoch 0.04) with its tooltip, standalone.
	if want := `<circle cx="75.7" cy="75.2" r="2.2"><title>loss = 2.854 · step 1 · epoch 0.04 · trainer_state.json#log_history[3]</title></circle>`; !strings.Contains(alone, want) {
		t.Errorf("standalone output lacks %s", want)
	}
	if want := `<circle cx="75.7" cy="75.2" r="2.2"/>`; !strings.Contains(inline, want) {
		t.Errorf("inline output lacks %s", want)
	}
}

func TestRenderLogAxis(t *testing.T) {
	c := &Chart{ID: "g", YLog: true, Series: []Series{{Name: "grad_norm", Dots: true, Points: []Point{
		{X: 1, Y: 0.5}, {X: 2, Y: 0}, {X: 3, Y: -1}, {X: 4, Y: math.NaN()}, {X: 5, Y: 8},
	}}}}
	out := render(t, c, false)
	if n := strings.Count(out, "<circle cx="); n != 2 {
		t.Errorf("%d dots drawn, want 2 (values <= 0 and NaN are not drawable on a log axis)", n)
	}
	for _, tick := range []string{">0.5</text>", ">1</text>", ">2</text>", ">5</text>", ">10</text>"} {
		if !strings.Contains(out, tick) {
			t.Errorf("log axis lacks tick %s", tick)
		}
	}
}

func TestRenderEmpty(t *testing.T) {
	for _, c := range []*Chart{{ID: "e"}, {ID: "n", Series: []Series{{Name: "x", Dots: true, Points: []Point{{X: 1, Y: math.NaN()}}}}}} {
		out := render(t, c, true)
		if !strings.Contains(out, "no data to draw") {
			t.Errorf("%s: empty chart not labelled", c.ID)
		}
		if err := wellFormed(out); err != nil {
			t.Errorf("%s: %v", c.ID, err)
		}
	}
}

func TestRenderNonFiniteMarkerAtTop(t *testing.T) {
	c := testChart("t", "loss", "x:1")
	c.Markers = []Marker{{Point: Point{X: 20, Y: math.NaN()}, Shape: ShapeCross, Class: "nonfinite", Label: "loss is NaN"}}
	out := render(t, c, false)
	// A non-finite marker is centred 6 below the plot's top, which is
	// below the lane of the chart's band; the cross starts 4 above its
	// centre.
	start := fmt.Sprintf(`<path class="marker nonfinite" d="M331.6 %dL`, marginTop+laneH+laneGap+6-4)
	if !strings.Contains(out, start) {
		t.Errorf("non-finite marker not drawn at the top edge:\n%s", out[strings.Index(out, `class="markers"`):])
	}
	if !strings.Contains(out, `data-v="NaN"`) {
		t.Error("non-finite marker does not carry its value")
	}
}

// FuzzRender checks that no string can change the structure of a chart:
// the output stays well-formed XML with as many tags as with plain
// strings of the same lengths. (The length does change it, by design: a
// label too long for its band or line is left out, so a plain string of
// another length is no reference.)
func FuzzRender(f *testing.F) {
	f.Add("Training loss", "loss", "trainer_state.json#log_history[12]")
	f.Add(`<script>alert(1)</script>`, `"onload="x`, `<img src=x onerror=alert(1)>`)
	f.Add("]]>", "&amp;", "\x00\xff")
	f.Fuzz(func(t *testing.T, title, name, loc string) {
		if len(title)+len(name)+len(loc) > 4096 {
			return
		}
		plain := func(s string) string { return strings.Repeat("x", utf8.RuneCountInString(s)) }
		var got, want bytes.Buffer
		if err := Render(&got, testChart(title, name, loc), true); err != nil {
			t.Fatal(err)
		}
		if err := Render(&want, testChart(plain(title), plain(name), plain(loc)), true); err != nil {
			t.Fatal(err)
		}
		if err := wellFormed(got.String()); err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		if g, w := bytes.Count(got.Bytes(), []byte("<")), bytes.Count(want.Bytes(), []byte("<")); g != w {
			t.Errorf("%d tags, want %d", g, w)
		}
	})
}
