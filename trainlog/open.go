package trainlog

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"sync"
)

// SniffSize is how many leading bytes of a file Detect functions see.
const SniffSize = 64 << 10

// Options configure the readers. The zero value is ready to use.
type Options struct {
	// StepColumn names the step column of a generic CSV or JSONL file
	// (plateau's --step flag).
	StepColumn string
	// Metrics maps canonical metric names to the columns of a generic CSV
	// or JSONL file (plateau's --metric NAME=COLUMN flags).
	Metrics map[string]string
	// Live tells a reader that its input is a file still being written
	// (plateau watch): it must emit each record as soon as the record is
	// complete, even when a later line could make an inferred step more
	// exact, rather than hold records back until the end of the input.
	Live bool
}

// A Format is one supported input format.
type Format struct {
	// Name is a short identifier such as "hf-console" or "trainer-state".
	Name string
	// Description says in a few words what writes this format.
	Description string
	// Detect returns a confidence from 0 (not this format) to 100 (surely
	// this format), given the file's display name and its first SniffSize
	// bytes (fewer when the file is shorter). It must be cheap.
	Detect func(name string, head []byte) int
	// NewReader returns a Reader over r. name is the display path used in
	// sources and errors.
	NewReader func(name string, r io.Reader, opts Options) Reader
}

var (
	formatsMu sync.Mutex
	formats   []Format
)

// Register adds a format. Each format file calls it from init.
func Register(f Format) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	formats = append(formats, f)
	sort.Slice(formats, func(i, j int) bool { return formats[i].Name < formats[j].Name })
}

// Formats returns the supported formats, sorted by name.
func Formats() []Format {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	return append([]Format(nil), formats...)
}

// LookupFormat returns the format with the given name.
func LookupFormat(name string) (Format, bool) {
	for _, f := range Formats() {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Detect returns the format that recognises head with the highest
// confidence. It reports false when none does.
func Detect(name string, head []byte) (Format, bool) {
	f, score := DetectConfidence(name, head)
	return f, score > 0
}

// DetectConfidence is Detect returning the winning confidence (0 to 100).
func DetectConfidence(name string, head []byte) (Format, int) {
	best, bestScore := Format{}, 0
	for _, f := range Formats() {
		if s := f.Detect(name, head); s > bestScore {
			best, bestScore = f, s
		}
	}
	return best, bestScore
}

// Open sniffs the content of r and returns a Reader for its format. name
// is the display path used in sources and errors. It returns an error
// wrapping ErrUnknownFormat (or ErrBinary) when no format fits.
func Open(name string, r io.Reader, opts Options) (Reader, Format, error) {
	br := bufio.NewReaderSize(r, SniffSize)
	head, err := br.Peek(SniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, Format{}, fmt.Errorf("%s: %w", name, err)
	}
	f, ok := Detect(name, head)
	if !ok {
		if len(head) == 0 {
			return nil, Format{}, &SyntaxError{File: name, Msg: "empty file: expected a training log", Err: ErrNoData}
		}
		if looksBinary(head) {
			return nil, Format{}, &SyntaxError{File: name, Line: 1, Msg: "binary data: expected a training log (console text, trainer_state.json, JSONL, CSV or TensorBoard events)", Err: ErrBinary}
		}
		return nil, Format{}, &SyntaxError{File: name, Line: 1, Msg: "not a recognised training log: expected Trainer console output, trainer_state.json, JSONL, CSV or TensorBoard events (run 'plateau formats')", Err: ErrUnknownFormat}
	}
	return f.NewReader(name, br, opts), f, nil
}

// looksBinary reports whether head holds NUL bytes or mostly non-text
// bytes.
func looksBinary(head []byte) bool {
	if len(head) > 4096 {
		head = head[:4096]
	}
	bad := 0
	for _, c := range head {
		if c == 0 {
			return true
		}
		if c < 0x09 || (c > 0x0d && c < 0x20 && c != 0x1b) {
			bad++
		}
	}
	return bad*10 > len(head)
}
