package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testInlineBlobs: bytes put in a transaction are read back exactly (empty
// and binary ones too), a second Put of a digest keeps the first bytes, a
// rolled-back Put leaves nothing, Delete reports the bytes it removed (0
// for none), and List pages through the digests in order with their sizes.
func testInlineBlobs(f *fx) {
	blobs := [][]byte{{}, []byte("hello"), bytes.Repeat([]byte{0, 0xff, '\n'}, 5000)}
	var digests []string
	for _, b := range blobs {
		d := digestOf(b)
		digests = append(digests, d)
		f.write(func(tx store.Tx) error { return tx.InlineBlobs().Put(f.ctx, d, b) })
	}
	get := func(d string) ([]byte, error) {
		var b []byte
		err := f.readErr(func(tx store.Tx) (err error) {
			b, err = tx.InlineBlobs().Get(f.ctx, d)
			return err
		})
		return b, err
	}
	for i, d := range digests {
		b, err := get(d)
		if err != nil || !bytes.Equal(b, blobs[i]) || b == nil {
			f.Errorf("Get %d: %d bytes (nil %v), %v; want %d bytes", i, len(b), b == nil, err, len(blobs[i]))
		}
	}
	// A second Put of the same digest keeps what is there.
	f.write(func(tx store.Tx) error { return tx.InlineBlobs().Put(f.ctx, digests[1], []byte("other")) })
	if b, _ := get(digests[1]); string(b) != "hello" {
		f.Errorf("after a second Put: %q, want the first bytes", b)
	}
	// A Put rolled back leaves nothing.
	lost := []byte("rolled back")
	boom := errors.New("boom")
	if err := f.writeErr(func(tx store.Tx) error {
		if err := tx.InlineBlobs().Put(f.ctx, digestOf(lost), lost); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		f.Fatalf("rolled-back write: %v", err)
	}
	_, err := get(digestOf(lost))
	f.wantErr("Get of a rolled-back Put", err, domain.ErrNotFound)

	// List: ascending, paged, with sizes.
	var listed []store.BlobRef
	after := ""
	for {
		var page []store.BlobRef
		f.read(func(tx store.Tx) (err error) {
			page, err = tx.InlineBlobs().List(f.ctx, after, 2)
			return err
		})
		listed = append(listed, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].SHA256
	}
	want := map[string]int64{}
	for i, d := range digests {
		want[d] = int64(len(blobs[i]))
	}
	if len(listed) != len(want) {
		f.Fatalf("List: %d digests, want %d", len(listed), len(want))
	}
	for i, r := range listed {
		if i > 0 && listed[i-1].SHA256 >= r.SHA256 {
			f.Errorf("List out of order: %s then %s", listed[i-1].SHA256, r.SHA256)
		}
		if r.Size != want[r.SHA256] || r.MaxSize != r.Size {
			f.Errorf("List %s: size %d/%d, want %d", r.SHA256, r.Size, r.MaxSize, want[r.SHA256])
		}
	}
	if err := f.readErr(func(tx store.Tx) error {
		_, err := tx.InlineBlobs().List(f.ctx, "", 0)
		return err
	}); !errors.Is(err, domain.ErrInvalid) {
		f.Errorf("List with limit 0: %v, want ErrInvalid", err)
	}

	// Delete returns the size removed, then 0.
	for _, want := range []int64{5, 0} {
		var n int64
		f.write(func(tx store.Tx) (err error) {
			n, err = tx.InlineBlobs().Delete(f.ctx, digests[1])
			return err
		})
		if n != want {
			f.Errorf("Delete: %d bytes, want %d", n, want)
		}
	}
	_, err = get(digests[1])
	f.wantErr("Get after Delete", err, domain.ErrNotFound)
	if b, err := get(digests[2]); err != nil || len(b) != len(blobs[2]) {
		f.Errorf("the other blobs after a Delete: %d bytes, %v", len(b), err)
	}
}
