package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/internal/watch"
)

// defaultHookTimeout is how long an --on-alert command may run.
const defaultHookTimeout = 30 * time.Second

// runAlertCommand runs the user's --on-alert command for one alert, with
// the alert in its environment. The command, and whatever it started, is
// stopped when it runs longer than timeout or when ctx ends (watch was
// interrupted): a hook that hangs never keeps plateau alive.
func runAlertCommand(ctx context.Context, command string, timeout time.Duration, run string, a watch.Alert, s *streams) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	src := ""
	if len(a.Sources) > 0 {
		src = a.Sources[0]
	}
	cmd.Env = append(os.Environ(),
		"PLATEAU_ALERT_KIND="+a.Kind,
		"PLATEAU_ALERT_SEVERITY="+a.Severity,
		"PLATEAU_ALERT_STEP="+strconv.FormatInt(a.Step, 10),
		"PLATEAU_ALERT_MESSAGE="+a.Message,
		"PLATEAU_ALERT_SOURCE="+src,
		"PLATEAU_RUN="+run,
	)
	cmd.Stdout, cmd.Stderr = s.err, s.err
	ownGroup(cmd)
	// A child that keeps the output pipe open after the command ends (a
	// tool left running in the background) must not hold plateau either.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(s.err, "plateau: --on-alert command for the %s alert was stopped after %s (--on-alert-timeout)\n", a.Kind, timeout)
	case ctx.Err() != nil:
		fmt.Fprintf(s.err, "plateau: --on-alert command for the %s alert was stopped: watch was interrupted\n", a.Kind)
	case err != nil:
		fmt.Fprintf(s.err, "plateau: --on-alert command for the %s alert failed: %s\n", a.Kind, term.Sanitize(err.Error()))
	}
}
