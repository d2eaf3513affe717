package trainlog

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// hcText holds the state of the line-oriented facts of a console log.
type hcText struct {
	inBlock    bool // inside "***** Running training *****"
	blockLines int
	banner     int // lines left of an Unsloth banner
	inTargs    bool
	targsLines int
	tb         hcTraceback

	libs         []string // library hints, in order found
	libLine      int
	weakTF       string // transformers version from a config dump
	weakTFLine   int
	libsReported string
	facts        hcFacts

	overflows, overflowsReported int
	overflowFirst                Source

	// newRun is the line of a "Running training" block printed after
	// training dicts, until the block says it resumes or the next
	// training dict starts the new run; 0 for none.
	newRun int
}

// hcBlockKeys maps the lines of the INFO block to geometry keys.
var hcBlockKeys = []struct{ label, key string }{
	{"Num examples = ", GeoExamples},
	{"Num Epochs = ", GeoEpochs},
	{"Num update steps per epoch = ", GeoStepsPerEpoch},
	{"Instantaneous batch size per device = ", GeoBatchPerDevice},
	{"Total train batch size", GeoTotalBatch},
	{"Gradient Accumulation steps = ", GeoGradAccum},
	{"Total optimization steps = ", GeoMaxSteps},
	{"Number of trainable parameters = ", GeoTrainableParams},
}

// other handles a text piece that is neither a bar nor a dict; m says
// which of the substrings looked for it holds (hcMarksOf).
func (r *consoleReader) other(s []byte, m hcMarks) {
	t := &r.txt
	t.tb.line(r, s, m)
	r.unread.table(r, s)
	if m.has(mkStars) {
		t.inBlock = bytes.Contains(s, []byte("***** Running training *****"))
		t.blockLines = 0
		if t.inBlock && r.steps.nTrain > 0 {
			t.newRun = r.line // a new run, unless the block says it resumes
		}
		return
	}
	if t.inBlock {
		r.blockLine(s)
	}
	if !m.has(mkContinuing | mkResuming) {
		// No resume line.
	} else if n, ok := hcResumeLine(s); ok {
		r.geo(GeoResumedFrom, float64(n), r.line)
		r.event(EventRestart, n, fmt.Sprintf("training resumed from global step %d", n), r.src1(r.line))
		r.steps.resumed = n
		t.newRun = 0
	}
	if m.has(mkPEFT) {
		r.peftLine(s[bytes.Index(s, []byte("trainable params: ")):])
	}
	if m.has(mkUnsloth) {
		t.banner = 5
	}
	if t.banner > 0 {
		t.banner--
		r.bannerLine(s)
	}
	if m.has(mkTargs) {
		t.inTargs, t.targsLines = true, 0
	} else if t.inTargs {
		r.targsLine(s)
	}
	if m.has(mkOverflow) && bytes.Contains(s, []byte("Skipping step")) {
		r.overflow1(s)
	}
	if m.has(mkFitStopped) {
		// Lightning: "`Trainer.fit` stopped: `max_epochs=8` reached."
		// (max_steps, max_time): training ended, as a Trainer's
		// should_training_stop says.
		r.info(InfoTrainingStopped, "true", r.line)
	}
	r.hints(s, m)
	r.runFacts(s, m)
}

// hcNumberAfter parses the number with optional thousands separators at
// the start of s (after spaces).
func hcNumberAfter(s []byte) (float64, bool) {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ',' || s[j] == '.') {
		j++
	}
	w := bytes.TrimRight(s[i:j], ",.")
	if len(w) == 0 {
		return 0, false
	}
	v, _, ok := ParseNumber(string(w))
	return v, ok
}

// blockLine reads one line of the INFO block.
func (r *consoleReader) blockLine(s []byte) {
	for _, k := range hcBlockKeys {
		i := bytes.Index(s, []byte(k.label))
		if i < 0 {
			continue
		}
		rest := s[i+len(k.label):]
		if k.key == GeoTotalBatch {
			eq := bytes.Index(rest, []byte(" = "))
			if eq < 0 {
				return
			}
			rest = rest[eq+3:]
		}
		v, ok := hcNumberAfter(rest)
		if !ok {
			return
		}
		r.geo(k.key, v, r.line)
		r.setShape(k.key, v)
		return
	}
}

// setShape passes a geometry value to the step inference.
func (r *consoleReader) setShape(key string, v float64) {
	s := &r.steps
	switch key {
	case GeoExamples:
		s.examples = v
	case GeoEpochs:
		if v < maxEpochs { // sys.maxsize: no epochs planned
			s.epochs = v
		}
	case GeoStepsPerEpoch:
		s.infoSPE = v
	case GeoTotalBatch:
		s.totalBatch = v
	case GeoGradAccum:
		s.ga = v
	case GeoMaxSteps:
		s.maxSteps = v
		r.bar.maxSteps = int64(v)
	default:
		return
	}
	s.changed(r)
}

