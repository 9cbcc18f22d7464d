package store

import "sync"

// LocalPinner is implemented by a store that one process alone writes and
// collects (the exclusive SQLite store): a publish's pins then live in
// that process's memory (LocalPins) instead of costing a write transaction
// of their own in the Orphans table.
type LocalPinner interface {
	LocalPins() *PinSet
}

// PinSet is the in-memory form of Orphans' pins, for a LocalPinner. A
// publish pins its digests before committing their bytes and unpins them
// once the transaction that references (or queues) them has committed. The
// collector checks pins through Collect, which holds the set from its
// check of a digest until the digest's bytes are deleted: a publish cannot
// pin, commit and reference the bytes in between (its Pin waits), just as
// a pin transaction waits for the collector's write transaction. A crash
// loses the pins but not what they protect: nothing is pinned once the
// process is gone. The zero PinSet is empty and ready to use.
type PinSet struct {
	mu   sync.Mutex
	pins map[string]int // digest -> publishes holding it
}

// Pin pins digests (a digest pinned twice needs two Unpins).
func (p *PinSet) Pin(digests ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pins == nil {
		p.pins = make(map[string]int)
	}
	for _, d := range digests {
		p.pins[d]++
	}
}

// Unpin releases pins taken by Pin.
func (p *PinSet) Unpin(digests ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range digests {
		if p.pins[d] <= 1 {
			delete(p.pins, d)
		} else {
			p.pins[d]--
		}
	}
}

// Collect runs fn, which checks digests with pinned and deletes the bytes
// of those it finds unpinned and unreferenced, while no Pin can happen.
func (p *PinSet) Collect(fn func(pinned func(sha256 string) bool) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fn(func(d string) bool { return p.pins[d] > 0 })
}
