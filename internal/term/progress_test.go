package term

import (
	"bytes"
	"sync"
	"testing"
)

func TestProgressLine(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		phase       string
		done, total int64
		width       int
		want        string
	}{
		{"", 0, 310 * mb, 80, "reading [                                        ] 0% 0 of 310 MB"},
		{"", 130 * mb, 310 * mb, 80, "reading [################                        ] 41% 130 of 310 MB"},
		{"", 310 * mb, 310 * mb, 80, "reading [########################################] 100% 310 of 310 MB"},
		// More read than the total (a growing file) counts as all of it.
		{"", 400 * mb, 310 * mb, 80, "reading [########################################] 100% 310 of 310 MB"},
		{"", 155 * mb, 310 * mb, 40, "reading [#####      ] 50% 155 of 310 MB"},
		{"", 155 * mb, 310 * mb, 30, "reading 50% 155 of 310 MB"},
		{"", 155 * mb, 310 * mb, 20, "reading 50% 155 of "},
		{"analysing...", 310 * mb, 310 * mb, 80, "analysing..."},
	}
	for _, tt := range tests {
		if got := progressLine(tt.phase, tt.done, tt.total, tt.width); got != tt.want {
			t.Errorf("progressLine(%q, %d, %d, %d) = %q, want %q", tt.phase, tt.done, tt.total, tt.width, got, tt.want)
		}
	}
}

// A syncBuffer is a bytes.Buffer safe for the drawing goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressDrawStop(t *testing.T) {
	const total = 100 << 20
	var w syncBuffer
	p := StartProgress(&w, 80, 50<<20, func() (int64, int64) { return total / 4, total })
	p.Draw()
	p.Phase("analysing...")
	p.Draw()
	p.Stop()
	p.Stop()
	// A line is redrawn only when it changes.
	want := "\rreading [##########                              ] 25% 25 of 100 MB\x1b[K" +
		"\ranalysing...\x1b[K" + "\r\x1b[K"
	if out := w.String(); out != want {
		t.Errorf("progress wrote %q, want %q", out, want)
	}

	// Below the minimum nothing is drawn or erased.
	var small syncBuffer
	p = StartProgress(&small, 80, 50<<20, func() (int64, int64) { return 1 << 20, 10 << 20 })
	p.Draw()
	p.Stop()
	if small.String() != "" {
		t.Errorf("a small input drew %q", small.String())
	}
}
