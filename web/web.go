// Package web holds the UI's templates and static files, embedded in
// the binary; vendored libraries and their licences are listed in
// VENDOR.md.
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Assets is the embedded tree: templates/ and static/.
var Assets fs.FS = files
