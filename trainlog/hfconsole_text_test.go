package trainlog

import (
	"strings"
	"testing"
)

// TestConsoleHints checks that each library and family hint is found in
// a text line, with its line, and that its anchor rules out only lines
// without it.
func TestConsoleHints(t *testing.T) {
	for i, h := range hcHints {
		if hcHintAnchor[i] == 0 {
			t.Errorf("hint %q contains none of the anchors %q", h.text, hcHintAnchors)
		}
		log := "starting the run\nloading " + h.text + " from the cache\n{'loss': 1.5, 'epoch': 0.1}\n{'loss': 1.4, 'epoch': 0.2}\n"
		m := hcCollectMetas(hcRead(t, "h.log", []byte(log)))
		lib := m.info[InfoLibrary]
		if !strings.Contains(lib.Value, h.lib) || lib.Source.Line != 2 {
			t.Errorf("%q: library %q at %s, want %q at h.log:2", h.text, lib.Value, lib.Source, h.lib)
		}
		if fam := m.info[InfoFamily]; fam.Value != h.family {
			t.Errorf("%q: family %q, want %q", h.text, fam.Value, h.family)
		}
	}
	// Words close to the hints are not hints.
	log := "keep the deep sleep schedule; a factory of trainers on /trl and axolot\n{'loss': 1.5, 'epoch': 0.1}\n"
	if m := hcCollectMetas(hcRead(t, "h.log", []byte(log))); m.info[InfoLibrary].Value != "" || m.info[InfoFamily].Value != "" {
		t.Errorf("hints found in %q: %+v", log, m.info)
	}
}
