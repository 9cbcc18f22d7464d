package swift

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"strings"
)

// transferEncoding is a part's Content-Transfer-Encoding, lowercased.
func transferEncoding(p *multipart.Part) string {
	return strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")))
}

// decodePart undoes a part's Content-Transfer-Encoding: Registry.md 4.6
// lets clients use any (its examples send base64 and quoted-printable);
// binary, 8bit and 7bit need nothing. Parts are read raw
// (multipart.Reader.NextRawPart) because SwiftPM labels the metadata part
// quoted-printable while sending the JSON as is; metadataJSON deals with
// that one.
func decodePart(p *multipart.Part) io.Reader {
	switch transferEncoding(p) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &stripSpace{r: p})
	case "quoted-printable":
		return quotedprintable.NewReader(p)
	}
	return p
}

// metadataJSON returns the metadata document of a part read raw: as sent
// when it parses (SwiftPM sends raw JSON labelled quoted-printable, where
// decoding would turn "?v=12" into a control character), else decoded
// when it was labelled quoted-printable (a client that does encode).
func metadataJSON(raw []byte, encoding string) []byte {
	if encoding != "quoted-printable" {
		return raw
	}
	if _, _, err := ParseMetadata(raw); err == nil {
		return raw
	}
	dec, err := io.ReadAll(io.LimitReader(quotedprintable.NewReader(bytes.NewReader(raw)), MaxMetadataBytes+1))
	if err != nil {
		return raw
	}
	return dec
}

// stripSpace drops the line breaks and spaces of a base64 body.
type stripSpace struct{ r io.Reader }

func (s *stripSpace) Read(b []byte) (int, error) {
	for {
		n, err := s.r.Read(b)
		j := 0
		for i := 0; i < n; i++ {
			switch b[i] {
			case '\r', '\n', ' ', '\t':
			default:
				b[j] = b[i]
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
