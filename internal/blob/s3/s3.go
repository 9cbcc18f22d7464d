// Package s3 is the blob backend on Amazon S3 or an S3-compatible object
// store, for deployments where several artifactd nodes share their blobs.
//
// # Configuration
//
// A store is named by a URL, with the query keys gocloud.dev uses:
//
//	s3://BUCKET[/PREFIX]?region=R&endpoint=URL&use_path_style=true
//
// region defaults to the AWS configuration's (AWS_REGION, the shared config
// file); endpoint is the base URL of an S3-compatible server (omit it for
// AWS); use_path_style (or s3ForcePathStyle) puts the bucket in the path
// rather than the host name, which most S3-compatible servers need. awssdk
// is accepted for compatibility when it is "v2". Other keys are refused.
// Credentials come from the standard AWS chain (environment, shared files,
// web identity, container or instance roles); never from the URL.
//
// The credentials need s3:GetObject, s3:PutObject, s3:DeleteObject,
// s3:ListBucket (without it S3 reports a missing object as 403, not 404)
// and s3:AbortMultipartUpload. A lifecycle rule aborting incomplete
// multipart uploads after a day is recommended: an upload whose process
// dies mid-way leaves its parts behind, invisible but billed.
//
// # Layout
//
//	PREFIX/sha256/ab/cd/abcd…(64 hex)
//
// Digests are validated (exactly 64 characters of [0-9a-f]) before any key
// is built.
//
// # Uploads
//
// Upload bytes are spooled to a local temp file (in os.TempDir, or the
// directory given by WithTempDir) while the caller writes and hashes them.
// Commit then uploads the file under its final key: with one PutObject up to
// the multipart threshold (64 MiB), carrying the caller's SHA-256 so that S3
// itself checks the bytes against the digest; above it, as a multipart
// upload whose parts go up in parallel, each with a CRC32 checksum. Either
// way S3 shows the object only once it is complete, and replaces an existing
// object whole. A failed multipart upload is aborted. Commit removes the
// temp file, whether it succeeds or not. Temp files of crashed processes
// are removed by New once they are StaleTempAge old.
//
// # Reads
//
// Open issues a GetObject for the whole object and returns an Object that
// streams its body. Seek only moves the position; the next Read after a
// Seek away from the body's position issues a ranged GetObject from there,
// so http.ServeContent (which seeks to the end and back to learn the size,
// then to the start of a Range) costs one GET for a full download and two
// for a Range request. Because objects are content-addressed, the bytes
// under a key never change: a later ranged GET after the object was
// replaced reads identical bytes. Unlike on a file system, though, a Read
// that needs a new GET after the object was deleted fails (with
// blob.ErrNotFound).
package s3

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/artifactd/artifactd/internal/blob"
)

// StaleTempAge is how old (by modification time) an upload's temp file must
// be before New removes it as the leftover of a crashed process. Live
// uploads keep theirs fresh by writing to it; several processes may share
// the temp directory.
const StaleTempAge = 24 * time.Hour

// Multipart settings.
const (
	// DefaultMultipartThreshold is the size above which Commit uses a
	// multipart upload.
	DefaultMultipartThreshold = 64 << 20
	// DefaultPartSize is the size of each part but the last; it grows for
	// objects that would otherwise need more than maxParts parts.
	DefaultPartSize = 16 << 20
	// minPartSize is S3's minimum for every part but the last.
	minPartSize = 5 << 20
	// maxParts is S3's maximum number of parts.
	maxParts = 10000
	// partConcurrency is how many parts of one object go up at once.
	partConcurrency = 4
)

const (
	tmpPrefix  = "artifactd-s3-upload-"
	objectsDir = "sha256/"
	// cleanupTimeout bounds the abort of a failed multipart upload, which
	// runs even when the Commit's context is done.
	cleanupTimeout = 30 * time.Second
)

// Store is a blob.Store on one S3 bucket, under one key prefix. It is safe
// for concurrent use, also by several processes sharing the bucket.
type Store struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending in "/"
	tmpDir string

	multipartThreshold int64
	partSize           int64

	clientOptions []func(*s3.Options) // tests
}

