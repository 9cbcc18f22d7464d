package console

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
)

type signInView struct {
	KeyID   string
	Region  string
	Message string
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	v := signInView{Region: c.o.Region}
	if r.URL.Query().Has("ended") {
		v.Message = "Your session has ended. Sign in again."
	}
	c.render(w, r, nil, http.StatusOK, "signin", view{Title: "Sign in", Body: v})
}

// maxCookieToken is the longest token a session cookie can hold: sealed
// and encoded it grows by a third plus about 150 bytes, and browsers keep
// at most 4096 bytes of a cookie.
const maxCookieToken = 2800

// errBadCredentials is the one answer to every failed sign-in: it does not
// say whether the key exists.
var errBadCredentials = errors.New("The access key ID and secret access key (or the authorization token) were not accepted.")

// signIn checks an access key and its secret, or an authorization token,
// and starts a session. A login form needs no session's CSRF token, but a
// cross-origin post is refused.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if err := sameOrigin(r); err != nil {
		c.render(w, r, nil, http.StatusForbidden, "error", view{Title: "Request refused",
			Error: &errView{Type: "InvalidRequest", Message: err.Error()}})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	keyID := strings.TrimSpace(r.PostForm.Get("access_key_id"))
	secret := strings.TrimSpace(r.PostForm.Get("secret_access_key"))
	token := strings.TrimSpace(r.PostForm.Get("token"))
	region := strings.TrimSpace(r.PostForm.Get("region"))
	if region == "" {
		region = c.o.Region
	}
	if !validRegion(region) || !c.acceptRegion(region) {
		c.render(w, r, nil, http.StatusBadRequest, "signin", view{Title: "Sign in", Body: signInView{KeyID: keyID, Region: c.o.Region,
			Message: "This server does not accept the region " + region + "."}})
		return
	}
	expires := c.o.Now().Add(c.o.SessionTTL)
	var s session
	var err error
	switch {
	case len(token) > maxCookieToken:
		// Sealed, it would not fit in the 4 KiB a browser keeps per cookie.
		c.render(w, r, nil, http.StatusBadRequest, "signin", view{Title: "Sign in", Body: signInView{Region: c.o.Region,
			Message: "This token is too long to keep in a browser session: sign in with an access key instead."}})
		return
	case token != "":
		s = newSession("token", "", token, expires)
		_, err = c.o.Service.VerifyToken(r.Context(), token, c.o.Identities.TokenCredential)
	case keyID != "" && secret != "":
		s = newSession("key", keyID, "", expires)
		s.Region = region
		var k sigv4.Key
		if k, err = c.o.Identities.Lookup(r.Context(), keyID, ""); err == nil &&
			subtle.ConstantTimeCompare([]byte(k.Secret), []byte(secret)) != 1 {
			err = errBadCredentials
		}
	default:
		err = errBadCredentials
	}
	if err != nil {
		status := http.StatusUnauthorized
		if isInternal(err) && !errors.Is(err, errBadCredentials) {
			c.o.Log.Error("console: sign-in", "err", err)
			status = http.StatusInternalServerError
		} else {
			// The key id only: never the secret or the token.
			c.o.Log.Info("console: sign-in refused", "access_key_id", loggableKeyID(keyID), "source_ip", sourceIP(r))
		}
		c.render(w, r, nil, status, "signin", view{Title: "Sign in", Body: signInView{KeyID: keyID, Region: region, Message: errBadCredentials.Error()}})
		return
	}
	c.o.Log.Info("console: signed in", "kind", s.Kind, "access_key_id", loggableKeyID(keyID), "source_ip", sourceIP(r))
	c.setCookie(w, r, &s)
	http.Redirect(w, r, "/console/domains", http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, _ *request) {
	c.setCookie(w, r, nil)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// isInternal reports whether err is a failure to decide rather than a
// refusal.
func isInternal(err error) bool {
	return !errors.Is(err, sigv4.ErrUnknownKey) && !errors.Is(err, sigv4.ErrExpiredToken) && !errors.Is(err, domain.ErrDenied) &&
		!errors.Is(err, errBadCredentials)
}

func (c *Console) acceptRegion(r string) bool {
	if c.o.AcceptRegion == nil {
		return r == c.o.Region
	}
	return c.o.AcceptRegion(r)
}

// validRegion accepts region names' characters (us-east-1, eu-west-3...).
func validRegion(r string) bool {
	if len(r) > 32 {
		return false
	}
	for _, ch := range r {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			return false
		}
	}
	return true
}

// loggableKeyID is what the log may say of a typed access key id: the id
// when it looks like one (upper-case letters and digits), never what
// could be a secret pasted into the wrong field.
func loggableKeyID(id string) string {
	if id == "" || len(id) > 32 {
		return "(none)"
	}
	for _, ch := range id {
		if !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			return "(not an access key id)"
		}
	}
	return id
}
