package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	for _, c := range []struct {
		name     string
		override string
		info     *debug.BuildInfo
		want     string
	}{
		{"ldflags", "v2.0.0", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v2.0.0"},
		{"go install module@version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "v1.3.0"},
		{"go install from a clone", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "2026-12-04T19:23:49Z", "false")},
			"(devel), commit 0123456789ab (2026-12-04T19:23:49Z)"},
		{"a clone with changes", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "2026-12-04T19:23:49Z", "true")},
			"(devel), commit 0123456789ab (2026-12-04T19:23:49Z, with uncommitted changes)"},
		{"a pseudo-version", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261204192349-0123456789ab"}, Settings: vcs("0123456789abcdef0123", "", "false")},
			"v0.0.0-20261204192349-0123456789ab, commit 0123456789ab"},
		{"no vcs stamp", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
		{"no build info", "", nil, "unknown (no build information)"},
	} {
		if got := versionFrom(c.override, c.info, c.info != nil); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestVersionFlag: --version prints what the build information says,
// never a fixed "dev".
func TestVersionFlag(t *testing.T) {
	var out bytes.Buffer
	if code := runWith([]string{"--version"}, testStreams(nil, &out, &out)); code != exitOK {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if want := "plateau version " + versionString() + "\n"; out.String() != want || strings.Contains(out.String(), " dev\n") {
		t.Errorf("--version printed %q, want %q", out.String(), want)
	}
}
