// Package report renders an analysis.Report as text for a terminal, as
// Markdown, and as JSON. The HTML renderer lives here too (html.go): one
// offline page under a strict Content-Security-Policy, readable without
// script.
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
// # Charts
//
// One chart model (internal/svgplot's Chart, built in charts.go) feeds
// three renderings: the standalone SVG files of WriteCharts (every dot
// with a tooltip: value, step, epoch, source), the static SVG inlined in
// the HTML page (for readers without script, and for printing), and the
// page's interactive charts, which uPlot (report/uplot, MIT, embedded)
// draws from the same values (chartdata.go: downsampled series that keep
// each bucket's minimum and maximum and every flagged point, with each
// point's source). The interactive charts zoom (drag, Ctrl+wheel), pan
// (Shift+drag), toggle series (legend), switch between linear and log
// axes, show a point's value and source on hover, and share their step
// range. A loss chart is on a log axis when its values span more than a
// decade, and draws the eval loss too; the eval metric also has a chart
// of its own, on which a rise of a few percent is visible. Spikes are red
// triangles (pointing the way the value jumped); expected drops at an
// epoch boundary are grey chevrons. Phases and the overfitting span sit in
// lanes above the plot, one kind per lane. The grad_norm chart shades its
// usual range: the 10th to 90th percentiles after warmup, left out when
// they span more than a decade. The terminal chart (chart.go) draws the
// primary series in braille and its evaluation as bullets.
//
// # JSON
//
// WriteJSON writes the Report as is, schema field first, in a stable
// order; NaN and infinities, which JSON cannot hold, are written as null.
// The schema, plateau.report/v2, is documented field by field in
// docs/json-schema.md, and a test keeps that page in step with the model.
package report