var _ blob.Store = (*Store)(nil)

// An Option configures New.
type Option func(*Store) error

// WithTempDir spools uploads in dir (created 0700 if missing) instead of
// os.TempDir(). It needs room for the uploads in progress.
func WithTempDir(dir string) Option {
	return func(s *Store) error {
		if dir == "" {
			return errors.New("empty temp directory")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		s.tmpDir = dir
		return nil
	}
}

// WithMultipart sets the size above which Commit uses a multipart upload,
// and the part size (at least 5 MiB, S3's minimum).
func WithMultipart(threshold, partSize int64) Option {
	return func(s *Store) error {
		if threshold < 0 || partSize < minPartSize {
			return fmt.Errorf("multipart threshold %d, part size %d: the part size must be at least %d", threshold, partSize, minPartSize)
		}
		s.multipartThreshold, s.partSize = threshold, partSize
		return nil
	}
}

// withClientOptions adds options to the S3 client (tests).
func withClientOptions(fn func(*s3.Options)) Option {
	return func(s *Store) error {
		s.clientOptions = append(s.clientOptions, fn)
		return nil
	}
}

// location is a parsed store URL.
type location struct {
	bucket    string
	prefix    string // "" or ending in "/"
	region    string
	endpoint  string
	pathStyle bool
}

// parseURL parses s3://BUCKET[/PREFIX]?query (see the package doc).
func parseURL(rawURL string) (location, error) {
	var loc location
	u, err := url.Parse(rawURL)
	if err != nil {
		return loc, err
	}
	if u.Scheme != "s3" {
		return loc, fmt.Errorf("%q: the scheme must be s3", redact(u))
	}
	if u.User != nil {
		return loc, errors.New("credentials do not belong in the URL: they come from the AWS credential chain")
	}
	if u.Opaque != "" || u.Host == "" {
		return loc, fmt.Errorf("%q: no bucket (s3://BUCKET[/PREFIX])", redact(u))
	}
	if u.Fragment != "" {
		return loc, fmt.Errorf("%q: unexpected fragment", redact(u))
	}
	loc.bucket = u.Host
	if p := strings.Trim(u.Path, "/"); p != "" {
		if path.Clean("/"+p) != "/"+p {
			return loc, fmt.Errorf("prefix %q: empty, '.' or '..' path segments", p)
		}
		loc.prefix = p + "/"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return loc, err
	}
	for key, vals := range q {
		if len(vals) != 1 {
			return loc, fmt.Errorf("query key %s given %d times", key, len(vals))
		}
		v := vals[0]
		switch key {
		case "region":
			loc.region = v
		case "endpoint":
			e, err := url.Parse(v)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				return loc, fmt.Errorf("endpoint %q: not an http(s) URL", v)
			}
			loc.endpoint = v
		case "use_path_style", "s3ForcePathStyle":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return loc, fmt.Errorf("%s=%q: not a boolean", key, v)
			}
			loc.pathStyle = loc.pathStyle || b
		case "awssdk":
			if !strings.EqualFold(v, "v2") {
				return loc, fmt.Errorf("awssdk=%q: only v2 is supported", v)
			}
		default:
			return loc, fmt.Errorf("unknown query key %q (known: region, endpoint, use_path_style, s3ForcePathStyle)", key)
		}
	}
	return loc, nil
}

// redact drops anything secret from u for messages.
func redact(u *url.URL) string { return u.Redacted() }

// newClient makes the S3 client of loc, with credentials from the default
// chain.
func newClient(ctx context.Context, loc location, extra ...func(*s3.Options)) (*s3.Client, error) {
	var opts []func(*config.LoadOptions) error
	if loc.region != "" {
		opts = append(opts, config.WithRegion(loc.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, errors.New("no region: add ?region= to the URL or set AWS_REGION")
	}
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) {
		if loc.endpoint != "" {
			o.BaseEndpoint = aws.String(loc.endpoint)
		}
		o.UsePathStyle = loc.pathStyle
		// Ranged GETs and multipart objects carry no whole-object
		// checksum; not validating them is expected, not worth a warning.
		o.DisableLogOutputChecksumValidationSkipped = true
	}}, extra...)...), nil
}

