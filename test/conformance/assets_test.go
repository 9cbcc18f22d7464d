package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

func (e *vlEnv) getAssetIn(repo, pkg, ver, asset string) *codeartifact.GetPackageVersionAssetInput {
	return &codeartifact.GetPackageVersionAssetInput{
		Domain: aws.String(e.domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String(pkg), PackageVersion: aws.String(ver), Asset: aws.String(asset),
	}
}

func TestListPackageVersionAssets(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	names := []string{"a0.txt", "a1.txt", "a2.txt", "a3.txt", "a4.txt"}
	content := map[string][]byte{}
	var rev string
	// Publish out of name order; listings are by name.
	for i, idx := range []int{3, 0, 4, 1, 2} {
		n := names[idx]
		content[n] = []byte(fmt.Sprintf("content of %s, %d", n, idx*1000))
		out := e.mustPublish(t, vlRepo, "lister", "1.0.0", n, content[n], i < 4)
		rev = aws.ToString(out.VersionRevision)
	}

	t.Run("ResponseShape", func(t *testing.T) {
		out, err := e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("lister"), PackageVersion: aws.String("1.0.0"),
		})
		if err != nil {
			t.Fatalf("ListPackageVersionAssets: %v", err)
		}
		if out.Format != types.PackageFormatGeneric || aws.ToString(out.Namespace) != vlNS ||
			aws.ToString(out.Package) != "lister" || aws.ToString(out.Version) != "1.0.0" ||
			aws.ToString(out.VersionRevision) != rev {
			t.Errorf("ListPackageVersionAssets: format %q namespace %q package %q version %q revision %q; want generic %s lister 1.0.0 %s",
				out.Format, aws.ToString(out.Namespace), aws.ToString(out.Package), aws.ToString(out.Version),
				aws.ToString(out.VersionRevision), vlNS, rev)
		}
		if out.NextToken != nil {
			t.Errorf("ListPackageVersionAssets of 5 assets: nextToken %q, want none", *out.NextToken)
		}
		if len(out.Assets) != len(names) {
			t.Fatalf("ListPackageVersionAssets: %d assets, want %d", len(out.Assets), len(names))
		}
		for i, n := range names {
			vlCheckAsset(t, "asset "+n, &out.Assets[i], n, content[n])
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		var got []string
		var token *string
		pages := 0
		for {
			out, err := e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
				Namespace: aws.String(vlNS), Package: aws.String("lister"), PackageVersion: aws.String("1.0.0"),
				MaxResults: aws.Int32(2), NextToken: token,
			})
			if err != nil {
				t.Fatalf("ListPackageVersionAssets page %d: %v", pages, err)
			}
			pages++
			if len(out.Assets) > 2 {
				t.Errorf("page %d: %d assets, maxResults is 2", pages, len(out.Assets))
			}
			for i := range out.Assets {
				n := aws.ToString(out.Assets[i].Name)
				got = append(got, n)
				vlCheckAsset(t, "paged asset "+n, &out.Assets[i], n, content[n])
			}
			if aws.ToString(out.VersionRevision) != rev {
				t.Errorf("page %d: versionRevision %q, want %q", pages, aws.ToString(out.VersionRevision), rev)
			}
			if out.NextToken == nil {
				break
			}
			if pages > 10 {
				t.Fatalf("no end of pagination after %d pages", pages)
			}
			token = out.NextToken
		}
		if pages != 3 || fmt.Sprint(got) != fmt.Sprint(names) {
			t.Errorf("paging by 2: %d pages %v, want 3 pages %v", pages, got, names)
		}
	})

	t.Run("BadMaxResults", func(t *testing.T) {
		for _, n := range []int32{0, 1001} {
			_, err := e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
				Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
				Namespace: aws.String(vlNS), Package: aws.String("lister"), PackageVersion: aws.String("1.0.0"),
				MaxResults: aws.Int32(n),
			})
			vlWantErr[*types.ValidationException](t, err, fmt.Sprintf("maxResults=%d", n))
		}
	})

	t.Run("MissingVersionOrPackage", func(t *testing.T) {
		_, err := e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("lister"), PackageVersion: aws.String("9.9.9"),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "assets of a missing version")
		_, err = e.c.ListPackageVersionAssets(vlCtx(t), &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
			Namespace: aws.String(vlNS), Package: aws.String("nope"), PackageVersion: aws.String("1.0.0"),
		})
		vlWantErr[*types.ResourceNotFoundException](t, err, "assets of a missing package")
	})
}

