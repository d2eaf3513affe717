// Package trainlog is plateau's model of a training run and its readers
// for the log formats that fine-tuning tools write.
//
// # The model
//
// A Run holds Series (one metric over steps, keyed by a canonical name
// that follows the Hugging Face Trainer's log keys: "loss",
// "learning_rate", "grad_norm", "eval_loss", ...), Summary values (the
// end-of-training dict), Geometry (examples, epochs, batch sizes, steps),
// Info facts, Checkpoints found on disk, Events (restarts, crashes,
// disagreements between sources) and Warnings. Every Point and Value
// keeps its Source, printed as "file:line" or "file#log_history[i]", so a
// reader of a report can check any number with grep.
//
// A Series stores its points as columns, so that a million-step log costs
// tens of bytes per value: read them with Len and Step, Value, Epoch,
// Source (and the other accessors) for point i, Point for one whole point,
// or the Steps and Values columns in a loop over many points.
//
// # Readers
//
// Each format is a Reader with a bufio.Scanner-like API (Scan, Record,
// Err) that yields *Entry, *Meta and *SyntaxError records. Open sniffs a
// file's content and picks the format; Formats lists them. A Collector
// groups records into a Run, keeping the last record per (series, step)
// within a file (a resumed run) and the most precise value across files.
// Load reads a file, a run directory or standard input into a Run.
//
// The grammar of each format, as observed in real logs, is documented at
// the top of the file that reads it.
package trainlog
