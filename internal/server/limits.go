package server

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// limitListener accepts at most cap(slots) connections at a time: past
// that, new connections wait in the kernel's backlog until one closes, so
// a flood of idle connections cannot exhaust the process's descriptors.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

func newLimitListener(l net.Listener, n int) net.Listener {
	if n <= 0 {
		return l
	}
	return &limitListener{Listener: l, slots: make(chan struct{}, n)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// withBodyDeadline fails a request body that sends nothing for timeout:
// each read extends the connection's read deadline, so slow but steady
// uploads of any size go through while stalled ones are cut off.
func withBodyDeadline(timeout time.Duration, next http.Handler) http.Handler {
	if timeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			// On a copy: net/http decides from the original request's body
			// whether to drain what the handler left unread.
			body := &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w), timeout: timeout}
			r = r.WithContext(r.Context())
			r.Body = body
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.timeout)) //nolint:errcheck // unsupported only for HTTP/2 test servers
	return b.ReadCloser.Read(p)
}
