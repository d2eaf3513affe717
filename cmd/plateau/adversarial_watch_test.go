//go:build unix

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run plateau as a child process, to send it
// signals and read its exit status: with PLATEAU_TEST_MAIN=1 in its
// environment the test binary is plateau.
func TestMain(m *testing.M) {
	if os.Getenv("PLATEAU_TEST_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// An advProc is a case of the adversarial suite run as a child process:
// plateau watch under signals, hooks and special files.
type advProc struct {
	name   string
	defect int
	setup  func(t *testing.T, dir string) []string
	// after is the text the case waits for on standard output or
	// standard error before it sends sig ("" sends no signal); afterFile,
	// when set, is a file (relative to the folder) that must exist too.
	after     string
	afterFile string
	sig       syscall.Signal
	// unprivileged runs the child as nobody when the test runs as root,
	// so that file permissions apply.
	unprivileged bool
	code         int
	stdout       []string
	stderr       []string
	check        func(t *testing.T, dir, stdout, stderr string)
}

// TestAdversarialWatch runs the child-process cases.
func TestAdversarialWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("child processes: skipped in -short mode")
	}
	for _, c := range adversarialWatchCases() {
		t.Run(fmt.Sprintf("%02d_%s", c.defect, c.name), func(t *testing.T) {
			dir := t.TempDir()
			args := c.setup(t, dir)
			before := snapshot(t, dir)
			out, errb := &syncBuffer{}, &syncBuffer{}
			cmd := exec.Command(os.Args[0], args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PLATEAU_TEST_MAIN=1")
			cmd.Stdout, cmd.Stderr = out, errb
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if c.unprivileged && os.Getuid() == 0 {
				asNobody(t, cmd, dir)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Whatever happens, nothing the child started outlives the case.
			defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			limit := hangGuard
			deadline := time.After(limit)
			var werr error
			sent := c.after == ""
		wait:
			for {
				select {
				case werr = <-done:
					break wait
				case <-deadline:
					syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					<-done
					t.Fatalf("plateau %s: still running after %s (a hang)\nsent %v: %v\nstdout: %.1000s\nstderr: %s", strings.Join(args, " "), limit, c.sig, sent, out.String(), errb.String())
				case <-time.After(20 * time.Millisecond):
					if !sent && (strings.Contains(out.String(), c.after) || strings.Contains(errb.String(), c.after)) && nonEmpty(dir, c.afterFile) {
						sent = true
						if err := cmd.Process.Signal(c.sig); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(werr, &ee) {
				code = ee.ExitCode()
			} else if werr != nil {
				t.Fatal(werr)
			}
			if !sent {
				t.Errorf("the child never printed %q", c.after)
			}
			if code != c.code {
				t.Errorf("plateau %s: exit status %d, want %d\nstderr: %s", strings.Join(args, " "), code, c.code, errb.String())
			}
			for _, s := range c.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%.3000s", s, out.String())
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb.String())
				}
			}
			if strings.Contains(errb.String(), "panic") {
				t.Errorf("a panic: %s", errb.String())
			}
			after := snapshot(t, dir)
			for p, h := range before {
				if after[p] != h {
					t.Errorf("%s changed", p)
				}
			}
			if c.check != nil {
				c.check(t, dir, out.String(), errb.String())
			}
		})
	}
}

// asNobody makes cmd run as the user nobody, from a copy of the test
// binary that nobody may run, in dir opened to others.
func asNobody(t *testing.T, cmd *exec.Cmd, dir string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "plateau.test")
	writeFile(t, bin, readFile(t, os.Args[0]))
	for _, p := range []string{bin, filepath.Dir(bin), filepath.Dir(filepath.Dir(bin)), dir, filepath.Dir(dir)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd.Path, cmd.Args[0] = bin, bin
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534}
}

// lockUp takes every permission away from p, and gives them back at the
// end of the test so that the folder can be removed.
func lockUp(t *testing.T, p string) {
	t.Helper()
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(p, 0o755) })
}

// nanConsole writes the example's console log cut after step 320, with
// step 300 logged twice: a callback line without grad_norm, then the
// Trainer's dict with 'grad_norm': 'nan'. The run has not ended.
func nanConsole(t *testing.T, dir string) {
	t.Helper()
	b := string(exampleConsole(t, "[Step 300/750] epoch=1.20 loss=4.4246 lr=6.01e-04 grad_norm=3.766", "[Step 300/750] epoch=1.20 loss=4.4246 lr=6.01e-04"))
	old := "{'loss': '4.425', 'grad_norm': '3.766', 'learning_rate': '0.0006013', 'epoch': '1.2'}"
	if !strings.Contains(b, old) {
		t.Fatalf("console.log lacks %q", old)
	}
	b = strings.Replace(b, old, "{'loss': '4.425', 'grad_norm': 'nan', 'learning_rate': '0.0006013', 'epoch': '1.2'}", 1)
	i := strings.Index(b, "[Step 321/750]")
	writeFile(t, filepath.Join(dir, "run", "console.log"), []byte(b[:i]))
}

