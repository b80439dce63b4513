package source

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Options configure the S3 client; empty fields fall back to the
// standard credential chain and shared config.
type S3Options struct {
	Region   string
	Profile  string
	Endpoint string // S3-compatible store; implies path-style addressing
}

// S3API is the part of the S3 client the lister uses: the seam tests
// and other stores plug into.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3 lists every object under s3://bucket/prefix.
type S3 struct {
	Client S3API
	Bucket string
	Prefix string
}

// NewS3 builds a lister for an s3:// URL with the AWS SDK's standard
// credential chain.
func NewS3(ctx context.Context, url string, o S3Options) (*S3, error) {
	bucket, prefix, err := ParseS3URL(url)
	if err != nil {
		return nil, err
	}
	var loads []func(*awsconfig.LoadOptions) error
	if o.Region != "" {
		loads = append(loads, awsconfig.WithRegion(o.Region))
	}
	if o.Profile != "" {
		loads = append(loads, awsconfig.WithSharedConfigProfile(o.Profile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("cannot load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		// Objects stored without a checksum (older uploads, multipart,
		// S3-compatible stores) are read unvalidated either way; without
		// this the SDK prints a line to stderr for every one of them.
		so.DisableLogOutputChecksumValidationSkipped = true
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
			so.UsePathStyle = true
		}
	})
	return &S3{Client: client, Bucket: bucket, Prefix: prefix}, nil
}

// ParseS3URL splits s3://bucket/prefix.
func ParseS3URL(url string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(url, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3:// URL", url)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket: use s3://BUCKET/PREFIX", url)
	}
	return bucket, prefix, nil
}

// List pages through the prefix and emits every object, folder markers
// excepted.
func (l *S3) List(ctx context.Context, emit func(Object) error) error {
	p := s3.NewListObjectsV2Paginator(l.Client, &s3.ListObjectsV2Input{Bucket: aws.String(l.Bucket), Prefix: aws.String(l.Prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("cannot list s3://%s/%s: %w", l.Bucket, l.Prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue
			}
			if err := emit(l.object(key, aws.ToInt64(o.Size), strings.Trim(aws.ToString(o.ETag), `"`), aws.ToTime(o.LastModified))); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *S3) object(key string, size int64, etag string, mtime time.Time) Object {
	o := Object{URI: "s3://" + l.Bucket + "/" + key, Key: key, Size: size, ETag: etag, ModTime: mtime.UTC()}
	o.open = func(ctx context.Context) (io.ReadCloser, error) {
		// IfMatch pins the version listed, so a changed object is never
		// read under the old ledger identity.
		in := &s3.GetObjectInput{Bucket: aws.String(l.Bucket), Key: aws.String(key)}
		if etag != "" {
			in.IfMatch = aws.String(`"` + etag + `"`)
		}
		out, err := l.Client.GetObject(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cannot get %s: %w", o.URI, err)
		}
		return out.Body, nil
	}
	return o
}
