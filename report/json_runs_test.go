package report

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
)

// TestRunsSchemaDoc checks that docs/json-runs.md documents every object
// type of a Comparison and a Scan that docs/json-schema.md does not, and
// every field of each, as TestSchemaDoc does for the report.
func TestRunsSchemaDoc(t *testing.T) {
	sectionsOf := func(file string) map[string]string {
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, p := range regexp.MustCompile(`(?m)^### `).Split(string(doc), -1)[1:] {
			name, body, _ := strings.Cut(p, "\n")
			out[strings.TrimSpace(name)] = body
		}
		return out
	}
	report, runs := sectionsOf("../docs/json-schema.md"), sectionsOf("../docs/json-runs.md")
	text, _ := os.ReadFile("../docs/json-runs.md")
	for _, v := range []string{analysis.CompareSchemaVersion, analysis.ScanSchemaVersion} {
		if !strings.Contains(string(text), v) {
			t.Errorf("docs/json-runs.md does not name %s", v)
		}
	}
	seen := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ.Name()] || typ.PkgPath() != reflect.TypeFor[analysis.Report]().PkgPath() {
			return
		}
		seen[typ.Name()] = true
		if _, ok := report[typ.Name()]; ok {
			return // a report type
		}
		body, ok := runs[typ.Name()]
		if !ok {
			t.Errorf("docs/json-runs.md has no section ### %s", typ.Name())
		}
		for _, f := range jsonFields(typ) {
			if ok && !strings.Contains(body, "| `"+f.name+"` |") {
				t.Errorf("docs/json-runs.md: section %s does not document field %q", typ.Name(), f.name)
			}
			walk(typ.FieldByIndex(f.index).Type)
		}
	}
	walk(reflect.TypeFor[analysis.Comparison]())
	walk(reflect.TypeFor[analysis.Scan]())
	for name := range runs {
		if !seen[name] {
			t.Errorf("docs/json-runs.md documents %s, which neither a comparison nor a scan has", name)
		}
	}
}
