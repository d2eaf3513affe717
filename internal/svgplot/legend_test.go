package svgplot

import (
	"strconv"
	"strings"
	"testing"
)

// TestLegendKeepsEveryEntry: a long series name (FuzzRender found one of
// 30 characters) leaves no entry out of the legend, and no label runs
// past the chart's right margin.
func TestLegendKeepsEveryEntry(t *testing.T) {
	for _, name := range []string{"loss", strings.Repeat("0", 30), strings.Repeat("train/loss_", 40)} {
		items := legendLayout(legendRows(legendItems(testChart("t", name, "")), DefaultWidth))
		if len(items) != 3 {
			t.Errorf("name of %d characters: %d legend entries, want 3 (series, its EMA, the spike marker)", len(name), len(items))
			continue
		}
		end := 0.0
		for _, it := range items {
			if it.Label == "" {
				t.Errorf("name of %d characters: an entry without a label", len(name))
			}
			end = parseNum(t, it.TX) + textWidth(it.Label)
		}
		if end > DefaultWidth-marginRight {
			t.Errorf("name of %d characters: the legend ends at %.0f, past the chart's right margin", len(name), end)
		}
	}
}

func parseNum(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
