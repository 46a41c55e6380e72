package lookup

import (
	"fmt"
	"strings"
)

// Entry is one named value.
type Entry[V any] struct {
	// Name is the canonical name, as listed.
	Name string
	// Aliases are further names that find the value.
	Aliases []string
	// Doc is a one-line description.
	Doc   string
	Value V
}

var separators = strings.NewReplacer("-", "", "_", "", " ", "")

// Key is the form in which names are compared: lower case, without
// hyphens, underscores and spaces.
func Key(name string) string { return strings.ToLower(separators.Replace(name)) }

// Find returns the value of the entry that name (or one of its aliases)
// matches. Otherwise the error reads "<what> %q (valid: …)" and wraps
// invalid.
func Find[V any](entries []Entry[V], name, what string, invalid error) (V, error) {
	k := Key(name)
	for _, e := range entries {
		if Key(e.Name) == k {
			return e.Value, nil
		}
		for _, a := range e.Aliases {
			if Key(a) == k {
				return e.Value, nil
			}
		}
	}
	var valid []string
	for _, e := range entries {
		valid = append(valid, e.Name)
	}
	var zero V
	return zero, fmt.Errorf("%s %q (valid: %s): %w", what, name, strings.Join(valid, ", "), invalid)
}

// Names returns each entry's name and description, in the table's order.
func Names[V any](entries []Entry[V]) [][2]string {
	out := make([][2]string, len(entries))
	for i, e := range entries {
		out[i] = [2]string{e.Name, e.Doc}
	}
	return out
}
