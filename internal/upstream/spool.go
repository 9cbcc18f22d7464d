package upstream

import (
	"errors"
	"io"
	"os"
	"sync"
)

// Spool is a file being fetched: one writer appends to a temp file while
// any number of readers follow it. Readers never see the last byte before
// the writer finishes successfully, so a client served from a spool whose
// fetch then fails (an integrity mismatch, a broken upstream) cannot take
// a complete response for a good one: it gets an error instead.
type Spool struct {
	path string
	w    *os.File

	mu      sync.Mutex
	grew    *sync.Cond
	n       int64 // bytes written
	size    int64 // announced size, -1 when unknown
	done    bool
	err     error
	removed bool
}

const spoolPrefix = "fetch-"

// NewSpool creates a spool in dir for a file of size bytes (-1 unknown).
func NewSpool(dir string, size int64) (*Spool, error) {
	f, err := os.CreateTemp(dir, spoolPrefix+"*")
	if err != nil {
		return nil, err
	}
	s := &Spool{path: f.Name(), w: f, size: size}
	s.grew = sync.NewCond(&s.mu)
	return s, nil
}

// Size is the announced size (-1 when unknown).
func (s *Spool) Size() int64 { return s.size }

// Write appends p and wakes the readers.
func (s *Spool) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.mu.Lock()
	s.n += int64(n)
	s.mu.Unlock()
	s.grew.Broadcast()
	return n, err
}

// File is the spool's file, for reading the finished bytes (at offsets).
func (s *Spool) File() *os.File { return s.w }

// Finish ends the writing: readers then get the rest and EOF (err nil),
// or err. Only the first call counts.
func (s *Spool) Finish(err error) {
	s.mu.Lock()
	if !s.done {
		s.done, s.err = true, err
	}
	s.mu.Unlock()
	s.grew.Broadcast()
}

// Remove deletes the file; open readers keep reading it, new ones cannot
// be made.
func (s *Spool) Remove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.removed {
		s.removed = true
		s.w.Close()
		os.Remove(s.path)
	}
}

// ErrSpoolGone is NewReader's answer once the spool is removed.
var ErrSpoolGone = errors.New("upstream: spool removed")

// NewReader returns a reader of the spool from its start.
func (s *Spool) NewReader() (*SpoolReader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return nil, ErrSpoolGone
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	return &SpoolReader{s: s, f: f}, nil
}

// SpoolReader follows a spool.
type SpoolReader struct {
	s      *Spool
	f      *os.File
	off    int64
	closed bool
}

// Read returns bytes as they arrive, blocking until there are some.
func (r *SpoolReader) Read(p []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	for {
		avail := s.n
		if !s.done || s.err != nil {
			avail-- // hold the last byte back until the fetch succeeds
		}
		switch {
		case r.off < avail:
		case s.done && s.err != nil:
			err := s.err
			s.mu.Unlock()
			return 0, err
		case s.done:
			s.mu.Unlock()
			return 0, io.EOF
		case r.closed:
			s.mu.Unlock()
			return 0, os.ErrClosed
		default:
			s.grew.Wait()
			continue
		}
		if int64(len(p)) > avail-r.off {
			p = p[:avail-r.off]
		}
		break
	}
	s.mu.Unlock()
	n, err := r.f.ReadAt(p, r.off)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Close releases the reader (and wakes a Read blocked in it).
func (r *SpoolReader) Close() error {
	r.s.mu.Lock()
	r.closed = true
	r.s.mu.Unlock()
	r.s.grew.Broadcast()
	return r.f.Close()
}
