// Package progress draws the progress bars of goebm's long runs (training,
// AIS, generating images to score): on a writer the caller gives, or on
// standard error where that is a terminal, each with the time left. One
// constructor keeps the bars alike and the terminal check in one place, and
// End clears a bar whether its run succeeded or failed, so that an error is
// printed on a clean line.
package progress
