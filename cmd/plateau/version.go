package main

import (
	"runtime/debug"
	"strings"
)

// version, when set at build time (-ldflags "-X main.version=v1.2.0"),
// is the version plateau reports; otherwise the build information the Go
// toolchain records is read (see versionString).
var version = ""

// versionString says which plateau this is: the -ldflags version when
// set, else the module version the Go toolchain recorded (v1.2.0 for
// 'go install module@v1.2.0', "(devel)" for a build from a clone), with
// the commit it was built from, its time, and whether the tree had
// changes that were not committed (vcs.* settings, recorded by go build
// and go install in a git clone).
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	return versionFrom(version, info, ok)
}

func versionFrom(override string, info *debug.BuildInfo, ok bool) string {
	if override != "" {
		return override
	}
	if !ok || info == nil {
		return "unknown (no build information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	var extra []string
	if at != "" {
		extra = append(extra, at)
	}
	if modified {
		extra = append(extra, "with uncommitted changes")
	}
	s := v + ", commit " + rev
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}