// peftLine reads "trainable params: 524,288 || all params: 3,150,080 || ...".
func (r *consoleReader) peftLine(s []byte) {
	if v, ok := hcNumberAfter(s[len("trainable params: "):]); ok {
		r.geo(GeoTrainableParams, v, r.line)
	}
	if i := bytes.Index(s, []byte("all params: ")); i >= 0 {
		if v, ok := hcNumberAfter(s[i+len("all params: "):]); ok {
			r.geo(GeoTotalParams, v, r.line)
		}
	}
	r.txt.addLib("peft", r.line)
}

// hcBannerKeys maps the "key = value" pairs of the Unsloth banner.
var hcBannerKeys = []struct{ label, key string }{
	{"Data Parallel GPUs", GeoWorldSize},
	{"Num GPUs", GeoWorldSize},
	{"Num examples", GeoExamples},
	{"Num Epochs", GeoEpochs},
	{"Total steps", GeoMaxSteps},
	{"Batch size per device", GeoBatchPerDevice},
	{"radient accumulation steps", GeoGradAccum},
	{"radient Accumulation steps", GeoGradAccum},
	{"Total batch size", GeoTotalBatch},
	{"rainable parameters", GeoTrainableParams},
}

// bannerLine reads the pairs of one line of the Unsloth banner.
func (r *consoleReader) bannerLine(s []byte) {
	for _, part := range bytes.Split(s, []byte("|")) {
		eq := bytes.Index(part, []byte(" = "))
		if eq < 0 {
			continue
		}
		label, val := part[:eq], part[eq+3:]
		for _, k := range hcBannerKeys {
			if !bytes.Contains(label, []byte(k.label)) {
				continue
			}
			v, ok := hcNumberAfter(val)
			if !ok {
				break
			}
			r.geo(k.key, v, r.line)
			r.setShape(k.key, v)
			if k.key == GeoTrainableParams {
				if i := bytes.Index(val, []byte(" of ")); i >= 0 {
					if tot, ok := hcNumberAfter(val[i+4:]); ok {
						r.geo(GeoTotalParams, tot, r.line)
					}
				}
			}
			break
		}
	}
}

// hcTargsKeys maps fields of a TrainingArguments dump.
var hcTargsKeys = map[string]string{
	"logging_steps":               GeoLoggingSteps,
	"eval_steps":                  GeoEvalSteps,
	"save_steps":                  GeoSaveSteps,
	"num_train_epochs":            GeoEpochs,
	"max_steps":                   GeoMaxSteps,
	"gradient_accumulation_steps": GeoGradAccum,
	"per_device_train_batch_size": GeoBatchPerDevice,
}

// targsLine reads one "name=value," line of a TrainingArguments dump.
func (r *consoleReader) targsLine(s []byte) {
	t := &r.txt
	t.targsLines++
	s = bytes.TrimSpace(s)
	if len(s) > 0 && s[0] == ')' || t.targsLines > 500 {
		t.inTargs = false
		return
	}
	eq := bytes.IndexByte(s, '=')
	if eq <= 0 || r.targsName(s[:eq], s[eq+1:]) {
		return
	}
	key, ok := hcTargsKeys[string(s[:eq])]
	if !ok {
		return
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSuffix(s[eq+1:], []byte(","))), 64)
	if err != nil {
		return
	}
	st := &r.steps
	switch string(s[:eq]) {
	case "max_steps":
		if v <= 0 {
			return
		}
		st.targsMaxStep = v
		if r.bar.maxSteps == 0 {
			r.bar.maxSteps = int64(v)
		}
	case "num_train_epochs":
		st.targsEpochs = v
	case "logging_steps":
		if v >= 1 && v == float64(int64(v)) {
			st.loggingSteps = int64(v)
		}
	}
	r.geo(key, v, r.line)
	st.changed(r)
}

// overflow1 records a DeepSpeed fp16 overflow.
func (r *consoleReader) overflow1(s []byte) {
	t := &r.txt
	t.overflows++
	if t.overflows == 1 {
		t.overflowFirst = r.src1(r.line)
	}
	if t.overflows <= 20 {
		r.event(EventSkippedStep, r.bar.n, "DeepSpeed skipped an optimizer step: "+hcClip(s), r.src1(r.line))
	}
}

func hcClip(s []byte) string {
	s = bytes.TrimSpace(s)
	if len(s) > hcMaxMsg {
		return string(s[:hcMaxMsg]) + "..."
	}
	return string(s)
}

