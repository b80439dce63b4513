package cli

import (
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestDescribeVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "81da714c0ffee1234567890abcdef"}, {Key: "vcs.modified", Value: "true"}}
	cases := []struct {
		name string
		set  string
		info *debug.BuildInfo
		want string
	}{
		{"ldflags win", "v2.0.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v2.0.0"},
		{"go install @tag", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"go install @latest, untagged", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261101120000-81da714c0ffe"}}, "v0.0.0-20261101120000-81da714c0ffe"},
		{"checkout with changes", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "dev-81da714c0ffe-modified"},
		{"checkout, clean", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs[:1]}, "dev-81da714c0ffe"},
		{"no build info", "dev", nil, "dev"},
		{"test binary", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
	}
	for _, c := range cases {
		want := c.want + " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
		if got := describeVersion(c.set, c.info); got != want {
			t.Errorf("%s: got %q, want %q", c.name, got, want)
		}
	}
}

// TestVersionOfThisBinary checks what --version reads from a real build
// (the test binary's own build information).
func TestVersionOfThisBinary(t *testing.T) {
	if !regexp.MustCompile(`^\S+ \(go\S* \w+/\w+\)$`).MatchString(version()) {
		t.Errorf("version() = %q", version())
	}
}
