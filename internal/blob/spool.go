package blob

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// ErrUploadDone is returned by an upload that was already committed or
// aborted.
var ErrUploadDone = errors.New("blob: upload already committed or aborted")

// Spool is the local temp file an upload writes to, shared by the backends
// that stage bytes before committing them (the file system renames it into
// place, S3 uploads it). It is safe for concurrent use. Finish and Abort end
// it: afterwards Write and Finish fail with ErrUploadDone and Abort is a no-op.
type Spool struct {
	mu   sync.Mutex
	f    *os.File // nil once finished or aborted
	size int64
}

// NewSpool creates the temp file in dir (os.CreateTemp's pattern).
func NewSpool(dir, pattern string) (*Spool, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &Spool{f: f}, nil
}

func (s *Spool) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return 0, ErrUploadDone
	}
	n, err := s.f.Write(p)
	s.size += int64(n)
	return n, err
}

// Abort discards the bytes. It is a no-op once the spool has ended.
func (s *Spool) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	return s.discard(false)
}

// Finish ends the spool: it hands the open file and the number of bytes
// written to commit, then closes the file and removes it, unless commit
// reports that it moved the file away (renamed it into place).
func (s *Spool) Finish(commit func(f *os.File, size int64) (moved bool, err error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return ErrUploadDone
	}
	moved, err := commit(s.f, s.size)
	return errors.Join(err, s.discard(moved))
}

// discard closes the file and, unless it was moved, removes it. s.mu is held.
func (s *Spool) discard(moved bool) error {
	name := s.f.Name()
	err := s.f.Close()
	s.f = nil
	if !moved {
		if rerr := os.Remove(name); !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	if err != nil {
		return fmt.Errorf("blob: discarding upload: %w", err)
	}
	return nil
}
