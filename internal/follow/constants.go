package follow

import "time"

// Timing of the poll loop, in one place (fzf's constants.go pattern).
const (
	// MinPoll is the poll interval right after a change was seen.
	MinPoll = 50 * time.Millisecond
	// MaxPoll is the longest interval between two polls while nothing
	// changes; it bounds the delay of an alert.
	MaxPoll = 500 * time.Millisecond
	// RescanEvery is how often the directory tree is searched for new
	// files (new checkpoint folders, new event files).
	RescanEvery = 2 * time.Second
	// ChunkSize is the most bytes read from one file per poll, so one
	// huge file cannot starve the others.
	ChunkSize = 4 << 20
)
