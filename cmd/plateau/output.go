package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/plateau-dev/plateau/internal/fileio"
	"github.com/plateau-dev/plateau/trainlog"
)

// Every file a verb writes goes through an outputGuard: -o, --charts and
// whatever later verbs write. It keeps the rule that nothing is ever
// written to an input, deciding "is an input" by the file a path resolves
// to (internal/fileio.SameFile), not by the path's text: a linked folder
// or a symbolic link to a log is caught. The writing itself never
// replaces a device or a named pipe (internal/fileio.WriteFile).
type outputGuard struct {
	// inputs are the paths of the inputs on disk: the arguments, then
	// every file the loader recognised as a log (read or not).
	inputs []string
}

// newOutputGuard guards the given arguments ("-" is standard input).
func newOutputGuard(args []string) *outputGuard {
	g := &outputGuard{}
	for _, a := range args {
		if a != trainlog.Stdin {
			g.inputs = append(g.inputs, a)
		}
	}
	return g
}

// addRun adds the files the loader met and recognised as logs.
func (g *outputGuard) addRun(run *trainlog.Run) {
	if run == nil {
		return
	}
	for _, f := range run.Files {
		if f.Disk != "" && (f.Used || f.Format != "") {
			g.inputs = append(g.inputs, f.Disk)
		}
	}
}

// check refuses path before any work is done when it cannot be written
// (a missing folder, a directory) or is an input. flag names the flag in
// the message ("-o", "--charts").
func (g *outputGuard) check(flag, path string) error {
	if _, err := fileio.CheckOutput(path); err != nil {
		return usageError("%s %v", flag, err)
	}
	for _, in := range g.inputs {
		if fileio.SameFile(path, in) {
			return usageError("%s %s would overwrite an input (%s); choose another file", flag, path, in)
		}
	}
	return nil
}

// write checks path again (the loader may have found more inputs since)
// and writes data to it, or to w when path is "" or "-".
func (g *outputGuard) write(flag, path string, w io.Writer, data []byte) error {
	if path == "" || path == "-" {
		_, err := w.Write(data)
		return err
	}
	if err := g.check(flag, path); err != nil {
		return err
	}
	if err := fileio.WriteFile(path, data); err != nil {
		return &exitError{code: exitInput, err: fmt.Errorf("%s %v", flag, err)}
	}
	return nil
}

// formatOf returns the report format an output file's extension names
// ("report.html" is HTML), or "" when it names none.
func formatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		return "html"
	case ".md", ".markdown":
		return "md"
	case ".json":
		return "json"
	case ".txt", ".text":
		return "text"
	}
	return ""
}

// chooseFormat returns the format to write: -f's when it was given, else
// the one the -o file's extension names ("report.html"), else -f's
// default.
func chooseFormat(format string, set bool, output string) (string, error) {
	if !set {
		if f := formatOf(output); f != "" {
			return f, nil
		}
	}
	return normFormat(format)
}

// checkCost checks the cost flags every verb shares. The comparisons are
// written so that NaN fails them too.
func checkCost(price float64, gpus int) error {
	if !(price >= 0 && price <= math.MaxFloat64) {
		return usageError("--gpu-hour-price %g: expected a price of zero or more", price)
	}
	if gpus < 0 {
		return usageError("--gpus %d: expected a number of GPUs of zero or more", gpus)
	}
	return nil
}
