package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
)

// Every POST is checked twice: the browser must say it comes from this
// origin (Sec-Fetch-Site, Origin), and a form must carry the CSRF token of
// the session it is sent with (a MAC of the session's nonce, compared in
// constant time). The session cookie is also SameSite=Strict.

// csrfToken is the token the forms of s carry.
func (c *Console) csrfToken(s *session) string {
	m := hmac.New(sha256.New, c.csrf)
	m.Write([]byte(s.Nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameOrigin refuses a request a browser says is cross-site.
func sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return errors.New("cross-origin request refused (Sec-Fetch-Site: " + site + ")")
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errors.New("cross-origin request refused (Origin does not match this server)")
		}
	}
	return nil
}

// checkPost applies both checks to a signed-in POST.
func (c *Console) checkPost(r *http.Request, s *session) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return errors.New("the form could not be read")
	}
	got, want := r.PostForm.Get("csrf"), c.csrfToken(s)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errors.New("the form's CSRF token is missing or not this session's: reload the page and try again")
	}
	return nil
}