func TestGetPackageVersionAsset(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	data := []byte("downloadable bytes\x00\x01\x02\xff")
	out := e.mustPublish(t, vlRepo, "getter", "1.0.0", "payload.bin", data, false)
	rev := aws.ToString(out.VersionRevision)

	t.Run("BytesAndHeaders", func(t *testing.T) {
		b, o, err := e.getAsset(t, vlRepo, "getter", "1.0.0", "payload.bin")
		if err != nil {
			t.Fatalf("GetPackageVersionAsset: %v", err)
		}
		if string(b) != string(data) {
			t.Errorf("body %q, want %q", b, data)
		}
		if aws.ToString(o.AssetName) != "payload.bin" || aws.ToString(o.PackageVersion) != "1.0.0" ||
			aws.ToString(o.PackageVersionRevision) != rev {
			t.Errorf("X-AssetName %q X-PackageVersion %q X-PackageVersionRevision %q; want payload.bin 1.0.0 %s",
				aws.ToString(o.AssetName), aws.ToString(o.PackageVersion), aws.ToString(o.PackageVersionRevision), rev)
		}
	})

	t.Run("UnicodeAssetName", func(t *testing.T) {
		name := "résumé (final) ü.txt"
		d := []byte("unicode name")
		e.mustPublish(t, vlRepo, "getter", "1.0.1", name, d, false)
		b, o, err := e.getAsset(t, vlRepo, "getter", "1.0.1", name)
		if err != nil {
			t.Fatalf("GetPackageVersionAsset %q: %v", name, err)
		}
		if string(b) != string(d) || aws.ToString(o.AssetName) != name {
			t.Errorf("got %q named %q, want %q named %q", b, aws.ToString(o.AssetName), d, name)
		}
	})

	t.Run("RevisionParameter", func(t *testing.T) {
		in := e.getAssetIn(vlRepo, "getter", "1.0.0", "payload.bin")
		in.PackageVersionRevision = aws.String(rev)
		o, err := e.c.GetPackageVersionAsset(vlCtx(t), in)
		if err != nil {
			t.Fatalf("GetPackageVersionAsset with the current revision: %v", err)
		}
		b, _ := io.ReadAll(o.Asset)
		o.Asset.Close()
		if string(b) != string(data) {
			t.Errorf("with revision: body %q, want %q", b, data)
		}

		in.PackageVersionRevision = aws.String("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
		_, err = e.c.GetPackageVersionAsset(vlCtx(t), in)
		vlWantErr[*types.ResourceNotFoundException](t, err, "GetPackageVersionAsset with another revision")
	})

	t.Run("StaleRevision", func(t *testing.T) {
		first := e.mustPublish(t, vlRepo, "getter", "3.0.0", "one.bin", []byte("one"), true)
		second := e.mustPublish(t, vlRepo, "getter", "3.0.0", "two.bin", []byte("two"), true)
		in := e.getAssetIn(vlRepo, "getter", "3.0.0", "one.bin")
		in.PackageVersionRevision = first.VersionRevision
		_, err := e.c.GetPackageVersionAsset(vlCtx(t), in)
		vlWantErr[*types.ResourceNotFoundException](t, err, "GetPackageVersionAsset with the revision before the last asset")
		in.PackageVersionRevision = second.VersionRevision
		o, err := e.c.GetPackageVersionAsset(vlCtx(t), in)
		if err != nil {
			t.Fatalf("GetPackageVersionAsset with the current revision: %v", err)
		}
		b, _ := io.ReadAll(o.Asset)
		o.Asset.Close()
		if string(b) != "one" || aws.ToString(o.PackageVersionRevision) != aws.ToString(second.VersionRevision) {
			t.Errorf("got %q revision %q, want \"one\" revision %q", b, aws.ToString(o.PackageVersionRevision), aws.ToString(second.VersionRevision))
		}
	})

	t.Run("Missing", func(t *testing.T) {
		_, err := e.c.GetPackageVersionAsset(vlCtx(t), e.getAssetIn(vlRepo, "getter", "1.0.0", "nope.bin"))
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing asset")
		_, err = e.c.GetPackageVersionAsset(vlCtx(t), e.getAssetIn(vlRepo, "getter", "9.9.9", "payload.bin"))
		vlWantErr[*types.ResourceNotFoundException](t, err, "missing version")
		_, err = e.c.GetPackageVersionAsset(vlCtx(t), e.getAssetIn(vlRepo2, "getter", "1.0.0", "payload.bin"))
		vlWantErr[*types.ResourceNotFoundException](t, err, "version in another repository")
	})

	t.Run("ByStatus", func(t *testing.T) {
		for _, st := range []types.PackageVersionStatus{
			types.PackageVersionStatusPublished, types.PackageVersionStatusUnfinished, types.PackageVersionStatusUnlisted,
			types.PackageVersionStatusArchived, types.PackageVersionStatusDisposed,
		} {
			ver := "2.0.0-" + string(st)
			d := []byte("bytes of " + ver)
			e.pubVersion(t, vlRepo, "getter", ver, d, st)
			b, _, err := e.getAsset(t, vlRepo, "getter", ver, "file.bin")
			switch st {
			case types.PackageVersionStatusArchived, types.PackageVersionStatusDisposed:
				vlWantErr[*types.ConflictException](t, err, "GetPackageVersionAsset of a "+string(st)+" version")
			default:
				if err != nil {
					t.Errorf("GetPackageVersionAsset of a %s version: %v", st, err)
				} else if string(b) != string(d) {
					t.Errorf("GetPackageVersionAsset of a %s version: %q, want %q", st, b, d)
				}
			}
		}
		// Archived is reversible: back to Published serves the bytes again.
		d := e.mustDescribe(t, vlRepo, "getter", "2.0.0-Archived")
		e.mustSetStatus(t, vlRepo, "getter", "2.0.0-Archived", aws.ToString(d.Revision), types.PackageVersionStatusPublished)
		e.mustGetAsset(t, vlRepo, "getter", "2.0.0-Archived", "file.bin", []byte("bytes of 2.0.0-Archived"))
	})
}

// TestLargeAssetStreaming publishes and downloads a 64 MiB asset generated on
// the fly, hashing it on both sides without holding it in memory.
func TestLargeAssetStreaming(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("64 MiB transfer skipped in -short mode")
	}
	e := vlStart(t)
	const size = 64 << 20
	const seed = 0x5eed
	hashes := vlHashReader(vlNewPattern(seed, size))
	digest := hashes["SHA-256"]

	out, err := e.c.PublishPackageVersion(vlCtx(t), &codeartifact.PublishPackageVersionInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("big"), PackageVersion: aws.String("1.0.0"),
		AssetName: aws.String("big.bin"), AssetContent: vlNewPattern(seed, size), AssetSHA256: aws.String(digest),
	})
	if err != nil {
		t.Fatalf("publishing 64 MiB: %v", err)
	}
	vlCheckAssetHashes(t, "64 MiB publish", out.Asset, "big.bin", size, hashes)
	e.wantAssetSize(t, size, "one 64 MiB asset")
	vlWaitBlobs(t, e.srv.DataDir, digest)

	get, err := e.c.GetPackageVersionAsset(vlCtx(t), e.getAssetIn(vlRepo, "big", "1.0.0", "big.bin"))
	if err != nil {
		t.Fatalf("downloading 64 MiB: %v", err)
	}
	defer get.Asset.Close()
	h := sha256.New()
	n, err := io.Copy(h, get.Asset)
	if err != nil {
		t.Fatalf("reading the 64 MiB body after %d bytes: %v", n, err)
	}
	if n != size || hex.EncodeToString(h.Sum(nil)) != digest {
		t.Errorf("downloaded %d bytes with sha256 %s, want %d bytes with sha256 %s", n, hex.EncodeToString(h.Sum(nil)), int64(size), digest)
	}
	if aws.ToString(get.PackageVersionRevision) != aws.ToString(out.VersionRevision) {
		t.Errorf("X-PackageVersionRevision %q, want %q", aws.ToString(get.PackageVersionRevision), aws.ToString(out.VersionRevision))
	}
	assets := e.listAssets(t, vlRepo, "big", "1.0.0")
	if len(assets) != 1 {
		t.Fatalf("%d assets, want 1", len(assets))
	}
	vlCheckAssetHashes(t, "listed 64 MiB asset", &assets[0], "big.bin", size, hashes)
}

