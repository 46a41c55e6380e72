package xla

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

// Devices returns every device the backend reports, 0 … NumDevices − 1:
// the GPUs of one host on a CUDA plugin, one device on the pure-Go
// backend.
func Devices(b compute.Backend) []compute.DeviceNum {
	devs := make([]compute.DeviceNum, b.NumDevices())
	for i := range devs {
		devs[i] = compute.DeviceNum(i)
	}
	return devs
}

// ParseDevices reads a list of devices of b as a command line gives it:
// "all" (Devices) or their numbers, "0" or "0,2,3". A device may be named
// more than once ("0,0"): its shards then run side by side on it, which is
// how sharding is checked on a one-device backend.
func ParseDevices(b compute.Backend, s string) ([]compute.DeviceNum, error) {
	if s == "" || s == "all" {
		return Devices(b), nil
	}
	have := b.NumDevices()
	var devs []compute.DeviceNum
	for f := range strings.SplitSeq(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 0 || d >= have {
			return nil, fmt.Errorf("xla: device %q in %q: want all, or numbers from 0 to %d: %w", f, s, have-1, ErrInvalid)
		}
		devs = append(devs, compute.DeviceNum(d))
	}
	return devs, nil
}

// checkDevices checks a list of devices of b for Spread.
func checkDevices(b compute.Backend, devs []compute.DeviceNum) error {
	if len(devs) == 0 {
		return fmt.Errorf("xla: spreading over no devices: %w", ErrInvalid)
	}
	for _, d := range devs {
		if int(d) < 0 || int(d) >= b.NumDevices() {
			return fmt.Errorf("xla: device %d: the backend has devices 0 to %d: %w", d, b.NumDevices()-1, ErrInvalid)
		}
	}
	return nil
}

// onEach runs f(i) for i < n, each on its own goroutine when n > 1 (a
// shard per device, the devices working at once), and returns the first
// error by index.
func onEach(n int, f func(i int) error) error {
	if n == 1 {
		return f(0)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// replicas returns the tensors ts placed on each of the devices devs, in
// devs's order: a tensor itself where it is on that device (or was on
// none, and is now put there), else a copy. GoMLX neither moves a tensor
// from one device to another when a graph needs it there nor places one
// safely from several goroutines at once, so each shard's goroutine gets
// its own, placed here first.
func replicas(b compute.Backend, ts []*tensors.Tensor, devs []compute.DeviceNum) ([][]*tensors.Tensor, error) {
	out := make([][]*tensors.Tensor, len(devs))
	done := map[compute.DeviceNum][]*tensors.Tensor{}
	for i, dev := range devs {
		if r, ok := done[dev]; ok {
			out[i] = r
			continue
		}
		r := make([]*tensors.Tensor, len(ts))
		for j, t := range ts {
			var err error
			switch {
			case t.IsOnDevice(dev):
				r[j] = t
			case !t.IsOnAnyDevice():
				r[j], err = t, t.MaterializeOnDevice(b, b.HasSharedBuffers(), dev)
			default:
				r[j], err = t.OnDeviceClone(b, dev)
			}
			if err != nil {
				return nil, fmt.Errorf("xla: placing a tensor on device %d: %w", dev, err)
			}
		}
		done[dev], out[i] = r, r
	}
	return out, nil
}

// split cuts a float32 tensor along axis into parts equal blocks; the
// axis's length must be a multiple of parts. One part is t itself.
func split(t *tensors.Tensor, axis, parts int) ([]*tensors.Tensor, error) {
	dims := t.Shape().Dimensions
	if axis >= len(dims) || dims[axis]%parts != 0 {
		return nil, fmt.Errorf("xla: an input of shape %v does not split into %d equal shards along axis %d (one per device): %w", dims, parts, axis, ErrInvalid)
	}
	sizes := make([]int, parts)
	for i := range sizes {
		sizes[i] = dims[axis] / parts
	}
	return cut(t, axis, sizes)
}

// blocks returns the sizes of parts blocks of n rows, in order, as equal
// as can be: the first n mod parts one longer.
func blocks(n, parts int) []int {
	sizes := make([]int, parts)
	for i := range sizes {
		sizes[i] = n / parts
		if i < n%parts {
			sizes[i]++
		}
	}
	return sizes
}

// cut cuts a float32 tensor along axis into blocks of the given sizes,
// which sum to the axis's length. One block is t itself.
func cut(t *tensors.Tensor, axis int, sizes []int) ([]*tensors.Tensor, error) {
	if len(sizes) == 1 {
		return []*tensors.Tensor{t}, nil
	}
	if t.DType() != dtype {
		return nil, fmt.Errorf("xla: an input of %s; want %s: %w", t.DType(), dtype, ErrInvalid)
	}
	dims := t.Shape().Dimensions
	outer, inner := 1, 1
	for _, n := range dims[:axis] {
		outer *= n
	}
	for _, n := range dims[axis+1:] {
		inner *= n
	}
	flat := tensors.MustCopyFlatData[float32](t)
	out := make([]*tensors.Tensor, len(sizes))
	start := 0 // the block's first index along axis
	for p, size := range sizes {
		v := make([]float32, 0, outer*size*inner)
		for o := range outer {
			at := (o*dims[axis] + start) * inner
			v = append(v, flat[at:at+size*inner]...)
		}
		d := append([]int(nil), dims...)
		d[axis] = size
		out[p] = tensors.FromFlatDataAndDimensions(v, d...)
		start += size
	}
	return out, nil
}

// concatRows joins float32 tensors along their first axis. One tensor is
// returned itself.
func concatRows(ts []*tensors.Tensor) *tensors.Tensor {
	if len(ts) == 1 {
		return ts[0]
	}
	var v []float32
	dims := append([]int(nil), ts[0].Shape().Dimensions...)
	dims[0] = 0
	for _, t := range ts {
		v = append(v, tensors.MustCopyFlatData[float32](t)...)
		dims[0] += t.Shape().Dimensions[0]
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}
