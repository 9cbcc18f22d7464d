package storetest

import (
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testPolicies: one policy per resource ARN, replaced by Put, gone after
// Delete; a missing one is domain.ErrNotFound; documents keep every byte.
func testPolicies(f *fx) {
	const arn, other = "arn:aws:codeartifact:us-east-1:111122223333:domain/acme", "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/r"
	get := func(arn string) (domain.ResourcePolicy, error) {
		f.Helper()
		var p domain.ResourcePolicy
		var err error
		f.read(func(tx store.Tx) error {
			p, err = tx.Policies().Get(f.ctx, arn)
			return nil
		})
		return p, err
	}
	if _, err := get(arn); !errors.Is(err, domain.ErrNotFound) {
		f.Fatalf("Get before Put: %v, want ErrNotFound", err)
	}
	doc := "{\"Version\":\"2012-10-17\",\n\t\"Statement\":[{\"Sid\":\"é ✓\"}]}"
	p1 := domain.ResourcePolicy{ResourceARN: arn, Revision: "rev-1", Document: doc}
	f.write(func(tx store.Tx) error {
		if err := tx.Policies().Put(f.ctx, p1); err != nil {
			return err
		}
		return tx.Policies().Put(f.ctx, domain.ResourcePolicy{ResourceARN: other, Revision: "o", Document: "{}"})
	})
	if got, err := get(arn); err != nil || got != p1 {
		f.Errorf("Get = %+v, %v; want %+v", got, err, p1)
	}
	p2 := domain.ResourcePolicy{ResourceARN: arn, Revision: "rev-2", Document: "{\"Statement\":[]}"}
	f.write(func(tx store.Tx) error { return tx.Policies().Put(f.ctx, p2) })
	if got, err := get(arn); err != nil || got != p2 {
		f.Errorf("Get after replacing = %+v, %v; want %+v", got, err, p2)
	}
	f.write(func(tx store.Tx) error { return tx.Policies().Delete(f.ctx, arn) })
	if _, err := get(arn); !errors.Is(err, domain.ErrNotFound) {
		f.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	f.write(func(tx store.Tx) error { return tx.Policies().Delete(f.ctx, arn) }) // none: no error
	if got, err := get(other); err != nil || got.Revision != "o" {
		f.Errorf("the other resource's policy: %+v, %v", got, err)
	}
}
