package trainlog

import (
	"bytes"
	"encoding/json"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/internal/fileio"
)

// Settings files that tell the kind of training a run did, read for the
// Info facts of hfconsole_family.go and nothing else (no geometry: the
// logs say how the run went):
//
//   - a model's config.json (in a checkpoint or the output folder):
//     "architectures" (InfoModelClass) and the number of labels,
//     "num_labels" or the size of "id2label" (InfoNumLabels);
//   - a PEFT adapter_config.json: "task_type" (InfoTaskType);
//   - LLaMA-Factory's training_args.yaml and a W&B run's files/config.yaml,
//     read with the hparams.yaml reader: stage, rl, architectures,
//     num_labels, task_type, output_dir, run_name.
//
// A run keeps one file of each name, the one nearest its folder: every
// checkpoint holds the same config.json.
const (
	settingsModelConfig = "model-config"
	settingsRunArgs     = "run-args"
)

// maxSettingsSize bounds what is read of a settings file.
const maxSettingsSize = 4 << 20

// settingsKind returns the settings kind of a file found in a run
// folder, "" for none.
func settingsKind(name, dir string) string {
	switch name {
	case "config.json", "adapter_config.json":
		return settingsModelConfig
	case "training_args.yaml":
		return settingsRunArgs
	case "config.yaml":
		if path.Base(dir) == "files" { // wandb/run-*/files/config.yaml
			return settingsRunArgs
		}
	}
	return ""
}

// settingsReason says how a settings file of a kind is used.
func settingsReason(kind string) string {
	switch kind {
	case settingsModelConfig, settingsRunArgs:
		return "settings (the kind of training), no metrics"
	}
	return "settings (run geometry), no metrics"
}

// oneSettingsPerName keeps, of the settings files with the same name and
// kind, the one nearest the run's folder (then the first in name order).
func oneSettingsPerName(ins []Input) []Input {
	sorted := append([]Input(nil), ins...)
	sort.SliceStable(sorted, func(i, j int) bool {
		di, dj := strings.Count(sorted[i].Name, "/"), strings.Count(sorted[j].Name, "/")
		if di != dj {
			return di < dj
		}
		return sorted[i].Name < sorted[j].Name
	})
	keep := map[string]bool{}
	seen := map[string]bool{}
	for _, in := range sorted {
		if in.Kind != settingsModelConfig && in.Kind != settingsRunArgs {
			continue
		}
		k := in.Kind + "/" + path.Base(in.Name)
		if !seen[k] {
			seen[k] = true
			keep[in.Name] = true
		}
	}
	var out []Input
	for _, in := range ins {
		if (in.Kind != settingsModelConfig && in.Kind != settingsRunArgs) || keep[in.Name] {
			out = append(out, in)
		}
	}
	return out
}

// readSettings reads a settings file of a kind above.
func readSettings(kind, diskPath, name string) ([]*Meta, error) {
	f, err := fileio.OpenRegular(diskPath)
	if err != nil {
		return nil, unreadableErr(name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSettingsSize))
	if err != nil {
		return nil, unreadableErr(name, err)
	}
	if kind == settingsModelConfig {
		return ModelConfigMeta(name, data), nil
	}
	ms, err := HParamsMeta(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out []*Meta
	for _, m := range ms {
		if m.Info != nil && runKindInfo[m.Info.Key] {
			out = append(out, m)
		}
	}
	return out, nil
}

// runKindInfo are the Info keys that tell the kind of training.
var runKindInfo = map[string]bool{
	InfoTrainerClass: true, InfoStage: true, InfoModelClass: true, InfoNumLabels: true,
	InfoTaskType: true, InfoDataPrep: true, InfoOutputDir: true, InfoRunName: true,
}

// ModelConfigMeta returns the Info records of a model's config.json or a
// PEFT adapter_config.json, each cited at the line of its value. A file
// that is not a JSON object yields none.
func ModelConfigMeta(name string, data []byte) []*Meta {
	var cfg struct {
		Architectures []string          `json:"architectures"`
		NumLabels     *int              `json:"num_labels"`
		ID2Label      map[string]string `json:"id2label"`
		TaskType      string            `json:"task_type"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil
	}
	var out []*Meta
	info := func(key, value, jsonKey string) {
		src := Source{File: name, Line: jsonLine(data, jsonKey, value)}
		out = append(out, &Meta{Info: &Text{Key: key, Value: value, Source: src}})
	}
	if len(cfg.Architectures) > 0 && cfg.Architectures[0] != "" {
		info(InfoModelClass, cfg.Architectures[0], "architectures")
		switch {
		case cfg.NumLabels != nil:
			info(InfoNumLabels, strconv.Itoa(*cfg.NumLabels), "num_labels")
		case len(cfg.ID2Label) > 0:
			info(InfoNumLabels, strconv.Itoa(len(cfg.ID2Label)), "id2label")
		}
	}
	if cfg.TaskType != "" {
		info(InfoTaskType, cfg.TaskType, "task_type")
	}
	return out
}

// jsonLine returns the 1-based line of a JSON file that holds value after
// the key (the key's own line when the value is not a string found
// there, 0 when the key is not found).
func jsonLine(data []byte, key, value string) int {
	k := bytes.Index(data, []byte(strconv.Quote(key)))
	if k < 0 {
		return 0
	}
	at := k
	if v := bytes.Index(data[k:], []byte(strconv.Quote(value))); v >= 0 && (key == "architectures" || key == "task_type") {
		at = k + v
	}
	return bytes.Count(data[:at], []byte("\n")) + 1
}
