package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// The rebuild rows time a HEAD of the full packument right after a
// change: the server renders the new document (its length and ETag are
// in the answer) but sends none of its bytes, so the row is the rebuild,
// not the transfer of a 24 MB body that the GET rows also time.

// npmHead HEADs the full packument and returns its ETag, which must differ
// from the one before the change.
func (s *server) npmHead(ctx context.Context, before string) (time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, s.npmBase+npmPkg, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	var resp *http.Response
	d, err := timed(func() (err error) {
		resp, err = s.http.Do(req)
		return err
	})
	if err != nil {
		return d, "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("Etag")
	switch {
	case resp.StatusCode != 200:
		return d, "", fmt.Errorf("HEAD packument: %s", resp.Status)
	case resp.ContentLength <= 0:
		return d, "", fmt.Errorf("HEAD packument: Content-Length %d", resp.ContentLength)
	case etag == "" || etag == before:
		return d, "", fmt.Errorf("HEAD packument after a change: ETag %q, before %q", etag, before)
	}
	return d, etag, nil
}

// currentETag is the full packument's ETag now (a HEAD, untimed).
func (s *server) currentETag(ctx context.Context) (string, error) {
	_, etag, err := s.npmHead(ctx, "")
	return etag, err
}

// npmTagRebuild moves the "bench" dist-tag (untimed) and times the HEAD
// that renders the document after it.
func (s *server) npmTagRebuild(ctx context.Context) (time.Duration, error) {
	before, err := s.currentETag(ctx)
	if err != nil {
		return 0, err
	}
	if err := s.moveBenchTag(ctx); err != nil {
		return 0, err
	}
	d, _, err := s.npmHead(ctx, before)
	return d, err
}

// moveBenchTag points the "bench" dist-tag at the version it does not
// name now.
func (s *server) moveBenchTag(ctx context.Context) error {
	target := npmVersion(0)
	if s.distTags["bench"] == target {
		target = npmVersion(1)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.npmBase+"-/package/"+npmPkg+"/dist-tags/bench",
		strings.NewReader(strconv.Quote(target)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("PUT dist-tag: %s", resp.Status)
	}
	s.distTags["bench"] = target
	return nil
}

// npmPublishRebuild publishes a new version of the npm package as npm
// publish --tag bench-pub does (untimed; latest stays), and times the
// HEAD that renders the document with it.
func (s *server) npmPublishRebuild(ctx context.Context) (time.Duration, string, error) {
	before, err := s.currentETag(ctx)
	if err != nil {
		return 0, "", err
	}
	s.m.seq++
	version := fmt.Sprintf("9.%d.%d", s.round, s.m.seq)
	tgz, err := tarball(version)
	if err != nil {
		return 0, "", err
	}
	s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
	doc, err := json.Marshal(map[string]any{
		"_id": npmPkg, "name": npmPkg, "dist-tags": map[string]string{"bench-pub": version},
		"versions": map[string]any{version: map[string]any{
			"name": npmPkg, "version": version, "_id": npmPkg + "@" + version, "description": "A package with many versions",
			"dist": map[string]any{"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
				"shasum": hex.EncodeToString(s1[:]), "tarball": s.npmBase + npmPkg + "/-/" + npmPkg + "-" + version + ".tgz"},
		}},
		"_attachments": map[string]any{npmPkg + "-" + version + ".tgz": map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}},
	})
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.npmBase+npmPkg, bytes.NewReader(doc))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return 0, "", fmt.Errorf("npm publish %s: %s %.200s", version, resp.Status, body)
	}
	d, _, err := s.npmHead(ctx, before)
	return d, version, err
}

// deleteNpmVersions deletes versions of the npm package.
func (s *server) deleteNpmVersions(ctx context.Context, versions []string) error {
	return s.deletePackageVersions(ctx, &codeartifact.DeletePackageVersionsInput{Repository: aws.String(npmRepo),
		Format: types.PackageFormatNpm, Package: aws.String(npmPkg)}, versions)
}
