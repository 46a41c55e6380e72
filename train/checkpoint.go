package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"

	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// The checkpoint format, version 1, little-endian:
//
//	magic    8 bytes "GOEBMCKP"
//	version  uint32  1
//	metaLen  uint32, then metaLen bytes of JSON (see meta)
//	a parameter block in nn's format (WriteParams): "param/<name>" for the
//	  trained parameters, "ema/<name>" for their average, "opt/<i>" for
//	  the optimizer's buffers, "state/<name>" for the loss's state (a
//	  replay buffer, a step count: loss.State's Save)
//	crc      uint32  CRC-32 (IEEE) of everything before it
const (
	ckptMagic   = "GOEBMCKP"
	ckptVersion = 1
)

// ErrCheckpoint is wrapped by errors about unreadable checkpoints.
var ErrCheckpoint = errors.New("not a valid goebm checkpoint")

// meta is the checkpoint's JSON part.
type meta struct {
	Step     int    `json:"step"`
	Seed     uint64 `json:"seed"`
	LossRNG  []byte `json:"loss_rng"`
	Loader   []byte `json:"loader"`
	OptKind  string `json:"optimizer"`
	OptSteps int    `json:"optimizer_steps"`
	OptBufs  int    `json:"optimizer_buffers"`
	EMA      bool   `json:"ema"`
	// EMAWarmup is absent from checkpoints without it, those of earlier
	// versions included.
	EMAWarmup bool `json:"ema_warmup,omitempty"`
}

type checkpoint struct {
	meta
	params, ema map[string]*tensor.Tensor
	opt         [][]float64
	state       []nn.Param // the loss's, by their own names
}

func writeCheckpoint(path string, c *checkpoint, names []string) error {
	return safefile.WriteFile(path, func(w io.Writer) error {
		b, err := encodeCheckpoint(c, names)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
}

// encodeCheckpoint returns c in the checkpoint format, with the parameters
// in the order of names.
func encodeCheckpoint(c *checkpoint, names []string) ([]byte, error) {
	var body bytes.Buffer
	body.WriteString(ckptMagic)
	body.Write(binary.LittleEndian.AppendUint32(nil, ckptVersion))
	m, err := json.Marshal(c.meta)
	if err != nil {
		return nil, err
	}
	body.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(m))))
	body.Write(m)
	var ps []nn.Param
	for _, n := range names {
		ps = append(ps, nn.Param{Name: "param/" + n, Value: exact(c.params[n])})
	}
	if c.EMA {
		for _, n := range names {
			ps = append(ps, nn.Param{Name: "ema/" + n, Value: exact(c.ema[n])})
		}
	}
	for i, b := range c.opt {
		ps = append(ps, nn.Param{Name: fmt.Sprintf("opt/%d", i), Value: tensor.New(b, len(b))})
	}
	for _, p := range c.state {
		ps = append(ps, nn.Param{Name: "state/" + p.Name, Value: exact(p.Value)})
	}
	if err := nn.WriteParams(&body, ps); err != nil {
		return nil, err
	}
	body.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(body.Bytes())))
	return body.Bytes(), nil
}

func readCheckpoint(path string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return decodeCheckpoint(b, path)
}

// decodeCheckpoint reads a checkpoint from b, the contents of the file path
// (which errors name).
func decodeCheckpoint(b []byte, path string) (*checkpoint, error) {
	bad := func(what string) error { return fmt.Errorf("train: checkpoint %s: %s: %w", path, what, ErrCheckpoint) }
	if len(b) < len(ckptMagic)+12 || string(b[:len(ckptMagic)]) != ckptMagic {
		return nil, bad("no " + ckptMagic + " header")
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, bad("checksum mismatch (truncated or corrupted)")
	}
	off := len(ckptMagic)
	if v := binary.LittleEndian.Uint32(body[off:]); v != ckptVersion {
		return nil, bad(fmt.Sprintf("format version %d, this build reads %d", v, ckptVersion))
	}
	ml := int(binary.LittleEndian.Uint32(body[off+4:]))
	off += 8
	if off+ml > len(body) {
		return nil, bad("metadata runs past the end")
	}
	c := &checkpoint{params: map[string]*tensor.Tensor{}, ema: map[string]*tensor.Tensor{}}
	if err := json.Unmarshal(body[off:off+ml], &c.meta); err != nil {
		return nil, bad("metadata: " + err.Error())
	}
	ps, err := nn.DecodeParams(bytes.NewReader(body[off+ml:]))
	if err != nil {
		return nil, bad(err.Error())
	}
	// The counts in the metadata size what is allocated below: each
	// optimizer buffer is one entry of the parameter block.
	switch {
	case c.Step < 0 || c.OptSteps < 0:
		return nil, bad(fmt.Sprintf("negative step count (%d, optimizer %d)", c.Step, c.OptSteps))
	case c.OptBufs < 0 || c.OptBufs > len(ps):
		return nil, bad(fmt.Sprintf("%d optimizer buffers in a file of %d entries", c.OptBufs, len(ps)))
	}
	c.opt = make([][]float64, c.OptBufs)
	for _, p := range ps {
		var i int
		switch {
		case len(p.Name) > 6 && p.Name[:6] == "param/":
			c.params[p.Name[6:]] = p.Value
		case len(p.Name) > 4 && p.Name[:4] == "ema/":
			c.ema[p.Name[4:]] = p.Value
		case strings.HasPrefix(p.Name, "state/"):
			c.state = append(c.state, nn.Param{Name: p.Name[6:], Value: p.Value})
		case p.Name == "buffer": // persistent CD's replay buffer, before loss.State
			c.state = append(c.state, p)
		default:
			if _, err := fmt.Sscanf(p.Name, "opt/%d", &i); err != nil || i < 0 || i >= c.OptBufs {
				return nil, bad("unknown entry " + p.Name)
			}
			c.opt[i] = p.Value.Data()
		}
	}
	return c, nil
}

// optState converts between a checkpoint and an optimizer state.
func optState(c *checkpoint) optim.State { return optim.State{Steps: c.OptSteps, Buffers: c.opt} }

// exact returns t as float64 for the checkpoint: a float32 network's
// parameters are float64 values between steps (the optimizer updates them in
// float64), and resuming must go on from exactly those.
func exact(t *tensor.Tensor) *tensor.Tensor { return t.Detach().SetPrecision(tensor.Float64) }