func TestGetPackageVersionReadmeGeneric(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	// A README asset is stored as an asset, never interpreted (guide §6).
	out := e.mustPublish(t, vlRepo, "doc", "1.0.0", "README.md", []byte("# Title\n\nnot a readme for the API\n"), false)
	r, err := e.c.GetPackageVersionReadme(vlCtx(t), &codeartifact.GetPackageVersionReadmeInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("doc"), PackageVersion: aws.String("1.0.0"),
	})
	if err != nil {
		t.Fatalf("GetPackageVersionReadme: %v", err)
	}
	if r.Format != types.PackageFormatGeneric || aws.ToString(r.Namespace) != vlNS || aws.ToString(r.Package) != "doc" ||
		aws.ToString(r.Version) != "1.0.0" || aws.ToString(r.VersionRevision) != aws.ToString(out.VersionRevision) {
		t.Errorf("readme response: format %q namespace %q package %q version %q revision %q; want generic %s doc 1.0.0 %s",
			r.Format, aws.ToString(r.Namespace), aws.ToString(r.Package), aws.ToString(r.Version),
			aws.ToString(r.VersionRevision), vlNS, aws.ToString(out.VersionRevision))
	}
	if aws.ToString(r.Readme) != "" {
		t.Errorf("generic readme = %q, want none (generic packages have no readme)", aws.ToString(r.Readme))
	}
	_, err = e.c.GetPackageVersionReadme(vlCtx(t), &codeartifact.GetPackageVersionReadmeInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("doc"), PackageVersion: aws.String("9.9.9"),
	})
	vlWantErr[*types.ResourceNotFoundException](t, err, "readme of a missing version")
}

