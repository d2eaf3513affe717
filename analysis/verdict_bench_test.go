package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkAnalyze1M analyses a synthetic run of one million logged steps
// (loss, learning rate, grad_norm, 4 epochs, 200 evaluations).
func BenchmarkAnalyze1M(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(1, 2))
	loss := make([]float64, n+1)
	gn := make([]float64, n+1)
	for s := 1; s <= n; s++ {
		loss[s] = (1 + 3*math.Pow(1+float64(s)/1000, -0.5)) * math.Exp(0.05*r.NormFloat64())
		gn[s] = 0.8 * math.Exp(0.3*r.NormFloat64())
	}
	loss[777_777] *= 4
	run := synRun(synSpec{n: n, stepsPerEpoch: n / 4, completed: true, evalEvery: n / 200,
		eval: func(k int) float64 { return 1.5 + 0.001*float64((k-150)*(k-150))/100 },
		series: map[string]func(int) float64{
			"loss":          func(s int) float64 { return loss[s] },
			"grad_norm":     func(s int) float64 { return gn[s] },
			"learning_rate": cosineLR(n),
		}})
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		Analyze(run, DefaultOptions)
	}
	// Wall time is unreliable on a shared machine; CPU time is reported
	// alongside (it includes the garbage collector's other threads).
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}
