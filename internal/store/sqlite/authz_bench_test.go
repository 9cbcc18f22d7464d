package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/store"
)

// BenchmarkAuthzStamp measures the read every authenticated request makes.
func BenchmarkAuthzStamp(b *testing.B) {
	for name, open := range map[string]func(context.Context, string) (store.Store, error){
		"shared": Open, "exclusive": OpenExclusive,
	} {
		b.Run(name, func(b *testing.B) {
			s, err := open(context.Background(), filepath.Join(b.TempDir(), "meta.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.AuthzStamp(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
