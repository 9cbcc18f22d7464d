package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/artifactd/artifactd/internal/blob"
	blobs3 "github.com/artifactd/artifactd/internal/blob/s3"
)

// The postgres-s3 store: the PostgreSQL store with the S3 blob store
// (scripts/start-s3's moto server). Its fixtures have databases of their
// own (scale_s3_N) and a prefix per N in the bucket; moto keeps objects in
// memory, so the fixture's blobs are uploaded again on every gen.
const storePostgresS3 = "postgres-s3"

// s3URLFor is base (s3://BUCKET?query, from scripts/start-s3) with the
// prefix of size n.
func s3URLFor(base string, n int) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return "", fmt.Errorf("bad S3 URL %q (s3://BUCKET?region=...&endpoint=...&use_path_style=true)", base)
	}
	u.Path, u.RawPath = fmt.Sprintf("/scale-%d", n), ""
	return u.String(), nil
}

// ensureBucket creates the URL's bucket when missing.
func ensureBucket(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	q := u.Query()
	var opts []func(*awsconfig.LoadOptions) error
	if r := q.Get("region"); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return err
	}
	pathStyle, _ := strconv.ParseBool(q.Get("use_path_style"))
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if e := q.Get("endpoint"); e != "" {
			o.BaseEndpoint = aws.String(e)
		}
		o.UsePathStyle = pathStyle
	})
	bucket := u.Host
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); err == nil {
		return nil
	}
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
	var owned *s3types.BucketAlreadyOwnedByYou
	var exists *s3types.BucketAlreadyExists
	if errors.As(err, &owned) || errors.As(err, &exists) {
		return nil
	}
	return err
}

// openS3 opens the S3 blob store of size n, creating the bucket.
func openS3(ctx context.Context, base string, n int) (blob.Store, error) {
	raw, err := s3URLFor(base, n)
	if err != nil {
		return nil, err
	}
	if err := ensureBucket(ctx, raw); err != nil {
		return nil, fmt.Errorf("bucket of %s: %w", raw, err)
	}
	return blobs3.New(ctx, raw)
}

// putBlobs stores content under their digests.
func putBlobs(ctx context.Context, st blob.Store, contents map[string][]byte) error {
	for digest, content := range contents {
		up, err := st.NewUpload(ctx)
		if err != nil {
			return err
		}
		if _, err := up.Write(content); err != nil {
			up.Abort()
			return err
		}
		if err := up.Commit(ctx, digest); err != nil {
			return err
		}
	}
	return nil
}
