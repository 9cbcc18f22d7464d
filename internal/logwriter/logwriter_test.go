package logwriter

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOrderAndClose: lines from many goroutines all arrive, each writer's
// in its order, and Close leaves nothing behind; writes after Close go
// straight through.
func TestOrderAndClose(t *testing.T) {
	var out syncBuffer
	w := New(&out)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(w, "g%d %d\n", g, i)
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Close() // twice is fine
	fmt.Fprintf(w, "after close\n")

	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines+1 || got[len(got)-1] != "after close" {
		t.Fatalf("%d lines, last %q; want %d lines ending with the one written after Close", len(got), got[len(got)-1], writers*lines+1)
	}
	next := make([]int, writers)
	for _, l := range got[:len(got)-1] {
		var g, i int
		if _, err := fmt.Sscanf(l, "g%d %d", &g, &i); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	t.Logf("%d lines in %d writes", len(got), out.writes)
}

// TestWrittenPromptly: a line is written without waiting for more lines or
// for Close.
func TestWrittenPromptly(t *testing.T) {
	var out syncBuffer
	w := New(&out)
	defer w.Close()
	w.Write([]byte("one line\n"))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "one line\n" {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the output is %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
}

// blockingWriter blocks until released.
type blockingWriter struct {
	release chan struct{}
	syncBuffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.syncBuffer.Write(p)
}

// TestBounded: while the output is stuck, writers block once maxPending
// bytes wait, and resume (losing nothing) when it moves again.
func TestBounded(t *testing.T) {
	out := &blockingWriter{release: make(chan struct{})}
	w := New(out)
	line := bytes.Repeat([]byte("x"), 1023)
	line = append(line, '\n')
	wrote := make(chan int)
	go func() {
		n := 0
		for range 3 * maxPending / len(line) {
			w.Write(line)
			n++
		}
		wrote <- n
	}()
	select {
	case n := <-wrote:
		t.Fatalf("%d lines (%d bytes) queued with the output stuck", n, n*len(line))
	case <-time.After(200 * time.Millisecond):
	}
	close(out.release)
	n := <-wrote
	w.Close()
	if got := len(out.String()); got != n*len(line) {
		t.Errorf("wrote %d bytes, want %d", got, n*len(line))
	}
}
