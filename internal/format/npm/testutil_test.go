package npm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/artifactd/artifactd/internal/hashing"
)

// tarEntry is one file of a test tarball.
type tarEntry struct {
	name string
	body string
	typ  byte // 0 = regular file
}

// makeTgz builds a gzipped tar of entries.
func makeTgz(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.typ != 0 {
			h.Typeflag = e.typ
			h.Size = 0
			if e.typ == tar.TypeSymlink {
				h.Linkname = e.body
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// publishDoc builds the document npm sends to publish name@version.
func publishDoc(t testing.TB, name, version string, tgz []byte, tags map[string]string) document {
	t.Helper()
	s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
	manifest := map[string]any{
		"name": name, "version": version, "_id": name + "@" + version,
		"dist": map[string]any{
			"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
			"shasum":    hex.EncodeToString(s1[:]),
			"tarball":   "http://client.example/" + name + "/-/x.tgz",
		},
	}
	raw, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	length := int64(len(tgz))
	if tags == nil {
		tags = map[string]string{"latest": version}
	}
	return document{
		Name:     name,
		DistTags: tags,
		Versions: map[string]json.RawMessage{version: raw},
		Attachments: map[string]attachment{
			name + "-" + version + ".tgz": testAttachment(t, tgz, &length),
		},
	}
}

// testAttachment is an attachment whose data is spooled, as readDocument
// leaves it.
func testAttachment(t testing.TB, data []byte, length *int64) attachment {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "tgz-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	h := hashing.New()
	if _, err := io.MultiWriter(f, h).Write(data); err != nil {
		t.Fatal(err)
	}
	return attachment{ContentType: "application/octet-stream", Length: length, file: &tarballFile{f: f, sums: h.Sums()}}
}
