package service

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

// BenchmarkRecordDownload is what a download adds to the hot path: the
// time noted in the map (1000 versions downloaded over and over, no
// store write: the flusher does that). "parallel" runs on every core at
// once, against the one mutex.
func BenchmarkRecordDownload(b *testing.B) {
	s := &Service{now: time.Now, downloads: newDownloads(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		v := domain.PackageVersion{Status: domain.StatusPublished}
		i := int64(0)
		for b.Loop() {
			i++
			v.ID = i%1000 + 1
			s.recordDownload(ctx, v)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := domain.PackageVersion{Status: domain.StatusPublished}
			i := int64(0)
			for pb.Next() {
				i++
				v.ID = i%1000 + 1
				s.recordDownload(ctx, v)
			}
		})
	})
}
