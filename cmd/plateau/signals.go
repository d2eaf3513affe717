package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interrupts turns SIGINT and SIGTERM into the end of a long verb
// (watch): the first signal cancels its context, so that it stops and
// prints what it has; a second one ends the process at once, whatever it
// is doing. A verb stopped by a signal exits with 128 plus the signal's
// number, as shells expect: 130 for Ctrl-C, 143 for SIGTERM.
type interrupts struct {
	ch   chan os.Signal
	stop chan struct{}
	mu   sync.Mutex
	got  syscall.Signal
}

// catchInterrupts returns a context cancelled at the first SIGINT or
// SIGTERM. exit ends the process at a second one.
func catchInterrupts(parent context.Context, exit func(int)) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancel(parent)
	in := &interrupts{ch: make(chan os.Signal, 2), stop: make(chan struct{})}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer cancel()
		var first os.Signal
		select {
		case first = <-in.ch:
		case <-in.stop:
			return
		}
		in.mu.Lock()
		in.got, _ = first.(syscall.Signal)
		in.mu.Unlock()
		cancel()
		select {
		case <-in.ch:
			exit(in.code())
		case <-in.stop:
		}
	}()
	return ctx, in
}

// release stops catching signals.
func (in *interrupts) release() {
	signal.Stop(in.ch)
	close(in.stop)
}

// code returns the exit status after the signal caught, 0 when none was.
func (in *interrupts) code() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.got == 0 {
		return 0
	}
	return 128 + int(in.got)
}
