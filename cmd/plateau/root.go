package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/internal/term"
)

// Exit codes, decided here and nowhere else.
const (
	exitOK      = 0 // success
	exitInput   = 1 // an input could not be read, wholly or in part
	exitUsage   = 2 // bad flags or arguments
	exitVerdict = 3 // --fail-on matched the verdict
	exitAlert   = 4 // watch: an alert named by --exit-on fired
	exitFalse   = 5 // verify: a citation is false
	// A verb stopped by a signal exits with 128 plus its number: 130 for
	// Ctrl-C (SIGINT), 143 for SIGTERM (see interrupts).
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func inputError(err error) error { return &exitError{code: exitInput, err: err} }
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// streams are the process's standard streams, injectable for tests.
type streams struct {
	in       io.Reader
	out      io.Writer
	err      io.Writer
	outIsTTY bool
	errIsTTY bool
	// cols is the terminal's width when it is known without asking the
	// file (a test's fake terminal); 0 asks stdout.
	cols   int
	getenv func(string) string
	// exit ends the process (os.Exit); nil means os.Exit.
	exit func(int)
}

// exitFunc returns the function that ends the process.
func (s *streams) exitFunc() func(int) {
	if s.exit != nil {
		return s.exit
	}
	return os.Exit
}

// run is the testable entry point: it runs plateau with args and returns
// the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := newStreams(stdin, stdout, stderr)
	return runWith(args, s)
}

func runWith(args []string, s *streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(s.err, "plateau: "+term.Sanitize(ee.err.Error()))
		}
		return ee.code
	}
	// Anything cobra reports itself (unknown flag, wrong argument count) is
	// a usage error.
	fmt.Fprintln(s.err, "plateau: "+term.Sanitize(err.Error()))
	if !strings.Contains(err.Error(), "--help") {
		fmt.Fprintln(s.err, "Run 'plateau --help' for usage.")
	}
	return exitUsage
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "plateau",
		Short: "Tell what a fine-tuning run did, with numbers you can check",
		Long: `plateau reads the logs of a machine-learning fine-tuning run (Hugging Face
Trainer console output, trainer_state.json, LLaMA-Factory trainer_log.jsonl,
TensorBoard events, Lightning metrics.csv, W&B and MLflow files) and reports
whether it converged, what each phase of the loss curve means, whether the
last wiggle is noise, which checkpoint to ship and whether another epoch is
worth it. Every number is cited as file:line so it can be checked with grep.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	root.AddCommand(newReportCmd(s, nil))
	root.AddCommand(newFormatsCmd(s))
	for _, add := range extraCommands {
		root.AddCommand(add(s))
	}
	return root
}

// extraCommands lets verbs defined in other files (watch) register
// themselves without editing this file.
var extraCommands []func(*streams) *cobra.Command
