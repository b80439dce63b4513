package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is what --version prints after the program's name.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return describeVersion(Version, info)
}

// describeVersion names a build: the version set with -ldflags, else the
// module version `go install …@version` stamps (a tag or a
// pseudo-version), else "dev" with the commit when the build recorded
// one; then the Go release and platform it was built for.
func describeVersion(set string, info *debug.BuildInfo) string {
	v := set
	if v == "" || v == "dev" {
		v = "dev"
		if info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		} else if rev := commit(info); rev != "" {
			v = "dev-" + rev
		}
	}
	return fmt.Sprintf("%s (%s %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// commit is the short VCS revision a build from a checkout records,
// marked when the tree had uncommitted changes.
func commit(info *debug.BuildInfo) string {
	if info == nil {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && modified == "true" {
		rev += "-modified"
	}
	return rev
}
