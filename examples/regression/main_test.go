package main

import "testing"

func TestRunSmall(t *testing.T) {
	if err := run(20, 8, 1); err != nil {
		t.Fatal(err)
	}
	if err := run(0, 8, 1); err == nil {
		t.Fatal("-steps 0 accepted")
	}
	if err := run(5, 0, 1); err == nil {
		t.Fatal("-hidden 0 accepted")
	}
}
