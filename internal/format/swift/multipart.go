package swift

import (
	"encoding/base64"
	"io"
	"mime/multipart"
	"strings"
)

// decodePart undoes a part's Content-Transfer-Encoding: Registry.md 4.6
// lets clients use any (its examples send base64 and quoted-printable).
// mime/multipart decodes quoted-printable itself; binary, 8bit and 7bit
// need nothing.
func decodePart(p *multipart.Part) io.Reader {
	if strings.EqualFold(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")), "base64") {
		return base64.NewDecoder(base64.StdEncoding, &stripSpace{r: p})
	}
	return p
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
