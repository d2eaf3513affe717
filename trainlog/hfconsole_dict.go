package trainlog

import (
	"bytes"
	"math"
)

// hcLogLike reports whether the dict text starts with a key that only log
// dicts have, so that a parse failure deserves a syntax error.
func hcLogLike(b []byte) bool {
	i := pdSpace(b, 1)
	if i >= len(b) || (b[i] != '\'' && b[i] != '"') {
		return false
	}
	k := b[i+1:]
	for _, p := range hcLogKeyPrefixes {
		if bytes.HasPrefix(k, []byte(p)) {
			return true
		}
	}
	return false
}

var hcLogKeyPrefixes = []string{"loss'", "loss\"", "eval_", "train_", "test_", "predict_", "epoch", "learning_rate", "grad_norm"}

// hcDictInfo summarises the keys of a parsed dict.
type hcDictInfo struct {
	log, eval, predict, runtime, trainLoss bool
	epoch, tol                             float64
	step                                   int64
	values                                 int
}

func hcClassify(items []pdItem) hcDictInfo {
	d := hcDictInfo{epoch: math.NaN(), step: -1}
	for i := range items {
		it := &items[i]
		k := it.key
		numeric := it.kind == pdNumber || it.kind == pdQuoted
		switch {
		case string(k) == "epoch":
			if numeric {
				d.epoch, d.tol = it.num.v, hcEpochTol(it)
				d.log = true
			}
			continue
		case string(k) == "step" || string(k) == "global_step":
			if numeric && it.num.v >= 0 && it.num.v == math.Trunc(it.num.v) {
				d.step = int64(it.num.v)
			}
			continue
		case string(k) == "global_step/max_steps":
			// ms-swift: 'global_step/max_steps': '105/250250'.
			if n, j := hcAtoi(it.text, 0); it.kind == pdString && j > 0 && j < len(it.text) && it.text[j] == '/' {
				d.step = n
			}
			continue
		case string(k) == "loss" || string(k) == "learning_rate" || string(k) == "grad_norm" || string(k) == "lr":
			d.log = true
		case string(k) == "train_runtime":
			d.runtime, d.log = true, true
		case string(k) == "train_loss":
			d.trainLoss, d.log = true, true
		case bytes.HasPrefix(k, []byte("eval_")):
			d.eval, d.log = true, true
		case bytes.HasPrefix(k, []byte("test_")) || bytes.HasPrefix(k, []byte("predict_")):
			d.predict, d.log = true, true
		}
		if numeric {
			d.values++
		}
	}
	return d
}

func (d hcDictInfo) kind() Kind {
	switch {
	case d.runtime && d.trainLoss:
		return KindSummary
	case d.eval:
		return KindEval
	case d.predict:
		return KindPredict
	}
	return KindTrain
}

// hcDigits returns the precision of a dict value as printed: 4 for the v5
// .4g strings, the 4 decimals of a v4 loss, the digits written by fixed
// formats, and DigitsFloat64 for Python reprs and integers.
func hcDigits(key string, it *pdItem) int {
	n := &it.num
	switch {
	case n.special:
		return DigitsFloat64
	case it.kind == pdQuoted:
		return max(4, n.sig)
	case n.wrapped:
		if bytes.HasPrefix(it.text, []byte("tensor(")) {
			return max(1, n.sig)
		}
		return DigitsFloat64
	case !n.hasPoint && !n.hasExp:
		return DigitsFloat64
	case n.trailing:
		return max(1, n.sig)
	case key == "loss" && !n.hasExp && n.frac <= 4:
		if n.sig == 0 {
			return 1
		}
		return max(1, n.mag+5)
	}
	return DigitsFloat64
}

// hcEpochTol returns half a unit in the last place of a printed epoch: the
// v5 .4g strings carry 4 significant digits, and v4 consoles round the
// epoch to 2 decimals, which "1.0" or "0.5" also are.
func hcEpochTol(it *pdItem) float64 {
	n := &it.num
	if n.special || n.sig == 0 && it.kind == pdQuoted {
		return 0
	}
	if it.kind == pdQuoted {
		return 0.5 * pdExp10(n.mag-max(4, n.sig)+1)
	}
	if n.hasExp {
		return 0.5 * pdExp10(n.exp-n.frac)
	}
	if n.frac <= 2 {
		return 0.005
	}
	return 0.5 * pdExp10(-n.frac)
}

// hcAtoi parses the decimal digits at s[i:] and returns the value and the
// offset after them (i when there are none).
func hcAtoi(s []byte, i int) (int64, int) {
	var n int64
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		if n < 1<<58 {
			n = n*10 + int64(s[j]-'0')
		}
		j++
	}
	return n, j
}