// hcHints are substrings that name a library, and for a trainer class
// the class they name (reported as InfoTrainerClass).
var hcHints = []struct{ text, lib, class string }{
	{"Unsloth", "unsloth", ""},
	{"unsloth", "unsloth", ""},
	{"llamafactory", "llamafactory", ""},
	{"LLaMA-Factory", "llamafactory", ""},
	{"LlamaFactory", "llamafactory", ""},
	{"SFTTrainer", "trl", "SFTTrainer"},
	{"DPOTrainer", "trl", "DPOTrainer"},
	{"GRPOTrainer", "trl", "GRPOTrainer"},
	{"ORPOTrainer", "trl", "ORPOTrainer"},
	{"KTOTrainer", "trl", "KTOTrainer"},
	{"PPOTrainer", "trl", "PPOTrainer"},
	{"PPOv2Trainer", "trl", "PPOTrainer"},
	{"CPOTrainer", "trl", "CPOTrainer"},
	{"RLOOTrainer", "trl", "RLOOTrainer"},
	{"RewardTrainer", "trl", "RewardTrainer"},
	{"PairwiseTrainer", "llamafactory", "PairwiseTrainer"},
	{"/trl/", "trl", ""},
	{"axolotl", "axolotl", ""},
	{"[deepspeed]", "deepspeed", ""},
	{"/deepspeed/", "deepspeed", ""},
	{"DeepSpeed", "deepspeed", ""},
}

// hcHintAnchors are substrings that groups of hcHints share: a line
// without a group's anchor holds none of its hints, so that most lines are
// ruled out by 6 searches instead of 18 (text lines are matched one by
// one on the reader's serial path).
var hcHintAnchors = [...]string{"nsloth", "actory", "Trainer", "/trl/", "axolotl", "eep"}

// hcHintAnchor holds, for each of hcHints, the bit of the first anchor
// its text contains.
var hcHintAnchor = func() []uint8 {
	bits := make([]uint8, len(hcHints))
	for i, h := range hcHints {
		for k, a := range hcHintAnchors {
			if strings.Contains(h.text, a) {
				bits[i] = 1 << k
				break
			}
		}
	}
	return bits
}()

// hints looks for library names and versions.
func (r *consoleReader) hints(s []byte, m hcMarks) {
	t := &r.txt
	if !m.has(mkTransformers) {
		// No transformers version.
	} else if i := bytes.Index(s, []byte("ransformers")); i > 0 && (s[i-1] == 't' || s[i-1] == 'T') {
		rest := s[i+len("ransformers"):]
		weak := bytes.HasPrefix(rest, []byte("_version"))
		if v := hcVersion(rest); v != "" {
			if weak {
				if t.weakTF == "" {
					t.weakTF, t.weakTFLine = "transformers "+v, r.line
				}
			} else {
				t.addLib("transformers "+v, r.line)
			}
		}
	}
	if bytes.HasPrefix(s, []byte("[INFO|")) || bytes.HasPrefix(s, []byte("[WARNING|")) {
		if bytes.Contains(s, []byte(" >> ")) {
			t.addLib("llamafactory", r.line)
		}
	}
	anchors := uint8(m/mkNsloth) & (1<<len(hcHintAnchors) - 1) // the anchors' bits, in order
	if anchors == 0 {
		return
	}
	for i, h := range hcHints {
		if anchors&hcHintAnchor[i] == 0 || !bytes.Contains(s, []byte(h.text)) {
			continue
		}
		lib := h.lib
		if lib == "unsloth" {
			if v := hcVersion(s[bytes.Index(s, []byte(h.text))+len(h.text):]); v != "" && strings.Count(v, ".") >= 1 && len(v) >= 6 {
				lib += " " + v
			}
		}
		t.addLib(lib, r.line)
		if h.class != "" {
			r.trainerClass(h.class)
		}
	}
}

