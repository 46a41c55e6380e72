//go:build !race

package bayes_test

const raceEnabled = false
