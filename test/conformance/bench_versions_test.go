package conformance

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// Benchmarks of the version lifecycle. Setup is never timed; nothing here
// asserts on time.

// vlParallelPublish publishes the versions names(i), i in [0,n), with
// `workers` concurrent clients, one tiny asset each.
func (e *vlEnv) vlParallelPublish(b *testing.B, repo, pkg string, n, workers int, name func(int) string) {
	b.Helper()
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() {
					return
				}
				v := name(i)
				if _, err := e.publish(b, repo, pkg, v, "f.txt", []byte(v), false); err != nil {
					failed.Store(true)
					b.Errorf("setup publish %s: %v", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		b.FailNow()
	}
}

// BenchmarkPublish1MiB: PublishPackageVersion throughput with 1 MiB assets,
// one new version per operation.
func BenchmarkPublish1MiB(b *testing.B) {
	e := vlStart(b)
	const size = 1 << 20
	data := make([]byte, size)
	if _, err := vlNewPattern(1, size).Read(data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		binary.LittleEndian.PutUint64(data, uint64(i)) // distinct bytes, no dedupe
		in := e.vlPubIn(vlRepo, "bench-pub", fmt.Sprintf("1.0.%d", i), "blob.bin", data, false)
		b.StartTimer()
		if _, err := e.c.PublishPackageVersion(vlCtx(b), in); err != nil {
			b.Fatalf("publish %d: %v", i, err)
		}
	}
}

// BenchmarkGetAsset1MiB: GetPackageVersionAsset throughput of a 1 MiB asset.
func BenchmarkGetAsset1MiB(b *testing.B) {
	e := vlStart(b)
	const size = 1 << 20
	data := make([]byte, size)
	if _, err := vlNewPattern(2, size).Read(data); err != nil {
		b.Fatal(err)
	}
	e.mustPublish(b, vlRepo, "bench-get", "1.0.0", "blob.bin", data, false)
	var buf bytes.Buffer
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := e.c.GetPackageVersionAsset(vlCtx(b), &codeartifact.GetPackageVersionAssetInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("bench-get"), PackageVersion: aws.String("1.0.0"),
			Asset: aws.String("blob.bin"),
		})
		if err != nil {
			b.Fatalf("get: %v", err)
		}
		buf.Reset()
		if _, err := buf.ReadFrom(out.Asset); err != nil {
			b.Fatalf("reading: %v", err)
		}
		out.Asset.Close()
		if buf.Len() != size {
			b.Fatalf("got %d bytes", buf.Len())
		}
	}
}

// BenchmarkDeletePackageVersions100: one DeletePackageVersions call of 100
// versions; publishing them is outside the timer.
func BenchmarkDeletePackageVersions100(b *testing.B) {
	e := vlStart(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pkg := fmt.Sprintf("bench-del-%d", i)
		e.vlParallelPublish(b, vlRepo, pkg, 100, 8, func(j int) string { return fmt.Sprintf("1.0.%d", j) })
		versions := make([]string, 100)
		for j := range versions {
			versions[j] = fmt.Sprintf("1.0.%d", j)
		}
		b.StartTimer()
		out, err := e.deleteVersions(b, vlRepo, pkg, versions, "")
		if err != nil {
			b.Fatalf("delete: %v", err)
		}
		if len(out.SuccessfulVersions) != 100 || len(out.FailedVersions) != 0 {
			b.Fatalf("delete: %d successful, %d failed", len(out.SuccessfulVersions), len(out.FailedVersions))
		}
	}
}

// BenchmarkListPackageVersions10k lists a package of 10,000 versions.
func BenchmarkListPackageVersions10k(b *testing.B) {
	e := vlStart(b)
	const n = 10000
	const pkg = "bench-list"
	e.vlParallelPublish(b, vlRepo, pkg, n, 8, func(i int) string { return fmt.Sprintf("%d.%d.%d", i/1000, (i/10)%100, i%10) })

	list := func(b *testing.B, maxResults int32, sortBy types.PackageVersionSortType, allPages bool) {
		b.Helper()
		var token *string
		total := 0
		for {
			in := &codeartifact.ListPackageVersionsInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
				Namespace: aws.String(vlNS), Package: aws.String(pkg), SortBy: sortBy, NextToken: token,
			}
			if maxResults > 0 {
				in.MaxResults = aws.Int32(maxResults)
			}
			out, err := e.c.ListPackageVersions(vlCtx(b), in)
			if err != nil {
				b.Fatalf("list: %v", err)
			}
			total += len(out.Versions)
			if !allPages || out.NextToken == nil {
				break
			}
			token = out.NextToken
		}
		if allPages && total != n {
			b.Fatalf("listed %d versions, want %d", total, n)
		}
	}
	b.Run("FirstPageDefault", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			list(b, 0, "", false)
		}
	})
	b.Run("FirstPageByPublishedTime", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			list(b, 0, types.PackageVersionSortTypePublishedTime, false)
		}
	})
	b.Run("AllPages1000", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			list(b, 1000, "", true)
		}
	})
	b.Run("AllPagesDefault", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			list(b, 0, "", true)
		}
	})
	b.Run("StatusFilterFirstPage", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			out, err := e.c.ListPackageVersions(vlCtx(b), &codeartifact.ListPackageVersionsInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
				Namespace: aws.String(vlNS), Package: aws.String(pkg), Status: types.PackageVersionStatusUnlisted,
			})
			if err != nil {
				b.Fatalf("list: %v", err)
			}
			if len(out.Versions) != 0 {
				b.Fatalf("%d Unlisted versions", len(out.Versions))
			}
		}
	})
}
