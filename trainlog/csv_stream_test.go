package trainlog

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCSV runs every CSV reader and detector on arbitrary input.
func FuzzCSV(f *testing.F) {
	seeds := []string{
		"epoch,epoch_time,step,train_epoch_perplexity,train_loss_epoch,train_loss_step,train_perplexity_epoch,train_perplexity_step,val_epoch_perplexity,val_loss,val_perplexity\n0,,49,,,7.628580570220947,,2056.12939453125,,,\n9,,140739,,,,,,35.53385925292969,3.570486068725586,36.68146514892578\n",
		"epoch,loss,step\n0,2.369102716445923,49\n0,2.229456901550293,99\n",
		"step,loss\n1,\"a\nb\"\n2,nan\n3,inf\nstep,loss,x\n4,1,2\n",
		"",
		"\ufeffstep,loss\n1,2\n",
	}
	for _, name := range []string{"wandb_export_chart.csv", "wandb_export_epoch.csv", "run_history.csv", "generic_steps.csv", "lightning_ragged.csv", "lightning_header_rewrite.csv"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "csv", name)); err == nil {
			seeds = append(seeds, string(b))
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	opts := []Options{{}, {StepColumn: "step", Metrics: map[string]string{"loss": "loss", "eval_loss": "nope"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		for _, d := range []func(string, []byte) int{detectGenericCSV, detectLightningCSV, detectWandbCSV} {
			if s := d("metrics.csv", data); s < 0 || s > 100 {
				t.Fatalf("detector score %d", s)
			}
		}
		for _, planner := range []csvPlanner{genericCSVPlan, lightningCSVPlan, wandbCSVPlan} {
			for _, o := range opts {
				recs := csvDrain(t, newCSVReader("f.csv", bytes.NewReader(data), o, planner))
				csvCheckEntries(t, recs, "f.csv")
				lines := bytes.Count(data, []byte("\n")) + 1
				for _, e := range recs.entries {
					if e.Source.Line > lines {
						t.Fatalf("line %d beyond the input's %d lines", e.Source.Line, lines)
					}
				}
			}
		}
	})
}

// BenchmarkLightningCSV reads a generated metrics.csv of 100,000 rows
// shaped like the slm corpus file and reports rows per second.
func BenchmarkLightningCSV(b *testing.B) {
	const rows = 100_000
	var buf bytes.Buffer
	buf.WriteString("epoch,epoch_time,step,train_epoch_perplexity,train_loss_epoch,train_loss_step,train_perplexity_epoch,train_perplexity_step,val_epoch_perplexity,val_loss,val_perplexity\n")
	for i := 0; i < rows; i++ {
		loss := 7.5 - 4*float64(i)/rows
		if i%500 == 499 {
			fmt.Fprintf(&buf, "%d,,%d,,,,,,%v,%v,%v\n", i/5000, i*50+49, math.Exp(loss), loss, math.Exp(loss))
			continue
		}
		fmt.Fprintf(&buf, "%d,,%d,,,%v,,%v,,,\n", i/5000, i*50+49, loss, math.Exp(loss))
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		rd := newCSVReader("metrics.csv", bytes.NewReader(data), Options{}, lightningCSVPlan)
		n := 0
		for rd.Scan() {
			n++
		}
		if n != rows {
			b.Fatalf("%d records, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// csvGrowing is a reader over a buffer that a test appends to, like a
// log file that is still being written.
type csvGrowing struct{ buf bytes.Buffer }

func (g *csvGrowing) Read(p []byte) (int, error) {
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// TestCSVIncremental checks that readers pick up rows appended after
// they reached the end of input, without repeating records.
func TestCSVIncremental(t *testing.T) {
	tests := []struct {
		name   string
		open   func(io.Reader) Reader
		chunks []string
		lines  []int // source line of each entry, in order
	}{
		{"lightning", func(r io.Reader) Reader { return newCSVReader("m.csv", r, Options{}, lightningCSVPlan) },
			[]string{"epoch,step,loss\n0,1,0.5\n", "0,2,0.4\n0,3,0.3\n", "", "0,4,0.2\n"}, []int{2, 3, 4, 5}},
		{"mlflow", func(r io.Reader) Reader { return newMLflowReader("mlruns/0/r/metrics/loss", r) },
			[]string{"1 0.5 1\n", "2 0.4 2\n3 0.3 3\n", "", "4 0.2 4\n"}, []int{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &csvGrowing{}
			rd := tt.open(g)
			var lines []int
			for _, c := range tt.chunks {
				g.buf.WriteString(c)
				for _, e := range csvDrain(t, rd).entries {
					lines = append(lines, e.Source.Line)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.lines) {
				t.Errorf("lines %v, want %v", lines, tt.lines)
			}
		})
	}
}
