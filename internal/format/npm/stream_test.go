package npm

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadDocumentStreamsAttachments(t *testing.T) {
	data := bytes.Repeat([]byte{0, 1, 2, 250, '/', '"'}, 40_000)
	b64 := base64.StdEncoding.EncodeToString(data)
	// npm may escape "/" as "\/"; the attachments may come first.
	escaped := strings.ReplaceAll(b64, "/", `\/`)
	body := `{"_attachments":{"x-1.0.0.tgz":{"content_type":"application/octet-stream","data":"` + escaped + `","length":` +
		"240000" + `}},"_id":"x","name":"x","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":"x","dist":{"shasum":"0"}}},"readme":"hi \"there\""}`
	doc, err := readDocument(strings.NewReader(body), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer doc.close()
	a := doc.Attachments["x-1.0.0.tgz"]
	got, _ := io.ReadAll(a.file.reader())
	if !bytes.Equal(got, data) || a.Length == nil || *a.Length != 240000 || a.ContentType != "application/octet-stream" {
		t.Errorf("attachment: %d bytes (equal %v), length %v, type %q", len(got), bytes.Equal(got, data), a.Length, a.ContentType)
	}
	if doc.Name != "x" || doc.DistTags["latest"] != "1.0.0" || len(doc.Versions["1.0.0"]) == 0 || doc.Readme != `hi "there"` {
		t.Errorf("document: %+v", doc)
	}
	if a.file.sums.Size != int64(len(data)) || len(a.file.sums.SHA512) != 128 {
		t.Errorf("sums %+v", a.file.sums)
	}

	// An edit (no attachments) reads like encoding/json.
	doc, err = readDocument(strings.NewReader(`{"name":"x","versions":{"1.0.0":{"deprecated":"no"}},"n":[1,{"a":"}"}],"b":true}`), t.TempDir())
	if err != nil || doc.Attachments != nil || string(doc.Versions["1.0.0"]) != `{"deprecated":"no"}` {
		t.Errorf("edit: %+v %v", doc, err)
	}
}

func TestReadDocumentRefusesBrokenDocuments(t *testing.T) {
	for _, body := range []string{
		``, `[]`, `{"name":"x"`, `{"name":"x",}`, `{"name":"x"} trailing`,
		`{"_attachments":{"a.tgz":{"data":"!!!not base64"}}}`,
		`{"_attachments":{"a.tgz":{"data":"AAAA`,
		`{"_attachments":{"a.tgz":{"data":"AA\u0041A"}}}`,
		`{"_attachments":{"a.tgz":{"data":"AAAA","data":"AAAA"}}}`,
		`{"_attachments":{"a":{},"b":{},"c":{},"d":{},"e":{}}}`,
		`{"_attachments":{},"_attachments":{}}`,
		`{"readme":"` + strings.Repeat("r", maxDocumentMeta) + `"}`,
		`{"name":1}`,
	} {
		doc, err := readDocument(strings.NewReader(body), t.TempDir())
		if !errors.Is(err, errDocument) {
			t.Errorf("%.60q: %v, want errDocument", body, err)
		}
		doc.close()
	}
}
