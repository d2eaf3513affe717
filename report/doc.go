// Package report renders an analysis.Report as text for a terminal, as
// Markdown, and as JSON. The HTML renderer lives here too (html.go).
//
// Renderers only consume the report: they compute nothing about the run.
// Layout and number formatting live in small helpers (format.go, and
// internal/texttab for columns), and the machine format skips the
// human-friendly rounding.
//
// # Text and Markdown
//
// WriteText and WriteMarkdown share one document model (document.go):
// build.go lays out the sections once, in the order of the hand-written
// report plateau automates — verdict, run and files, milestones, phases,
// mean train_loss against the final level, end-of-run fluctuation, token
// accuracy, learning rate, throughput and cost, generalisation,
// checkpoints, another epoch, trend evidence, findings, summary — and each
// writer renders the blocks its own way. Every number read from a log is
// printed with its source (file:line or file#log_history[i]); every
// computed number with how it was computed; a section without data says
// so and says what to log next time.
//
// Numbers are shown with four significant digits (format.go). Text output
// wraps to Options.Width, aligns columns and, when a table is too wide,
// wraps its widest columns or moves its last column (sources) under each
// row. It writes ANSI colour only when Options.Color is set (see
// internal/term for when to set it) and, with Options.Chart, draws the
// primary series as a braille chart that keeps each column's minimum and
// maximum. Markdown is CommonMark with GitHub pipe tables; sources are in
// code spans so they can be grepped, and text from the logs is escaped.
//
// # JSON
//
// WriteJSON writes the Report as is, schema field first, in a stable
// order; NaN and infinities, which JSON cannot hold, are written as null.
// The schema, plateau.report/v2, is documented field by field in
// docs/json-schema.md, and a test keeps that page in step with the model.
package report