// New opens the store named by rawURL (see the package doc), checks that
// the bucket is reachable, and removes stale upload temp files.
func New(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	loc, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob/s3: %w", err)
	}
	s := &Store{
		bucket:             loc.bucket,
		prefix:             loc.prefix,
		tmpDir:             os.TempDir(),
		multipartThreshold: DefaultMultipartThreshold,
		partSize:           DefaultPartSize,
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, fmt.Errorf("blob/s3: %w", err)
		}
	}
	if s.client, err = newClient(ctx, loc, s.clientOptions...); err != nil {
		return nil, fmt.Errorf("blob/s3: %w", err)
	}
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return nil, fmt.Errorf("blob/s3: bucket %s: %w", s.bucket, err)
	}
	if err := removeStaleTemps(s.tmpDir, time.Now().Add(-StaleTempAge)); err != nil {
		return nil, err
	}
	return s, nil
}

// removeStaleTemps removes upload temp files in dir last modified before
// cutoff.
func removeStaleTemps(dir string, cutoff time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("blob/s3: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue // gone meanwhile, or fresh
		}
		err = os.Remove(filepath.Join(dir, e.Name()))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("blob/s3: removing stale temp file: %w", err)
		}
	}
	return nil
}

// key returns the object key of a valid digest.
func (s *Store) key(d string) string {
	return s.prefix + objectsDir + d[0:2] + "/" + d[2:4] + "/" + d
}

// isNotFound reports whether err says the key does not exist (GetObject's
// NoSuchKey, HeadObject's bodiless 404 NotFound). A missing bucket is not
// a missing object.
func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return true
		}
	}
	return false
}

// wrap wraps an S3 error, adding blob.ErrNotFound for a missing key.
func wrap(d string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("blob/s3: %s: %w (%w)", d, blob.ErrNotFound, err)
	}
	return fmt.Errorf("blob/s3: %s: %w", d, err)
}

// Stat returns the size of the object stored under sha256; a missing object
// is blob.ErrNotFound.
func (s *Store) Stat(ctx context.Context, sha256 string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := blob.CheckDigest(sha256); err != nil {
		return 0, fmt.Errorf("blob/s3: %w", err)
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(sha256))})
	if err != nil {
		return 0, wrap(sha256, err)
	}
	if out.ContentLength == nil {
		return 0, fmt.Errorf("blob/s3: %s: HeadObject returned no length", sha256)
	}
	return *out.ContentLength, nil
}

// Delete removes the object stored under sha256. Deleting a missing object
// is not an error.
func (s *Store) Delete(ctx context.Context, sha256 string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := blob.CheckDigest(sha256); err != nil {
		return fmt.Errorf("blob/s3: %w", err)
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(sha256))})
	if err != nil && !isNotFound(err) {
		return wrap(sha256, err)
	}
	return nil
}

