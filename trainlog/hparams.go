package trainlog

// Lightning hparams.yaml, and the mapping of well-known settings that it
// shares with MLflow params (see ReadMLflowParams in mlflow.go). Neither
// holds metrics, so neither is a registered Format: the loader calls
// HParamsMeta (or ReadMLflowParams and MLflowParamsMeta) and adds the
// Meta records to the run.
//
// hparams.yaml is written by save_hyperparameters()/log_hyperparams
// through OmegaConf or yaml.dump. The subset read here, without a YAML
// library:
//
//	doc     = { line } ;
//	line    = indent key ":" [ " " [tag] value ] [ " #" comment ] NL
//	        | indent "- " item NL                  a sequence item
//	        | "---" | "..." | "#" comment | blank ;
//	tag     = "!!python/tuple" | "!!python/object:..." | "&anchor" | ... ;  dropped
//	value   = plain | "'single'" | "\"double\"" | "|" | ">" | "{flow}" | "[flow]" ;
//
// A key with no value opens a nested mapping (its keys are joined with
// ".": "optimizer.lr") or a sequence (its scalar items are joined into
// "[a, b]"). Block scalars (| and >), items that are mappings, and lines
// that are not "key: value" are skipped. Flow collections are kept as
// written.
//
// Well-known settings become Meta records, matched on the last
// component of a key (so "trainer.max_epochs" counts):
//
//	per_device_train_batch_size, batch_size, train_batch_size, micro_batch_size -> Geometry GeoBatchPerDevice
//	gradient_accumulation_steps, accumulate_grad_batches                       -> Geometry GeoGradAccum
//	num_train_epochs, max_epochs, num_epochs, epochs                           -> Geometry GeoEpochs
//	max_steps (when > 0)                                                       -> Geometry GeoMaxSteps
//	logging_steps, log_every_n_steps                                           -> Geometry GeoLoggingSteps
//	eval_steps, save_steps, world_size                                         -> Geometry GeoEvalSteps, GeoSaveSteps, GeoWorldSize
//	learning_rate, lr                                                          -> Info "learning_rate"
//	lr_scheduler_type, warmup_steps, warmup_ratio                              -> Info under the same name
//	stage (LLaMA-Factory), rl (Axolotl)                                        -> Info InfoStage
//	architectures, num_labels, task_type, output_dir, run_name                 -> Info InfoModelClass, InfoNumLabels, InfoTaskType, InfoOutputDir, InfoRunName
//
// A W&B run's config.yaml nests every setting as "name: {desc, value}":
// a key ending in ".value" is matched on the component before it.
//
// Geometry values must be positive numbers; the first key that maps to a
// name wins.

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// A hparam is one setting read from hparams.yaml or an MLflow params file.
type hparam struct {
	key, value string
	line       int
	nested     bool // a key that opened a mapping; not a value
}

// ReadHParams reads a Lightning hparams.yaml leniently into flat keys
// ("optimizer.lr") and string values. It fails only on I/O errors.
func ReadHParams(r io.Reader) (map[string]string, error) {
	ps, err := parseHParams(r)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		if !p.nested {
			m[p.key] = p.value
		}
	}
	return m, nil
}

// HParamsMeta reads a Lightning hparams.yaml and returns the Meta
// records of its well-known settings, cited as name:line.
func HParamsMeta(name string, r io.Reader) ([]*Meta, error) {
	ps, err := parseHParams(r)
	if err != nil {
		return nil, err
	}
	return hparamMeta(ps, func(p hparam) Source { return Source{File: name, Line: p.line} }), nil
}

// hparamGeometry maps setting names onto Geometry keys.
var hparamGeometry = map[string]string{
	"per_device_train_batch_size": GeoBatchPerDevice,
	"batch_size":                  GeoBatchPerDevice,
	"train_batch_size":            GeoBatchPerDevice,
	"micro_batch_size":            GeoBatchPerDevice,
	"gradient_accumulation_steps": GeoGradAccum,
	"accumulate_grad_batches":     GeoGradAccum,
	"num_train_epochs":            GeoEpochs,
	"max_epochs":                  GeoEpochs,
	"num_epochs":                  GeoEpochs,
	"epochs":                      GeoEpochs,
	"max_steps":                   GeoMaxSteps,
	"logging_steps":               GeoLoggingSteps,
	"log_every_n_steps":           GeoLoggingSteps,
	"eval_steps":                  GeoEvalSteps,
	"save_steps":                  GeoSaveSteps,
	"world_size":                  GeoWorldSize,
}

// hparamInfo maps setting names onto Info keys.
var hparamInfo = map[string]string{
	"learning_rate":     "learning_rate",
	"lr":                "learning_rate",
	"lr_scheduler_type": "lr_scheduler_type",
	"warmup_steps":      "warmup_steps",
	"warmup_ratio":      "warmup_ratio",
	"stage":             InfoStage,
	"rl":                InfoStage,
	"architectures":     InfoModelClass,
	"num_labels":        InfoNumLabels,
	"task_type":         InfoTaskType,
	"output_dir":        InfoOutputDir,
	"run_name":          InfoRunName,
}

