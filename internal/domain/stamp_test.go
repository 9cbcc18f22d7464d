package domain

import "testing"

func TestPackageState(t *testing.T) {
	type state struct {
		Stamp string `json:"stamp,omitempty"`
		N     int    `json:"n,omitempty"`
	}
	var p Package
	if st := PackageState[state](p); st != (state{}) {
		t.Errorf("no metadata: %+v", st)
	}
	if err := SetPackageState(&p, state{Stamp: "s1", N: 3}); err != nil {
		t.Fatal(err)
	}
	if st := PackageState[state](p); st.Stamp != "s1" || st.N != 3 {
		t.Errorf("round trip: %+v from %s", st, p.Metadata)
	}
	p.Metadata = []byte("not json")
	if st := PackageState[state](p); st != (state{}) {
		t.Errorf("unreadable metadata: %+v, want none", st)
	}
	if a, b := NewStamp(), NewStamp(); a == b || len(a) != 24 {
		t.Errorf("NewStamp: %q, %q", a, b)
	}
}
