// Package logwriter writes log lines from a background goroutine, so that
// a request does not wait for a write(2) of its access-log line. A line
// that comes after a quiet moment is written at once; lines that follow
// within a millisecond of a write go out together in the next one. Under
// load that is one system call (and one goroutine wake-up) per millisecond
// instead of one per line, and no line waits more than about a millisecond.
package logwriter

import (
	"io"
	"sync"
	"time"
)

// gap is the least time between two writes.
const gap = time.Millisecond

// maxPending bounds what waits to be written: a writer past it blocks
// until the goroutine catches up (a stuck stderr slows requests down
// instead of growing memory without limit).
const maxPending = 1 << 20

// Writer is an io.Writer that hands its bytes to a background goroutine.
// Write order is kept. Close writes what is pending and stops the goroutine.
type Writer struct {
	out io.Writer

	mu      sync.Mutex
	room    sync.Cond // signalled when pending is taken
	pending []byte
	closed  bool
	wake    chan struct{} // capacity 1: there is something to write
	done    chan struct{} // closed when the goroutine has stopped
}

// New starts a Writer writing to out.
func New(out io.Writer) *Writer {
	w := &Writer{out: out, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.room.L = &w.mu
	go w.run()
	return w
}

// Write queues a copy of p. After Close it writes p directly.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	for len(w.pending) >= maxPending && !w.closed {
		w.room.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		<-w.done // after what was pending
		return w.out.Write(p)
	}
	w.pending = append(w.pending, p...)
	select { // under mu: Close closes wake only after setting closed
	case w.wake <- struct{}{}:
	default: // already woken
	}
	w.mu.Unlock()
	return len(p), nil
}

func (w *Writer) run() {
	defer close(w.done)
	var spare []byte
	for {
		_, open := <-w.wake
		w.mu.Lock()
		buf := w.pending
		w.pending = spare[:0]
		w.room.Broadcast()
		w.mu.Unlock()
		if len(buf) > 0 {
			w.out.Write(buf) //nolint:errcheck // nowhere to report a failing log
		}
		if !open {
			return
		}
		if len(buf) > 0 {
			time.Sleep(gap) // let the next lines gather
		}
		if cap(buf) <= maxPending {
			spare = buf
		} else {
			spare = nil
		}
	}
}

// Close writes everything pending and stops the goroutine; later writes
// go straight to the underlying writer. It is safe to call more than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return nil
	}
	w.closed = true
	w.room.Broadcast()
	w.mu.Unlock()
	close(w.wake)
	<-w.done
	return nil
}
