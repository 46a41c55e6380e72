package train

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// smallCheckpoint is a checkpoint of two parameters, their average, two
// optimizer buffers and a loss state, with the given metadata.
func smallCheckpoint(m meta) *checkpoint {
	w, b := tensor.New([]float64{1, -2, 3, 0.5}, 2, 2), tensor.New([]float64{0.25, 7}, 2)
	return &checkpoint{meta: m,
		params: map[string]*tensor.Tensor{"w": w, "b": b},
		ema:    map[string]*tensor.Tensor{"w": w.Clone(), "b": b.Clone()},
		opt:    [][]float64{{1, 2, 3, 4}, {5, 6}},
		state:  []nn.Param{{Name: "buffer", Value: tensor.New([]float64{9, 8}, 1, 2)}},
	}
}

func encodeSmall(t testing.TB, m meta) []byte {
	b, err := encodeCheckpoint(smallCheckpoint(m), []string{"b", "w"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var goodMeta = meta{Step: 3, Seed: 1, LossRNG: []byte{1, 2}, OptKind: "*optim.Adam", OptSteps: 3, OptBufs: 2, EMA: true}

// TestCheckpointBoundsCounts: the counts in the metadata are checked
// before they size anything, and the error names the field.
func TestCheckpointBoundsCounts(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*meta)
		msg  string
	}{
		{"negative buffers", func(m *meta) { m.OptBufs = -1 }, "-1 optimizer buffers in a file of 7 entries"},
		{"too many buffers", func(m *meta) { m.OptBufs = 1 << 40 }, "1099511627776 optimizer buffers"},
		{"negative step", func(m *meta) { m.Step = -5 }, "negative step count (-5"},
		{"negative optimizer steps", func(m *meta) { m.OptSteps = -1 }, "optimizer -1"},
	} {
		m := goodMeta
		c.edit(&m)
		_, err := decodeCheckpoint(encodeSmall(t, m), "ckpt")
		if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v; want ErrCheckpoint and %q", c.name, err, c.msg)
		}
	}
	if _, err := decodeCheckpoint(encodeSmall(t, goodMeta), "ckpt"); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecodeCheckpoint: no file makes the reader panic; a checkpoint it
// reads, written again, reads back to the same bytes.
func FuzzDecodeCheckpoint(f *testing.F) {
	good := encodeSmall(f, goodMeta)
	f.Add(good)
	f.Add(good[:len(good)-9])
	f.Add([]byte(ckptMagic))
	m := goodMeta
	m.OptBufs = -1
	f.Add(encodeSmall(f, m))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCheckpoint(b, "fuzz")
		if err != nil {
			if !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("error %v does not wrap ErrCheckpoint", err)
			}
			return
		}
		if !writable(c) {
			return // the trainer refuses these before writing (see Resume)
		}
		var names []string
		for n := range c.params {
			names = append(names, n)
		}
		slices.Sort(names)
		once, err := encodeCheckpoint(c, names)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := decodeCheckpoint(once, "again")
		if err != nil {
			t.Fatalf("a written checkpoint does not read back: %v", err)
		}
		twice, err := encodeCheckpoint(c2, names)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatal("a checkpoint read back writes other bytes")
		}
	})
}

// writable reports whether c has what encodeCheckpoint needs: an average
// for every parameter exactly when EMA is set, and every optimizer buffer.
func writable(c *checkpoint) bool {
	if c.EMA != (len(c.ema) > 0) || (c.EMA && len(c.ema) != len(c.params)) {
		return false
	}
	for n := range c.ema {
		if c.params[n] == nil {
			return false
		}
	}
	for _, b := range c.opt {
		if b == nil {
			return false
		}
	}
	return true
}