func TestListPackageVersionDependenciesGeneric(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	out := e.mustPublish(t, vlRepo, "deps", "1.0.0", "package.json", []byte(`{"dependencies":{"left-pad":"1.0.0"}}`), false)
	r, err := e.c.ListPackageVersionDependencies(vlCtx(t), &codeartifact.ListPackageVersionDependenciesInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("deps"), PackageVersion: aws.String("1.0.0"),
	})
	if err != nil {
		t.Fatalf("ListPackageVersionDependencies: %v", err)
	}
	if r.Format != types.PackageFormatGeneric || aws.ToString(r.Namespace) != vlNS || aws.ToString(r.Package) != "deps" ||
		aws.ToString(r.Version) != "1.0.0" || aws.ToString(r.VersionRevision) != aws.ToString(out.VersionRevision) {
		t.Errorf("dependencies response: format %q namespace %q package %q version %q revision %q; want generic %s deps 1.0.0 %s",
			r.Format, aws.ToString(r.Namespace), aws.ToString(r.Package), aws.ToString(r.Version),
			aws.ToString(r.VersionRevision), vlNS, aws.ToString(out.VersionRevision))
	}
	if len(r.Dependencies) != 0 || r.NextToken != nil {
		t.Errorf("generic dependencies = %+v (nextToken %v), want none", r.Dependencies, r.NextToken != nil)
	}
	_, err = e.c.ListPackageVersionDependencies(vlCtx(t), &codeartifact.ListPackageVersionDependenciesInput{
		Domain: aws.String(e.domain), Repository: aws.String(vlRepo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(vlNS), Package: aws.String("deps"), PackageVersion: aws.String("9.9.9"),
	})
	vlWantErr[*types.ResourceNotFoundException](t, err, "dependencies of a missing version")
}
