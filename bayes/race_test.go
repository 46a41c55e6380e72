//go:build race

package bayes_test

// raceEnabled: the race detector's sync.Pool drops a share of what is put
// in it at random, so a pooled tape is sometimes made anew.
const raceEnabled = true
