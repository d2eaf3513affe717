package term

import (
	"io"
	"strconv"
	"strings"
)

// A Region is the block of lines a live view redraws. On a terminal each
// Draw replaces the previous drawing in place (cursor up, clear to end of
// screen); otherwise each Draw appends a plain snapshot, so piped output
// holds no control codes.
type Region struct {
	t     *Term
	lines int // lines written by the last Draw on a terminal
}

// NewRegion returns a region drawing to t.Out.
func (t *Term) NewRegion() *Region { return &Region{t: t} }

// Draw replaces the region's content with s.
func (r *Region) Draw(s string) error {
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	if !r.t.outTTY {
		_, err := io.WriteString(r.t.Out, s)
		return err
	}
	var b strings.Builder
	if r.lines > 0 {
		b.WriteString("\x1b[" + strconv.Itoa(r.lines) + "F") // to the start of the first line
	}
	b.WriteString("\x1b[J") // clear to the end of the screen
	b.WriteString(s)
	r.lines = strings.Count(s, "\n")
	_, err := io.WriteString(r.t.Out, b.String())
	return err
}
