package report

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
)

// TestJSONRoundTrip writes a report and reads it back into the model.
func TestJSONRoundTrip(t *testing.T) {
	r := seedReport(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var back analysis.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("output is not valid JSON for analysis.Report: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"schema", back.Schema, analysis.SchemaVersion},
		{"milestones", back.Milestones, r.Milestones},
		{"verdict", back.Verdict, r.Verdict},
		{"phases", back.Phases, r.Phases},
		{"train_loss", back.TrainLoss, r.TrainLoss},
		{"noise", back.Noise, r.Noise},
		{"checkpoints", back.Checkpoints, r.Checkpoints},
		{"recommendation", back.CheckpointsRecommended, r.CheckpointsRecommended},
		{"findings", back.Findings, r.Findings},
		{"warnings", back.Warnings, r.Warnings},
		{"eval hints", back.Eval.Hints, r.Eval.Hints},
		{"lr_schedule", back.LRSchedule, r.LRSchedule},
		{"primary", back.Primary, r.Primary},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s after the round trip:\n got %+v\nwant %+v", c.name, c.got, c.want)
		}
	}
	if back.Data != nil {
		t.Error("run data was written")
	}
}

// TestJSONNonFinite checks that NaN and infinities become null.
func TestJSONNonFinite(t *testing.T) {
	r := emptyReport()
	r.Spikes = []analysis.Spike{{Metric: "grad_norm", Step: 3, Value: math.NaN(), Z: math.Inf(-1)}}
	r.Milestones = []analysis.Milestone{{First: true, Step: 1, Epoch: math.NaN(), Metrics: map[string]float64{"loss": math.Inf(1)}}}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatalf("WriteJSON with NaN: %v", err)
	}
	var tree map[string]any
	if err := json.Unmarshal(b.Bytes(), &tree); err != nil {
		t.Fatal(err)
	}
	spike := tree["spikes"].([]any)[0].(map[string]any)
	m := tree["milestones"].([]any)[0].(map[string]any)
	for name, v := range map[string]any{
		"spikes[0].value": spike["value"], "spikes[0].z": spike["z"],
		"milestones[0].epoch": m["epoch"], "milestones[0].metrics.loss": m["metrics"].(map[string]any)["loss"],
	} {
		if v != nil {
			t.Errorf("%s = %v, want null", name, v)
		}
	}
	if _, ok := m["metrics"].(map[string]any)["loss"]; !ok {
		t.Error("a non-finite map value was dropped instead of written as null")
	}
}

// TestJSONMatchesEncodingJSON checks that, for finite numbers, the output
// holds what encoding/json would write, apart from empty arrays and maps
// written as [] and {} instead of null.
func TestJSONMatchesEncodingJSON(t *testing.T) {
	r := seedReport(t)
	std, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(std, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(nullEmpty(got), nullEmpty(want)) {
		t.Errorf("WriteJSON and encoding/json disagree:\n%s\n%s", b.Bytes(), std)
	}
}

// nullEmpty replaces empty arrays and objects by nil, recursively.
func nullEmpty(v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil
		}
		for i := range x {
			x[i] = nullEmpty(x[i])
		}
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
		for k := range x {
			x[k] = nullEmpty(x[k])
		}
	}
	return v
}

// TestJSONStable checks the order of the output: schema first, struct
// field order, sorted map keys, and the same bytes twice.
func TestJSONStable(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteJSON(&a, seedReport(t)); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&b, seedReport(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of the same report differ")
	}
	out := a.String()
	if !strings.HasPrefix(out, "{\n  \"schema\": \"plateau.report/v2\",\n  \"run\": {") {
		t.Errorf("output does not start with the schema then the run:\n%.80s", out)
	}
	keys := []string{`"grad_norm"`, `"learning_rate"`, `"loss"`, `"mean_token_accuracy"`}
	first := strings.Index(out, `"metrics": {`)
	last := -1
	for _, k := range keys {
		i := strings.Index(out[first:], k)
		if i < last {
			t.Errorf("map key %s is out of order", k)
		}
		last = i
	}
	if strings.Contains(out, `\u003c`) || strings.Contains(out, `\u0026`) {
		t.Error("output escapes <, > or & for HTML")
	}
	r := seedReport(t)
	r.Schema = ""
	var c bytes.Buffer
	if err := WriteJSON(&c, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), `"schema": "plateau.report/v2"`) {
		t.Error("an empty schema was not filled in")
	}
	if err := WriteJSON(&c, nil); err == nil {
		t.Error("WriteJSON(nil) succeeded")
	}
}

// TestSchemaDoc checks that docs/json-schema.md documents every object
// type reachable from analysis.Report, and every field of each, in a
// section "### TypeName" with a row "| `field` |".
func TestSchemaDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/json-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	if !strings.Contains(text, analysis.SchemaVersion) {
		t.Errorf("docs/json-schema.md does not name %s", analysis.SchemaVersion)
	}
	sections := map[string]string{}
	parts := regexp.MustCompile(`(?m)^### `).Split(text, -1)
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		sections[strings.TrimSpace(name)] = body
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ.PkgPath() != reflect.TypeFor[analysis.Report]().PkgPath() {
			return
		}
		seen[typ] = true
		body, ok := sections[typ.Name()]
		if !ok {
			t.Errorf("docs/json-schema.md has no section ### %s", typ.Name())
		}
		for _, f := range jsonFields(typ) {
			if ok && !strings.Contains(body, "| `"+f.name+"` |") {
				t.Errorf("docs/json-schema.md: section %s does not document field %q", typ.Name(), f.name)
			}
			walk(typ.FieldByIndex(f.index).Type)
		}
	}
	walk(reflect.TypeFor[analysis.Report]())
	for name := range sections {
		found := false
		for typ := range seen {
			found = found || typ.Name() == name
		}
		if !found {
			t.Errorf("docs/json-schema.md documents %s, which the report no longer has", name)
		}
	}
}
