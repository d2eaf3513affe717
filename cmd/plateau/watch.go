package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/internal/watch"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// watchOptions are the flags of 'plateau watch'.
type watchOptions struct {
	Path         string
	OnAlert      string
	OnAlertLimit time.Duration
	ExitOn       []string
	GPUHourPrice float64
	GPUs         int
	Interval     time.Duration
	StallAfter   time.Duration
	IdleEnd      time.Duration
	NoReport     bool
	Step         string
	Metrics      []string
}

func init() {
	extraCommands = append(extraCommands, func(s *streams) *cobra.Command { return newWatchCmd(s, nil) })
}

func newWatchCmd(s *streams, runF func(context.Context, *watchOptions) error) *cobra.Command {
	opts := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch PATH",
		Short: "Follow a run while it trains and alert when to act",
		Long: `Follow a run directory or log file while the run writes it, with no change to
the training code. On a terminal, a live view shows the step, the ETA, the
loss (raw and smoothed), the learning rate, grad_norm, the latest eval, the
current verdict and the active alerts; otherwise one plain line is printed
per alert and per evaluation.

Alerts, each raised once, with numbers and file:line: ` + strings.Join(watch.Kinds, ", ") + `.

--on-alert CMD runs CMD with sh -c for each alert, with PLATEAU_ALERT_KIND,
PLATEAU_ALERT_SEVERITY, PLATEAU_ALERT_STEP, PLATEAU_ALERT_MESSAGE,
PLATEAU_ALERT_SOURCE and PLATEAU_RUN in its environment; a command still
running after --on-alert-timeout is stopped with what it started. --exit-on
KINDS exits with status 4 when one of those alerts fires. Ctrl-C or the end
of training prints the final report: the files are read again whole, so it
is the report 'plateau report PATH' gives. The end of training is the
trainer's end-of-training summary or state; a run none of whose files
changed for --idle-end (1h) when it has been read is taken as ended too:
Lightning's metrics.csv and TensorBoard events write no end marker. After Ctrl-C the exit status is
130 (143 after SIGTERM); a second Ctrl-C ends plateau at once. PATH must hold one run (see 'plateau
scan' for a folder of runs); of a run folder's trainer_state.json files only
the newest is read, as in 'plateau report'. Standard input cannot be
watched: write the output to a file (python train.py 2>&1 | tee train.log)
and watch that file.`,
		Example: `  plateau watch output/
  plateau watch train.log --exit-on non-finite,divergence
  plateau watch output/ --on-alert 'curl -d "$PLATEAU_ALERT_MESSAGE" https://chat.example/hook'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("watch needs exactly one PATH (a run directory or a log file; it may not exist yet)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			for _, k := range opts.ExitOn {
				if !validAlert(k) {
					return usageError("--exit-on %q: expected alert kinds among %s", k, strings.Join(watch.Kinds, ", "))
				}
			}
			ctx, sigs := catchInterrupts(cmd.Context(), s.exitFunc())
			defer sigs.release()
			var err error
			if runF != nil {
				err = runF(ctx, opts)
			} else {
				err = runWatch(ctx, opts, s)
			}
			if code := sigs.code(); code != 0 && err == nil {
				// Stopped by Ctrl-C or SIGTERM, after the final report.
				return &exitError{code: code, err: errors.New("")}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.OnAlert, "on-alert", "", "run `CMD` (with sh -c) for each alert, the alert in PLATEAU_ALERT_* variables")
	f.DurationVar(&opts.OnAlertLimit, "on-alert-timeout", defaultHookTimeout, "stop an --on-alert command (and what it started) that runs longer than this")
	f.StringSliceVar(&opts.ExitOn, "exit-on", nil, "exit with status 4 when one of these alert `KINDS` fires")
	_ = cmd.RegisterFlagCompletionFunc("exit-on", completeList(watch.Kinds))
	f.Float64Var(&opts.GPUHourPrice, "gpu-hour-price", 0, "price of one GPU hour, to say what stopping early saves")
	f.IntVar(&opts.GPUs, "gpus", 0, "number of GPUs billed (default 1)")
	f.DurationVar(&opts.Interval, "interval", 500*time.Millisecond, "longest time between two polls of the files")
	f.DurationVar(&opts.StallAfter, "stall-after", watch.DefaultThresholds.StallAfter, "least silence before the stall alert")
	f.DurationVar(&opts.IdleEnd, "idle-end", watch.DefaultIdleEnd, "take a run none of whose files changed for this long, once read, as ended (0: never)")
	f.BoolVar(&opts.NoReport, "no-report", false, "do not print the final report at the end")
	f.StringVar(&opts.Step, "step", "", "generic CSV/JSONL: the `COLUMN` holding the step")
	f.StringSliceVar(&opts.Metrics, "metric", nil, "generic CSV/JSONL: map a metric, `NAME=COLUMN`; repeatable")
	return cmd
}

// idleEnd turns the --idle-end flag (0: never) into watch.Options.IdleEnd
// (negative: never).
func idleEnd(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

func validAlert(k string) bool {
	for _, x := range watch.Kinds {
		if k == x {
			return true
		}
	}
	return false
}

func runWatch(ctx context.Context, opts *watchOptions, s *streams) error {
	ropts, err := readerOptions(opts.Step, opts.Metrics)
	if err != nil {
		return err
	}
	if opts.Interval <= 0 || opts.Interval > time.Minute {
		return usageError("--interval %s: expected a duration between 1ms and 1m", opts.Interval)
	}
	if opts.Path == trainlog.Stdin {
		// The final report reads the files again whole, which a stream
		// cannot give twice.
		return usageError("watch follows files while a run writes them, and cannot follow standard input: write the output to a file (python train.py 2>&1 | tee train.log) and watch that file")
	}
	if opts.StallAfter < 0 {
		return usageError("--stall-after %s: expected a duration of zero or more", opts.StallAfter)
	}
	if opts.OnAlertLimit <= 0 {
		return usageError("--on-alert-timeout %s: expected a positive duration", opts.OnAlertLimit)
	}
	if err := checkCost(opts.GPUHourPrice, opts.GPUs); err != nil {
		return err
	}
	missing := announceMissing(opts.Path, s)
	aopts := analysis.DefaultOptions
	aopts.GPUHourPrice, aopts.GPUs = opts.GPUHourPrice, opts.GPUs
	th := watch.DefaultThresholds
	th.StallAfter = opts.StallAfter
	// hookCtx ends with a signal, not with --exit-on: the command of the
	// alert that ends the watch still runs, within its timeout.
	hookCtx := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	view := newWatchView(s, opts.Path)
	// Each kind of alert is raised once, so the queue never fills.
	alertCmds := make(chan watch.Alert, len(watch.Kinds))
	cmdsDone := make(chan struct{})
	go func() {
		defer close(cmdsDone)
		for a := range alertCmds {
			if hookCtx.Err() != nil {
				continue // interrupted: the commands still queued are not run
			}
			runAlertCommand(hookCtx, opts.OnAlert, opts.OnAlertLimit, opts.Path, a, s)
		}
	}()
	var mu sync.Mutex
	var exitErr error
	wopts := watch.Options{
		Root: opts.Path, Reader: ropts, Analysis: aopts, Thresholds: th,
		MaxPoll: opts.Interval, StopAtEnd: true, IdleEnd: idleEnd(opts.IdleEnd),
		OnAlert: func(a watch.Alert) {
			view.alert(a)
			if opts.OnAlert != "" {
				// Run in the background so that a slow command does not
				// delay polling; the commands of one watch run in order.
				alertCmds <- a
			}
			for _, k := range opts.ExitOn {
				if k == a.Kind {
					mu.Lock()
					if exitErr == nil {
						exitErr = &exitError{code: exitAlert, err: fmt.Errorf("alert %s (--exit-on): %s", a.Kind, a.Message)}
					}
					mu.Unlock()
					cancel()
				}
			}
		},
		OnUpdate: view.update,
	}
	final, err := watch.Watch(ctx, wopts)
	close(alertCmds)
	<-cmdsDone
	view.close()
	if err := refusal("watch", err); err != nil {
		return err
	}
	if err != nil {
		return inputError(err)
	}
	if missing {
		if _, err := os.Stat(opts.Path); err != nil {
			fmt.Fprintf(s.err, "plateau: %s never appeared: nothing was read\n", term.Sanitize(opts.Path))
			final = nil
		}
	}
	if !opts.NoReport && final != nil {
		fmt.Fprintln(s.out)
		if err := report.WriteText(s.out, final, report.Options{Color: s.color(), Width: s.width()}); err != nil {
			return err
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return exitErr
}

// announceMissing says on standard error that the path to watch does
// not exist (yet: a run creates its output folder when it starts), naming
// its folder when that is missing too, the sign of a mistyped path. It
// reports whether the path was missing.
func announceMissing(path string, s *streams) bool {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	msg := term.Sanitize(path) + " does not exist"
	if dir := filepath.Dir(path); dir != "." {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			msg += " (nor does " + term.Sanitize(dir) + ")"
		}
	}
	fmt.Fprintf(s.err, "plateau: %s; waiting for it to appear (Ctrl-C to stop)\n", msg)
	return true
}
