package trainlog

import "bytes"

// hcMarks says which of the substrings that the reader's text handling
// looks for (hcMarkText) a text line holds. The tokenizer finds them, in
// parallel on a large log; the reader, which replays the tokens in order
// on one goroutine, then looks closer only at the lines that hold them.
type hcMarks uint32

// The substrings of hcMarks, one bit each in this order.
const (
	mkStars        hcMarks = 1 << iota // "*****": the INFO block's banner
	mkContinuing                       // Transformers 4's resume line
	mkResuming                         // Transformers 5's resume line
	mkPEFT                             // PEFT's trainable parameters
	mkUnsloth                          // Unsloth's banner
	mkTargs                            // a TrainingArguments dump
	mkOverflow                         // DeepSpeed's skipped step
	mkTransformers                     // "ransformers" of a version
	mkNsloth                           // the anchors of hcHintAnchors ...
	mkActory
	mkTrainer
	mkTRL
	mkAxolotl
	mkEep
	mkTrainerPy // run facts (hfconsole_family.go)
	mkLlamafactory
	mkFor
	mkGrouping
	mkTraceback
	mkFitStopped // Lightning's end of training
)

// hcMarkText holds the substrings of the hcMarks bits.
var hcMarkText = [...][]byte{
	[]byte("*****"),
	[]byte("Continuing training from global step "),
	[]byte("Resuming training from checkpoint with epoch "),
	[]byte("trainable params: "),
	[]byte("==((====))=="),
	[]byte("TrainingArguments("),
	[]byte("OVERFLOW!"),
	[]byte("ransformers"),
	[]byte(hcHintAnchors[0]),
	[]byte(hcHintAnchors[1]),
	[]byte(hcHintAnchors[2]),
	[]byte(hcHintAnchors[3]),
	[]byte(hcHintAnchors[4]),
	[]byte(hcHintAnchors[5]),
	[]byte("_trainer.py"),
	[]byte("llamafactory"),
	[]byte("For"),
	hcGrouping,
	hcTBHeader,
	[]byte("`Trainer.fit` stopped: "),
}

// hcMarksOf returns the marks of a text line.
func hcMarksOf(s []byte) hcMarks {
	var m hcMarks
	for i, sub := range hcMarkText {
		if bytes.Contains(s, sub) {
			m |= 1 << i
		}
	}
	return m
}

// has reports whether the line holds the substring of bit b.
func (m hcMarks) has(b hcMarks) bool { return m&b != 0 }
