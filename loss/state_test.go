package loss

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

func pcdSettings() ContrastiveDivergence {
	return ContrastiveDivergence{K: 2, Persistent: true, BufferSize: 12, InitSteps: 3, NewSampleRatio: 0.2,
		Sampler: sampler.Langevin{StepSize: schedule.Constant(0.01)}}
}

// TestStateResumes: a persistent-CD run saved after two steps and restored
// into a fresh run of the same settings gives the same third loss, bit for
// bit, and two runs of one settings value do not share a buffer.
func TestStateResumes(t *testing.T) {
	net, _ := nn.NewMLP(rngOf(1), []int{2, 6, 1}, nn.SiLU(), nil)
	x := gaussianData(rngOf(2), 8, [2][2]float64{{1, 0}, {0.2, 0.7}})
	cd := pcdSettings()
	a, sa := cd.Start()
	src := rand.NewPCG(3, 0)
	rng := rand.New(src)
	var first float64
	for i := range 2 {
		v, err := a.Loss(nil, net, x, rng)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = v.Item()
		}
	}
	saved := sa.Save()
	for i := range saved {
		saved[i].Value = saved[i].Value.Clone() // a checkpoint's copy
	}
	srcB := *src
	rngB := rand.New(&srcB)
	want, err := a.Loss(nil, net, x, rng)
	if err != nil {
		t.Fatal(err)
	}
	b, sb := cd.Start()
	if err := sb.Restore(saved); err != nil {
		t.Fatal(err)
	}
	got, err := b.Loss(nil, net, x, rngB)
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(got.Item()) != math.Float64bits(want.Item()) {
		t.Errorf("restored run: loss %v, want %v", got.Item(), want.Item())
	}
	c, _ := cd.Start()
	if v, err := c.Loss(nil, net, x, rngOf(3)); err != nil || v.Item() != first {
		t.Errorf("a second run of the same settings: first loss %v (%v), want %v", v, err, first)
	}
}

// TestStateRefusesMisfits: each state refuses what does not fit its
// settings and keeps what it had.
func TestStateRefusesMisfits(t *testing.T) {
	net, _ := nn.NewMLP(rngOf(1), []int{2, 6, 1}, nn.SiLU(), nil)
	x := tensor.Randn(rngOf(2), 8, 2)
	param := func(name string, v ...float64) nn.Param { return nn.Param{Name: name, Value: tensor.New(v, len(v))} }
	buffer := func(rows, d int) nn.Param { return nn.Param{Name: "buffer", Value: tensor.Zeros(rows, d)} }
	for name, c := range map[string]struct {
		l   Stateful[nn.Module]
		bad []nn.Param
	}{
		"pcd, buffer of another size":  {pcdSettings(), []nn.Param{buffer(11, 2)}},
		"pcd, unknown entry":           {pcdSettings(), []nn.Param{param("steps", 3)}},
		"pcd, two buffers":             {pcdSettings(), []nn.Param{buffer(12, 2), buffer(12, 2)}},
		"cd without a buffer":          {ContrastiveDivergence{BufferSize: 12}, []nn.Param{buffer(12, 2)}},
		"nce, any state":               {NCE{}, []nn.Param{param("steps", 1)}},
		"fce, any state":               {FCE{Flow: mustFlow(t, []float64{0, 0}, []float64{1, 0, 0, 1})}, []nn.Param{param("steps", 1)}},
		"em, negative step count":      {EnergyMatching{}, []nn.Param{param("steps", -1)}},
		"em, fractional step count":    {EnergyMatching{}, []nn.Param{param("steps", 2.5)}},
		"em, no step count":            {EnergyMatching{}, nil},
		"em, step count of two values": {EnergyMatching{}, []nn.Param{param("steps", 1, 2)}},
	} {
		l, st := c.l.Start()
		if _, err := l.Loss(nil, net, x, rngOf(4)); err != nil {
			t.Fatal(err)
		}
		before := st.Save()
		snap := make([][]float64, len(before))
		for i, p := range before {
			snap[i] = slices.Clone(p.Value.Data())
		}
		if err := st.Restore(c.bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
		after := st.Save()
		if len(after) != len(before) {
			t.Fatalf("%s: %d state entries after a refusal, %d before", name, len(after), len(before))
		}
		for i, p := range after {
			if !slices.Equal(p.Value.Data(), snap[i]) {
				t.Errorf("%s: entry %q changed by a refused restore", name, p.Name)
			}
		}
	}
}

// TestPersistentBufferDimension: a buffer made in one dimension refuses a
// batch of another instead of starting afresh unnoticed.
func TestPersistentBufferDimension(t *testing.T) {
	l, _ := pcdSettings().Start()
	net2, _ := nn.NewMLP(rngOf(1), []int{2, 4, 1}, nn.SiLU(), nil)
	net3, _ := nn.NewMLP(rngOf(1), []int{3, 4, 1}, nn.SiLU(), nil)
	if _, err := l.Loss(nil, net2, tensor.Randn(rngOf(2), 4, 2), rngOf(3)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Loss(nil, net3, tensor.Randn(rngOf(2), 4, 3), rngOf(3)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a batch of dimension 3 after a buffer of 2: error %v, want ErrInvalid", err)
	}
}

// still is a sampler that leaves the chains where they start and records
// the energy it was given and the number of steps.
type still struct {
	e     *energy.Energy
	steps *int
}

func (s still) Sample(_ context.Context, e energy.Energy, o sampler.Options) (*sampler.Result, error) {
	*s.e, *s.steps = e, o.Steps
	return &sampler.Result{Dim: o.Dim, Chains: len(o.Init) / o.Dim, Final: slices.Clone(o.Init)}, nil
}

// TestEnergyMatchingSampler: with a Sampler, energy matching hands it V/ε_max
// and K steps. A sampler that does not move leaves the negatives at the
// data rows, so the contrastive term λ(mean V(data) − mean V(negatives)) is
// zero and the loss is the flow term alone.
func TestEnergyMatchingSampler(t *testing.T) {
	net, _ := nn.NewMLP(rngOf(1), []int{2, 8, 1}, nn.SiLU(), nil)
	x := tensor.Randn(rngOf(2), 16, 2)
	var got energy.Energy
	var steps int
	em := EnergyMatching{NoiseFraction: -1, TrimFraction: -1, Clamp: -1, EpsMax: 0.2, LangevinSteps: 7, Sampler: still{&got, &steps}}
	v, err := em.Loss(nil, net, x, rngOf(3))
	if err != nil {
		t.Fatal(err)
	}
	flow := em
	flow.LambdaCD = -1
	want, err := flow.Loss(nil, net, x, rngOf(3))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(v.Item()-want.Item()) > 1e-12 {
		t.Errorf("loss %.15g with still negatives, want the flow term %.15g", v.Item(), want.Item())
	}
	if steps != 7 {
		t.Errorf("the sampler ran %d steps, want 7", steps)
	}
	pt := []float64{0.3, -0.4}
	e := []float64{0}
	got.Energy(e, pt, 2)
	if v := net.Forward(nil, tensor.New(slices.Clone(pt), 1, 2)).Item() / 0.2; math.Abs(e[0]-v) > 1e-12 {
		t.Errorf("the sampler's energy at %v is %g, want V/ε_max = %g", pt, e[0], v)
	}
}
