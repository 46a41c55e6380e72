package lookup

import (
	"errors"
	"strings"
	"testing"
)

var errBad = errors.New("bad")

func TestFind(t *testing.T) {
	table := []Entry[int]{
		{Name: "exact-ot", Doc: "one", Value: 1},
		{Name: "dopri5", Aliases: []string{"DormandPrince"}, Doc: "two", Value: 2},
	}
	for _, c := range []struct {
		name string
		want int
	}{{"exact-ot", 1}, {"exact_ot", 1}, {"ExactOT", 1}, {"exact ot", 1}, {"dopri5", 2}, {"dormand-prince", 2}, {"DORMANDPRINCE", 2}} {
		if got, err := Find(table, c.name, "x: unknown", errBad); err != nil || got != c.want {
			t.Errorf("Find(%q) = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	_, err := Find(table, "exact", "x: unknown thing", errBad)
	if !errors.Is(err, errBad) || !strings.Contains(err.Error(), `x: unknown thing "exact" (valid: exact-ot, dopri5)`) {
		t.Errorf("Find(unknown) error %v, want one listing the valid names and wrapping errBad", err)
	}
	if got := Names(table); len(got) != 2 || got[1] != [2]string{"dopri5", "two"} {
		t.Errorf("Names = %v", got)
	}
}