// Walk calls fn for every object, in ascending digest order, with its
// digest and size. It stops at and returns the first error from fn or the
// context. Keys under the prefix that do not follow the layout are skipped.
func (s *Store) Walk(ctx context.Context, fn func(sha256 string, size int64) error) error {
	base := s.prefix + objectsDir
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &base})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return fmt.Errorf("blob/s3: listing: %w", err)
		}
		for _, obj := range page.Contents {
			if err := ctx.Err(); err != nil {
				return err
			}
			rel := strings.TrimPrefix(aws.ToString(obj.Key), base) // ab/cd/abcd…
			if len(rel) != 6+64 || rel[2] != '/' || rel[5] != '/' {
				continue
			}
			d := rel[6:]
			if blob.CheckDigest(d) != nil || rel[0:2] != d[0:2] || rel[3:5] != d[2:4] || obj.Size == nil {
				continue
			}
			if err := fn(d, *obj.Size); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// ---- uploads ----

// NewUpload starts a new object, spooled to a temp file until Commit.
func (s *Store) NewUpload(ctx context.Context) (blob.Upload, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sp, err := blob.NewSpool(s.tmpDir, tmpPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("blob/s3: %w", err)
	}
	return &upload{Spool: sp, s: s}, nil
}

// upload is an object being spooled to a temp file. Every Commit,
// successful or not, ends the upload and removes the file.
type upload struct {
	*blob.Spool
	s *Store
}

// Commit uploads the spooled bytes under d (see the package doc) and
// removes the temp file. When it fails nothing new is visible (an object
// already there stays as it was).
func (u *upload) Commit(ctx context.Context, d string) error {
	return u.Finish(func(f *os.File, size int64) (bool, error) {
		if err := blob.CheckDigest(d); err != nil {
			return false, fmt.Errorf("blob/s3: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if size > u.s.multipartThreshold {
			return false, u.s.putMultipart(ctx, f, size, d)
		}
		return false, u.s.put(ctx, f, size, d)
	})
}

// put uploads f's first size bytes with one PutObject, with d as the
// SHA-256 checksum S3 verifies.
func (s *Store) put(ctx context.Context, f *os.File, size int64, d string) error {
	raw, err := hex.DecodeString(d)
	if err != nil { // cannot happen: d is valid
		return fmt.Errorf("blob/s3: %w", blob.CheckDigest(d))
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:         &s.bucket,
		Key:            aws.String(s.key(d)),
		Body:           io.NewSectionReader(f, 0, size),
		ContentLength:  aws.Int64(size),
		ContentType:    aws.String("application/octet-stream"),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(raw)),
	})
	if err != nil {
		return wrap(d, err)
	}
	return nil
}

// partSizeFor returns the part size for an object of size bytes: the
// configured one, grown (in whole MiB) when the object would need more than
// maxParts parts.
func (s *Store) partSizeFor(size int64) int64 {
	ps := s.partSize
	if need := (size + maxParts - 1) / maxParts; need > ps {
		ps = (need + 1<<20 - 1) &^ (1<<20 - 1)
	}
	return ps
}

// putMultipart uploads f's first size bytes as a multipart upload, parts in
// parallel, and aborts the upload when anything fails.
func (s *Store) putMultipart(ctx context.Context, f *os.File, size int64, d string) (err error) {
	key := aws.String(s.key(d))
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:            &s.bucket,
		Key:               key,
		ContentType:       aws.String("application/octet-stream"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return wrap(d, err)
	}
	uploadID := created.UploadId
	defer func() {
		if err == nil {
			return
		}
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_, aerr := s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: &s.bucket, Key: key, UploadId: uploadID,
		})
		if aerr != nil {
			err = errors.Join(err, fmt.Errorf("blob/s3: aborting the multipart upload of %s: %w", d, aerr))
		}
	}()

	partSize := s.partSizeFor(size)
	n := int((size + partSize - 1) / partSize)
	parts := make([]types.CompletedPart, n)
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(partConcurrency, n) {
		wg.Go(func() {
			for i := range next {
				off := int64(i) * partSize
				length := min(partSize, size-off)
				out, err := s.client.UploadPart(pctx, &s3.UploadPartInput{
					Bucket:            &s.bucket,
					Key:               key,
					UploadId:          uploadID,
					PartNumber:        aws.Int32(int32(i + 1)),
					Body:              io.NewSectionReader(f, off, length),
					ContentLength:     aws.Int64(length),
					ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
				})
				if err != nil {
					cancel(fmt.Errorf("part %d of %d: %w", i+1, n, err))
					continue
				}
				parts[i] = types.CompletedPart{
					PartNumber:    aws.Int32(int32(i + 1)),
					ETag:          out.ETag,
					ChecksumCRC32: out.ChecksumCRC32,
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-pctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if cause := context.Cause(pctx); cause != nil {
		return wrap(d, cause)
	}

	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          &s.bucket,
		Key:             key,
		UploadId:        uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return wrap(d, err)
	}
	return nil
}

// ---- reads ----

// Open returns the object stored under sha256; a missing object is
// blob.ErrNotFound. The Object issues its later GETs (after a Seek) with
// ctx, and is not safe for concurrent use.
// Ping checks that the bucket exists and the credentials reach it.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return fmt.Errorf("blob/s3: bucket %s: %w", s.bucket, err)
	}
	return nil
}

func (s *Store) Open(ctx context.Context, sha256 string) (blob.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := blob.CheckDigest(sha256); err != nil {
		return nil, fmt.Errorf("blob/s3: %w", err)
	}
	key := s.key(sha256)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, wrap(sha256, err)
	}
	if out.ContentLength == nil || *out.ContentLength < 0 {
		out.Body.Close()
		return nil, fmt.Errorf("blob/s3: %s: GetObject returned no length", sha256)
	}
	return &Object{s: s, ctx: ctx, digest: sha256, key: key, size: *out.ContentLength, body: out.Body}, nil
}

