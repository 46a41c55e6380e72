package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// Loader deals a data set out in shuffled mini-batches: every epoch visits
// each point once, in a fresh order. Its state (the shuffling stream, the
// order and the position) can be saved and restored, so that a resumed
// training run sees exactly the batches it would have seen.
type Loader struct {
	data   *tensor.Tensor // [n, d]
	labels []int          // one per row, or nil
	batch  int
	src    *rand.PCG
	rng    *rand.Rand
	perm   []int
	pos    int
	epoch  int
}

// NewLoader returns a loader of batches of size batch over data ([n, d]),
// shuffled from the stream rand.NewPCG(seed, 0). batch must be in 1 … n.
func NewLoader(data *tensor.Tensor, batch int, seed uint64) (*Loader, error) {
	if data.Rank() != 2 || data.Dim(0) == 0 {
		return nil, fmt.Errorf("dataset: loader needs a non-empty [n, d] tensor, got shape %v", data.Shape())
	}
	if batch < 1 || batch > data.Dim(0) {
		return nil, fmt.Errorf("dataset: batch size %d must be in 1…%d (the number of points)", batch, data.Dim(0))
	}
	src := rand.NewPCG(seed, 0)
	l := &Loader{data: data, batch: batch, src: src, rng: rand.New(src), perm: make([]int, data.Dim(0))}
	l.newEpoch()
	l.epoch = 0
	return l, nil
}

// NewLabelledLoader is NewLoader for data with one label per row: the
// labels travel with their rows (NextLabelled), and the batches are the
// ones NewLoader deals for the same seed.
func NewLabelledLoader(data *tensor.Tensor, labels []int, batch int, seed uint64) (*Loader, error) {
	if data.Rank() == 2 && len(labels) != data.Dim(0) {
		return nil, fmt.Errorf("dataset: %d labels for %d rows", len(labels), data.Dim(0))
	}
	l, err := NewLoader(data, batch, seed)
	if err != nil {
		return nil, err
	}
	l.labels = labels
	return l, nil
}

func (l *Loader) newEpoch() {
	for i := range l.perm {
		l.perm[i] = i
	}
	l.rng.Shuffle(len(l.perm), func(a, b int) { l.perm[a], l.perm[b] = l.perm[b], l.perm[a] })
	l.pos = 0
	l.epoch++
}

// Next returns the next batch, [batch, d], a fresh tensor. An epoch's last
// points that do not fill a batch are dropped (each epoch shuffles anew, so
// no point is always dropped).
func (l *Loader) Next() *tensor.Tensor {
	x, _ := l.NextLabelled()
	return x
}

// NextLabelled returns the next batch, as Next does, with its rows' labels
// (nil for a loader without labels).
func (l *Loader) NextLabelled() (*tensor.Tensor, []int) {
	if l.pos+l.batch > len(l.perm) {
		l.newEpoch()
	}
	idx := l.perm[l.pos : l.pos+l.batch]
	l.pos += l.batch
	var y []int
	if l.labels != nil {
		y = make([]int, len(idx))
		for i, j := range idx {
			y[i] = l.labels[j]
		}
	}
	return (*tensor.Tape)(nil).GatherRows(l.data, idx), y
}

// Dim returns the dimension of the points.
func (l *Loader) Dim() int { return l.data.Dim(1) }

// Epoch returns the number of completed passes over the data.
func (l *Loader) Epoch() int { return l.epoch }

// MarshalBinary saves the loader's position and shuffling stream.
func (l *Loader) MarshalBinary() ([]byte, error) {
	s, err := l.src.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(s)))
	b = append(b, s...)
	b = binary.LittleEndian.AppendUint64(b, uint64(l.pos))
	b = binary.LittleEndian.AppendUint64(b, uint64(l.epoch))
	for _, p := range l.perm {
		b = binary.LittleEndian.AppendUint32(b, uint32(p))
	}
	return b, nil
}

// CheckState reports whether b is a state MarshalBinary could have saved
// from a loader over data of this size, without changing the loader.
func (l *Loader) CheckState(b []byte) error {
	_, _, _, _, err := l.decodeState(b)
	return err
}

// UnmarshalBinary restores a state saved by MarshalBinary from a loader over
// the same data; on error the loader is unchanged.
func (l *Loader) UnmarshalBinary(b []byte) error {
	src, pos, epoch, perm, err := l.decodeState(b)
	if err != nil {
		return err
	}
	*l.src = *src
	l.pos, l.epoch, l.perm = pos, epoch, perm
	return nil
}

func (l *Loader) decodeState(b []byte) (src *rand.PCG, pos, epoch int, perm []int, err error) {
	bad := errors.New("dataset: loader state is truncated or belongs to other data")
	if len(b) < 4 {
		return nil, 0, 0, nil, bad
	}
	ns := int(binary.LittleEndian.Uint32(b))
	if len(b) != 4+ns+16+4*len(l.perm) {
		return nil, 0, 0, nil, bad
	}
	src = rand.NewPCG(0, 0)
	if err := src.UnmarshalBinary(b[4 : 4+ns]); err != nil {
		return nil, 0, 0, nil, fmt.Errorf("dataset: loader state: %w", err)
	}
	off := 4 + ns
	pos = int(binary.LittleEndian.Uint64(b[off:]))
	epoch = int(binary.LittleEndian.Uint64(b[off+8:]))
	perm = make([]int, len(l.perm))
	seen := make([]bool, len(perm))
	for i := range perm {
		p := int(binary.LittleEndian.Uint32(b[off+16+4*i:]))
		if p >= len(perm) || seen[p] {
			return nil, 0, 0, nil, bad
		}
		seen[p] = true
		perm[i] = p
	}
	if pos > len(perm) {
		return nil, 0, 0, nil, bad
	}
	return src, pos, epoch, perm, nil
}