// hcVersion returns the version number after a library name, skipping
// "_version", "version", quotes, '=', ':' and spaces.
func hcVersion(s []byte) string {
	s = bytes.TrimPrefix(s, []byte("_version"))
	i := 0
	for i < len(s) && i < 24 {
		switch c := s[i]; {
		case bytes.HasPrefix(s[i:], []byte("version")):
			i += len("version")
			continue
		case c == ' ' || c == ':' || c == '=' || c == '"' || c == '\'' || c == 'v':
			i++
			continue
		}
		break
	}
	j := i
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || (j > i && (s[j] == '+' || s[j] == '-' || s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z'))) {
		j++
	}
	v := strings.TrimRight(string(s[i:j]), ".")
	if len(v) < 3 || v[0] < '0' || v[0] > '9' || !strings.Contains(v, ".") {
		return ""
	}
	return v
}

// addLib records a library hint; a versioned hint replaces a bare one.
func (t *hcText) addLib(lib string, line int) {
	name, _, _ := strings.Cut(lib, " ")
	for i, l := range t.libs {
		ln, _, _ := strings.Cut(l, " ")
		if ln == name {
			if l == name && lib != name {
				t.libs[i] = lib
			}
			return
		}
	}
	if len(t.libs) == 0 {
		t.libLine = line
	}
	t.libs = append(t.libs, lib)
}

// flush reports library hints, a pending traceback and the
// DeepSpeed overflow count at the end of the input read so far.
func (t *hcText) flush(r *consoleReader) {
	t.tb.flush(r)
	libs := append([]string(nil), t.libs...)
	line := t.libLine
	if t.weakTF != "" && !hcHasLib(libs, "transformers") {
		libs = append([]string{t.weakTF}, libs...)
		line = t.weakTFLine
	}
	for i, l := range libs {
		if strings.HasPrefix(l, "transformers") && i > 0 {
			libs = append(append([]string{l}, libs[:i]...), libs[i+1:]...)
			break
		}
	}
	if text := strings.Join(libs, ", "); text != "" && text != t.libsReported {
		t.libsReported = text
		r.info(InfoLibrary, text, line)
	}
	if t.overflows > 20 && t.overflows > t.overflowsReported {
		r.event(EventSkippedStep, -1, fmt.Sprintf("DeepSpeed skipped %d optimizer steps on fp16 overflow in all (the first 20 are listed)", t.overflows), t.overflowFirst)
	}
	t.overflowsReported = t.overflows
}

func hcHasLib(libs []string, name string) bool {
	for _, l := range libs {
		if l == name || strings.HasPrefix(l, name+" ") {
			return true
		}
	}
	return false
}

// hcResumeLine reads the step a resumed run starts from: Transformers 4's
// "Continuing training from global step N", Transformers 5's "Resuming
// training from checkpoint with epoch E and global step N".
func hcResumeLine(s []byte) (int64, bool) {
	for _, p := range [][]byte{[]byte("Continuing training from global step "), []byte("Resuming training from checkpoint with epoch ")} {
		i := bytes.Index(s, p)
		if i < 0 {
			continue
		}
		k := i + len(p)
		if p[0] == 'R' {
			g := bytes.Index(s[k:], []byte(" and global step "))
			if g < 0 {
				return 0, false
			}
			k += g + len(" and global step ")
		}
		if n, j := hcAtoi(s, k); j > k {
			return n, true
		}
	}
	return 0, false
}

// hcUnread notes the layouts of metrics that the reader does not read, so
// that a log holding nothing else says why rather than reporting nothing.
type hcUnread struct {
	postfixLine, tableLine int // first line of each, 0 when none
	reported               bool
}

func (u *hcUnread) postfix(line int) {
	if u.postfixLine == 0 {
		u.postfixLine = line
	}
}

// table notes the header of the table that transformers'
// NotebookProgressCallback draws in Jupyter ("Step  Training Loss
// Validation Loss ...", or "Epoch ..."), as copied out of a notebook.
func (u *hcUnread) table(r *consoleReader, s []byte) {
	if u.tableLine != 0 {
		return
	}
	t := bytes.TrimLeft(s, " \t")
	if (bytes.HasPrefix(t, []byte("Step")) || bytes.HasPrefix(t, []byte("Epoch"))) &&
		(bytes.Contains(t, []byte("Training Loss")) || bytes.Contains(t, []byte("Validation Loss"))) {
		u.tableLine = r.line
	}
}

// report says, once, why a log without any log dict yielded nothing (not
// while following a live log: its first dict may still come).
func (u *hcUnread) report(r *consoleReader) {
	if u.reported || r.live || r.steps.nTrain > 0 || r.steps.nEval > 0 {
		return
	}
	if u.postfixLine > 0 {
		u.reported = true
		r.emit(&SyntaxError{File: r.name, Line: u.postfixLine, Err: fmt.Errorf("%w: a progress bar's postfix", ErrUnreadLayout),
			Msg: "the metrics are in a progress bar's postfix (loss=...), which plateau does not read: " +
				"they are rounded, and a Lightning bar counts the batches of an epoch, not optimizer steps; expected printed log dicts " +
				"(log to a file next time: Lightning's CSVLogger or TensorBoardLogger, or print a dict per logging step)"})
	}
	if u.tableLine > 0 {
		u.reported = true
		r.emit(&SyntaxError{File: r.name, Line: u.tableLine, Err: fmt.Errorf("%w: a notebook's table", ErrUnreadLayout),
			Msg: "a notebook's table of Step, Training Loss and Validation Loss, which plateau does not read " +
				"(its Training Loss is the last one logged by the row's step, not necessarily that step's); " +
				"expected printed log dicts: give the run's trainer_state.json (in output_dir/checkpoint-N/) instead"})
	}
}
