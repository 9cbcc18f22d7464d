package console

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/service"
)

// The session is a cookie holding the sign-in, sealed with AES-GCM under a
// key derived from the server's session key: nothing is kept on the
// server, so any node holding the key accepts it. It names the access key
// (never its secret) or holds the authorization token signed in with;
// who that stands for is resolved again at every request, so a deleted
// user or a deactivated key is signed out at once.
const cookieName = "artifactd_console"

// session is the cookie's content.
type session struct {
	Kind    string `json:"k"`           // "key" or "token"
	KeyID   string `json:"i,omitempty"` // kind "key"
	Token   string `json:"t,omitempty"` // kind "token"
	Expires int64  `json:"e"`           // unix seconds
	Nonce   string `json:"n"`           // binds the CSRF token to this sign-in
	Region  string `json:"r,omitempty"` // kind "key": the region it acts in
}

// request is a signed-in request: its session and the service caller it
// acts as.
type request struct {
	sess   session
	caller service.Caller
	who    string // the principal's ARN, for the page header
	// Domain and Owner restrict a token's session to the token's domain.
	tokenDomain, tokenOwner string
}

// sessionKeys derives the cookie's AEAD and the CSRF MAC key from key.
func sessionKeys(key []byte) (cipher.AEAD, []byte, error) {
	if len(key) < 32 {
		return nil, nil, errors.New("console: the session key must be at least 32 bytes")
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("artifactd console " + label))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("session cookie v1"))
	if err != nil {
		return nil, nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	return aead, derive("csrf v1"), nil
}

func (c *Console) seal(s session) string {
	plain, _ := json.Marshal(s)
	nonce := make([]byte, c.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, plain, []byte(cookieName)))
}

func (c *Console) open(v string) (session, bool) {
	var s session
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(raw) < c.aead.NonceSize() {
		return s, false
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, raw[:n], raw[n:], []byte(cookieName))
	if err != nil || json.Unmarshal(plain, &s) != nil {
		return s, false
	}
	return s, c.o.Now().Unix() < s.Expires
}

// setCookie sends the session (or, with s nil, removes it). The cookie is
// Secure when the request came over TLS: a console served over plain
// HTTP (a laptop, a test) still works; behind a TLS-terminating proxy,
// serve it with --public-url https://... and see docs/console.md.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, s *session) {
	ck := &http.Cookie{Name: cookieName, Path: "/console/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil}
	if s == nil {
		ck.MaxAge = -1
	} else {
		ck.Value = c.seal(*s)
		ck.Expires = time.Unix(s.Expires, 0)
	}
	http.SetCookie(w, ck)
}

func newSession(kind, keyID, token string, expires time.Time) session {
	b := make([]byte, 18)
	rand.Read(b)
	return session{Kind: kind, KeyID: keyID, Token: token, Expires: expires.Unix(), Nonce: base64.RawURLEncoding.EncodeToString(b)}
}

// resolve builds the caller of a session as the API's callerOf does for
// a signed request: the key's account, and Identity the key's
// *iam.Credential (the administrator's for the root key).
func (c *Console) resolve(r *http.Request, s session) (*request, error) {
	ctx := r.Context()
	switch s.Kind {
	case "key":
		k, err := c.o.Identities.Lookup(ctx, s.KeyID, "")
		if err != nil {
			return nil, err
		}
		cred, _ := k.Principal.(*iam.Credential)
		if cred == nil {
			// A nil Identity would act as the account administrator:
			// only a resolved credential (the root key's says Root)
			// may sign in.
			return nil, errors.New("console: the access key resolved to no credential")
		}
		region := s.Region
		if region == "" {
			region = c.o.Region
		}
		rq := &request{sess: s, caller: service.Caller{Account: k.Account, Region: region, AccessKey: s.KeyID,
			Identity: cred, SourceIP: sourceIP(r), Secure: r.TLS != nil}}
		rq.who = cred.Principal.ARN
		return rq, nil
	case "token":
		p, err := c.o.Service.VerifyToken(ctx, s.Token, c.o.Identities.TokenCredential)
		if err != nil {
			return nil, err
		}
		if p.Caller.Identity == nil {
			return nil, errors.New("console: the token resolved to no credential")
		}
		p.Caller.SourceIP, p.Caller.Secure = sourceIP(r), r.TLS != nil
		rq := &request{sess: s, caller: p.Caller, tokenDomain: p.Domain, tokenOwner: p.Owner}
		rq.who = p.Caller.Identity.Principal.ARN + " (token for domain " + p.Domain + ")"
		return rq, nil
	}
	return nil, errors.New("unknown session kind")
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// signedIn wraps a page that needs a signed-in identity: without a valid
// session (or when its identity no longer resolves) it sends the browser
// to the sign-in page. POSTs must pass the CSRF checks first.
func (c *Console) signedIn(h func(http.ResponseWriter, *http.Request, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(cookieName)
		if err != nil {
			http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
			return
		}
		s, ok := c.open(ck.Value)
		if !ok {
			c.setCookie(w, r, nil)
			http.Redirect(w, r, "/console/signin?ended=1", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := c.checkPost(r, &s); err != nil {
				c.render(w, r, nil, http.StatusForbidden, "error", view{Title: "Request refused",
					Error: &errView{Type: "InvalidRequest", Message: err.Error()}})
				return
			}
		}
		rq, err := c.resolve(r, s)
		if err != nil {
			if isInternal(err) {
				c.o.Log.Error("console: resolving the session's identity", "err", err)
				c.render(w, r, nil, http.StatusInternalServerError, "error", view{Title: "Error", Error: errorView(c.o.Log, err)})
				return
			}
			c.setCookie(w, r, nil)
			http.Redirect(w, r, "/console/signin?ended=1", http.StatusSeeOther)
			return
		}
		h(w, r, rq)
	}
}
