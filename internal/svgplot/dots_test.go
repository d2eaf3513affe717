package svgplot

import (
	"strings"
	"testing"
)

// TestDotsHTML checks that the dots written in Go are what the template
// writes for them, and that a coordinate the template could escape, or a
// title, leaves them to the template.
func TestDotsHTML(t *testing.T) {
	render := func(sv seriesView) string {
		var b strings.Builder
		if err := tmpl.Execute(&b, chartView{ID: "c", W: "10", H: "10", Series: []seriesView{sv}}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	dots := []dotView{{CX: "62.9", CY: "95.1"}, {CX: "-0.5", CY: "100"}, {CX: "0", CY: "7.25"}}
	sv := seriesView{Name: "loss", Dots: dots, N: len(dots)}
	want := render(sv)
	sv.DotsHTML = dotsHTML(dots)
	if sv.DotsHTML == "" {
		t.Fatal("plain dots were left to the template")
	}
	if got := render(sv); got != want {
		t.Errorf("dots written in Go:\n%s\nthe template's:\n%s", got, want)
	}
	if n := strings.Count(string(sv.DotsHTML), "<circle"); n != len(dots) {
		t.Errorf("%d circles written, want %d", n, len(dots))
	}
	for _, bad := range [][]dotView{
		{{CX: "1e+06", CY: "2"}},
		{{CX: "1", CY: "<2"}},
		{{CX: "1", CY: "2", Title: "step 5"}},
	} {
		if h := dotsHTML(bad); h != "" {
			t.Errorf("dotsHTML(%+v) = %q, want it left to the template", bad, h)
		}
	}
	if h := dotsHTML(nil); h != "" {
		t.Errorf("dotsHTML(nil) = %q, want empty", h)
	}
}
