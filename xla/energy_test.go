package xla

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestMLPEnergyMatchesGoebm checks E and ∇ₓE of MLPs built from goebm
// networks, one per supported activation, against goebm's float64 engine
// on a random batch, within float32Tol.
func TestMLPEnergyMatchesGoebm(t *testing.T) {
	b := testBackend(t)
	const n, d = 16, 3
	for i, act := range []nn.Activation{nn.SiLU(), nn.GELU(), nn.Tanh(), nn.Softplus(), nn.Sigmoid(), nn.ELU(0.7), nn.LeakyReLU(0.1)} {
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		net, err := nn.NewMLP(rng, []int{d, 16, 16, 1}, act, nil)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := energy.NewModel(net, d)
		if err != nil {
			t.Fatal(err)
		}
		x := randn(rng, n*d)
		wantE, wantG := make([]float64, n), make([]float64, n*d)
		ref.Grad(wantE, wantG, x, d)

		m, err := FromMLP(net)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := NewEvaluator(b, m)
		if err != nil {
			t.Fatal(err)
		}
		e, g, err := ev.Eval(Tensor(x, n, d))
		if err != nil {
			t.Fatal(err)
		}
		near(t, act.Name+" energy", Float64s(e), wantE, float32Tol)
		near(t, act.Name+" gradient", Float64s(g), wantG, float32Tol)
	}
}

// TestTimeMLPMatchesGoebm checks a TimeMLP's v(x, t) against nn.TimeMLP's
// at random times.
func TestTimeMLPMatchesGoebm(t *testing.T) {
	b := testBackend(t)
	const n, d, k = 8, 2, 3
	rng := rand.New(rand.NewPCG(7, 7))
	net, err := nn.NewTimeMLP(rng, d, k, []int{16, 16}, d, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	x, ts := randn(rng, n*d), make([]float64, n)
	for i := range ts {
		ts[i] = rng.Float64()
	}
	want := net.ForwardT(nil, tensor.New(x, n, d), tensor.New(ts, n, 1)).Data()

	m, err := FromTimeMLP(net, d)
	if err != nil {
		t.Fatal(err)
	}
	np := len(m.Params())
	exec, err := NewExec(b, func(in []*Node) *Node { return m.ForwardT(in[:np], in[np], in[np+1]) })
	if err != nil {
		t.Fatal(err)
	}
	out, err := call(exec, m.Params(), Tensor(x, n, d), Tensor(ts, n, 1))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "v(x, t)", Float64s(out[0]), want, float32Tol)
}

// TestFromMLPRefuses checks that networks FromMLP cannot build are refused
// with ErrInvalid, and that CopyTo writes parameters back.
func TestFromMLPRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tm, err := nn.NewTimeMLP(rng, 2, 2, []int{4}, 1, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromMLP(tm); !errors.Is(err, ErrInvalid) {
		t.Errorf("FromMLP of a TimeMLP: %v, want ErrInvalid", err)
	}
	if _, err := FromTimeMLP(tm, 3); !errors.Is(err, ErrInvalid) {
		t.Errorf("FromTimeMLP of the wrong dimension: %v, want ErrInvalid", err)
	}
	net, _ := nn.NewMLP(rng, []int{2, 4, 1}, nn.Tanh(), nil)
	m, err := FromMLP(net)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := nn.NewMLP(rng, []int{2, 4, 1}, nn.Tanh(), nil)
	if err := m.CopyTo(other); err != nil {
		t.Fatal(err)
	}
	near(t, "copied weight", other.Params()[0].Value.Data(), Float64s(m.Params()[0]), 0)
	if err := m.SetParams([]*tensors.Tensor{m.Params()[0]}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetParams of one tensor: %v, want ErrInvalid", err)
	}
}

// TestNewBackendNoPlugin checks the one-line error of a missing plugin.
func TestNewBackendNoPlugin(t *testing.T) {
	_, err := NewBackend("xla:/nonexistent/xla_cuda_plugin.so")
	if !errors.Is(err, ErrNoBackend) {
		t.Fatalf("missing plugin: %v, want ErrNoBackend", err)
	}
	if _, err := NewBackend("xla:cuda"); !errors.Is(err, ErrNoBackend) {
		t.Errorf("relative plugin name: %v, want ErrNoBackend", err)
	}
}