// hparamMeta turns well-known settings into Meta records.
func hparamMeta(ps []hparam, src func(hparam) Source) []*Meta {
	var out []*Meta
	seen := map[string]bool{}
	for _, p := range ps {
		if p.nested {
			continue
		}
		short := strings.ToLower(p.key)
		short = strings.TrimSuffix(short, ".value") // W&B config.yaml
		if i := strings.LastIndexByte(short, '.'); i >= 0 {
			short = short[i+1:]
		}
		if geo, ok := hparamGeometry[short]; ok && !seen[geo] {
			v, d, ok := ParseNumber(p.value)
			if ok && v > 0 && v < 1e15 {
				seen[geo] = true
				out = append(out, &Meta{Geometry: &Value{Key: geo, Value: v, Digits: d, Source: src(p)}})
			}
			continue
		}
		if info, ok := hparamInfo[short]; ok && !seen[info] && p.value != "" && p.value != "null" && p.value != "None" && p.value != "false" && p.value != "[]" {
			seen[info] = true
			out = append(out, &Meta{Info: &Text{Key: info, Value: p.value, Source: src(p)}})
		}
	}
	return out
}

// hparamsSeq is an open sequence under a key.
type hparamsSeq struct {
	at     int // index of the key in the output
	indent int
	items  []string
}

// parseHParams is the lenient YAML subset reader described above.
func parseHParams(r io.Reader) ([]hparam, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	type level struct {
		indent int
		prefix string
	}
	var (
		out        []hparam
		stack      []level
		seq        *hparamsSeq
		skipIndent = -1 // skip lines indented more than this (block scalars, mapping items)
		line       int
	)
	closeSeq := func() {
		if seq != nil && len(seq.items) > 0 {
			out[seq.at].value = "[" + strings.Join(seq.items, ", ") + "]"
		}
		seq = nil
	}
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), " \t\r")
		content := strings.TrimLeft(text, " ")
		indent := len(text) - len(content)
		if skipIndent >= 0 {
			if content == "" || indent > skipIndent {
				continue
			}
			skipIndent = -1
		}
		content = yamlStripComment(content)
		if content == "" || content == "---" || content == "..." || content[0] == '%' {
			continue
		}
		if content == "-" || strings.HasPrefix(content, "- ") {
			item := yamlStripTag(strings.TrimSpace(content[1:]))
			if _, _, isMap := yamlSplitKey(item); isMap || item == "" {
				skipIndent = indent
			} else if seq != nil && indent >= seq.indent {
				seq.items = append(seq.items, yamlUnquote(item))
			}
			continue
		}
		key, val, ok := yamlSplitKey(content)
		if !ok {
			continue
		}
		if seq != nil && indent > seq.indent && len(seq.items) == 0 {
			out[seq.at].nested = true
		}
		closeSeq()
		for len(stack) > 0 && indent <= stack[len(stack)-1].indent {
			stack = stack[:len(stack)-1]
		}
		full := key
		if len(stack) > 0 {
			full = stack[len(stack)-1].prefix + key
		}
		val = yamlStripTag(val)
		switch {
		case val == "":
			out = append(out, hparam{key: full, line: line})
			stack = append(stack, level{indent, full + "."})
			seq = &hparamsSeq{at: len(out) - 1, indent: indent}
		case val[0] == '|' || val[0] == '>':
			skipIndent = indent
		default:
			out = append(out, hparam{key: full, value: yamlUnquote(val), line: line})
		}
	}
	closeSeq()
	return out, sc.Err()
}

// yamlSplitKey splits "key: value" (or "key:") outside quotes.
func yamlSplitKey(s string) (key, val string, ok bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case (c == '"' || c == '\'') && i == 0:
			quote = c
		case c == '{' || c == '[':
			if i == 0 {
				return "", "", false
			}
		case c == ':' && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t'):
			key = yamlUnquote(strings.TrimSpace(s[:i]))
			if key == "" {
				return "", "", false
			}
			return key, strings.TrimSpace(s[i+1:]), true
		}
	}
	return "", "", false
}

// yamlStripComment drops a " #" comment outside quotes.
func yamlStripComment(s string) string {
	if strings.HasPrefix(s, "#") {
		return ""
	}
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			if i == 0 || s[i-1] == ' ' {
				quote = c
			}
		case c == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// yamlStripTag drops leading tags and anchors ("!!python/tuple",
// "&id001").
func yamlStripTag(s string) string {
	for len(s) > 0 && (s[0] == '!' || s[0] == '&') {
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return ""
		}
		s = strings.TrimSpace(s[i:])
	}
	return s
}

// yamlUnquote removes YAML quotes from a scalar.
func yamlUnquote(s string) string {
	if len(s) < 2 {
		return s
	}
	switch {
	case s[0] == '\'' && s[len(s)-1] == '\'':
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	case s[0] == '"' && s[len(s)-1] == '"':
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s[1 : len(s)-1]
	}
	return s
}
