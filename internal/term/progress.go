package term

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProgressInterval is how often a Progress redraws.
const ProgressInterval = 150 * time.Millisecond

// A Progress shows what a long job is doing on one line of a terminal
// (standard error, so that it never mixes with the output): a bar of the
// bytes done out of the total, then a phase without a bar, such as
// "analysing". It redraws from its own goroutine every ProgressInterval,
// and only once the total reaches a minimum, so that small inputs show
// nothing. Stop erases the line. Use it only when w is a terminal.
type Progress struct {
	w     io.Writer
	width int
	min   int64
	count func() (done, total int64)

	mu    sync.Mutex
	phase string // "" while counting
	last  string // the line drawn last, "" when erased
	stop  chan struct{}
	done  chan struct{}
}

// StartProgress starts drawing the progress of count on w, which is
// width columns wide, once count's total is at least min bytes.
func StartProgress(w io.Writer, width int, min int64, count func() (done, total int64)) *Progress {
	p := &Progress{w: w, width: width, min: min, count: count, stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *Progress) loop() {
	defer close(p.done)
	t := time.NewTicker(ProgressInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.Draw()
		}
	}
}

// Phase replaces the bar with a label, such as "analysing", from the
// next drawing on.
func (p *Progress) Phase(label string) {
	p.mu.Lock()
	p.phase = label
	p.mu.Unlock()
}

// Draw draws the line now, if the total is large enough.
func (p *Progress) Draw() {
	done, total := p.count()
	if total < p.min {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if line := progressLine(p.phase, done, total, p.width); line != p.last {
		io.WriteString(p.w, "\r"+line+"\x1b[K")
		p.last = line
	}
}

// Stop stops the redrawing and erases the line. It may be called more
// than once.
func (p *Progress) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last != "" {
		io.WriteString(p.w, "\r\x1b[K")
		p.last = ""
	}
}

// progressLine renders the progress line, at most width-1 columns: the
// phase label alone, or "reading [####      ] 41% 130 of 310 MB".
func progressLine(phase string, done, total int64, width int) string {
	line := phase
	if phase == "" {
		mb := func(n int64) string { return strconv.FormatInt((n+(1<<19))>>20, 10) }
		done = min(max(done, 0), total)
		pct := 0
		if total > 0 {
			pct = int(done * 100 / total)
		}
		tail := " " + strconv.Itoa(pct) + "% " + mb(done) + " of " + mb(total) + " MB"
		line = "reading" + tail
		if bar := min(40, width-1-len("reading []")-len(tail)); bar >= 10 {
			fill := bar * pct / 100
			line = "reading [" + strings.Repeat("#", fill) + strings.Repeat(" ", bar-fill) + "]" + tail
		}
	}
	if width > 1 && len(line) > width-1 {
		line = line[:width-1]
	}
	return line
}
