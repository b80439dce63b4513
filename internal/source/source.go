// Package source says where bytes come from: local files and folders,
// s3:// prefixes, gzip, and what an object's key says about its account,
// region and date.
package source

import (
	"context"
	"io"
	"time"
)

// Object is one input: a local file or an S3 object.
type Object struct {
	URI     string // file:///abs/path or s3://bucket/key
	Key     string // the path or key, for layout parsing
	Size    int64
	ETag    string
	ModTime time.Time
	open    func(ctx context.Context) (io.ReadCloser, error)
}

// Open returns the object's raw (still compressed) bytes.
func (o Object) Open(ctx context.Context) (io.ReadCloser, error) { return o.open(ctx) }

// NewObject builds an Object around an opener; tests and other stores use it.
func NewObject(uri, key string, size int64, etag string, mtime time.Time, open func(context.Context) (io.ReadCloser, error)) Object {
	return Object{URI: uri, Key: key, Size: size, ETag: etag, ModTime: mtime, open: open}
}

// Lister enumerates the objects under one location.
type Lister interface {
	List(ctx context.Context, emit func(Object) error) error
}
