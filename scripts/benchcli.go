//go:build ignore

// Benchcli times the plateau command on large generated logs against
// `grep -c loss FILE | cat` on the same file, and prints the ratio and the
// peak memory (Linux and macOS; it reads the children's rusage).
//
//	go run scripts/benchcli.go                      # every case, 5 runs each
//	go run scripts/benchcli.go -runs 3 console-1m   # some cases
//	go run scripts/benchcli.go -bin /tmp/plateau-old state-1m
//
// Cases (the generated files are written once into -dir and reused):
//
//	console-1m, console-3m  a Transformers v5 console log of 1M or 3M steps (genlog.Console)
//	state-1m                a trainer_state.json of 1M entries (genlog.TrainerState)
//	tb-10m                  a TensorBoard event file of 10M scalars (genlog.TFEvents)
//	sft-text, sft-md, sft-json, sft-html
//	                        examples/hf_v5_sft_lora_3ep in each output format
//	sft-console, sft-state, sft-tb
//	                        its console log, trainer_state.json or TensorBoard
//	                        folder alone (JSON report)
//
// The large cases write the full JSON report to /dev/null. Each figure is
// the median of -runs runs; "cpu" is user plus system time, steadier than
// wall time on a busy machine. Two ratios are printed: of the wall times
// (the target's) and of the CPU times (grep's and plateau's), which a busy
// machine changes less. Without -bin, the command is built from the
// working tree first.
//
// With -cpuprofile, it instead runs what `plateau report FILE --format F`
// does (trainlog.Load, analysis.Analyze, report.Write*) in this process
// once per case, under the CPU profiler, with the command's GC setting:
//
//	go run scripts/benchcli.go -cpuprofile /tmp/cpu.prof console-1m
//	go tool pprof -top /tmp/cpu.prof
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/genlog"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// A benchCase is one input and the output format of the report.
type benchCase struct {
	name   string
	file   string        // relative to -dir, or to the repository for an example
	gen    func() []byte // nil for an example
	format string        // the report's --format
	grep   bool          // time grep -c on the same file
}

var cases = []benchCase{
	{name: "console-1m", file: "console-1m.log", gen: func() []byte { return genlog.Console(1_000_000, 0, false) }, format: "json", grep: true},
	{name: "console-3m", file: "console-3m.log", gen: func() []byte { return genlog.Console(3_000_000, 0, false) }, format: "json", grep: true},
	{name: "state-1m", file: "state-1m/trainer_state.json", gen: func() []byte { return genlog.TrainerState(1_000_000) }, format: "json", grep: true},
	{name: "tb-10m", file: "tb-10m/events.out.tfevents.1700000000.bench.1.0", gen: func() []byte { return genlog.TFEvents(10_000_000) }, format: "json", grep: true},
	{name: "sft-text", file: "examples/hf_v5_sft_lora_3ep", format: "text"},
	{name: "sft-md", file: "examples/hf_v5_sft_lora_3ep", format: "md"},
	{name: "sft-json", file: "examples/hf_v5_sft_lora_3ep", format: "json"},
	{name: "sft-html", file: "examples/hf_v5_sft_lora_3ep", format: "html"},
	{name: "sft-console", file: "examples/hf_v5_sft_lora_3ep/console.log", format: "json"},
	{name: "sft-state", file: "examples/hf_v5_sft_lora_3ep/trainer_state.json", format: "json"},
	{name: "sft-tb", file: "examples/hf_v5_sft_lora_3ep/runs", format: "json"},
}

// A sample is the resource use of one child process.
type sample struct {
	wall, cpu time.Duration
	rssKB     int64
}

