package svgplot

import (
	"io"
	"math"
	"testing"
)

// BenchmarkRender draws a chart of 2,000 hoverable points and an EMA
// line of 2,000 points, the most a series shows by default.
func BenchmarkRender(b *testing.B) {
	var pts []Point
	for i := 1; i <= 2000; i++ {
		pts = append(pts, Point{X: float64(i * 500), Y: 1 + math.Sin(float64(i)), Epoch: float64(i) / 700, Loc: "runs/x/trainer_state.json#log_history[123456]"})
	}
	c := &Chart{ID: "b", Series: []Series{{Name: "loss", Dots: true, Points: pts}, {Name: "ema", Line: true, Points: pts}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := Render(io.Discard, c, false); err != nil {
			b.Fatal(err)
		}
	}
}
