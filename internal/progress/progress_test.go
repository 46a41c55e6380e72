package progress

import (
	"errors"
	"strings"
	"testing"
)

// TestEnd: a bar ended by a run, failed or not, is erased from its line
// (the clear, spaces between carriage returns, is the last thing written);
// a nil bar is nothing.
func TestEnd(t *testing.T) {
	for _, c := range []struct{ err error }{{nil}, {errors.New("failed")}} {
		var w strings.Builder
		bar := New(&w, 10, "work")
		bar.Add(3)
		bar.RenderBlank()
		if err := End(bar, c.err); err != nil {
			t.Fatal(err)
		}
		out := w.String()
		last := out[strings.LastIndex(strings.TrimSuffix(out, "\r"), "\r"):]
		if !strings.Contains(out, "work") || strings.Trim(last, "\r ") != "" || len(last) < 3 {
			t.Errorf("err %v: output %q: want the bar, then a clear", c.err, out)
		}
	}
	if err := End(nil, errors.New("failed")); err != nil {
		t.Fatal(err)
	}
}