// Object is an open object: a body being streamed, re-requested from the
// new position by the first Read after a Seek elsewhere.
type Object struct {
	s      *Store
	ctx    context.Context
	digest string
	key    string
	size   int64

	pos     int64         // the reader's position
	body    io.ReadCloser // nil: none open
	bodyPos int64         // the position body reads from next
	closed  bool
}

// Size returns the object's size in bytes.
func (o *Object) Size() int64 { return o.size }

func (o *Object) Read(p []byte) (int, error) {
	if o.closed {
		return 0, os.ErrClosed
	}
	if o.pos >= o.size {
		o.closeBody()
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if o.body != nil && o.bodyPos != o.pos {
		o.closeBody()
	}
	if o.body == nil {
		if err := o.openAt(o.pos); err != nil {
			return 0, err
		}
	}
	if rest := o.size - o.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := o.body.Read(p)
	o.pos += int64(n)
	o.bodyPos += int64(n)
	if err == io.EOF {
		o.closeBody()
		if o.pos < o.size {
			return n, fmt.Errorf("blob/s3: %s: object ended at %d of %d bytes: %w", o.digest, o.pos, o.size, io.ErrUnexpectedEOF)
		}
		if n > 0 {
			err = nil
		}
	} else if err != nil {
		o.closeBody() // a later Read re-requests from o.pos
		return n, fmt.Errorf("blob/s3: %s: %w", o.digest, err)
	}
	return n, err
}

// openAt issues a ranged GET from off (< size) to the end.
func (o *Object) openAt(off int64) error {
	out, err := o.s.client.GetObject(o.ctx, &s3.GetObjectInput{
		Bucket: &o.s.bucket,
		Key:    &o.key,
		Range:  aws.String(fmt.Sprintf("bytes=%d-", off)),
	})
	if err != nil {
		return wrap(o.digest, err)
	}
	// A server that ignored the Range would send the whole object from 0.
	want := fmt.Sprintf("bytes %d-%d/%d", off, o.size-1, o.size)
	if got := aws.ToString(out.ContentRange); got != want {
		out.Body.Close()
		return fmt.Errorf("blob/s3: %s: ranged GET returned Content-Range %q, want %q", o.digest, got, want)
	}
	o.body, o.bodyPos = out.Body, off
	return nil
}

func (o *Object) closeBody() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}

// Seek sets the position for the next Read; it issues no request.
func (o *Object) Seek(offset int64, whence int) (int64, error) {
	if o.closed {
		return 0, os.ErrClosed
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = o.pos + offset
	case io.SeekEnd:
		abs = o.size + offset
	default:
		return 0, fmt.Errorf("blob/s3: Seek: invalid whence %d", whence)
	}
	if abs < 0 {
		return 0, fmt.Errorf("blob/s3: Seek: negative position %d", abs)
	}
	o.pos = abs
	return abs, nil
}

// Close releases the body being streamed, if any. Reads and Seeks after
// Close fail; Close again is a no-op.
func (o *Object) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	o.closeBody()
	return nil
}