// nonEmpty reports whether the file rel under dir holds something, or
// rel is "".
func nonEmpty(dir, rel string) bool {
	if rel == "" {
		return true
	}
	st, err := os.Stat(filepath.Join(dir, rel))
	return err == nil && st.Size() > 0
}

// processGone waits until the process whose id a hook wrote to file has
// ended (a killed process is gone once init reaps it: the wait is a hang
// guard, not a speed limit). With mayNotStart, a hook stopped before it
// wrote its id passes: a timeout shorter than a loaded machine takes to
// start a shell stops the shell itself.
func processGone(t *testing.T, file string, mayNotStart bool) {
	t.Helper()
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) && mayNotStart {
		t.Logf("the hook was stopped before it wrote %s", filepath.Base(file))
		return
	}
	if err != nil {
		t.Fatalf("the hook did not start: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s holds %q: %v", filepath.Base(file), b, err)
	}
	deadline := time.Now().Add(hangGuard)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("the hook (pid %d) outlived plateau by %s", pid, hangGuard)
}

func adversarialWatchCases() []advProc {
	return []advProc{
		// 5. A NaN in the second view of a step is seen.
		{name: "nan_second_view_of_step", defect: 5,
			setup: func(t *testing.T, dir string) []string {
				nanConsole(t, dir)
				return []string{"watch", "run", "--exit-on", "non-finite", "--no-report", "--interval", "50ms"}
			},
			code: exitAlert, stdout: []string{"ALERT non-finite step 300", "console.log:620"}},
		// 6. A hook that hangs neither keeps watch alive nor outlives it.
		{name: "hanging_hook_sigterm", defect: 6,
			setup: func(t *testing.T, dir string) []string {
				nanConsole(t, dir)
				return []string{"watch", "run", "--no-report", "--interval", "50ms", "--on-alert", "echo $$ > hook.pid; exec sleep 1000"}
			},
			after: "ALERT non-finite", afterFile: "hook.pid", sig: syscall.SIGTERM, code: 143,
			check: func(t *testing.T, dir, _, _ string) { processGone(t, filepath.Join(dir, "hook.pid"), false) }},
		{name: "hanging_hook_timeout", defect: 6,
			setup: func(t *testing.T, dir string) []string {
				nanConsole(t, dir)
				return []string{"watch", "run", "--no-report", "--interval", "50ms", "--exit-on", "non-finite",
					"--on-alert", "echo $$ > hook.pid; exec sleep 1000", "--on-alert-timeout", "300ms"}
			},
			code: exitAlert, stderr: []string{"--on-alert command for the non-finite alert was stopped after 300ms (--on-alert-timeout)"},
			check: func(t *testing.T, dir, _, _ string) { processGone(t, filepath.Join(dir, "hook.pid"), true) }},
		// 15. Ctrl-C exits 130, after the final report.
		{name: "ctrl_c_exit_130", defect: 15,
			setup: func(t *testing.T, dir string) []string {
				nanConsole(t, dir)
				return []string{"watch", "run", "--interval", "50ms"}
			},
			after: "ALERT non-finite", sig: syscall.SIGINT, code: 130, stdout: []string{"plateau: run:"}},
		// 15. A path that does not exist is said so, at once.
		{name: "missing_path", defect: 15,
			setup: func(t *testing.T, dir string) []string {
				return []string{"watch", "no/such/run", "--no-report", "--interval", "50ms"}
			},
			after: "no/such/run does not exist", sig: syscall.SIGINT, code: 130,
			stderr: []string{"plateau: no/such/run does not exist (nor does no/such); waiting for it to appear", "plateau: no/such/run never appeared: nothing was read"}},
		// 4. A FIFO given to watch: an error, at once.
		{name: "fifo_root", defect: 4,
			setup: func(t *testing.T, dir string) []string {
				mkfifo(t, filepath.Join(dir, "in.fifo"))
				return []string{"watch", "in.fifo", "--no-report"}
			},
			code: exitInput, stderr: []string{"in.fifo: a named pipe (FIFO), not a regular file"}},
		// 8. A file or folder that cannot be read is an input problem.
		{name: "unreadable_file", defect: 8, unprivileged: true,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				lockUp(t, filepath.Join(dir, "run", "console.log"))
				return []string{"report", "run"}
			},
			code: exitInput, stdout: []string{"Status "}, stderr: []string{"plateau: console.log: cannot be read: permission denied", "1 input problem(s)"}},
		{name: "unreadable_folder", defect: 8, unprivileged: true,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				writeFile(t, filepath.Join(dir, "run", "logs", "more.log"), []byte("x\n"))
				lockUp(t, filepath.Join(dir, "run", "logs"))
				return []string{"report", "run"}
			},
			code: exitInput, stdout: []string{"Status "}, stderr: []string{"plateau: logs: cannot be read: permission denied"}},
		// 22. A folder whose files hold no training log: watch waits (a
		// run may start writing), and when stopped says why nothing was
		// read, file by file, as report does.
		{name: "nothing_readable", defect: 22,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "train.log"), []byte("\x89PNG\r\n\x1a\n\x00\x00binary"))
				writeFile(t, filepath.Join(dir, "run", "console.log"), nil)
				return []string{"watch", "run", "--no-report", "--interval", "50ms"}
			},
			after: "plateau: watching run", sig: syscall.SIGINT, code: exitInput,
			stderr: []string{"plateau: run: no training data: found no training log", "\n  console.log: empty file", "\n  train.log: binary data"}},
		// 29. scan, report and watch of what cannot be read: each file and
		// folder said with its path, exit 1; an unreadable root is said
		// as such at once (watch does not wait on it).
		{name: "scan_unreadable", defect: 29, unprivileged: true,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, filepath.Join("runs", "a"))
				copyRun(t, dir, filepath.Join("runs", "b"))
				copyRun(t, dir, filepath.Join("runs", "c"))
				os.Remove(filepath.Join(dir, "runs", "b", "trainer_state.json"))
				lockUp(t, filepath.Join(dir, "runs", "b", "console.log"))
				lockUp(t, filepath.Join(dir, "runs", "c"))
				return []string{"scan", "runs"}
			},
			code: exitInput, stdout: []string{"1 run under runs"},
			stderr: []string{"plateau: runs/b/console.log: cannot be read: permission denied\n", "plateau: runs/c: cannot be read: permission denied\n",
				"plateau: 2 input problem(s); the scan covers what was readable"}},
		{name: "report_unreadable_root", defect: 29, unprivileged: true,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				lockUp(t, filepath.Join(dir, "run"))
				return []string{"report", "run"}
			},
			code: exitInput, stderr: []string{"plateau: run: cannot be read: permission denied\n"},
			check: func(t *testing.T, _, _, stderr string) {
				if strings.Contains(stderr, "no training data") {
					t.Errorf("an unreadable folder said to hold no log:\n%s", stderr)
				}
			}},
		{name: "watch_unreadable_root", defect: 29, unprivileged: true,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, "run")
				lockUp(t, filepath.Join(dir, "run"))
				return []string{"watch", "run", "--no-report"}
			},
			code: exitInput, stderr: []string{"plateau: run: cannot be read: permission denied\n"}},
		// 36. A path under a folder that cannot be searched: report and
		// watch said Go's "stat PATH: permission denied" (watch after a
		// status line of a run at step 0).
		{name: "report_unsearchable_parent", defect: 36, unprivileged: true,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, filepath.Join("locked", "run"))
				lockUp(t, filepath.Join(dir, "locked"))
				return []string{"report", filepath.Join("locked", "run")}
			},
			code: exitInput, stderr: []string{"plateau: " + filepath.Join("locked", "run") + ": cannot be read: permission denied\n"},
			check: func(t *testing.T, _, _, stderr string) {
				if strings.Contains(stderr, "stat ") {
					t.Errorf("Go's wording:\n%s", stderr)
				}
			}},
		{name: "watch_unsearchable_parent", defect: 36, unprivileged: true,
			setup: func(t *testing.T, dir string) []string {
				copyRun(t, dir, filepath.Join("locked", "run"))
				lockUp(t, filepath.Join(dir, "locked"))
				return []string{"watch", filepath.Join("locked", "run"), "--no-report"}
			},
			code: exitInput, stderr: []string{"plateau: " + filepath.Join("locked", "run") + ": cannot be read: permission denied\n"}},
		// 7. Escapes in a file name reach neither the terminal nor a pipe.
		{name: "escapes_in_file_name", defect: 7,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, filepath.Join(dir, "run", "x\x1b]0;pwned\x07\x1b[2J.log"), exampleConsole(t, "[Step 300/750]", "[Step 300/750]"))
				return []string{"watch", "run", "--interval", "50ms"}
			},
			code: exitOK, stdout: []string{"x]0;pwned[2J.log:", "plateau: run:"},
			check: func(t *testing.T, _, stdout, stderr string) {
				if strings.ContainsAny(stdout+stderr, "\x1b\x07") {
					t.Errorf("output holds ESC or BEL bytes:\n%q", stdout)
				}
			}},
	}
}
