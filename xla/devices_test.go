package xla

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestParseDevices(t *testing.T) {
	b := testBackend(t)
	all := Devices(b)
	if len(all) != b.NumDevices() || all[0] != 0 {
		t.Fatalf("Devices = %v for a backend of %d", all, b.NumDevices())
	}
	for _, tc := range []struct {
		in   string
		want []compute.DeviceNum
	}{
		{"", all}, {"all", all}, {"0", []compute.DeviceNum{0}}, {"0,0", []compute.DeviceNum{0, 0}}, {"0, 0,0", []compute.DeviceNum{0, 0, 0}},
	} {
		got, err := ParseDevices(b, tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseDevices(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	n := b.NumDevices()
	for _, bad := range []string{"x", "-1", "0,x", "0,-1", "0,", strconv.Itoa(n), "0," + strconv.Itoa(n)} {
		if got, err := ParseDevices(b, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDevices(%q) = %v, %v; want ErrInvalid", bad, got, err)
		}
	}
}

// TestCutAndConcat checks the shards of a [2, 4, 3] tensor along each axis
// against the values they must hold, and that the chains' blocks join
// back.
func TestCutAndConcat(t *testing.T) {
	v := make([]float64, 24)
	for i := range v {
		v[i] = float64(i)
	}
	x := Tensor(v, 2, 4, 3)
	parts, err := split(x, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	// element (i, j, k) is 12i + 3j + k; shard p of axis 1 holds j = 2p, 2p+1
	for p, s := range parts {
		var want []float64
		for i := range 2 {
			for j := 2 * p; j < 2*p+2; j++ {
				for k := range 3 {
					want = append(want, float64(12*i+3*j+k))
				}
			}
		}
		if got := Float64s(s); !slices.Equal(got, want) || !slices.Equal(s.Shape().Dimensions, []int{2, 2, 3}) {
			t.Errorf("shard %d along axis 1: %v %v, want %v [2 2 3]", p, s.Shape(), got, want)
		}
	}
	rows, err := cut(Tensor(v, 8, 3), 0, blocks(8, 3))
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{rows[0].Shape().Dimensions[0], rows[1].Shape().Dimensions[0], rows[2].Shape().Dimensions[0]}; !slices.Equal(got, []int{3, 3, 2}) {
		t.Errorf("8 rows in 3 blocks: %v, want [3 3 2]", got)
	}
	if got := Float64s(concatRows(rows)); !slices.Equal(got, v) {
		t.Errorf("blocks joined: %v, want %v", got, v)
	}
	if _, err := split(x, 1, 3); !errors.Is(err, ErrInvalid) {
		t.Errorf("4 rows in 3 equal shards: %v, want ErrInvalid", err)
	}
	if _, err := split(tensors.FromFlatDataAndDimensions([]float64{1, 2}, 2), 0, 2); !errors.Is(err, ErrInvalid) {
		t.Errorf("a float64 input: %v, want ErrInvalid", err)
	}
}

// twoShards is device 0 twice: on any backend, a batch in two shards run
// side by side.
var twoShards = []compute.DeviceNum{0, 0}

// TestTrainerSpread checks that data-parallel training steps over two
// shards follow one device's steps (losses and parameters within
// float32Tol, 5 steps with clipping), for DSM, SSM (whose probes shard
// along their second axis) and CD (two sets of points), and that a batch
// that does not split is refused.
func TestTrainerSpread(t *testing.T) {
	const n, d, steps = 16, 2, 5
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(7, 7))
	_, _, x := testMLP(t, 5, n, d)
	in := map[string][]*tensors.Tensor{
		"DSM": {Tensor(x, n, d), Tensor(randn(rng, n*d), n, d)},
		"SSM": {Tensor(x, n, d), Tensor(randn(rng, 3*n*d), 3, n, d)},
		"CD":  {Tensor(x, n, d), Tensor(randn(rng, n/2*d), n/2, d)},
	}
	for name, l := range map[string]Loss{"DSM": DSM{Sigma: 0.1}, "SSM": SSM{}, "CD": CD{RegWeight: 0.1}} {
		var losses [2][]float64
		var params [2][][]float64
		for run, devs := range [][]compute.DeviceNum{{0}, twoShards} {
			_, m, _ := testMLP(t, 5, n, d)
			tr, err := NewTrainer(b, l, m, Adam{LR: 1e-2, ClipNorm: 1})
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Spread(devs); err != nil {
				t.Fatal(err)
			}
			for range steps {
				v, err := tr.Step(in[name]...)
				if err != nil {
					t.Fatal(err)
				}
				losses[run] = append(losses[run], v)
			}
			for _, p := range m.Params() {
				params[run] = append(params[run], Float64s(p))
			}
		}
		near(t, name+" losses, two shards", losses[1], losses[0], float32Tol)
		for i := range params[0] {
			near(t, name+" parameters, two shards", params[1][i], params[0][i], float32Tol)
		}
	}
	_, m, _ := testMLP(t, 5, n, d)
	tr, err := NewTrainer(b, DSM{}, m, Adam{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Spread([]compute.DeviceNum{0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(in["DSM"]...); !errors.Is(err, ErrInvalid) {
		t.Errorf("16 points over 3 devices: %v, want ErrInvalid", err)
	}
	if err := tr.Spread(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("no devices: %v, want ErrInvalid", err)
	}
	if err := tr.Spread([]compute.DeviceNum{compute.DeviceNum(b.NumDevices())}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a device past the backend's: %v, want ErrInvalid", err)
	}
}

// TestChainsSpread checks Langevin chains shared out over three shards of
// uneven size: the target's moments, the same chains from the same seed,
// blocks that draw different noise from the same start, and an
// acceptance rate over every block (MALA).
func TestChainsSpread(t *testing.T) {
	const eta, n = 0.05, 3001
	b := testBackend(t)
	spread := func(k Kernel, n, steps int, seed int64) *Chains {
		t.Helper()
		c, err := NewChains(b, gauss, k, Tensor(make([]float64, n*2), n, 2), seed)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Spread([]compute.DeviceNum{0, 0, 0}); err != nil {
			t.Fatal(err)
		}
		if err := c.Unroll(4); err != nil {
			t.Fatal(err)
		}
		if err := c.Run(steps); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := spread(Langevin{StepSize: eta}, n, 150, 1)
	x := Float64s(c.X())
	if len(x) != 2*n || len(Float64s(c.Energies())) != n {
		t.Fatalf("%d values and %d energies for %d chains", len(x), len(Float64s(c.Energies())), n)
	}
	want := make([]float64, 2)
	for j, p := range gaussPrec {
		want[j] = 2 / (p * (2 - eta*p))
	}
	checkMoments(t, "Langevin on three shards", x, 2, gaussMean, want)

	a, a2 := Float64s(spread(Langevin{StepSize: eta}, 6, 5, 9).X()), Float64s(spread(Langevin{StepSize: eta}, 6, 5, 9).X())
	near(t, "same seed", a, a2, 0)
	// blocks of two chains, all started at the origin
	if a[0] == a[4] || a[4] == a[8] || a[0] == a[8] {
		t.Errorf("blocks draw the same noise: first chains %v, %v, %v", a[0], a[4], a[8])
	}

	m := spread(MALA{StepSize: 0.5}, 300, 20, 3)
	if r := m.AcceptRate(); !(r > 0.2 && r < 0.99) {
		t.Errorf("MALA's acceptance over three shards: %.3f", r)
	}
	if err := m.Restart(Tensor(make([]float64, 300*2), 300, 2)); err != nil {
		t.Fatal(err)
	}
	if err := m.Spread(twoShards); !errors.Is(err, ErrInvalid) {
		t.Errorf("spreading chains that have run: %v, want ErrInvalid", err)
	}
	few, err := NewChains(b, gauss, Langevin{}, Tensor(make([]float64, 4), 2, 2), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := few.Spread([]compute.DeviceNum{0, 0, 0}); !errors.Is(err, ErrInvalid) {
		t.Errorf("2 chains over 3 devices: %v, want ErrInvalid", err)
	}
}
