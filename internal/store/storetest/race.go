//go:build race

package storetest

// raceEnabled: the race detector slows SQL engines written in Go many
// times over, so volume tests shrink under it (they test speed, which a
// race build does not measure).
const raceEnabled = true