func main() {
	bin := flag.String("bin", "", "the plateau binary to time (default: build it from this tree)")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "plateau-bench"), "where generated files are kept")
	runs := flag.Int("runs", 5, "runs per figure (the median is printed)")
	gen := flag.String("gen", "", "internal: write the file of case `NAME` to -out and exit")
	out := flag.String("out", "", "internal: the file -gen writes")
	cpuprofile := flag.String("cpuprofile", "", "profile the pipeline in this process into `FILE` instead of timing the command")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchcli: ")
	if *gen != "" {
		for _, c := range cases {
			if c.name == *gen && c.gen != nil {
				if err := os.WriteFile(*out, c.gen(), 0o644); err != nil {
					log.Fatal(err)
				}
				return
			}
		}
		log.Fatalf("no generated case %q", *gen)
	}

	want := flag.Args()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	if *cpuprofile != "" {
		if err := profile(*cpuprofile, *dir, want); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *bin == "" {
		*bin = filepath.Join(*dir, "plateau")
		if out, err := exec.Command("go", "build", "-o", *bin, "./cmd/plateau").CombinedOutput(); err != nil {
			log.Fatalf("go build: %v\n%s", err, out)
		}
	}
	if out, err := exec.Command("uptime").Output(); err == nil {
		fmt.Printf("load: %s\n", strings.TrimSpace(string(out)))
	}
	fmt.Printf("%-11s %8s %9s %9s %9s %9s %7s %9s %7s\n", "case", "MB", "wall", "cpu", "peak RSS", "grep -c", "ratio", "grep cpu", "ratio")
	for _, c := range cases {
		if len(want) > 0 && !slices.Contains(want, c.name) {
			continue
		}
		path, err := input(c, *dir)
		if err != nil {
			log.Fatal(err)
		}
		size := dirSize(path)
		var ps, gs []sample
		for range *runs {
			s, err := measure(exec.Command(*bin, "report", path, "--format", c.format))
			if err != nil {
				log.Fatalf("%s: %v", c.name, err)
			}
			ps = append(ps, s)
			if c.grep {
				g, err := measure(exec.Command("sh", "-c", `grep -c loss "$1" | cat`, "sh", path))
				if err != nil {
					log.Fatalf("%s: grep: %v", c.name, err)
				}
				gs = append(gs, g)
			}
		}
		p := median(ps)
		line := fmt.Sprintf("%-11s %8.1f %8.3fs %8.3fs %6d MB", c.name, float64(size)/1e6, p.wall.Seconds(), p.cpu.Seconds(), p.rssKB>>10)
		if c.grep {
			g := median(gs)
			line += fmt.Sprintf(" %8.3fs %6.1fx %8.3fs %6.1fx", g.wall.Seconds(), p.wall.Seconds()/g.wall.Seconds(),
				g.cpu.Seconds(), p.cpu.Seconds()/g.cpu.Seconds())
		}
		fmt.Println(line)
	}
}

// input returns the path of a case's input, generating it when needed.
func input(c benchCase, dir string) (string, error) {
	if c.gen == nil {
		return c.file, nil
	}
	path := filepath.Join(dir, c.file)
	return path, generate(c.name, path)
}

// profile runs the report pipeline on each wanted case under the CPU
// profiler, writing one profile to file.
func profile(file, dir string, want []string) error {
	debug.SetGCPercent(200) // as cmd/plateau does
	var paths []string
	var formats []string
	for _, c := range cases {
		if len(want) > 0 && !slices.Contains(want, c.name) {
			continue
		}
		path, err := input(c, dir)
		if err != nil {
			return err
		}
		paths, formats = append(paths, path), append(formats, c.format)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	for i, path := range paths {
		start := time.Now()
		run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
		if err != nil && run == nil {
			return err
		}
		rep := analysis.Analyze(run, analysis.DefaultOptions)
		var buf bytes.Buffer
		switch formats[i] {
		case "text":
			err = report.WriteText(&buf, rep, report.Options{Width: 100})
		case "md":
			err = report.WriteMarkdown(&buf, rep, report.Options{Width: 100})
		case "html":
			err = report.WriteHTML(&buf, rep, report.HTMLOptions{Smoothing: 0.6})
		default:
			err = report.WriteJSON(&buf, rep)
		}
		if err != nil {
			return err
		}
		fmt.Printf("%s: %.3fs in process\n", path, time.Since(start).Seconds())
		run, rep = nil, nil
		runtime.GC()
	}
	return nil
}

// generate writes the file of the named case at path unless it exists.
// A child process does it: on Linux a child's peak RSS counts its
// parent's at the time of the fork, so this process must stay small.
func generate(name, path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	cmd := exec.Command(os.Args[0], "-gen", name, "-out", tmp)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("generating %s: %v", path, err)
	}
	return os.Rename(tmp, path)
}

// dirSize returns the size of a file, or of the files under a directory.
func dirSize(path string) int64 {
	var n int64
	filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// measure runs cmd with its output discarded and returns its wall time,
// CPU time and peak resident memory.
func measure(cmd *exec.Cmd) (sample, error) {
	cmd.Stdout, cmd.Stderr = nil, nil
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return sample{}, err
	}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil // a report was written; an input had a problem
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	s := sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru != nil {
		s.rssKB = int64(ru.Maxrss)
	}
	return s, err
}

// median returns the per-field medians of ss.
func median(ss []sample) sample {
	mid := func(xs []int64) int64 {
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	var w, c, r []int64
	for _, s := range ss {
		w, c, r = append(w, int64(s.wall)), append(c, int64(s.cpu)), append(r, s.rssKB)
	}
	return sample{wall: time.Duration(mid(w)), cpu: time.Duration(mid(c)), rssKB: mid(r)}
}
