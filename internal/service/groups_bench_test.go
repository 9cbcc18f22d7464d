package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// BenchmarkAssociatedGroup measures finding a package's group (what every
// publish and fetch does) in domains with few and with many groups, on
// the embedded SQLite store. The lookup asks for the few patterns that
// could match the package, by index, so the cost must stay flat as groups
// grow: compare the ns/op of groups=10 and groups=5000.
//
//	go test -run XXX -bench AssociatedGroup ./internal/service/
func BenchmarkAssociatedGroup(b *testing.B) {
	for _, n := range []int{10, 5000} {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			svc, _ := newMavenService(b)
			ctx := context.Background()
			for i := range n {
				_, err := svc.CreatePackageGroup(ctx, faultCaller, service.CreatePackageGroupInput{
					Domain: "d", Pattern: fmt.Sprintf("/npm/scope%05d/*", i)})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				info, _, err := svc.GetAssociatedPackageGroup(ctx, faultCaller, "d", "", domain.FormatNpm, fmt.Sprintf("scope%05d", i%n), "ui-kit")
				if err != nil {
					b.Fatal(err)
				}
				if want := fmt.Sprintf("/npm/scope%05d/*", i%n); info.Group.Pattern != want {
					b.Fatalf("associated with %s, want %s", info.Group.Pattern, want)
				}
			}
		})
	}
}
