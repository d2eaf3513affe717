package trainlog

import (
	"io"
	"os"
	"sync/atomic"
)

// A Progress counts the bytes Load reads, so that a caller can show how
// far reading has come. Load adds the size of each file to the total
// before reading it and counts every byte read; another goroutine may
// call Read and Total at any time. Standard input adds nothing to the
// total.
type Progress struct {
	read, total atomic.Int64
}

// Read returns the number of bytes read so far.
func (p *Progress) Read() int64 { return p.read.Load() }

// Total returns the summed size of the files to read.
func (p *Progress) Total() int64 { return p.total.Load() }

// addFiles adds the sizes of the planned files to the total.
func (p *Progress) addFiles(plans []plan) {
	if p == nil {
		return
	}
	for _, pl := range plans {
		if pl.path == Stdin {
			continue
		}
		if st, err := os.Stat(pl.path); err == nil && st.Mode().IsRegular() {
			p.total.Add(st.Size())
		}
	}
}

// reader returns r counting its bytes into p, or r itself when p is nil.
func (p *Progress) reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &countingReader{r: r, p: p}
}

// A countingReader adds the bytes it reads to a Progress.
type countingReader struct {
	r io.Reader
	p *Progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.read.Add(int64(n))
	return n, err
}
