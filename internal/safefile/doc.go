// Package safefile writes files atomically: a reader, or a crash, sees the
// old file or the new one, never half of one.
package safefile
