package service_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// onFirstRead runs fn when the body is first read: between the publish's
// origin check, which finds the repository, and its write.
type onFirstRead struct {
	r    io.Reader
	fn   func()
	done bool
}

func (o *onFirstRead) Read(p []byte) (int, error) {
	if !o.done {
		o.done = true
		o.fn()
	}
	return o.r.Read(p)
}

// A repository deleted while a publish reads its body (or deleted and made
// again under the same name) takes nothing: the publish fails with
// ResourceNotFound and leaves no package, version or bytes, for a new
// package and for a new version of an existing one.
func TestPublishWhileRepositoryDeleted(t *testing.T) {
	ctx := context.Background()
	for _, recreate := range []bool{false, true} {
		for _, existing := range []bool{false, true} {
			f := newInlineFixture(t)
			if existing {
				f.publish(t, "0.9", []byte("before"))
			}
			body := &onFirstRead{r: strings.NewReader("racing"), fn: func() {
				if _, err := f.svc.DeleteRepository(ctx, fsckCaller, "fsck", "", "repo"); err != nil {
					t.Fatal(err)
				}
				if recreate {
					if _, err := f.svc.CreateRepository(ctx, fsckCaller, "fsck", "", "repo", "", nil, nil); err != nil {
						t.Fatal(err)
					}
				}
			}}
			_, err := f.svc.PublishPackageVersion(ctx, fsckCaller, fsckRef, "1.0", service.NewAsset{Name: "a.bin", Content: body}, false)
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.ErrNotFound || de.ResourceType != domain.ResRepository {
				t.Errorf("recreate %v, existing package %v: %v, want the repository not found", recreate, existing, err)
			}
			if storedInline(t, f.st, digestOf([]byte("racing"))) {
				t.Errorf("recreate %v, existing package %v: the bytes are kept", recreate, existing)
			}
			if recreate {
				if _, err := f.svc.DescribePackage(ctx, fsckCaller, fsckRef); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("recreate %v, existing package %v: the new repository has the package (%v)", recreate, existing, err)
				}
			}
		}
	}
}
